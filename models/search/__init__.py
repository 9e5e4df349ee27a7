"""Full-text search behind one interface (DESIGN.md §7), for every area.

Each searchable kind of object has one row in `search_documents` (kind, object_id, title, body):
folded text built by the area's `document(obj)` function. The database indexes it:

* SQLite: the FTS5 table `search_fts` (external content = search_documents, unicode61 with
  diacritics removed, prefix indexes), kept in step by triggers on search_documents; ranked
  with bm25 (title weighs 10×).
* PostgreSQL: the generated column `search_documents.tsv` = title (weight A) + body (weight B)
  through the `russian` configuration (Russian snowball stemming for Cyrillic words, English
  for Latin ones), with a GIN index; ranked with ts_rank.

Both sides are made by the area's migration; neither is described by the metadata, and
Alembic's env.py leaves them out of autogenerate (`is_search_object`).

An area uses it in three steps:

1. ``register(config, "organization", Organization, document)`` where ``document(obj) -> (title, body)``;
2. ``touches(config, Phone, lambda phone: owners(phone, "organization", "contact"))`` for rows whose
   change must refresh other objects' documents;
3. ``hits(dbsession, "organization", q)`` → a subquery (object_id, rank) to join with the model,
   add `portal.security.filters.sql_filter(...)` and order by rank; or ``search(dbsession, kind, q,
   where=[permission filter, other filters], limit=20)`` → one page of (object, score) best
   first, the filter joined in the same SQL, and ``snippet(text, highlight_terms(...))`` for
   each result's text with the matched words marked.

Documents follow the ORM on every flush (after_flush collects, after_flush_postexec writes).
Rows inserted with Core (demo, benchmark, import) are indexed with `index_documents()` or
`reindex()`.
"""
from __future__ import annotations

from models.people import fold  # noqa: F401  (documents and queries are folded alike)
from models.search.ddl import (  # noqa: F401
    POSTGRESQL_DDL,
    POSTGRESQL_DROP,
    SQLITE_DDL,
    SQLITE_DROP,
    UNMANAGED_TABLES,
    create_search_objects,
    drop_search_objects,
    is_search_object,
    unmanaged_table,
)
from models.search.index import (  # noqa: F401  (the interface, re-exported)
    DOCUMENTS,
    FTS_TABLE,
    ID_SPAN,
    INDEXED,
    KINDS,
    MAX_TERMS,
    NOISE_WORDS,
    PHONE_QUERY_RE,
    TERM_RE,
    TOUCHES,
    Indexed,
    SearchDocument,
    changed,
    document_id,
    index_documents,
    install_listeners,
    owners,
    query_terms,
    register,
    reindex,
    remove_documents,
    text_of,
    touches,
)
from models.search.query import (  # noqa: F401  (the interface, re-exported)
    BM25,
    COUNT_CAP,
    PREVIEW_CAP,
    PREVIEW_SCAN,
    RANK_LIMIT,
    Found,
    Match,
    Preview,
    highlight_terms,
    hits,
    ids_of,
    match,
    preview,
    search,
    snippet,
)
