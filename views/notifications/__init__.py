"""The notification inbox behind the bell.

- `inbox.py`: The notification inbox behind the bell: list, mark one read, mark all read.
"""
