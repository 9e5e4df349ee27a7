"""The search index: one document per searchable object, the kinds the areas register, and
keeping documents in step with the ORM on every flush (see models/search/__init__.py)."""
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
    # How a query is read into words (default `query_terms`: phone numbers, noise words).
    terms: Callable[[str | None], list[str]] | None = None
    # The attributes the document is made of, when it is made of the row alone: a change of
    # the others leaves it as it is. Empty: rewritten on every change.
    fields: tuple[str, ...] = ()

    def terms_of(self, q: str | None) -> list[str]:
        return (self.terms or query_terms)(q)


# Filled from the areas' includeme (register, touches below), never as modules are imported.
INDEXED: dict[type, Indexed] = {}
KINDS: dict[str, Indexed] = {}
TOUCHES: dict[type, dict[str, Callable[[object], Iterable[object]]]] = {}


def register(config, kind: str, model: type, document: Callable[[object], tuple[str, str]],
             code: int, terms: Callable[[str | None], list[str]] | None = None,
             fields: tuple[str, ...] = ()) -> None:
    """Index objects of `model` as `kind`; ``document(obj)`` returns their (title, body).
    Called from an area's includeme: two kinds of one name or one code refuse to start.

    `code` is the kind's number in document ids, unique and never changed (1 organization,
    2 contact, 4 task, 5 article, 10 event; other areas take a free one). `terms(q)` reads a
    query into folded words when `query_terms` (phone numbers, legal forms left out) does not
    suit the kind. `fields`: the attributes the document is made of, if only of them, so that
    changing the others (a task's state) does not rewrite it.
    """
    if not 0 < code < 900:
        raise ValueError("a search kind's code is 1..899")
    indexed = Indexed(kind, model, document, code, terms, tuple(fields))

    def apply() -> None:
        INDEXED[model] = indexed
        KINDS[kind] = indexed

    config.action(("search.kind", kind), apply, order=-100)
    config.action(("search.code", code), None)


def document_id(kind: str, object_id: int) -> int:
    return KINDS[kind].code * ID_SPAN + object_id


def touches(config, model: type, related: Callable[[object], Iterable[object]],
            name: str = "") -> None:
    """When a `model` row is added, changed or deleted, refresh the documents of `related(row)`
    (from an area's includeme; `name` tells apart several relations of one model)."""
    def apply() -> None:
        TOUCHES.setdefault(model, {})[name] = related

    config.action(("search.touches", model, name), apply, order=-100)


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

def _collect(session, flush_context) -> None:
    if not INDEXED:
        return
    pending: dict = session.info.setdefault(_PENDING, {})

    def want(obj) -> None:
        indexed = INDEXED.get(type(obj))
        if indexed is not None and obj.id is not None:
            pending.setdefault((indexed.kind, obj.id), obj)

    dirty = session.dirty
    for obj in (*session.new, *dirty, *session.deleted):
        indexed = INDEXED.get(type(obj))
        # The session still holds the flush's history here: what changed is known.
        if indexed is not None and not (indexed.fields and obj in dirty
                                        and not changed(obj, *indexed.fields)):
            want(obj)
        for related in TOUCHES.get(type(obj), {}).values():
            for other in related(obj):
                want(other)
    for obj in session.deleted:
        indexed = INDEXED.get(type(obj))
        if indexed is not None:
            pending[(indexed.kind, obj.id)] = None


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


def install_listeners() -> None:
    """Keep documents in step with every session's flushes (once per process; `models`'
    includeme calls it)."""
    if not event.contains(Session, "after_flush", _collect):
        event.listen(Session, "after_flush", _collect)
        event.listen(Session, "after_flush_postexec", _write)


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


# --- reading a query into words -------------------------------------------------------------------

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
