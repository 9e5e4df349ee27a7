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

1. ``register(config, "organization", Organization, document)`` where ``document(obj) -> (title, body)``;
2. ``touches(config, Phone, lambda phone: owners(phone, "organization", "contact"))`` for rows whose
   change must refresh other objects' documents;
3. ``hits(dbsession, "organization", q)`` → a subquery (object_id, rank) to join with the model,
   add `portal.security.policy.sql_filter(...)` and order by rank; or ``search(dbsession, kind, q,
   where=[permission filter, other filters], limit=20)`` → one page of (object, score) best
   first, the filter joined in the same SQL, and ``snippet(text, highlight_terms(...))`` for
   each result's text with the matched words marked.

Documents follow the ORM on every flush (after_flush collects, after_flush_postexec writes).
Rows inserted with Core (demo, benchmark, import) are indexed with `index_documents()` or
`reindex()`.
"""
from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from markupsafe import Markup
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

@event.listens_for(Session, "after_flush")
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
    terms = KINDS[kind].terms_of(q)
    if not terms:
        return None
    postgres = dbsession.get_bind().dialect.name == "postgresql"
    ids, ranked = (_pg if postgres else _sqlite)(kind, terms)
    count = dbsession.scalar(sa.select(sa.func.count()).select_from(ids.subquery()))
    return Match(ids, count, ranked.subquery() if count <= rank_limit else None)


def ids_of(dbsession, kind: str, q: str | None) -> sa.Select | None:
    """SELECT of the ids of the `kind` objects matching every word of `q` as a prefix (as
    `match`, without counting them first); None when `q` has no words. Use it as
    ``Model.id.in_(ids)`` beside the caller's own filters and order."""
    terms = KINDS[kind].terms_of(q)
    if not terms:
        return None
    postgres = dbsession.get_bind().dialect.name == "postgresql"
    return (_pg if postgres else _sqlite)(kind, terms)[0]


def hits(dbsession, kind: str, q: str | None):
    """A subquery (object_id, rank) of `kind` documents matching every word of `q` as a prefix.

    Lower rank is better. None when `q` has no words. Join it with the model and add the
    caller's security filter::

        h = hits(db, "organization", q)
        select(Organization).join(h, h.c.object_id == Organization.id)
            .where(sql_filter(request, Organization, "view")).order_by(h.c.rank)

    Every match is ranked: for lists that may match thousands, use `match()`.
    """
    terms = KINDS[kind].terms_of(q)
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


# --- a few matches for the header search ---------------------------------------------------------

# How many matches of one kind the header search reads at most (past it: "100+").
PREVIEW_CAP = 100
# Past this many matches of a word, and when the filter lets fewer rows than this through (a
# person who sees a few hundred tasks of 300,000), those rows are read first instead.
PREVIEW_SCAN = 5000


@dataclass
class Preview:
    """At most `cap` objects of one kind matching a query that pass the caller's filter:
    `ids` best first (newest first unless ranked); `more` when others match too (then the
    count is a lower bound)."""

    ids: list[int]
    more: bool


def preview(dbsession, kind: str, q: str | None, *, where=(), cap: int | None = None,
            ranked: bool = True) -> Preview | None:
    """The header search's matches of `kind`: every word of `q` as a prefix (as `match`; a
    one-letter word whole, as `search`), and the caller's `where` (its permission filter on
    the model) in the same statement.

    However common the words, at most `cap` + 1 objects that pass the filter are read, the
    newest, and only those are ranked (`ranked=False` leaves them newest first, for a caller
    with its own order): counting and ranking every match of an everyday word costs more
    than a preview with "100+" tells. None when `q` has no words to look for.
    """
    indexed = KINDS[kind]
    terms = indexed.terms_of(q)
    if not terms:
        return None
    cap = cap or PREVIEW_CAP
    model = indexed.model
    where = [where] if isinstance(where, sa.ColumnElement) else list(where)
    # Who may see everything has no filter (sql_filter gives true()).
    where = [w for w in where if not isinstance(w, sa.sql.elements.True_)]
    if dbsession.get_bind().dialect.name == "postgresql":
        tsv = sa.literal_column(f"{DOCUMENTS.name}.tsv")
        query = _tsquery(_ts_query(terms))
        rows = dbsession.execute(
            sa.select(model.id, -sa.func.ts_rank(tsv, query) if ranked else sa.null())
            .select_from(DOCUMENTS.join(model, model.id == DOCUMENTS.c.object_id))
            .where(DOCUMENTS.c.kind == kind, tsv.op("@@")(query), *where)
            .order_by(DOCUMENTS.c.object_id.desc()).limit(cap + 1)).all()
    else:
        rows = _preview_sqlite(dbsession, indexed, terms, where, cap, ranked)
    more = len(rows) > cap
    rows = rows[:cap]
    if ranked:
        rows = sorted(rows, key=lambda row: (row[1], row[0]))
    return Preview([row[0] for row in rows], more)


