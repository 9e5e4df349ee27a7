"""The header search: one box, results grouped by kind; each area registers its group.

- `header.py`: The header search: one box, results grouped by kind (people now; later issues add
  more).
"""
