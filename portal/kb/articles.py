"""Writing articles: new drafts and saves (every change of the text a version), restoring an
earlier version, "see also" links, and what the workflow's steps do to an article (who is told
of a submission, a publication, a rejection).

The rendered text (`body_html`) follows the body however it is set — a save, a restored
version, an undo in the audit log — because the includeme binds `keep_body_html` to the body.
Reading and feedback are in reading.py, must-read in must_read.py, comparing versions in
diff.py, the rules for what may be typed in schemas.py.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from models.errors import UserError
from models.kb import Article, ArticleRelation, ArticleTag, ArticleVersion, KbFolder
from models.meta import utcnow
from models.people import Department, User
from portal.core.i18n import _
from portal.kb.folders import free_slug, slug_taken_message, taken_by
from portal.kb.markdown import render
from portal.kb.must_read import may_set_everyone, notify_changed, notify_must_read
from portal.kb.notices import notify_users
from portal.kb.resources import article_link, folder_in_tree
from portal.kb.review import (
    IN_REVIEW,
    MUST_READ_OFF,
    MUST_READ_ON,
    PROPOSED,
    PUBLISHED_UNREVIEWED,
    REJECTED,
    REPLACED,
    UNREVIEWED,
    edits_reviewed,
    note,
    reviewer_ids,
)
from portal.kb.schemas import COMMENT_MAX, RELATED_MAX, slugify
from portal.kb.security import KbTree, article_filter
from workflows.article import change_author_id
from workflows.engine import Transitioned


@dataclass
class ArticleInput:
    """What is saved of an article: as read by `portal.kb.schemas.ArticleSchema`."""

    title: str
    body: str
    summary: str = ""
    slug: str = ""
    tags: list[str] = field(default_factory=list)
    related_ids: list[int] | None = None
    comment: str = ""
    must_read: bool = False
    must_read_department_id: int | None = None

    @classmethod
    def of(cls, values: dict) -> ArticleInput:
        """From the values `schemas.read(ArticleSchema(), ...)` returns (a field that could not
        be read holds what was typed: tags typed wrong are left out here)."""
        tags = values.get("tags")
        related = values.get("related")
        department = values.get("must_read_department_id")
        return cls(
            title=values.get("title") or "",
            body=values.get("body") or "",
            summary=values.get("summary") or "",
            slug=values.get("slug") or "",
            tags=list(tags) if isinstance(tags, list) else [],
            related_ids=[i for i in related if isinstance(i, int)] if isinstance(related, list) else [],
            comment=values.get("comment") or "",
            must_read=values.get("must_read") is True,
            must_read_department_id=department if isinstance(department, int) else None,
        )

    @classmethod
    def from_article(cls, article: Article, related_ids: list[int]) -> ArticleInput:
        return cls(title=article.title, body=article.body, summary=article.summary, slug=article.slug,
                   tags=article.tags, related_ids=related_ids, must_read=article.must_read,
                   must_read_department_id=article.must_read_department_id)


def check_article(request, folder_id: int, data: ArticleInput, article: Article | None = None,
                  version: int | None = None) -> dict:
    """{field: message} for what cannot be saved against what is there now: an address already
    used in the folder, a department that is gone, a must-read for everyone by someone who is
    not the folder's editor, a newer version saved since the editor opened `version`."""
    db = request.dbsession
    problems = {}
    if data.slug:
        other = taken_by(db, request.kb_tree, folder_id, data.slug,
                         except_article=article.id if article is not None else None)
        if other is not None:
            problems["slug"] = slug_taken_message(data.slug, other)
    if data.must_read_department_id is not None:
        if db.get(Department, data.must_read_department_id) is None:
            problems["must_read"] = _("Choose the department that must read it.")
    elif data.must_read:
        already = article is not None and article.must_read and article.must_read_department_id is None
        if not already and not may_set_everyone(request, folder_in_tree(request, folder_id)):
            problems["must_read"] = _("Only the folder’s editors may ask everyone to read an article. "
                                      "Choose the department that must read it.")
    if article is not None and version not in (None, shown_number(article)):
        problems["body"] = _("Someone saved this article while you were editing it (now version "
                             "${n}). Copy your text, open the article again and apply your "
                             "changes there.", mapping={"n": shown_number(article)})
    return problems


