"""The search objects the migrations make by hand (FTS5 table and triggers on SQLite, the
generated tsvector column and its GIN index on PostgreSQL), and how to tell them from the
tables the models describe (`is_search_object`, for Alembic's autogenerate)."""
from __future__ import annotations

from models.search.index import DOCUMENTS, FTS_TABLE

# --- schema objects the migrations make by hand ------------------------------------------------

SQLITE_DDL = [
    f"""CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(
        title, body, content='search_documents', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2', prefix='2 3')""",
    f"""CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN
        INSERT INTO {FTS_TABLE}(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
    f"""CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
    END""",
    f"""CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
        INSERT INTO {FTS_TABLE}(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS search_documents_au",
    "DROP TRIGGER IF EXISTS search_documents_ad",
    "DROP TRIGGER IF EXISTS search_documents_ai",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]
POSTGRESQL_DDL = [
    """ALTER TABLE search_documents ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('russian'::regconfig, coalesce(title, '')), 'A') ||
        setweight(to_tsvector('russian'::regconfig, coalesce(body, '')), 'B')) STORED""",
    "CREATE INDEX ix_search_documents_tsv ON search_documents USING gin (tsv)",
]
POSTGRESQL_DROP = [
    "DROP INDEX IF EXISTS ix_search_documents_tsv",
    "ALTER TABLE search_documents DROP COLUMN IF EXISTS tsv",
]


def create_search_objects(bind) -> None:
    """The FTS5 table and triggers (SQLite) or tsvector column and GIN index (PostgreSQL)."""
    for statement in SQLITE_DDL if bind.dialect.name == "sqlite" else POSTGRESQL_DDL:
        bind.exec_driver_sql(statement)


def drop_search_objects(bind) -> None:
    for statement in SQLITE_DROP if bind.dialect.name == "sqlite" else POSTGRESQL_DROP:
        bind.exec_driver_sql(statement)


# Full-text tables made by hand that the metadata leaves out (FTS5 tables and their shadow
# tables "<name>_data", "<name>_idx"...). An area with its own adds it: unmanaged_table("x_fts").
UNMANAGED_TABLES: set[str] = {FTS_TABLE}


def unmanaged_table(name: str) -> None:
    """Tell Alembic's autogenerate (and the migrations test) to leave table `name` alone."""
    UNMANAGED_TABLES.add(name)


def is_search_object(name: str | None, table: str | None = None) -> bool:
    """Whether a reflected table, column or index is one the metadata leaves out on purpose."""
    if name is None:
        return False
    if any(name == t or name.startswith(t + "_") for t in UNMANAGED_TABLES):
        return True
    return table == DOCUMENTS.name and name in ("tsv", "ix_search_documents_tsv")
