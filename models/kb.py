"""Knowledge base: folders, articles, versions, feedback, reading, attachments (issue 5).

Folders nest to any depth and carry local roles (Sharing, container type ``kb_folder``) that
reach everything below them unless a folder blocks inheritance. A folder may also be
*restricted*: then only people holding a local role on it (or above it) see what is inside.

These are the tables only. What the rows mean to the rest of the portal is bound to them by
portal/kb when the application is configured: their ACLs and local-role lineage
(portal/kb/security.py), the folders' children in the tree and the articles' addresses
(portal/kb/resources.py), the rendered text that follows an article's body
(portal/kb/articles.py), their search documents (portal/kb/search.py); and the ``article``
workflow by workflows/__init__.py.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.meta import Base, UTCDateTime, row_child, row_hook, utcnow
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
    # Publishing needs a second person: nobody publishes an article (or a change of one) they
    # wrote themselves in this folder.
    publish_needs_other: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # A change of a published article goes through review (readers see the published version
    # until it is approved) instead of being published at once, marked "without review".
    edits_reviewed: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    parent: Mapped[KbFolder | None] = relationship(remote_side=[id])

    def local_role_containers(self) -> list[tuple[str, int]]:
        """The folders whose local roles reach this one, nearest first (up to one that blocks)."""
        return row_hook(self, "local_role_containers")

    def __getitem__(self, key: str):
        """A sub-folder by its address, else an article of this folder by its address."""
        return row_child(self, key)

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
    # Number of the version readers see (the newest one but a change waiting for review).
    version: Mapped[int] = mapped_column(default=1)
    # A change of the published article waiting for review: the number of its version.
    pending_version: Mapped[int | None] = mapped_column()
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
    # The body rendered and sanitized, kept in step with it however it is set (a save, a restored
    # version, an undo in the audit log): portal/kb/articles.py binds that at configuration.
    body_html: Mapped[str] = mapped_column(sa.Text, default="", deferred=True)

    folder: Mapped[KbFolder] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    must_read_department: Mapped[Department | None] = relationship()
    tag_rows: Mapped[list[ArticleTag]] = relationship(
        cascade="all, delete-orphan", order_by="ArticleTag.tag", back_populates="article")

    @property
    def tags(self) -> list[str]:
        return [t.tag for t in self.tag_rows]

    # --- what row ACLs read of an article (its ACL itself is bound by portal/kb/security.py) --
    def security_departments(self) -> list[int]:
        return []

    def security_owners(self) -> list[int]:
        return [self.author_id] if self.author_id else []

    def local_role_containers(self) -> list[tuple[str, int]]:
        """The folders whose local roles reach the article: its folder's, up to one that blocks."""
        return row_hook(self, "local_role_containers")

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
    # How the version went live: "" (as the workflow says), "in_review" (a change of the
    # published article waiting for review), "rejected" (such a change sent back), "replaced"
    # (such a change superseded by a newer one) or "unreviewed" (published at once, no review).
    review: Mapped[str] = mapped_column(sa.String(20), default="", server_default="")

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
    """An article linked to a ticket."""

    __tablename__ = "kb_ticket_links"
    __table_args__ = (sa.UniqueConstraint("ticket_id", "article_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    article_id: Mapped[int] = mapped_column(
        sa.ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True)
    linked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    article: Mapped[Article] = relationship()
