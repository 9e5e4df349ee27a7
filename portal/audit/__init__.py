"""The audit log: every change in words, and undoing one. Areas describe their own tables from their
includeme (`register_table`, `register_name_kind`...).

- `log.py`: The audit log in words (DESIGN.md §7); undoing a change is in portal/audit/revert.py.
- `revert.py`: Undo one audited change (one Continuum transaction), itself recorded as a new
  change.
"""