# --- saving, versions ---------------------------------------------------------------------------

def _actor_id(request) -> int | None:
    identity = request.identity
    return identity.user.id if identity else None


def _set_tags(article: Article, tags: list[str]) -> None:
    current = {t.tag: t for t in article.tag_rows}
    article.tag_rows = [current.get(tag) or ArticleTag(tag=tag) for tag in tags]


def _snapshot(article: Article, author_id: int | None, comment: str) -> ArticleVersion:
    return ArticleVersion(article_id=article.id, number=article.version, title=article.title,
                          summary=article.summary, body=article.body, tags=",".join(article.tags),
                          author_id=author_id, comment=comment)


def create_article(dbsession, author: User | None, folder: KbFolder, data: ArticleInput, *,
                   tree: KbTree, readable) -> Article:
    """A new draft by `author` in `folder`: version 1. Its address is `data.slug`, or one made
    from the title that is free in the folder (`tree`: the folder tree). "See also" links go
    only to articles that pass `readable` (the WHERE of the articles the author may read:
    `portal.kb.security.article_filter`)."""
    slug = data.slug or free_slug(dbsession, tree, folder.id, slugify(data.title))
    article = Article(folder_id=folder.id, slug=slug, title=data.title, summary=data.summary,
                      body=data.body, author_id=author.id if author is not None else None,
                      state="draft", version=1, must_read=data.must_read,
                      must_read_department_id=data.must_read_department_id if data.must_read else None)
    _set_tags(article, data.tags)
    dbsession.add(article)
    dbsession.flush()
    if data.related_ids is not None:
        set_related(dbsession, article, data.related_ids, readable)
    dbsession.add(_snapshot(article, article.author_id, data.comment))
    dbsession.flush()
    return article


# What a save did (`update_article`).
# SAME is empty: whether a save made a version reads as a truth value.
SAME, SAVED, PROPOSED_CHANGE, SAVED_UNREVIEWED = "", "saved", "proposed", "unreviewed"


def shown_number(article: Article) -> int:
    """The version an editor opens: the change waiting for review, else the current one."""
    return article.pending_version or article.version


def editing_input(dbsession, article: Article, related: list[int]) -> ArticleInput:
    """What the editor opens: the change waiting for review when there is one (its author or
    another editor continues it), else the article as readers see it."""
    data = ArticleInput.from_article(article, related)
    pending = version_of(dbsession, article, article.pending_version) if article.pending_version else None
    if pending is not None:
        data.title, data.summary, data.body = pending.title, pending.summary, pending.body
        data.tags = pending.tag_list
    return data


def _next_number(dbsession, article: Article) -> int:
    # Past every version kept, a change sent back included.
    return (dbsession.scalar(sa.select(sa.func.max(ArticleVersion.number))
                             .where(ArticleVersion.article_id == article.id)) or 0) + 1


def _drop_pending(dbsession, article: Article, review: str) -> None:
    """The change waiting for review is no longer waiting: sent back or superseded."""
    if article.pending_version is None:
        return
    pending = version_of(dbsession, article, article.pending_version)
    if pending is not None:
        pending.review = review
    article.pending_version = None


def _apply_text(article: Article, title: str, summary: str, body: str, tags: list[str],
                number: int) -> None:
    article.title = title
    article.summary = summary
    if body != article.body:
        article.body = body  # renders body_html (keep_body_html)
    _set_tags(article, tags)
    article.version = number
    article.updated_at = utcnow()


