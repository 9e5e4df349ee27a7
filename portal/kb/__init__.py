"""The knowledge base: folders and their sharing, articles and their versions, Markdown rendering,
attachments, must-read confirmations, search, and links for tickets.

- `articles.py`: Writing articles: new drafts and saves (every change of the text a version),
  restoring, "see also" links, what the workflow's steps do to an article (who is told).
- `audit.py`: The knowledge base in the audit log, in words (portal/audit/log.py's extension
  points).
- `delete_move.py`: Deleting an article and moving it to another folder: the checks and what goes
  with them.
- `diff.py`: Comparing two versions of an article, line by line with the changed words marked, or
  as readers see them with the blocks added and removed marked.
- `files.py`: Attachments and images of articles: checked by their content, stored content-
  addressed.
- `folders.py`: Knowledge-base folders: create, rename, move, delete, with the checks that keep
  the tree a tree and every address unique.
- `links.py`: The interface of the knowledge base for tickets (issue 6): link articles to tickets,
  list a ticket's articles, and suggest articles for a ticket's text.
- `markdown.py`: Article bodies: Markdown rendered by markdown-it-py, then sanitized by nh3
  (ammonia).
- `must_read.py`: Must-read articles: who is concerned, who has confirmed the current version,
  reminders, and the reports of who has not confirmed yet (issue 5).
- `notices.py`: The knowledge base's notifications, each in its recipient's language.
- `reading.py`: Reading an article: readers counted once, "was this helpful?" answers.
- `review.py`: Review rules of a folder (publishing by a second person, changes of published
  articles through review or marked "published without review"), who will review, and an
  article's history in words.
- `resources.py`: /kb: the knowledge base's section of the tree, folders and articles below it,
  and their addresses.
- `schemas.py`: What may be typed: the rules for addresses, tags, titles and texts, and the
  colander schemas that read every knowledge-base form.
- `search.py`: Full-text search over articles, through the one search interface of the portal
  (models/search.py, DESIGN.md §7): an article is a document of kind "article" — its title and tags
  (weighed most), its summary and text — in ``search_documents``, indexed by SQLite FTS5 (every
  word of the query matched as a word beginning: "настрой" finds "настройка") or by a PostgreSQL
  tsvector with Russian and English stemming ("отпуском" finds "отпуск").
- `security.py`: Security of the knowledge base: the folder tree, folder and article ACLs, and the
  same rules as SQL for listings and search (DESIGN.md §5).

The includeme binds all of it to the portal: the rows' ACLs, local roles and children
(security.py, resources.py), the /kb section, the search kind, the rendered text that follows an
article's body and the workflow subscriber (articles.py), the audit log's words (audit.py).
"""


def includeme(config) -> None:
    config.include(".security")
    config.include(".resources")
    config.include(".search")
    config.include(".articles")
    config.include(".audit")
    # Anything else marked by the registries' decorators (ticker jobs, feed providers...).
    config.scan("portal.kb", categories=("portal",))
