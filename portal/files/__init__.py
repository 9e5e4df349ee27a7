"""Files people attach to articles, tasks and client cards: checked by their content, stored once by
content hash, served only to those who may see what they belong to.

- `storage.py`: Files people attach (to articles, tasks, client cards): checked, stored once by
  content, served safely. Each area keeps its own table of what is attached where (name, size,
  type, who, when); this module holds what they share.
"""
