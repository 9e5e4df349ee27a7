"""The knowledge base's pages (templates in views/templates/kb/).

- `home.py`: /kb (the home page), the folder pages, the knowledge base's block of My day, and
  the helpers every knowledge-base page uses.
- `articles.py`: an article: reading, writing (new and edit, with a preview), feedback,
  must-read confirmation and its report of readers.
- `versions.py`: an article's versions, one version, a comparison of two, restoring one.
- `delete_move.py`: deleting an article, moving it to another folder, its lasting link.
- `files.py`: an article's files and images, and serving them.
- `folders.py`: the folder forms (new, edit, move, delete) and the folder's Sharing page.
- `must_read.py`: /kb/must-read, who has not confirmed the must-read articles, and its export.
- `search.py`: /kb/search and the knowledge base's group of the header search.
"""