def _propose(request, article: Article, data: ArticleInput) -> ArticleVersion:
    """A change of a published article that waits for review: a version of its own; readers
    keep the published text; the reviewers are told."""
    db = request.dbsession
    _drop_pending(db, article, REPLACED)
    version = ArticleVersion(article_id=article.id, number=_next_number(db, article), title=data.title,
                             summary=data.summary, body=data.body, tags=",".join(data.tags),
                             author_id=_actor_id(request), comment=data.comment, review=IN_REVIEW)
    db.add(version)
    db.flush()
    article.pending_version = version.number
    note(request, article, PROPOSED, data.comment)
    notify_users(request, reviewer_ids(request, article.folder, _actor_id(request)) - {_actor_id(request)},
                 _("A change waits for your review: ${title}", mapping={"title": article.title}),
                 _("Compare it with the published text, then publish it or send it back with a comment."),
                 article_link(request, article), "kb_review")
    return version


def _save_text(request, article: Article, title: str, summary: str, body: str, tags: list[str],
               comment: str) -> str:
    """Make a new version of the text: a change waiting for review, a change published without
    review (a published article where the folder does not review changes), or a plain new
    version (a draft, an article in review, an archived one)."""
    db = request.dbsession
    if article.state == "published" and edits_reviewed(article.folder):
        _propose(request, article, ArticleInput(title=title, body=body, summary=summary, tags=tags,
                                                comment=comment))
        return PROPOSED_CHANGE
    _drop_pending(db, article, REPLACED)
    _apply_text(article, title, summary, body, tags, _next_number(db, article))
    db.flush()
    version = _snapshot(article, _actor_id(request), comment)
    if article.state == "published":
        version.review = UNREVIEWED
        note(request, article, PUBLISHED_UNREVIEWED, comment)
    db.add(version)
    db.flush()
    return SAVED_UNREVIEWED if version.review == UNREVIEWED else SAVED


def update_article(request, article: Article, data: ArticleInput) -> str:
    """Apply an edit by the request's user. A change of title, summary, text or tags makes a new
    version (`_save_text`: of a published article, one that waits for review or one published
    without review, by the folder's setting). Returns what was done: SAME (no new version),
    SAVED, PROPOSED_CHANGE or SAVED_UNREVIEWED. Must-read turned on or off is written in the
    article's history; those concerned by a must-read are told (which needs the request: who
    may read the folder, in which language each reads)."""
    db = request.dbsession
    was_must_read = article.must_read
    was_department = article.must_read_department_id
    previous = article.version
    shown = editing_input(db, article, [])
    content_changed = (data.title != shown.title or data.summary != shown.summary
                       or data.body != shown.body or data.tags != shown.tags)
    if data.slug and data.slug != article.slug:
        article.slug = data.slug
    article.must_read = data.must_read
    article.must_read_department_id = data.must_read_department_id if data.must_read else None
    if article.must_read and (not was_must_read or was_department != article.must_read_department_id):
        department = (db.get(Department, article.must_read_department_id)
                      if article.must_read_department_id else None)
        note(request, article, MUST_READ_ON, department.name if department else "")
    elif was_must_read and not article.must_read:
        note(request, article, MUST_READ_OFF)
    if data.related_ids is not None:
        set_related(db, article, data.related_ids, article_filter(request, "view"))
    done = SAME
    if content_changed:
        done = _save_text(request, article, data.title, data.summary, data.body, data.tags, data.comment)
    db.flush()
    if article.must_read and not was_must_read and article.state == "published":
        notify_must_read(request, article)
    elif article.version != previous and was_must_read:
        notify_changed(request, article, previous)
    return done


