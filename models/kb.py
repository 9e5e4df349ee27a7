"""Knowledge base: folders, articles, versions, feedback, reading, attachments (issue 5).

Folders nest to any depth and carry local roles (Sharing, container type ``kb_folder``) that
reach everything below them unless a folder blocks inheritance. A folder may also be
*restricted*: then only people holding a local role on it (or above it) see what is inside.
Articles follow the ``article`` workflow (workflows/article.py); their security is computed by
portal/kb/security.py, both as an ACL and as SQL for listings and search.
"""
from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship, validates

from models import search
from models.meta import Base, UTCDateTime, utcnow
from models.people import Department, User

FOLDER_CONTAINER = "kb_folder"


class KbFolder(Base):
    """A folder of the knowledge base, and a container of the tree: /kb/<slug>/<slug>/..."""

    __tablename__ = "kb_folders"
    __versioned__: dict = {}
    __table_args__ = (sa.UniqueConstraint("parent_id", "slug"),)
    security_type = FOLDER_CONTAINER
    local_roles_type = FOLDER_CONTAINER

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("kb_folders.id"), index=True)
    slug: Mapped[str] = mapped_column(sa.String(100))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # Plone's "inherit permissions from higher levels" switched off.
    block_local_roles: Mapped[bool] = mapped_column(default=False)
    # Only people holding a local role here (or above) see the folder and what it holds.
    restricted: Mapped[bool] = mapped_column(default=False)
    sort_order: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped[KbFolder | None] = relationship(remote_side=[id])

    def __acl__(self):
        from portal.kb.security import folder_acl

        return folder_acl(self)

    def local_role_containers(self) -> list[tuple[str, int]]:
        from portal.kb.security import kb_tree_for

        return [(FOLDER_CONTAINER, i) for i in kb_tree_for(self).local_lineage(self.id)]

    def __getitem__(self, key: str):
        """A sub-folder by its slug, else an article of this folder by its slug."""
        from portal.kb.security import kb_tree_for

        db = object_session(self)
        child_id = kb_tree_for(self).child_id(self.id, key)
        if child_id is not None:
            obj = db.get(KbFolder, child_id)
        else:
            obj = db.scalar(sa.select(Article).where(Article.folder_id == self.id, Article.slug == key))
        if obj is None:
            raise KeyError(key)
        obj.__parent__ = self
        obj.__name__ = key
        return obj

    def __repr__(self) -> str:
        return f"<KbFolder {self.id} {self.slug}>"


class Article(Base):
    """An article: Markdown body rendered to sanitized HTML, tags, versions, workflow state."""

    __tablename__ = "kb_articles"
    # The audit records every column but the rendered text (it follows the body) and the
    # counters; the body is there so that undoing a deletion brings the text back.
    __versioned__: dict = {"exclude": ["body_html", "read_count", "helpful_yes", "helpful_no"]}
    __table_args__ = (
        sa.UniqueConstraint("folder_id", "slug"),
        sa.Index("ix_kb_articles_state_updated", "state", "updated_at"),
        sa.Index("ix_kb_articles_must_read", "must_read", "state"),
        # Covers the permission filter (state, folder, author): counts per folder read no rows.
        sa.Index("ix_kb_articles_state_folder", "state", "folder_id", "author_id"),
    )
    security_type = "article"

    id: Mapped[int] = mapped_column(primary_key=True)
    folder_id: Mapped[int] = mapped_column(sa.ForeignKey("kb_folders.id"), index=True)
    slug: Mapped[str] = mapped_column(sa.String(120))
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.String(500), default="")
    # Workflow state (workflows/article.py): draft, pending, published, archived.
    state: Mapped[str] = mapped_column(sa.String(20), default="draft")
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Number of the newest version in kb_article_versions.
    version: Mapped[int] = mapped_column(default=1)
    # Must-read: everyone (no department) or the members of one department confirm reading.
    must_read: Mapped[bool] = mapped_column(default=False)
    must_read_department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"))
    must_read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Distinct readers and "was this helpful?" answers, kept here for fast "most read" lists.
    read_count: Mapped[int] = mapped_column(default=0, index=True)
    helpful_yes: Mapped[int] = mapped_column(default=0)
    helpful_no: Mapped[int] = mapped_column(default=0)
    # The big columns come last and load only when used: SQLite reads a row's columns in order,
    # so listings and permission filters never wade through article texts.
    body: Mapped[str] = mapped_column(sa.Text, default="", deferred=True)
    # The body rendered and sanitized once per save (portal/kb/markdown.py).
    body_html: Mapped[str] = mapped_column(sa.Text, default="", deferred=True)

    folder: Mapped[KbFolder] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    must_read_department: Mapped[Department | None] = relationship()
    tag_rows: Mapped[list[ArticleTag]] = relationship(
        cascade="all, delete-orphan", order_by="ArticleTag.tag", back_populates="article")

    @property
    def tags(self) -> list[str]:
        return [t.tag for t in self.tag_rows]

    @validates("body")
    def _render_body(self, key: str, body: str) -> str:
        """The rendered, sanitized text follows the body however it is set (a save, a restored
        version, an undo in the audit log)."""
        from portal.kb.markdown import render

        self.body_html = render(body)
        return body

    # --- security (portal/kb/security.py) --------------------------------------------------
    def __acl__(self):
        from portal.kb.security import article_acl

        return article_acl(self)

    def security_departments(self) -> list[int]:
        return []

    def security_owners(self) -> list[int]:
        return [self.author_id] if self.author_id else []

    def local_role_containers(self) -> list[tuple[str, int]]:
        from portal.kb.security import kb_tree_for

        return [(FOLDER_CONTAINER, i) for i in kb_tree_for(self).local_lineage(self.folder_id)]

    @classmethod
    def sql_in_departments(cls, ids):
        return sa.false()

    @classmethod
    def sql_owned_by(cls, user_id: int):
        return cls.author_id == user_id

    @classmethod
    def sql_permission_filter(cls, request, permission: str, identity):
        """The WHERE of articles `identity` may `permission` (portal.security.policy.sql_filter)."""
        from portal.kb.security import article_filter

        return article_filter(request, permission, identity)

    def __repr__(self) -> str:
        return f"<Article {self.id} {self.slug}>"