def _preview_sqlite(db, indexed: Indexed, terms: list[str], where: list, cap: int,
                    ranked: bool) -> list:
    """(id, bm25) of up to `cap` + 1 matches passing `where`, newest first."""
    model = indexed.model
    fts = sa.table(FTS_TABLE, sa.column("rowid", sa.Integer))
    base = indexed.code * ID_SPAN
    # As `search`: a one-letter word is matched whole ("1" as a prefix is most of the index).
    matching = (sa.literal_column(FTS_TABLE).op("MATCH")(sa.literal(_fts_query(terms))),
                fts.c.rowid.between(base, base + ID_SPAN - 1))
    rank = sa.func.bm25(sa.literal_column(FTS_TABLE), 10.0, 1.0) if ranked else sa.null()

    def count(stmt: sa.Select) -> int:
        return db.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))

    if where:
        matches = count(sa.select(fts.c.rowid).where(*matching).limit(PREVIEW_SCAN))
        if not matches:  # (the words of another kind of thing)
            return []
        if matches >= PREVIEW_SCAN and count(
                sa.select(model.id).where(*where).limit(PREVIEW_SCAN)) < PREVIEW_SCAN:
            # A common word and a narrow filter: walking the matches would read thousands
            # of rows to find the few that pass. The rows the filter selects are read instead
            # (its indexes; "+ 0" keeps SQLite from reading them through the list of
            # matches), each looked up in the list of matches; then those few are ranked in
            # one pass over the index (FTS5 cannot look a rowid up in a prefix query cheaply).
            ids = list(db.scalars(
                sa.select(model.id)
                .where((model.id + 0).in_(sa.select(fts.c.rowid - base).where(*matching)),
                       *where)
                .order_by(model.id.desc()).limit(cap + 1)))
            if not ranked or not ids:
                return [(i, None) for i in ids]
            ranks = dict(db.execute(sa.select(fts.c.rowid - base, rank)
                                    .where(*matching, (fts.c.rowid - base).in_(ids))).all())
            return [(i, ranks.get(i, 0.0)) for i in ids]
    # The index gives its rowids newest first, each row joined and filtered as it comes: the
    # LIMIT stops the walk, and bm25 is computed for the rows returned only.
    return db.execute(
        sa.select(model.id, rank).select_from(fts.join(model, model.id == fts.c.rowid - base))
        .where(*matching, *where).order_by(fts.c.rowid.desc()).limit(cap + 1)).all()


# --- one page of ranked results, filtered in the same SQL; snippets --------------------------------

# bm25 weights of the FTS5 columns (title, body): a word in the title counts ten times.
BM25 = "bm25(10.0, 1.0)"
# Counting every match of a very common word costs more than it tells: past this, "1000+".
COUNT_CAP = 1000


@dataclass
class Found:
    """A page of results: `rows` [(object, score)], best (highest score) first; `total` how many
    pass the filter in all (at most `count_cap` on SQLite); `narrowed` when only title matches
    were ranked (see `search`); `terms` the words searched for."""

    rows: list
    total: int
    terms: list[str]
    narrowed: bool = False


