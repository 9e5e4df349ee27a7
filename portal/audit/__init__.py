"""The audit log: every change in words, and undoing one. Each area describes its own tables from its
includeme (register_table, register_name_kind, register_related).

- `log.py`: The audit log in words (DESIGN.md §7); undoing a change is in portal/audit/revert.py.
- `revert.py`: Undo one audited change (one Continuum transaction), itself recorded as a new
  change.
"""
