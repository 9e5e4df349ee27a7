"""The audit log's pages: every change in words, with undo.

- `log.py`: The audit log: every change to people, departments and roles, in words, with undo.
"""