def restore_version(request, article: Article, number: int) -> ArticleVersion | None:
    """Make the text of version `number` the newest version again (history stays as it was) —
    of a published article, by the folder's rule like any other change; the version's comment
    is written in the language of the request's user."""
    db = request.dbsession
    old = version_of(db, article, number)
    if old is None:
        return None
    previous = article.version
    comment = request.localizer.translate(
        _("Restored from version ${n}", mapping={"n": number}))[:COMMENT_MAX]
    _save_text(request, article, old.title, old.summary, old.body, old.tag_list, comment)
    if article.version != previous:
        notify_changed(request, article, previous)
    return version_of(db, article, shown_number(article))


def versions_of(dbsession, article: Article) -> list[ArticleVersion]:
    return list(dbsession.scalars(
        sa.select(ArticleVersion).where(ArticleVersion.article_id == article.id)
        .options(selectinload(ArticleVersion.author)).order_by(ArticleVersion.number.desc())))


def version_of(dbsession, article: Article, number: int) -> ArticleVersion | None:
    return dbsession.scalar(sa.select(ArticleVersion).where(
        ArticleVersion.article_id == article.id, ArticleVersion.number == number))


# --- related articles -------------------------------------------------------------------------

def set_related(dbsession, article: Article, ids: list[int], readable) -> None:
    """Make the "see also" links of `article` that pass `readable` (the articles the person may
    read) be `ids` (shown on both sides). Links to articles they cannot see are not in their
    form, so they are kept as they are; an id is added only if that article passes `readable`
    (unknown ids are ignored)."""
    db = dbsession
    ids = [i for i in ids if i != article.id][:RELATED_MAX]
    current = set(related_ids(db, article))
    seen = set(db.scalars(sa.select(Article.id).where(
        Article.id.in_(sorted(current)), readable))) if current else set()
    wanted = set(ids)
    dropped = seen - wanted
    if dropped:
        gone = sorted(dropped)
        db.execute(sa.delete(ArticleRelation).where(sa.or_(
            sa.and_(ArticleRelation.article_id == article.id, ArticleRelation.related_id.in_(gone)),
            sa.and_(ArticleRelation.related_id == article.id, ArticleRelation.article_id.in_(gone)))))
    new = [i for i in ids if i not in current]
    allowed = set(db.scalars(sa.select(Article.id).where(Article.id.in_(new), readable))) if new else set()
    for other in new:
        if other in allowed:
            db.add(ArticleRelation(article_id=article.id, related_id=other))
    db.flush()


def related_articles(request, article: Article, permission: str = "view") -> list[Article]:
    """Articles linked to `article` in either direction that the user may see."""
    db = request.dbsession
    linked = sa.union(
        sa.select(ArticleRelation.related_id.label("id")).where(ArticleRelation.article_id == article.id),
        sa.select(ArticleRelation.article_id.label("id")).where(ArticleRelation.related_id == article.id),
    ).subquery()
    return list(db.scalars(sa.select(Article).where(
        Article.id.in_(sa.select(linked.c.id)), article_filter(request, permission))
        .order_by(Article.title)))


def related_ids(dbsession, article: Article) -> list[int]:
    rows = dbsession.execute(sa.select(ArticleRelation.article_id, ArticleRelation.related_id).where(
        sa.or_(ArticleRelation.article_id == article.id, ArticleRelation.related_id == article.id)))
    return [b if a == article.id else a for a, b in rows]


# --- what the workflow's steps do -----------------------------------------------------------------

