"""Administration: the rules behind the pages only administrators open that are not people,
departments or roles themselves (those are in portal/people and portal/security).

- `classifiers.py`: the admin-editable lists of client records (industries, sources, results...):
  adding, renaming, reordering, retiring and deleting an entry, and what the form posts.
"""
