"""Full-text search over articles: SQLite FTS5 or PostgreSQL tsvector, behind one interface.

* SQLite: the FTS5 table ``kb_article_fts`` (title, summary, body, tags; rowid = article id,
  ``unicode61 remove_diacritics 2``), ranked by bm25 with the title weighted most, every word
  of the query matched as a prefix ("настрой" finds "настройка", "настройки").
* PostgreSQL: ``kb_articles.search_vector`` (weights A title, B summary and tags, C body) with a
  GIN index, built with the ``russian`` configuration (Russian snowball stemmer for Cyrillic
  words, English for Latin ones), queried with each word stemmed and as a prefix, ranked by
  ts_rank_cd; snippets by ts_headline.

The index follows the articles on flush (`after_flush` below), so a search in the same
transaction sees what was just saved. Results are filtered by permission in SQL
(portal.kb_security.article_filter), never by loading rows and checking them one by one.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy import event
from sqlalchemy.orm import Session

from models.kb import Article, ArticleTag
from portal.kb_markdown import excerpt, plain_text

FTS_TABLE = "kb_article_fts"
# Weights of title, summary, body, tags in bm25 (SQLite) — the title counts most.
BM25_WEIGHTS = (10.0, 4.0, 1.0, 6.0)
MAX_WORDS = 8
WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
START, STOP = "\x02", "\x03"
FTS_DDL = (f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(title, summary, body, tags, "
           "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')")

# Words too common to tell articles apart when suggesting them for a ticket's text.
STOP_WORDS = frozenset([
    "и", "в", "во", "не", "что", "он", "на", "я", "с", "со", "как", "а", "то", "все", "она", "так",
    "его", "но", "да", "ты", "к", "у", "же", "вы", "за", "бы", "по", "только", "ее", "её", "мне",
    "было", "вот", "от", "меня", "еще", "ещё", "нет", "о", "из", "ему", "теперь", "когда", "даже",
    "ну", "вдруг", "ли", "если", "уже", "или", "ни", "быть", "был", "него", "до", "вас", "нибудь",
    "опять", "уж", "вам", "ведь", "там", "потом", "себя", "ничего", "ей", "может", "они", "тут",
    "где", "есть", "надо", "ней", "для", "мы", "тебя", "их", "чем", "была", "сам", "чтоб", "без",
    "будто", "чего", "раз", "тоже", "себе", "под", "будет", "ж", "тогда", "кто", "этот", "того",
    "потому", "этого", "какой", "совсем", "ним", "здесь", "этом", "один", "почти", "мой", "тем",
    "чтобы", "нее", "неё", "сейчас", "были", "куда", "зачем", "всех", "никогда", "можно", "при",
    "наконец", "два", "об", "другой", "хоть", "после", "над", "больше", "тот", "через", "эти",
    "нас", "про", "всего", "них", "какая", "много", "разве", "три", "эту", "моя", "впрочем",
    "хорошо", "свою", "этой", "перед", "иногда", "лучше", "чуть", "том", "нельзя", "такой", "им",
    "более", "всегда", "конечно", "всю", "между", "добрый", "день", "здравствуйте", "спасибо",
    "пожалуйста", "просьба", "прошу", "уважаемые", "подскажите", "the", "a", "an", "and", "or",
    "of", "to", "in", "on", "for", "is", "are", "was", "be", "it", "this", "that", "with", "as",
    "at", "by", "from", "not", "no", "we", "you", "please", "hello", "hi", "thanks", "thank",
    "regards", "dear"
])


def fold(text: str) -> str:
    """Lower case with ё as е, as the index keeps it (SQLite does not fold Cyrillic ё)."""
    return (text or "").casefold().replace("ё", "е")


def no_yo(text: str) -> str:
    """ё as е, keeping the case: the FTS5 tokenizer folds case itself but not ё."""
    return (text or "").replace("ё", "е").replace("Ё", "Е")


def words_of(q: str, limit: int = MAX_WORDS) -> list[str]:
    """The words of a query: letters and digits only (no search syntax gets through)."""
    out = []
    for word in WORD_RE.findall(fold(q)):
        word = word[:40]
        if word not in out:
            out.append(word)
    return out[:limit]


def is_postgresql(dbsession) -> bool:
    return dbsession.get_bind().dialect.name == "postgresql"


# --- keeping the index in step with the articles -------------------------------------------------

def document(title: str, summary: str, body_html: str, tags: list[str]) -> dict:
    return {"title": title or "", "summary": summary or "", "body": plain_text(body_html),
            "tags": " ".join(tags)}


def reindex(connection, article_ids) -> None:
    """Rebuild the index entries of `article_ids` from what the tables hold now."""
    ids = sorted(set(article_ids))
    if not ids:
        return
    for start in range(0, len(ids), 500):
        _reindex_batch(connection, ids[start:start + 500])


def _reindex_batch(connection, ids: list[int]) -> None:
    articles = Article.__table__
    rows = connection.execute(sa.select(articles.c.id, articles.c.title, articles.c.summary,
                                        articles.c.body_html).where(articles.c.id.in_(ids))).all()
    tags: dict[int, list[str]] = {}
    for article_id, tag in connection.execute(
        sa.select(ArticleTag.article_id, ArticleTag.tag).where(ArticleTag.article_id.in_(ids))
        .order_by(ArticleTag.tag)
    ):
        tags.setdefault(article_id, []).append(tag)
    docs = [{"id": r.id, **document(r.title, r.summary, r.body_html, tags.get(r.id, []))} for r in rows]
    if connection.dialect.name == "postgresql":
        if docs:
            connection.execute(sa.text(
                "UPDATE kb_articles SET search_vector = "
                "setweight(to_tsvector('russian', :title), 'A') || "
                "setweight(to_tsvector('russian', :summary || ' ' || :tags), 'B') || "
                "setweight(to_tsvector('russian', :body), 'C') WHERE id = :id"), docs)
        return
    connection.execute(sa.text(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({','.join(map(str, ids))})"))
    if docs:
        connection.execute(sa.text(
            f"INSERT INTO {FTS_TABLE} (rowid, title, summary, body, tags) "
            "VALUES (:id, :title, :summary, :body, :tags)"),
            [{**d, "title": no_yo(d["title"]), "summary": no_yo(d["summary"]),
              "body": no_yo(d["body"]), "tags": no_yo(d["tags"])} for d in docs])


def rebuild(connection) -> int:
    """Re-index every article (after a bulk import or a restore from backup)."""
    ids = list(connection.scalars(sa.select(Article.__table__.c.id)))
    if connection.dialect.name != "postgresql":
        connection.execute(sa.text(f"DELETE FROM {FTS_TABLE}"))
    reindex(connection, ids)
    return len(ids)


INDEXED = ("title", "summary", "body_html")


@event.listens_for(Session, "after_flush")
def _collect(session, flush_context):
    pending = session.info.setdefault("kb_reindex", set())
    for obj in session.new:
        if isinstance(obj, Article):
            pending.add(obj)
        elif isinstance(obj, ArticleTag):
            pending.add(obj.article_id)
    for obj in session.dirty:
        if isinstance(obj, Article):
            state = sa.inspect(obj)
            if any(state.attrs[name].history.has_changes() for name in INDEXED):
                pending.add(obj)
    for obj in session.deleted:
        if isinstance(obj, ArticleTag):
            pending.add(obj.article_id)
        elif isinstance(obj, Article):
            pending.add(("deleted", obj.id))


@event.listens_for(Session, "after_flush_postexec")
def _apply(session, flush_context):
    pending = session.info.pop("kb_reindex", None)
    if not pending:
        return
    ids, deleted = set(), set()
    for item in pending:
        if isinstance(item, Article):
            if item.id is not None:
                ids.add(item.id)
        elif isinstance(item, tuple):
            deleted.add(item[1])
        elif item is not None:
            ids.add(item)
    connection = session.connection()
    if deleted and connection.dialect.name != "postgresql":
        connection.execute(sa.text(
            f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({','.join(str(int(i)) for i in deleted)})"))
    reindex(connection, ids - deleted)


# --- searching -----------------------------------------------------------------------------------

@dataclass
class Hit:
    article: Article
    rank: float
    snippet: Markup


class Hits(list):
    """Hits, best first; `narrowed` when the words were so common that only their matches in
    titles, summaries and tags were ranked (see BROAD)."""

    narrowed = False


# Words found in more articles than this (everyday words of a big knowledge base) would have
# every one of those ranked, for a ranking that tells little: then only matches in the title,
# summary or tags are ranked, and the page says so.
BROAD = 5000


def _fts_query(words: list[str], any_word: bool = False, narrow: bool = False) -> str:
    terms = [f'"{w}"*' if len(w) > 1 else f'"{w}"' for w in words]
    query = (" OR " if any_word else " ").join(terms)
    return "{title summary tags} : (" + query + ")" if narrow else query


def _ts_query(words: list[str], any_word: bool = False, narrow: bool = False) -> str:
    return (" | " if any_word else " & ").join(f"{w}:*{'AB' if narrow else ''}" for w in words)


def highlight(raw: str) -> Markup:
    """A snippet with START/STOP marks around matched words → escaped HTML with <mark>."""
    text = html.escape(html.unescape(raw or ""), quote=False)
    text = " ".join(text.split())
    return Markup(text.replace(START, "<mark>").replace(STOP, "</mark>"))


def search(request, q: str, *, where=None, limit: int = 20, offset: int = 0,
           any_word: bool = False) -> tuple[Hits, int]:
    """Articles matching `q` that pass `where` (the caller's permission and filters), best
    first, with snippets; and how many match in all."""
    words = words_of(q, 16 if any_word else MAX_WORDS)
    if not words:
        return Hits(), 0
    db = request.dbsession
    conditions = [where] if where is not None else []
    backend = _search_postgresql if is_postgresql(db) else _search_sqlite
    narrow = not any_word and _broad(db, words)
    hits, total = backend(db, words, conditions, limit, offset, any_word, narrow)
    if narrow and not hits and not offset:
        # The words are everywhere but in no title: rank them all after all.
        narrow = False
        hits, total = backend(db, words, conditions, limit, offset, any_word, False)
    result = Hits(hits)
    result.narrowed = narrow
    return result, total


def _broad(db, words: list[str]) -> bool:
    """Whether the words match more than BROAD articles (counting stops there)."""
    if is_postgresql(db):
        query = sa.func.to_tsquery(sa.literal_column("'russian'::regconfig"), _ts_query(words))
        found = sa.select(Article.id).where(Article.search_vector.op("@@")(query)).limit(BROAD + 1)
    else:
        found = (sa.text(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :m LIMIT {BROAD + 1}")
                 .bindparams(m=_fts_query(words)).columns(sa.column("rowid")))
    return db.scalar(sa.select(sa.func.count()).select_from(found.subquery())) > BROAD


# Counting every match of a very common word costs more than it tells: past this, "1000+".
COUNT_CAP = 1000


def _search_sqlite(db, words, conditions, limit, offset, any_word, narrow=False):
    fts = sa.table(FTS_TABLE, sa.column("rowid"))
    match_text = _fts_query(words, any_word, narrow)
    match = sa.text(f"{FTS_TABLE} MATCH :match").bindparams(match=match_text)
    # FTS5's own `rank` column, set to the weighted bm25 and ordered by, is sorted inside the
    # index (twice as fast as ordering by a bm25() call). Snippets are made in Python for the
    # page shown only, and the total is counted (up to COUNT_CAP) only when the page is full.
    weights = ", ".join(f"{w:.1f}" for w in BM25_WEIGHTS)
    ranking = sa.text(f"{FTS_TABLE}.rank MATCH 'bm25({weights})'")
    rank = sa.literal_column(f"{FTS_TABLE}.rank")
    stmt = (
        sa.select(Article, rank.label("rank"))
        .select_from(fts).join(Article, Article.id == fts.c.rowid)
        .where(match, ranking, *conditions)
        .order_by(rank).limit(limit).offset(offset)
    )
    rows = db.execute(stmt).all()
    if rows and len(rows) < limit:
        total = offset + len(rows)
    elif not rows and not offset:
        total = 0
    else:
        capped = (sa.select(sa.literal(1)).select_from(fts).join(Article, Article.id == fts.c.rowid)
                  .where(match, *conditions).limit(COUNT_CAP).subquery())
        total = db.scalar(sa.select(sa.func.count()).select_from(capped))
    texts = {}
    if rows:
        ids = ",".join(str(int(r.Article.id)) for r in rows)
        texts = {r[0]: (r[1], r[2]) for r in db.execute(sa.text(
            f"SELECT rowid, summary, body FROM {FTS_TABLE} WHERE rowid IN ({ids})"))}
    hits = []
    for row in rows:
        summary, body = texts.get(row.Article.id, ("", ""))
        snippet = make_snippet(body, words) or make_snippet(summary, words)
        hits.append(Hit(row.Article, -row.rank,
                        snippet or Markup.escape(excerpt(row.Article.summary, 200))))
    return hits, total


def _words_pattern(words: list[str]) -> re.Pattern:
    """Words starting with any of `words`, any case, ё or е alike (as FTS5 matches them)."""
    alternatives = sorted((re.escape(w).replace("е", "[её]") for w in words), key=len, reverse=True)
    return re.compile(r"(?<![^\W_])(?:" + "|".join(alternatives) + r")[^\W_]*", re.IGNORECASE)


def _lines(text: str) -> str:
    """Line breaks of the plain text (headings, list items, table cells) as " · " in one line."""
    return re.sub(r"(?<=[^\s.!?:;,])\s*\n\s*(?=\S)", " · ", text).replace("\n", " ")


def make_snippet(text: str, words: list[str], size: int = 200) -> Markup | None:
    """About `size` characters of `text` around the most query words (matched as word
    beginnings, as FTS5 matches them), the matches marked; None when no word matches."""
    if not text or not words:
        return None
    found = list(_words_pattern(words).finditer(text))
    if not found:
        return None
    best, best_score = 0, -1
    for i, m in enumerate(found):
        window = [x for x in found[i:] if x.end() - m.start() <= size]
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
    for m in _words_pattern(words).finditer(shown):
        out.append(Markup.escape(shown[pos:m.start()]))
        out.append(Markup("<mark>") + Markup.escape(m.group()) + Markup("</mark>"))
        pos = m.end()
    out.append(Markup.escape(shown[pos:]))
    if end < len(text):
        out.append(Markup(" …"))
    return Markup(" ".join("".join(out).split()))


HEADLINE_OPTIONS = ("StartSel=\x02, StopSel=\x03, MaxWords=28, MinWords=12, ShortWord=2, "
                    "MaxFragments=2, FragmentDelimiter=\" … \"")


def _search_postgresql(db, words, conditions, limit, offset, any_word, narrow=False):
    query = sa.func.to_tsquery(sa.literal_column("'russian'::regconfig"),
                               sa.bindparam("tsq", _ts_query(words, any_word, narrow)))
    rank = sa.func.ts_rank_cd(Article.search_vector, query, 1)
    ranked = (
        sa.select(Article.id.label("id"), rank.label("rank"), sa.func.count().over().label("total"))
        .where(Article.search_vector.op("@@")(query), *conditions)
        .order_by(sa.desc("rank"), Article.id.desc()).limit(limit).offset(offset)
        .subquery()
    )
    plain = sa.func.regexp_replace(Article.body_html, "<[^>]*>", " ", "g")
    headline = sa.func.ts_headline(sa.literal_column("'russian'::regconfig"), plain, query,
                                   HEADLINE_OPTIONS)
    stmt = (sa.select(Article, ranked.c.rank, ranked.c.total, headline.label("snippet"))
            .join(ranked, ranked.c.id == Article.id)
            .order_by(ranked.c.rank.desc(), Article.id.desc()))
    rows = db.execute(stmt).all()
    total = rows[0].total if rows else 0
    if not rows and offset:
        total = db.scalar(sa.select(sa.func.count()).select_from(Article)
                          .where(Article.search_vector.op("@@")(query), *conditions))
    hits = []
    for row in rows:
        raw = row.snippet or ""
        hits.append(Hit(row.Article, float(row.rank),
                        highlight(raw) if START in raw else Markup.escape(excerpt(row.Article.summary, 200))))
    return hits, total


def informative_words(text: str, limit: int = 12) -> list[str]:
    """The words of a free text (a ticket) worth searching for: no stop words, longest first."""
    words = [w for w in words_of(text, 200) if len(w) > 2 and w not in STOP_WORDS and not w.isdigit()]
    return sorted(words, key=len, reverse=True)[:limit]
