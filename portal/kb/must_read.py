"""Must-read articles: who is concerned, who has confirmed the current version, reminders, and
the reports of who has not confirmed yet (issue 5).

A confirmation holds for the version that was read (ArticleRead.confirmed_version): when a
must-read article gets a new version while published, those who confirmed an earlier one are
told once and asked again.

Who sees the reports: the article's author, editors and reviewers (everyone concerned); and
whoever holds ``report.discipline`` with scope department (the people of their departments) or
all (everyone), as for the execution discipline report.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from models.kb import Article, ArticleRead, KbFolder
from models.meta import utcnow
from models.people import Membership, User, fold
from models.roles import SCOPE_RANK
from portal.core.i18n import _
from portal.kb.notices import notify_users
from portal.kb.reading import record_read
from portal.kb.resources import article_link
from portal.kb.security import article_filter, folder_holders

ALL = "all"


# --- who is concerned, who has confirmed ------------------------------------------------------------

def must_read_audience(request, article: Article, departments: set[int] | None = None) -> sa.Select:
    """SELECT of the active people who must read `article`: its department (and sub-departments)
    or everyone — among those who may see it in its folder; with `departments`, only the members
    of those departments."""
    stmt = sa.select(User.id).where(User.active)
    if article.must_read_department_id is not None:
        dept_ids = request.department_tree.with_descendants([article.must_read_department_id])
        stmt = stmt.where(User.id.in_(sa.select(Membership.user_id)
                                      .where(Membership.department_id.in_(sorted(dept_ids)))))
    if departments is not None:
        stmt = stmt.where(User.id.in_(sa.select(Membership.user_id)
                                      .where(Membership.department_id.in_(sorted(departments)))))
    if request.kb_tree.is_restricted(article.folder_id):
        readers = folder_holders(request, article.folder_id, "article", "view")
        stmt = stmt.where(User.id.in_(sorted(readers)))
    return stmt


def confirmed_current(article: Article):
    """WHERE of the reads of `article` that confirm its current version."""
    return sa.and_(ArticleRead.article_id == article.id, ArticleRead.confirmed_at.is_not(None),
                   ArticleRead.confirmed_version >= article.version)


def has_confirmed(read: ArticleRead | None, article: Article) -> bool:
    """Whether `read` confirms the article as it is now (not an earlier version of it)."""
    return (read is not None and read.confirmed_at is not None
            and (read.confirmed_version or 0) >= article.version)


def notify_must_read(request, article: Article, departments: set[int] | None = None) -> int:
    """Tell everyone concerned (in `departments`, if given) who has not confirmed the current
    version yet; returns how many were told."""
    db = request.dbsession
    article.must_read_at = article.must_read_at or utcnow()
    confirmed = sa.select(ArticleRead.user_id).where(confirmed_current(article))
    ids = list(db.scalars(must_read_audience(request, article, departments)
                          .where(User.id.not_in(confirmed))))
    notify_users(request, ids, _("Must read: ${title}", mapping={"title": article.title}),
                 _("Please read this article and confirm that you have read it."),
                 article_link(request, article), "kb_must_read")
    return len(ids)


def notify_changed(request, article: Article, previous_version: int) -> int:
    """A published must-read got a new version: those who had confirmed the version it replaced
    are told (once: who confirmed an even older one was told at that change) and asked again."""
    if not (article.must_read and article.state == "published") or article.version <= previous_version:
        return 0
    db = request.dbsession
    had_confirmed = sa.select(ArticleRead.user_id).where(
        ArticleRead.article_id == article.id, ArticleRead.confirmed_at.is_not(None),
        ArticleRead.confirmed_version >= previous_version)
    ids = list(db.scalars(must_read_audience(request, article).where(User.id.in_(had_confirmed))))
    notify_users(request, ids, _("Changed, please read again: ${title}", mapping={"title": article.title}),
                 _("This must-read article has changed since you confirmed it. Please read it again "
                   "and confirm."),
                 article_link(request, article), "kb_must_read")
    return len(ids)


def confirm_read(dbsession, reader: User, article: Article) -> ArticleRead:
    """`reader` confirms having read the article as it is now."""
    read = record_read(dbsession, reader, article)
    if not has_confirmed(read, article):
        read.confirmed_at = utcnow()
        read.confirmed_version = article.version
    dbsession.flush()
    return read


def must_read_pending(request, limit: int = 10) -> list[Article]:
    """Published must-read articles the user is concerned by and has not confirmed as they are."""
    identity = request.identity
    if identity is None:
        return []
    dept_scope = sorted(_dept_and_parents(request, identity.department_ids))
    return list(request.dbsession.scalars(
        _pending_statement(article_filter(request, "view"), limit),
        {"me": identity.user.id, "departments": dept_scope}))


# must_read_pending's statements by (the readable-articles filter, limit): made once per filter
# (filters are shared by everyone with the same rights), not on every My day; bounded.
_PENDING: dict[tuple, tuple] = {}
_PENDING_KEPT = 1024


def _pending_statement(readable, limit: int) -> sa.Select:
    """Must-read articles among `readable` that "me" (bound), concerned through "departments"
    (bound), has not confirmed as they are now."""
    key = (id(readable), limit)
    found = _PENDING.get(key)
    if found is not None and found[0] is readable:  # the id of a live clause: the same clause
        return found[1]
    confirmed = sa.exists().where(ArticleRead.article_id == Article.id,
                                  ArticleRead.user_id == sa.bindparam("me", type_=sa.Integer),
                                  ArticleRead.confirmed_at.is_not(None),
                                  ArticleRead.confirmed_version >= Article.version)
    concerned = sa.or_(Article.must_read_department_id.is_(None),
                       Article.must_read_department_id.in_(
                           sa.bindparam("departments", expanding=True)))
    statement = (sa.select(Article).where(
        Article.must_read, Article.state == "published", concerned, ~confirmed, readable)
        .order_by(Article.must_read_at.desc(), Article.id.desc()).limit(limit))
    if len(_PENDING) >= _PENDING_KEPT:
        _PENDING.clear()
    _PENDING[key] = (readable, statement)
    return statement


def _dept_and_parents(request, dept_ids) -> set[int]:
    """A member of a sub-department is concerned by what its parent departments must read."""
    tree = request.department_tree
    out = set()
    for d in dept_ids:
        node = d
        while node is not None and node not in out:
            out.add(node)
            node = tree.parents.get(node)
    return out


# --- who may see the reports -------------------------------------------------------------------------

def report_scope(request) -> str | set[int] | None:
    """Whose confirmations the user may see on every must-read: ALL, the ids of their departments
    (with sub-departments), or None — from report.discipline's scope."""
    identity = request.identity
    if identity is None:
        return None
    if identity.is_admin:
        return ALL
    best = None
    for role, scope in request.role_matrix.roles_with("report", "discipline"):
        if role in identity.roles and SCOPE_RANK[scope] > SCOPE_RANK[best]:
            best = scope
    if best == "all":
        return ALL
    if best == "department" and identity.dept_scope_ids:
        return set(identity.dept_scope_ids)
    return None


