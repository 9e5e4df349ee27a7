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
`_ignore_search_objects` below tells Alembic's autogenerate to leave them alone.

An area uses it in three steps:

1. ``register("organization", Organization, document)`` where ``document(obj) -> (title, body)``;
2. ``touches(Phone, lambda phone: owners(phone, "organization", "contact"))`` for rows whose
   change must refresh other objects' documents;
3. ``hits(dbsession, "organization", q)`` → a subquery (object_id, rank) to join with the model,
   add `portal.security.sql_filter(...)` and order by rank.

Documents follow the ORM on every flush (after_flush collects, after_flush_postexec writes).
Rows inserted with Core (demo, benchmark, import) are indexed with `index_documents()` or
`reindex()`.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.meta import Base, UTCDateTime, utcnow
from models.people import fold

FTS_TABLE = "search_fts"
MAX_TERMS = 8
TERM_RE = re.compile(r"\w+")
_PENDING = "search_pending"


# A document's id is its kind's code × ID_SPAN + the object's id, so that on SQLite the FTS5
# rowid alone says the kind (a rowid range) and the object (rowid - code × ID_SPAN): searching
# one kind needs no join.
ID_SPAN = 10_000_000_000


class SearchDocument(Base):
    __tablename__ = "search_documents"
    __table_args__ = (sa.UniqueConstraint("kind", "object_id"),)

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                                    primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(sa.Text, default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


DOCUMENTS = SearchDocument.__table__


# --- registry -----------------------------------------------------------------------------------

@dataclass
class Indexed:
    kind: str
    model: type
    document: Callable[[object], tuple[str, str]]
    code: int


INDEXED: dict[type, Indexed] = {}
KINDS: dict[str, Indexed] = {}
TOUCHES: dict[type, list[Callable[[object], Iterable[object]]]] = {}


def register(kind: str, model: type, document: Callable[[object], tuple[str, str]],
             code: int) -> None:
    """Index objects of `model` as `kind`; ``document(obj)`` returns their (title, body).

    `code` is the kind's number in document ids, unique and never changed (1 organization,
    2 contact; other areas take the next free one).
    """
    if not 0 < code < 900:
        raise ValueError("a search kind's code is 1..899")
    taken = {i.code: i.kind for i in KINDS.values()}
    if taken.get(code, kind) != kind:
        raise ValueError(f"search kind code {code} is taken by {taken[code]}")
    indexed = Indexed(kind, model, document, code)
    INDEXED[model] = indexed
    KINDS[kind] = indexed


def document_id(kind: str, object_id: int) -> int:
    return KINDS[kind].code * ID_SPAN + object_id


def touches(model: type, related: Callable[[object], Iterable[object]]) -> None:
    """When a `model` row is added, changed or deleted, refresh the documents of `related(row)`."""
    TOUCHES.setdefault(model, []).append(related)


def owners(obj, *attrs: str) -> list:
    """The objects `obj` refers to through relationships `attrs`, now and before this flush."""
    state = sa.inspect(obj)
    session = state.session
    out = []

    def add(value) -> None:
        if value is not None and not any(value is o for o in out):
            out.append(value)

    for attr in attrs:
        history = state.attrs[attr].history
        for value in (*history.added, *history.unchanged, *history.deleted):
            add(value)
        # Set through the foreign key column (contact.organization_id = 5): look both up.
        relationship = state.mapper.relationships[attr]
        target = relationship.mapper.class_
        for column in relationship.local_columns:
            key = state.mapper.get_property_by_column(column).key
            column_history = state.attrs[key].history
            for value in (*column_history.added, *column_history.unchanged,
                          *column_history.deleted):
                if value is not None and session is not None:
                    add(session.get(target, value))
    return out


def changed(obj, *attrs: str) -> bool:
    """Whether any of `attrs` changed in this flush (true for new objects)."""
    state = sa.inspect(obj)
    return state.pending or any(state.attrs[a].history.has_changes() for a in attrs)


def text_of(*parts) -> str:
    """Folded text of the non-empty parts, one space apart (what documents are made of)."""
    return " ".join(fold(str(p)) for p in parts if p not in (None, ""))


# --- keeping documents in step with the ORM ------------------------------------------------------

@event.listens_for(Session, "after_flush")
def _collect(session, flush_context) -> None:
    if not INDEXED:
        return
    pending: dict = session.info.setdefault(_PENDING, {})

    def want(obj) -> None:
        indexed = INDEXED.get(type(obj))
        if indexed is not None and obj.id is not None:
            pending.setdefault((indexed.kind, obj.id), obj)

    for obj in (*session.new, *session.dirty, *session.deleted):
        if type(obj) in INDEXED:
            want(obj)
        for related in TOUCHES.get(type(obj), ()):
            for other in related(obj):
                want(other)
    for obj in session.deleted:
        indexed = INDEXED.get(type(obj))
        if indexed is not None:
            pending[(indexed.kind, obj.id)] = None


@event.listens_for(Session, "after_flush_postexec")
def _write(session, flush_context) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    gone, rows = [], []
    for (kind, object_id), obj in pending.items():
        state = sa.inspect(obj) if obj is not None else None
        if state is None or state.deleted or state.was_deleted or state.detached:
            gone.append((kind, object_id))
        else:
            # Relationships may be stale when a foreign key was set directly
            # (contact.organization_id = 5): read them back from the flushed rows.
            session.expire(obj, [r.key for r in state.mapper.relationships])
            title, body = KINDS[kind].document(obj)
            rows.append((kind, object_id, title, body))
    connection = session.connection()
    for kind, object_id in gone:
        connection.execute(DOCUMENTS.delete().where(DOCUMENTS.c.id == document_id(kind, object_id)))
    by_kind: dict[str, list] = {}
    for kind, object_id, title, body in rows:
        by_kind.setdefault(kind, []).append((object_id, title, body))
    for kind, docs in by_kind.items():
        index_documents(connection, kind, docs)


def index_documents(connection, kind: str, docs: Iterable[tuple[int, str, str]],
                    batch: int = 2000, replace: bool = True) -> int:
    """Write (object_id, title, body) documents of `kind`, replacing any they had. Returns count.

    `replace=False` skips looking for old documents: for rows just inserted in bulk.
    """
    count = 0
    docs = list(docs)
    now = utcnow()
    base = KINDS[kind].code * ID_SPAN
    for start in range(0, len(docs), batch):
        chunk = docs[start:start + batch]
        if replace:
            connection.execute(DOCUMENTS.delete().where(
                DOCUMENTS.c.id.in_([base + d[0] for d in chunk])))
        connection.execute(DOCUMENTS.insert(), [
            {"id": base + oid, "kind": kind, "object_id": oid, "title": title or "",
             "body": body or "", "updated_at": now}
            for oid, title, body in chunk
        ])
        count += len(chunk)
    return count


def remove_documents(connection, kind: str, ids: Iterable[int]) -> None:
    connection.execute(DOCUMENTS.delete().where(
        DOCUMENTS.c.id.in_([document_id(kind, i) for i in ids])))


def reindex(session, kinds: Iterable[str] | None = None, batch: int = 500) -> int:
    """Rebuild the documents of `kinds` (default: all) from the ORM objects. Returns count."""
    _mark_changed(session)
    count = 0
    for kind in kinds or list(KINDS):
        indexed = KINDS[kind]
        connection = session.connection()
        connection.execute(DOCUMENTS.delete().where(DOCUMENTS.c.kind == kind))
        docs = []
        for obj in session.scalars(sa.select(indexed.model).execution_options(yield_per=batch)):
            docs.append((obj.id, *indexed.document(obj)))
            if len(docs) >= batch:
                count += index_documents(connection, kind, docs)
                docs = []
        count += index_documents(connection, kind, docs)
    return count


def _mark_changed(session) -> None:
    """Writes through the session's connection alone must still commit under pyramid_tm."""
    try:
        from zope.sqlalchemy import mark_changed
    except ImportError:  # pragma: no cover
        return
    mark_changed(session)


# --- querying -----------------------------------------------------------------------------------

PHONE_QUERY_RE = re.compile(r"^\+?[\d\s()\-.]+$")


def query_terms(q: str | None) -> list[str]:
    """The words of a query, folded (case, ё), at most MAX_TERMS.

    A query that looks like a phone number ("8 (495) 123-45-67", "123 45 67") is one term of
    its digits, a leading 8 of 11 digits read as 7, as phone numbers are indexed.
    """
    q = (q or "").strip()
    if PHONE_QUERY_RE.match(q):
        number = "".join(ch for ch in q if ch.isdigit())
        if len(number) >= 5:
            return ["7" + number[1:] if len(number) == 11 and number[0] == "8" else number]
    return [t for t in TERM_RE.findall(fold(q)) if t not in NOISE_WORDS][:MAX_TERMS]


# Words that say nothing about what is searched for and match nearly everything (legal forms
# such as "ООО"): areas add theirs and leave them out of their documents too.
NOISE_WORDS: set[str] = set()


RANK_LIMIT = 2000


@dataclass
class Match:
    """The documents of one kind matching a query.

    `ids`: SELECT of the matching object ids (use as ``Model.id.in_(match.ids)``);
    `count`: how many documents match (before any security filter);
    `ranked`: a subquery (object_id, rank; lower is better) when there are at most RANK_LIMIT
    matches, else None: ranking tens of thousands of matches costs more than it helps, and
    such lists are better sorted by name.
    """

    ids: sa.Select
    count: int
    ranked: sa.Subquery | None


def match(dbsession, kind: str, q: str | None, rank_limit: int = RANK_LIMIT) -> Match | None:
    """The `kind` documents matching every word of `q` as a prefix; None when `q` has no words."""
    terms = query_terms(q)
    if not terms:
        return None
    postgres = dbsession.get_bind().dialect.name == "postgresql"
    ids, ranked = (_pg if postgres else _sqlite)(kind, terms)
    count = dbsession.scalar(sa.select(sa.func.count()).select_from(ids.subquery()))
    return Match(ids, count, ranked.subquery() if count <= rank_limit else None)


def hits(dbsession, kind: str, q: str | None):
    """A subquery (object_id, rank) of `kind` documents matching every word of `q` as a prefix.

    Lower rank is better. None when `q` has no words. Join it with the model and add the
    caller's security filter::

        h = hits(db, "organization", q)
        select(Organization).join(h, h.c.object_id == Organization.id)
            .where(sql_filter(request, Organization, "view")).order_by(h.c.rank)

    Every match is ranked: for lists that may match thousands, use `match()`.
    """
    terms = query_terms(q)
    if not terms:
        return None
    postgres = dbsession.get_bind().dialect.name == "postgresql"
    return (_pg if postgres else _sqlite)(kind, terms)[1].subquery()


def _sqlite(kind: str, terms: list[str]) -> tuple[sa.Select, sa.Select]:
    fts = sa.table(FTS_TABLE, sa.column("rowid", sa.Integer))
    base = KINDS[kind].code * ID_SPAN
    where = (sa.literal_column(FTS_TABLE).op("MATCH")(
                 sa.literal(" AND ".join(f'"{t}"*' for t in terms))),
             fts.c.rowid.between(base, base + ID_SPAN - 1))
    object_id = (fts.c.rowid - base).label("object_id")
    ids = sa.select(object_id).select_from(fts).where(*where)
    rank = sa.func.bm25(sa.literal_column(FTS_TABLE), 10.0, 1.0).label("rank")
    return ids, sa.select(object_id, rank).select_from(fts).where(*where)


def _pg(kind: str, terms: list[str]) -> tuple[sa.Select, sa.Select]:
    tsv = sa.literal_column(f"{DOCUMENTS.name}.tsv")
    query = sa.func.to_tsquery(sa.literal_column("'russian'::regconfig"),
                               sa.literal(" & ".join(f"{t}:*" for t in terms)))
    where = (DOCUMENTS.c.kind == kind, tsv.op("@@")(query))
    ids = sa.select(DOCUMENTS.c.object_id.label("object_id")).where(*where)
    ranked = sa.select(DOCUMENTS.c.object_id.label("object_id"),
                       (-sa.func.ts_rank(tsv, query)).label("rank")).where(*where)
    return ids, ranked


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


def _ignore_search_objects(autogen_context, upgrade_ops, schemas):
    """Alembic comparator: drop the "remove" operations autogenerate proposes for them."""
    from alembic.operations import ops

    def keep(op) -> bool:
        if isinstance(op, ops.DropTableOp):
            return not is_search_object(op.table_name)
        if isinstance(op, ops.DropColumnOp):
            return not is_search_object(op.column_name, op.table_name)
        if isinstance(op, ops.DropIndexOp):
            return not is_search_object(op.index_name, op.table_name)
        return True

    for container in list(upgrade_ops.ops):
        if isinstance(container, ops.ModifyTableOps):
            container.ops = [op for op in container.ops if keep(op)]
            if not container.ops:
                upgrade_ops.ops.remove(container)
        elif not keep(container):
            upgrade_ops.ops.remove(container)


def _install_alembic_hook() -> None:
    try:
        from alembic.autogenerate.compare import comparators
        from alembic.util import DispatchPriority
    except ImportError:  # pragma: no cover - alembic is not needed at run time
        return
    comparators.dispatch_for("schema", priority=DispatchPriority.LAST)(_ignore_search_objects)


_install_alembic_hook()