def search(dbsession, kind: str, q: str | list[str] | None, *, where=(), limit: int = 20,
           offset: int = 0, any_word: bool = False, narrow_over: int | None = None,
           count_cap: int = COUNT_CAP, options=()) -> Found:
    """Objects of `kind` matching `q`, that pass `where`, ranked; one page of them.

    `q` is the query as typed, or a list of words already read (e.g. the informative words of
    a long text). Every word must match the beginning of a word (stems on PostgreSQL), or any
    of them with `any_word`. `where`: the caller's conditions on the model (its permission
    filter from `sql_filter`, folders, tags...), applied in the same statement, so that
    pages and totals only count what the person may see.

    `narrow_over`: when the words match more than this many documents (everyday words of a
    big collection), only matches in titles are ranked — ranking tens of thousands of bodies
    costs more than it tells — unless that finds nothing; `Found.narrowed` says so.
    """
    indexed = KINDS[kind]
    terms = (list(q) if isinstance(q, list | tuple) else indexed.terms_of(q))[:2 * MAX_TERMS]
    if not isinstance(q, list | tuple):
        terms = terms[:MAX_TERMS]
    if not terms:
        return Found([], 0, [])
    postgres = dbsession.get_bind().dialect.name == "postgresql"
    run = _search_pg if postgres else _search_sqlite
    where = [where] if isinstance(where, sa.ColumnElement) else list(where)
    narrow = (not any_word and narrow_over is not None
              and _more_than(dbsession, indexed, terms, narrow_over, postgres))
    rows, total = run(dbsession, indexed, terms, where, limit, offset, any_word, narrow,
                      count_cap, options)
    if narrow and not rows and not offset:
        narrow = False
        rows, total = run(dbsession, indexed, terms, where, limit, offset, any_word, False,
                          count_cap, options)
    return Found(rows, total, terms, narrow)


def _fts_query(terms: list[str], any_word: bool = False, title_only: bool = False) -> str:
    # A one-letter word is matched whole: as a prefix it would match most of the index.
    parts = [f'"{t}"*' if len(t) > 1 else f'"{t}"' for t in terms]
    query = (" OR " if any_word else " AND ").join(parts)
    return f"{{title}} : ({query})" if title_only else query


def _ts_query(terms: list[str], any_word: bool = False, title_only: bool = False) -> str:
    weight = "A" if title_only else ""
    return (" | " if any_word else " & ").join(
        f"{t}:*{weight}" if len(t) > 1 else f"{t}{':' + weight if weight else ''}" for t in terms)


def _tsquery(text: str):
    return sa.func.to_tsquery(sa.literal_column("'russian'::regconfig"), sa.bindparam("tsq", text))


def _more_than(dbsession, indexed: Indexed, terms: list[str], n: int, postgres: bool) -> bool:
    """Whether more than `n` documents of the kind match (counting stops there)."""
    if postgres:
        tsv = sa.literal_column(f"{DOCUMENTS.name}.tsv")
        found = (sa.select(DOCUMENTS.c.id).where(DOCUMENTS.c.kind == indexed.kind,
                                                 tsv.op("@@")(_tsquery(_ts_query(terms))))
                 .limit(n + 1))
    else:
        fts = sa.table(FTS_TABLE, sa.column("rowid", sa.Integer))
        base = indexed.code * ID_SPAN
        found = (sa.select(fts.c.rowid).select_from(fts)
                 .where(sa.literal_column(FTS_TABLE).op("MATCH")(sa.literal(_fts_query(terms))),
                        fts.c.rowid.between(base, base + ID_SPAN - 1)).limit(n + 1))
    return dbsession.scalar(sa.select(sa.func.count()).select_from(found.subquery())) > n


def _search_sqlite(db, indexed, terms, where, limit, offset, any_word, narrow, count_cap, options):
    model = indexed.model
    fts = sa.table(FTS_TABLE, sa.column("rowid", sa.Integer))
    base = indexed.code * ID_SPAN
    # FTS5's own `rank` column, set to the weighted bm25 and ordered by, is sorted by FTS5
    # itself, so SQLite stops joining as soon as it has enough. One pass gives the ids of the
    # first `count_cap` matches that pass the filter: the page and the total (capped) at once;
    # a selective filter (one folder of hundreds) would otherwise walk every match twice.
    rank = sa.literal_column(f"{FTS_TABLE}.rank")
    stmt = (sa.select(model.id, rank).select_from(fts)
            .join(model, model.id == fts.c.rowid - base)
            .where(sa.literal_column(FTS_TABLE).op("MATCH")(
                       sa.literal(_fts_query(terms, any_word, narrow))),
                   fts.c.rowid.between(base, base + ID_SPAN - 1),
                   rank.op("MATCH")(sa.literal(BM25)), *where)
            .order_by(rank).limit(max(count_cap, offset + limit)))
    ranked = db.execute(stmt).all()
    page = ranked[offset:offset + limit]
    if not page:
        return [], len(ranked)
    objects = {obj.id: obj for obj in db.scalars(
        sa.select(model).where(model.id.in_([i for i, _r in page])).options(*options))}
    return [(objects[i], -float(r)) for i, r in page if i in objects], len(ranked)