def on_transition(event) -> None:
    """Workflow subscriber: reviewers hear of a submission, the author of a decision, and the
    readers of a published must-read; a change waiting for review is published or sent back."""
    article = event.obj
    if not isinstance(article, Article):
        return
    request = event.request
    actor = _actor_id(request)
    url = article_link(request, article)
    name = event.transition.name
    if name == "submit":
        reviewers = reviewer_ids(request, article.folder, article.author_id) - {actor}
        names = sorted(request.dbsession.scalars(sa.select(User.full_name).where(User.id.in_(reviewers))),
                       key=str.casefold)
        request.session.flash(request.translate(
            _("Sent for review to ${names}.", mapping={"names": ", ".join(names)}) if names else
            _("Nobody may publish in this folder yet: ask an administrator to share the Reviewer "
              "role on it.")), "" if names else "warning")
        notify_users(request, reviewers,
                     _("Waiting for your review: ${title}", mapping={"title": article.title}),
                     _("Read it, then publish it or send it back to the author with a comment."),
                     url, "kb_review")
    elif name == "publish":
        article.published_at = utcnow()
        if article.author_id and article.author_id != actor:
            notify_users(request, [article.author_id],
                         _("Your article is published: ${title}", mapping={"title": article.title}),
                         "", url, "kb_published")
        if article.must_read:
            notify_must_read(request, article)
    elif name == "reject" and article.author_id and article.author_id != actor:
        notify_users(request, [article.author_id],
                     _("Your article was sent back: ${title}", mapping={"title": article.title}),
                     event.comment.strip(), url, "kb_rejected")
    elif name == "publish_change":
        _claim_pending(request.dbsession, article)
        publish_change(request, article)
    elif name == "reject_change":
        author = change_author_id(request.dbsession, article)
        _claim_pending(request.dbsession, article)
        _drop_pending(request.dbsession, article, REJECTED)
        if author and author != actor:
            notify_users(request, [author],
                         _("Your change was sent back: ${title}", mapping={"title": article.title}),
                         event.comment.strip(), url, "kb_rejected")
    elif article.pending_version is not None and name == "retract":
        # Back to a draft: the newest text is the one to go on with.
        publish_change(request, article, notify=False)
    elif article.pending_version is not None:
        _drop_pending(request.dbsession, article, REPLACED)


class ChangeDecided(UserError):
    """Two reviewers decided on one change at the same instant: the second is told (and what
    they did is undone: the error leaves the transaction)."""

    status = 409


def _claim_pending(dbsession, article: Article) -> None:
    """Take the change waiting for review off the article in one guarded UPDATE (… WHERE
    pending_version = the one seen): of two reviewers publishing or sending it back at once,
    the second finds it gone."""
    table = Article.__table__
    done = dbsession.execute(sa.update(table).where(
        table.c.id == article.id, table.c.pending_version == article.pending_version)
        .values(pending_version=None))
    if article.pending_version is None or done.rowcount != 1:
        raise ChangeDecided(_("Someone has just published this change or sent it back: open the "
                              "article again."))


def publish_change(request, article: Article, notify: bool = True) -> None:
    """The change waiting for review becomes the text readers see (its author is told, and so
    are those who confirmed a must-read)."""
    db = request.dbsession
    pending = version_of(db, article, article.pending_version) if article.pending_version else None
    if pending is None:
        return
    previous = article.version
    _apply_text(article, pending.title, pending.summary, pending.body, pending.tag_list, pending.number)
    pending.review = ""
    article.pending_version = None
    db.flush()
    if not notify:
        return
    if pending.author_id and pending.author_id != _actor_id(request):
        notify_users(request, [pending.author_id],
                     _("Your change is published: ${title}", mapping={"title": article.title}),
                     "", article_link(request, article), "kb_published")
    if article.must_read:
        notify_changed(request, article, previous)


# --- the rendered text follows the body ------------------------------------------------------------

def keep_body_html(article: Article, body: str, _old, _initiator) -> None:
    """Render and sanitize the body whenever it is set (an attribute event of Article.body)."""
    article.body_html = render(body)


def _listen_to_bodies() -> None:
    # The application may be configured more than once in one process (tests): listen once.
    if not sa.event.contains(Article.body, "set", keep_body_html):
        sa.event.listen(Article.body, "set", keep_body_html)


def includeme(config) -> None:
    """Render article bodies as they are set; act on the article workflow's steps."""
    config.action(("kb.keep_body_html",), _listen_to_bodies)
    config.add_subscriber(on_transition, Transitioned)