class ArticleTag(Base):
    __tablename__ = "kb_article_tags"

    article_id: Mapped[int] = mapped_column(
        sa.ForeignKey("kb_articles.id", ondelete="CASCADE"), primary_key=True)
    # Lower-case, as typed otherwise ("vpn", "1с", "принтер").
    tag: Mapped[str] = mapped_column(sa.String(40), primary_key=True, index=True)

    article: Mapped[Article] = relationship(back_populates="tag_rows")


class ArticleRelation(Base):
    """"See also": shown on both articles."""

    __tablename__ = "kb_article_relations"
    __table_args__ = (sa.CheckConstraint("article_id <> related_id", name="not_self"),)

    article_id: Mapped[int] = mapped_column(
        sa.ForeignKey("kb_articles.id", ondelete="CASCADE"), primary_key=True)
    related_id: Mapped[int] = mapped_column(
        sa.ForeignKey("kb_articles.id", ondelete="CASCADE"), primary_key=True, index=True)


class ArticleVersion(Base):
    """What an article said after one save; restoring one makes a new version."""

    __tablename__ = "kb_article_versions"
    # Audited so that undoing an article's deletion brings its versions back too.
    __versioned__: dict = {}
    __table_args__ = (sa.UniqueConstraint("article_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("kb_articles.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.String(500), default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    tags: Mapped[str] = mapped_column(sa.String(1000), default="")  # comma-separated
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    comment: Mapped[str] = mapped_column(sa.String(300), default="")

    author: Mapped[User | None] = relationship()

    @property
    def tag_list(self) -> list[str]:
        return [t for t in self.tags.split(",") if t]


class ArticleFeedback(Base):
    """One person's answer to "was this helpful?" (they may change it)."""

    __tablename__ = "kb_article_feedback"
    __table_args__ = (sa.UniqueConstraint("article_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("kb_articles.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    helpful: Mapped[bool] = mapped_column()
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class ArticleRead(Base):
    """That a person opened an article (once), and when they confirmed a must-read."""

    __tablename__ = "kb_article_reads"
    __table_args__ = (sa.UniqueConstraint("article_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("kb_articles.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    first_read_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The version the person confirmed (a must-read changed later may be asked again).
    confirmed_version: Mapped[int | None] = mapped_column()


class ArticleAttachment(Base):
    """A file or image of an article, stored content-addressed under portal.files_dir."""

    __tablename__ = "kb_article_attachments"
    __versioned__: dict = {}

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        sa.ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    is_image: Mapped[bool] = mapped_column(default=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    uploaded_by: Mapped[User | None] = relationship()


class TicketArticleLink(Base):
    """An article linked to a ticket (the tickets issue adds the foreign key to its table)."""

    __tablename__ = "kb_ticket_links"
    __table_args__ = (sa.UniqueConstraint("ticket_id", "article_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(index=True)
    article_id: Mapped[int] = mapped_column(
        sa.ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True)
    linked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    article: Mapped[Article] = relationship()


# --- full-text search (models/search.py) -----------------------------------------------------------

def article_document(article: Article) -> tuple[str, str]:
    """What search reads of an article: title and tags (weighed most), summary and text."""
    from portal.kb.markdown import plain_text

    return document_of(article.title, article.tags, article.summary, plain_text(article.body_html))


def document_of(title: str, tags: list[str], summary: str, text: str) -> tuple[str, str]:
    return search.text_of(title, *tags), search.text_of(summary, text)


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
    for word in re.findall(r"[^\W_]+", search.fold(q or "")):
        if word[:40] not in out:
            out.append(word[:40])
    return out[:search.MAX_TERMS]


def includeme(config) -> None:
    """Articles in the shared search index, kept in step on flush."""
    search.register(config, "article", Article, article_document, code=5, terms=article_terms)
    search.touches(config, ArticleTag, lambda tag: search.owners(tag, "article"))

# The article workflow binds itself to Article (its states narrow the ACL). Imported here so
# that no code path can load articles without their workflow's permission rules.
import workflows.article  # noqa: E402, F401