def _search_pg(db, indexed, terms, where, limit, offset, any_word, narrow, count_cap, options):
    model = indexed.model
    tsv = sa.literal_column(f"{DOCUMENTS.name}.tsv")
    query = _tsquery(_ts_query(terms, any_word, narrow))
    # Normalization 1: a long text does not outrank a short one by its length alone.
    score = sa.func.ts_rank(tsv, query, 1)
    ranked = (
        sa.select(DOCUMENTS.c.object_id.label("id"), score.label("score"),
                  sa.func.count().over().label("total"))
        .select_from(DOCUMENTS.join(model, model.id == DOCUMENTS.c.object_id))
        .where(DOCUMENTS.c.kind == indexed.kind, tsv.op("@@")(query), *where)
        .order_by(sa.desc("score"), DOCUMENTS.c.object_id.desc()).limit(limit).offset(offset)
        .subquery()
    )
    stmt = (sa.select(model, ranked.c.score, ranked.c.total).join(ranked, ranked.c.id == model.id)
            .order_by(ranked.c.score.desc(), model.id.desc()).options(*options))
    rows = db.execute(stmt).all()
    total = rows[0][2] if rows else 0
    if not rows and offset:
        total = db.scalar(sa.select(sa.func.count()).select_from(
            DOCUMENTS.join(model, model.id == DOCUMENTS.c.object_id))
            .where(DOCUMENTS.c.kind == indexed.kind, tsv.op("@@")(query), *where))
    return [(row[0], float(row[1])) for row in rows], total


def highlight_terms(dbsession, terms: list[str]) -> list[str]:
    """Word beginnings to mark in snippets: the words searched for and, on PostgreSQL, their
    stems too ("отпуском" marks "отпуск", "отпуска"), as the index matched them."""
    out = list(terms)
    if terms and dbsession.get_bind().dialect.name == "postgresql":
        stems = dbsession.scalar(sa.select(sa.cast(sa.func.plainto_tsquery(
            sa.literal_column("'russian'::regconfig"), " ".join(terms)), sa.Text)))
        for stem in re.findall(r"'([^']+)'", stems or ""):
            if stem not in out:
                out.append(stem)
    return out


def _words_pattern(terms: list[str]) -> re.Pattern:
    """Words starting with any of `terms`, any case, ё or е alike (as the index reads them)."""
    alternatives = sorted((re.escape(t).replace("е", "[её]") for t in terms), key=len,
                          reverse=True)
    return re.compile(r"(?<![^\W_])(?:" + "|".join(alternatives) + r")[^\W_]*", re.IGNORECASE)


def _lines(text: str) -> str:
    """Line breaks (headings, list items, table cells) as " · " in one line."""
    return re.sub(r"(?<=[^\s.!?:;,])\s*\n\s*(?=\S)", " · ", text).replace("\n", " ")


def snippet(text: str, terms: list[str], size: int = 200) -> Markup | None:
    """About `size` characters of `text` around the most words of `terms` (matched as word
    beginnings), each match in <mark>, the rest escaped; None when no word matches."""
    if not text or not terms:
        return None
    pattern = _words_pattern(terms)
    # The first matches are enough to choose a window (an enormous text may hold thousands).
    found = list(itertools.islice(pattern.finditer(text), 500))
    if not found:
        return None
    best, best_score = 0, -1
    for i, m in enumerate(found):
        window = [x for x in found[i:i + 50] if x.end() - m.start() <= size]
        score = len({x.group().lower()[:5] for x in window}) * 10 + len(window)
        if score > best_score:
            best, best_score = i, score
    start = found[best].start()
    # Begin a few words before the first match, at a word boundary.
    lead = text[max(0, start - 40):start]
    cut = lead.find(" ") if start > 40 else -1
    begin = start - len(lead) + (cut + 1 if cut >= 0 else 0)
    end = min(len(text), begin + size)
    if end < len(text):
        space = text.rfind(" ", begin, end)
        end = space if space > found[best].end() else end
    shown = _lines(text[begin:end])
    out = [Markup("… ") if begin > 0 else Markup("")]
    pos = 0
    for m in pattern.finditer(shown):
        out.append(Markup.escape(shown[pos:m.start()]))
        out.append(Markup("<mark>") + Markup.escape(m.group()) + Markup("</mark>"))
        pos = m.end()
    out.append(Markup.escape(shown[pos:]))
    if end < len(text):
        out.append(Markup(" …"))
    return Markup(" ".join("".join(out).split()))


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
