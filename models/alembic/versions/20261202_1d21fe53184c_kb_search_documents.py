"""Knowledge base: articles are searched through the portal's one search interface
(search_documents, kind "article"); the KB's own index (the FTS5 table kb_article_fts on
SQLite, kb_articles.search_vector on PostgreSQL) is moved there and dropped.

Revision ID: 1d21fe53184c
Revises: d5fa18096b6e
Create Date: 2026-12-02 10:00:00
"""
import datetime as dt
from html.parser import HTMLParser

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "1d21fe53184c"
down_revision = "d5fa18096b6e"
branch_labels = None
# search_documents and its FTS5 table / tsvector column are made by the clients branch.
depends_on = "7c1e5a0d2b41"

OLD_FTS = "kb_article_fts"
OLD_FTS_DDL = (f"CREATE VIRTUAL TABLE {OLD_FTS} USING fts5(title, summary, body, tags, "
               "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')")
# The kind's code in search document ids (models/search.py: code × ID_SPAN + article id).
ARTICLE_CODE = 5
ID_SPAN = 10_000_000_000

articles = sa.table("kb_articles", sa.column("id", sa.Integer), sa.column("title", sa.String),
                    sa.column("summary", sa.String), sa.column("body_html", sa.Text))
tags_table = sa.table("kb_article_tags", sa.column("article_id", sa.Integer),
                      sa.column("tag", sa.String))
documents = sa.table("search_documents", sa.column("id", sa.BigInteger),
                     sa.column("kind", sa.String), sa.column("object_id", sa.Integer),
                     sa.column("title", sa.Text), sa.column("body", sa.Text),
                     sa.column("updated_at", sa.DateTime(timezone=True)))


def _fold(text) -> str:
    # Case-folded, ё as е: what the index and the queries use.
    return (text or "").casefold().replace("ё", "е")


class _Words(HTMLParser):
    """The text of a rendered article body: a line break around each block, an image's alt text
    in its place. Written out here as the knowledge base read its bodies when this revision was
    made, so that the revision indexes the same words whatever the KB code becomes."""

    BLOCKS = {"p", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "pre",
              "blockquote", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCKS:
            self.parts.append("\n")
        if tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(f" {alt} ")

    def handle_endtag(self, tag):
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        self.parts.append(data)


def _plain_text(body_html: str) -> str:
    """The words of a rendered body, one line per block, spaces collapsed."""
    words = _Words()
    words.feed(body_html or "")
    words.close()
    text = "".join(words.parts)
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


def _articles(bind, batch: int = 500):
    """(id, title, summary, plain text, [tags]) of every article, a batch at a time."""
    ids = list(bind.scalars(sa.select(articles.c.id).order_by(articles.c.id)))
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        tags: dict[int, list[str]] = {}
        for article_id, tag in bind.execute(sa.select(tags_table.c.article_id, tags_table.c.tag)
                                            .where(tags_table.c.article_id.in_(chunk))
                                            .order_by(tags_table.c.tag)):
            tags.setdefault(article_id, []).append(tag)
        yield [(r.id, r.title or "", r.summary or "", _plain_text(r.body_html or ""), tags.get(r.id, []))
               for r in bind.execute(sa.select(articles).where(articles.c.id.in_(chunk)))]


def upgrade() -> None:
    bind = op.get_bind()
    now = dt.datetime.now(dt.UTC)
    base = ARTICLE_CODE * ID_SPAN
    bind.execute(documents.delete().where(documents.c.kind == "article"))
    for rows in _articles(bind):
        bind.execute(documents.insert(), [
            {"id": base + article_id, "kind": "article", "object_id": article_id,
             "title": " ".join(_fold(p) for p in (title, *tags) if p),
             "body": " ".join(_fold(p) for p in (summary, text) if p), "updated_at": now}
            for article_id, title, summary, text, tags in rows])
    if bind.dialect.name == "postgresql":
        op.drop_index("ix_kb_articles_search_vector", table_name="kb_articles")
        op.drop_column("kb_articles", "search_vector")
    else:
        op.execute(f"DROP TABLE IF EXISTS {OLD_FTS}")
        op.drop_index("ix_kb_articles_search_vector", table_name="kb_articles")
        # SQLite drops a plain column in place (3.35+); a batch copy of kb_articles would
        # delete the rows that refer to it (foreign keys are on).
        op.execute("ALTER TABLE kb_articles DROP COLUMN search_vector")


def downgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    if postgres:
        op.add_column("kb_articles", sa.Column("search_vector", postgresql.TSVECTOR(), nullable=True))
        op.create_index("ix_kb_articles_search_vector", "kb_articles", ["search_vector"],
                        postgresql_using="gin")
    else:
        op.execute("ALTER TABLE kb_articles ADD COLUMN search_vector TEXT")
        op.create_index("ix_kb_articles_search_vector", "kb_articles", ["search_vector"])
        op.execute(OLD_FTS_DDL)
    for rows in _articles(bind):
        docs = [{"id": i, "title": t, "summary": s, "body": b, "tags": " ".join(tg)}
                for i, t, s, b, tg in rows]
        if not docs:
            continue
        if postgres:
            bind.execute(sa.text(
                "UPDATE kb_articles SET search_vector = "
                "setweight(to_tsvector('russian', :title), 'A') || "
                "setweight(to_tsvector('russian', :summary || ' ' || :tags), 'B') || "
                "setweight(to_tsvector('russian', :body), 'C') WHERE id = :id"), docs)
        else:
            bind.execute(sa.text(f"INSERT INTO {OLD_FTS} (rowid, title, summary, body, tags) "
                                 "VALUES (:id, :title, :summary, :body, :tags)"),
                         [{k: (v.replace("ё", "е").replace("Ё", "Е") if isinstance(v, str) else v)
                           for k, v in d.items()} for d in docs])
    bind.execute(documents.delete().where(documents.c.kind == "article"))