def may_set_everyone(request, folder: KbFolder) -> bool:
    """Only the folder's editors ask everyone to read an article."""
    return bool(request.has_permission("edit", folder))


def readers_scope(request, article: Article) -> str | set[int] | None:
    """Whose confirmations of `article` the user may see: ALL (the author, editors and
    reviewers, and report.discipline scope all), their departments' people, or None."""
    identity = request.identity
    if identity is None:
        return None
    if (identity.user.id == article.author_id or request.has_permission("edit", article)
            or request.has_permission("review", article)):
        return ALL
    return report_scope(request)


# --- the reports ------------------------------------------------------------------------------------

@dataclass
class ReadersReport:
    total: int
    confirmed: int
    people: list  # [(User, confirmed_at or None, first_read_at or None, confirmed_version or None)]
    pages: int
    page: int


def readers_report(request, article: Article, *, show: str = "pending", page: int = 1,
                   page_size: int = 50, q: str = "", scope: str | set[int] = ALL) -> ReadersReport:
    """Who must read the article (within `scope`), and who has confirmed its current version:
    paginated. Someone who confirmed an earlier version counts as not yet confirmed."""
    db = request.dbsession
    departments = None if scope == ALL else set(scope)
    audience = must_read_audience(request, article, departments).subquery()
    reads = sa.select(ArticleRead).where(ArticleRead.article_id == article.id).subquery()
    current = sa.and_(reads.c.confirmed_at.is_not(None),
                      sa.func.coalesce(reads.c.confirmed_version, 0) >= article.version)
    total = db.scalar(sa.select(sa.func.count()).select_from(audience))
    confirmed = db.scalar(sa.select(sa.func.count()).select_from(audience)
                          .join(reads, reads.c.user_id == audience.c.id).where(current))
    stmt = (sa.select(User, reads.c.confirmed_at, reads.c.first_read_at, reads.c.confirmed_version)
            .join(audience, audience.c.id == User.id)
            .outerjoin(reads, reads.c.user_id == User.id))
    if show == "pending":
        stmt = stmt.where(sa.not_(current))
    elif show == "confirmed":
        stmt = stmt.where(current)
    for word in fold(q).split()[:5]:
        stmt = stmt.where(User.search_text.contains(word, autoescape=True))
    count = db.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
    pages = max(1, -(-count // page_size))
    page = min(max(page, 1), pages)
    rows = db.execute(stmt.options(selectinload(User.memberships).selectinload(Membership.department))
                      .order_by(User.full_name, User.id)
                      .offset((page - 1) * page_size).limit(page_size)).all()
    return ReadersReport(total, confirmed, [tuple(r) for r in rows], pages, page)


@dataclass
class MustReadRow:
    article: Article
    total: int
    confirmed: int

    @property
    def outstanding(self) -> int:
        return self.total - self.confirmed


def must_read_overview(request, scope: str | set[int]) -> list[MustReadRow]:
    """Every published must-read the user may read, with how many of the people in `scope` must
    read it and how many have confirmed its current version; most outstanding first."""
    db = request.dbsession
    departments = None if scope == ALL else set(scope)
    articles = db.scalars(sa.select(Article).where(
        Article.must_read, Article.state == "published", article_filter(request, "view"))
        .options(selectinload(Article.must_read_department))
        .order_by(Article.must_read_at.desc(), Article.id.desc()))
    rows = []
    for article in articles:
        audience = must_read_audience(request, article, departments).subquery()
        total = db.scalar(sa.select(sa.func.count()).select_from(audience))
        if not total:
            continue
        confirmed = db.scalar(sa.select(sa.func.count()).select_from(audience).join(
            ArticleRead, ArticleRead.user_id == audience.c.id).where(confirmed_current(article)))
        rows.append(MustReadRow(article, total, confirmed))
    rows.sort(key=lambda r: -r.outstanding)
    return rows
