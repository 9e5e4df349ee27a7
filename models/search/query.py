"""Querying the search index: a query read into words, ranked matches as a subquery, a few
matches for the header search, one page of ranked results filtered in the same SQL, snippets."""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import sqlalchemy as sa
from markupsafe import Markup

from models.search.index import (
    DOCUMENTS,
    FTS_TABLE,
    ID_SPAN,
    KINDS,
    MAX_TERMS,
    Indexed,
)

# --- querying -----------------------------------------------------------------------------------

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
