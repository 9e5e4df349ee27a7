"""Full-text search over articles, through the one search interface of the portal
(models/search.py, DESIGN.md §7): an article is a document of kind "article" — its title and
tags (weighed most), its summary and text — in ``search_documents``, indexed by SQLite FTS5
(every word of the query matched as a word beginning: "настрой" finds "настройка") or by a
PostgreSQL tsvector with Russian and English stemming ("отпуском" finds "отпуск").

Documents follow the articles on every flush, so a search in the same transaction sees what was
just saved. Results are filtered by permission in the same SQL statement
(portal.kb.security.article_filter), never by loading rows and checking them one by one.
Snippets come from the articles' own text, the matched words (or their stems) marked.

The includeme registers the kind ("article", code 5) with models/search.py: its document, how a
query is read into words, and that a change of an article's tags rewrites its document.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from markupsafe import Markup

from models import search as fts
from models.kb import Article, ArticleTag
from portal.kb.markdown import excerpt, plain_text, quick_text

# Words found in more articles than this (everyday words of a big knowledge base) would have
# every one of those ranked, for a ranking that tells little: then only matches in titles and
# tags are ranked, and the page says so.
BROAD = 5000
SNIPPET = 200

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


# --- what search reads of an article, and of a query ----------------------------------------------

def article_document(article: Article) -> tuple[str, str]:
    """What search reads of an article: title and tags (weighed most), summary and text."""
    return document_of(article.title, article.tags, article.summary, plain_text(article.body_html))


def document_of(title: str, tags: list[str], summary: str, text: str) -> tuple[str, str]:
    return fts.text_of(title, *tags), fts.text_of(summary, text)


# Endings of Russian nouns and adjectives, longest first; and of English plurals and forms.
RU_ENDINGS = ("ами", "ями", "ого", "его", "ому", "ему", "ыми", "ими", "иях", "ах", "ях", "ам",
              "ям", "ом", "ем", "ой", "ей", "ий", "ый", "ая", "яя", "ое", "ее", "ые", "ие", "ов",
              "ев", "ию", "ия", "а", "я", "ы", "и", "у", "ю", "е", "о", "ь")
EN_ENDINGS = ("ing", "ed", "es", "s")


def word_beginning(word: str) -> str:
    """A word without its inflection ending ("настройка" → "настройк", "printers" → "printer"),
    searched as a word beginning: SQLite then finds the other forms too ("настройки",
    "настройку"). Not for PostgreSQL, whose stemmer does it properly (and may read a cut word
    differently). Short words are kept whole."""
    if len(word) < 6:
        return word
    cyrillic = "а" <= word[-1] <= "я" or word[-1] == "ь"
    for ending in RU_ENDINGS if cyrillic else EN_ENDINGS:
        if word.endswith(ending) and not (ending == "s" and word.endswith("ss")):
            return word[:-len(ending)] if len(word) - len(ending) >= 4 else word
    return word


def article_terms(q: str | None) -> list[str]:
    """The words of a query: letters and digits (no search syntax, no phone-number reading)."""
    out: list[str] = []
    for word in re.findall(r"[^\W_]+", fts.fold(q or "")):
        if word[:40] not in out:
            out.append(word[:40])
    return out[:fts.MAX_TERMS]


def text_words(text: str, limit: int = 200) -> list[str]:
    """The distinct words of a text, folded: letters and digits only."""
    out: list[str] = []
    for word in re.findall(r"[^\W_]+", fts.fold(text or "")):
        if word[:40] not in out:
            out.append(word[:40])
            if len(out) >= limit:
                break
    return out


def informative_words(text: str, limit: int = 12) -> list[str]:
    """The words of a free text (a ticket) worth searching for: no stop words, longest first."""
    words = [w for w in text_words(text) if len(w) > 2 and w not in STOP_WORDS and not w.isdigit()]
    return sorted(words, key=len, reverse=True)[:limit]


# --- searching -----------------------------------------------------------------------------------

@dataclass
class Hit:
    article: Article
    rank: float
    snippet: Markup


class Hits(list):
    """Hits, best first; `narrowed` when the words were so common that only their matches in
    titles and tags were ranked (see BROAD)."""

    narrowed = False


def search(request, q: str | list[str], *, where=None, limit: int = 20, offset: int = 0,
           any_word: bool = False) -> tuple[Hits, int]:
    """Articles matching `q` (a query, or a list of words) that pass `where` (the caller's
    permission and filters), best first, with snippets; and how many match in all."""
    db = request.dbsession
    words = list(q) if isinstance(q, list | tuple) else article_terms(q)
    if db.get_bind().dialect.name != "postgresql":
        # SQLite matches word beginnings, not stems: "настройка" would miss "настройки".
        words = list(dict.fromkeys(word_beginning(w) for w in words))
    found = fts.search(db, "article", words[:2 * fts.MAX_TERMS],
                       where=() if where is None else [where], limit=limit, offset=offset,
                       any_word=any_word, narrow_over=None if any_word else BROAD)
    hits = Hits(Hit(article, score, Markup("")) for article, score in found.rows)
    hits.narrowed = found.narrowed
    if hits:
        marks = fts.highlight_terms(db, found.terms)
        texts = dict(db.execute(sa.select(Article.id, Article.body_html)
                                .where(Article.id.in_([h.article.id for h in hits]))).all())
        for hit in hits:
            summary = hit.article.summary
            hit.snippet = (fts.snippet(quick_text(texts.get(hit.article.id, "")), marks, SNIPPET)
                           or fts.snippet(summary, marks, SNIPPET)
                           or Markup.escape(excerpt(summary, SNIPPET)))
    return hits, found.total


# --- documents written outside the ORM (demo, benchmark, import) -------------------------------------

def index_articles(connection, ids=None, batch: int = 500) -> int:
    """Write the search documents of articles `ids` (default: all) from what the tables hold:
    for rows inserted with Core. Returns how many."""
    articles = Article.__table__
    if ids is None:
        ids = list(connection.scalars(sa.select(articles.c.id).order_by(articles.c.id)))
    ids = sorted(set(ids))
    count = 0
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        tags: dict[int, list[str]] = {}
        for article_id, tag in connection.execute(
                sa.select(ArticleTag.article_id, ArticleTag.tag)
                .where(ArticleTag.article_id.in_(chunk)).order_by(ArticleTag.tag)):
            tags.setdefault(article_id, []).append(tag)
        rows = connection.execute(sa.select(articles.c.id, articles.c.title, articles.c.summary,
                                            articles.c.body_html).where(articles.c.id.in_(chunk)))
        docs = [(r.id, *document_of(r.title, tags.get(r.id, []), r.summary, plain_text(r.body_html)))
                for r in rows]
        count += fts.index_documents(connection, "article", docs)
    return count


def includeme(config) -> None:
    """Articles in the shared search index, kept in step on flush (their tags too)."""
    fts.register(config, "article", Article, article_document, code=5, terms=article_terms)
    fts.touches(config, ArticleTag, lambda tag: fts.owners(tag, "article"))
