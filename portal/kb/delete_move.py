"""Deleting an article and moving it to another folder: the checks and what goes with them.

Deleting takes the article's versions and file links with it one by one (the audit records
them, so that an admin's undo brings them back; the stored files stay, other articles may
show them), and, through the database, its tags, "see also" links, readers, must-read
confirmations, feedback and ticket links; unread notifications that still ask to read or
review it go too.

Moving changes the folder only: the article's permissions, being computed from its folder,
follow the new one at once. Links in notifications (`article_link`) find it wherever it is.

`delete_article` and `move_article` take the database session, the folder tree and the
portal's address (notifications hold whole addresses); `move_problem` also says whether the
person may put the article there, so it takes the request.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from models.errors import UserError
from models.kb import (
    Article,
    ArticleAttachment,
    ArticleFeedback,
    ArticleRead,
    ArticleRelation,
    ArticleVersion,
    KbFolder,
    TicketArticleLink,
)
from models.notifications import Notification
from models.workflow import WorkflowHistory
from portal.core.i18n import _
from portal.kb.folders import taken_by
from portal.kb.resources import article_address, lasting_address
from portal.kb.schemas import slug_problem
from portal.kb.security import KbTree, visible_folder_ids


@dataclass
class WhatGoes:
    """What deleting an article takes with it, for the confirmation page."""

    versions: int
    files: int
    readers: int
    confirmations: int
    feedback: int
    tickets: int
    related: int


def what_goes(dbsession, article: Article) -> WhatGoes:
    def count(model, *where) -> int:
        return dbsession.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0

    return WhatGoes(
        versions=count(ArticleVersion, ArticleVersion.article_id == article.id),
        files=count(ArticleAttachment, ArticleAttachment.article_id == article.id),
        readers=count(ArticleRead, ArticleRead.article_id == article.id),
        confirmations=count(ArticleRead, ArticleRead.article_id == article.id,
                            ArticleRead.confirmed_at.is_not(None)),
        feedback=count(ArticleFeedback, ArticleFeedback.article_id == article.id),
        tickets=count(TicketArticleLink, TicketArticleLink.article_id == article.id),
        related=count(ArticleRelation, sa.or_(ArticleRelation.article_id == article.id,
                                              ArticleRelation.related_id == article.id)),
    )


def delete_article(dbsession, tree: KbTree, article: Article, base_url: str) -> None:
    """Delete `article` and what belongs to it (see the module's docstring). `base_url`: the
    portal's address, which the notifications' links start with."""
    db = dbsession
    links = (article_address(base_url, tree, article), lasting_address(base_url, article.id))
    for model in (ArticleVersion, ArticleAttachment):
        for row in db.scalars(sa.select(model).where(model.article_id == article.id)):
            db.delete(row)
    db.execute(sa.delete(Notification).where(
        Notification.url.in_(links), Notification.read_at.is_(None),
        Notification.kind.like("kb\\_%", escape="\\")))
    # A later article may get the same number (SQLite reuses the highest): it must not inherit
    # this one's review history.
    db.execute(sa.delete(WorkflowHistory).where(WorkflowHistory.object_type == "article",
                                                WorkflowHistory.object_id == article.id))
    db.delete(article)
    db.flush()


# --- moving ---------------------------------------------------------------------------------------

def move_targets(request, article: Article) -> set[int]:
    """Folders the user may put the article into (add there), other than its own."""
    return visible_folder_ids(request, permission="add") - {article.folder_id}


def move_problem(request, article: Article, target_id: int | None, slug: str):
    """Why `article` cannot move to folder `target_id` under the address `slug`, or None: no
    such folder, the same folder, a folder the user may not add articles to, then what
    `move_article` refuses."""
    tree = request.kb_tree
    if target_id is None or target_id not in tree.nodes:
        return _("Choose the folder to move the article to.")
    if target_id == article.folder_id:
        return _("The article is already in this folder.")
    if target_id not in move_targets(request, article):
        return _("You cannot add articles to “${folder}”.", mapping={"folder": tree.nodes[target_id].title})
    return _address_problem(request.dbsession, tree, article, target_id, slug)


def _address_problem(dbsession, tree: KbTree, article: Article, target_id: int, slug: str):
    why = slug_problem(slug)
    if why is not None:
        return why
    other = taken_by(dbsession, tree, target_id, slug, except_article=article.id)
    if other is not None:
        return _("The address “${slug}” is already used in “${folder}” by “${title}”. Give the "
                 "article another address to move it there.",
                 mapping={"slug": slug, "folder": tree.nodes[target_id].title, "title": other})
    return None


def move_article(dbsession, tree: KbTree, article: Article, target: KbFolder, slug: str,
                 base_url: str) -> None:
    """Put `article` into `target` under the address `slug`; refused (UserError) if it is there
    already or the address is malformed or used there. Notifications that link to its old
    address (starting with `base_url`) are pointed to its lasting one."""
    if target.id == article.folder_id:
        raise UserError(_("The article is already in this folder."), "target")
    why = _address_problem(dbsession, tree, article, target.id, slug)
    if why is not None:
        raise UserError(why, "slug")
    old_url = article_address(base_url, tree, article)
    article.folder_id = target.id
    article.slug = slug
    dbsession.flush()
    # Notifications written with the old address still lead to it.
    dbsession.execute(sa.update(Notification).where(Notification.url == old_url)
                      .values(url=lasting_address(base_url, article.id)))
    article.__parent__ = target
    article.__name__ = slug
