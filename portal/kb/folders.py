"""Knowledge-base folders: create, rename, move, delete, with the checks that keep the tree a
tree and every address unique under its parent (a folder's or an article's).

The services take the database session and the folder tree (`KbTree`: a page passes its
request's, which it refreshes afterwards with `portal.kb.security.refresh_kb_tree`) and raise
`UserError` naming the field at fault. Who may do it is the caller's to check (the pages'
permissions; `visible_folder_ids` for where a folder may go).
"""
from __future__ import annotations

import sqlalchemy as sa

from models.errors import UserError
from models.kb import FOLDER_CONTAINER, Article, KbFolder
from models.roles import LocalRoleGrant
from portal.core.i18n import _
from portal.kb.schemas import SLUG_MAX, TITLE_MAX, slug_problem, slugify
from portal.kb.security import KbTree


def taken_by(dbsession, tree: KbTree, parent_id: int | None, slug: str, *,
             except_folder: int | None = None, except_article: int | None = None) -> str | None:
    """The title of the folder or article already using `slug` under `parent_id`, or None."""
    folder_id = tree.child_id(parent_id, slug)
    if folder_id is not None and folder_id != except_folder:
        return tree.nodes[folder_id].title
    if parent_id is None:
        return None
    stmt = sa.select(Article.title).where(Article.folder_id == parent_id, Article.slug == slug)
    if except_article is not None:
        stmt = stmt.where(Article.id != except_article)
    return dbsession.scalar(stmt.limit(1))


def slug_taken_message(slug: str, title: str):
    return _("The address “${slug}” is already used here by “${title}”. Choose another one.",
             mapping={"slug": slug, "title": title})


def free_slug(dbsession, tree: KbTree, parent_id: int | None, base: str, **except_) -> str:
    """`base`, or `base-2`, `base-3`… whichever is free under `parent_id`."""
    slug, n = base, 1
    while taken_by(dbsession, tree, parent_id, slug, **except_) is not None:
        n += 1
        slug = f"{base[:SLUG_MAX - 6]}-{n}"
    return slug


def folder_problems(dbsession, tree: KbTree, *, title: str, slug: str, parent_id: int | None,
                    folder_id: int | None = None) -> dict:
    """{field: message} for a folder's title and address under `parent_id`."""
    problems = {}
    if not title.strip():
        problems["title"] = _("Give the folder a title.")
    elif len(title) > TITLE_MAX:
        problems["title"] = _("At most ${max} characters, please.", mapping={"max": TITLE_MAX})
    why = slug_problem(slug)
    if why is None:
        other = taken_by(dbsession, tree, parent_id, slug, except_folder=folder_id)
        if other is not None:
            why = slug_taken_message(slug, other)
    if why is not None:
        problems["slug"] = why
    return problems


def _refuse(problems: dict) -> None:
    for name, message in problems.items():
        raise UserError(message, name)


def _address(dbsession, tree: KbTree, parent_id: int | None, title: str, slug: str,
             folder_id: int | None = None) -> str:
    """The address typed, or one made from the title that is free under `parent_id`."""
    if slug or not title:
        return slug
    return free_slug(dbsession, tree, parent_id, slugify(title, "folder"), except_folder=folder_id)


def create_folder(dbsession, tree: KbTree, *, parent_id: int | None, title: str, slug: str = "",
                  description: str = "", publish_needs_other: bool = False,
                  edits_reviewed: bool = False) -> KbFolder:
    """A new folder under `parent_id` (None: at the top), last among its siblings. An empty
    `slug` is made from the title. Its review rules: portal/kb/review.py."""
    title = " ".join(title.split())
    slug = _address(dbsession, tree, parent_id, title, slug)
    _refuse(folder_problems(dbsession, tree, title=title, slug=slug, parent_id=parent_id))
    folder = KbFolder(parent_id=parent_id, title=title, slug=slug, description=description.strip(),
                      sort_order=len(tree.children.get(parent_id, [])),
                      publish_needs_other=publish_needs_other, edits_reviewed=edits_reviewed)
    dbsession.add(folder)
    dbsession.flush()
    return folder


def edit_folder(dbsession, tree: KbTree, folder: KbFolder, *, title: str, slug: str = "",
                description: str = "", publish_needs_other: bool | None = None,
                edits_reviewed: bool | None = None) -> None:
    """Rename a folder (its title and address: an empty `slug` is made from the title),
    describe it, set its review rules (None: as they are)."""
    title = " ".join(title.split())
    slug = _address(dbsession, tree, folder.parent_id, title, slug, folder.id)
    _refuse(folder_problems(dbsession, tree, title=title, slug=slug, parent_id=folder.parent_id,
                            folder_id=folder.id))
    folder.title, folder.slug = title, slug
    folder.description = description.strip()
    if publish_needs_other is not None:
        folder.publish_needs_other = publish_needs_other
    if edits_reviewed is not None:
        folder.edits_reviewed = edits_reviewed
    dbsession.flush()


def move_problem(dbsession, tree: KbTree, folder_id: int, target_id: int | None):
    """Why `folder_id` cannot move under `target_id` (None: to the top), or None."""
    if target_id is not None:
        if target_id == folder_id:
            return _("A folder cannot be moved into itself.")
        if target_id in tree.descendants(folder_id):
            return _("A folder cannot be moved into one of its own sub-folders.")
        if target_id not in tree.nodes:
            return _("Choose the folder to move it to.")
    node = tree.nodes[folder_id]
    if node.parent_id == target_id:
        return _("The folder is already there.")
    other = taken_by(dbsession, tree, target_id, node.slug, except_folder=folder_id)
    if other is not None:
        return _("The address “${slug}” is already used there by “${title}”. Rename the folder "
                 "first.", mapping={"slug": node.slug, "title": other})
    return None


def move_folder(dbsession, tree: KbTree, folder: KbFolder, target_id: int | None) -> None:
    """Put `folder` (with everything in it) under `target_id` (None: at the top)."""
    why = move_problem(dbsession, tree, folder.id, target_id)
    if why is not None:
        raise UserError(why, "target")
    folder.parent_id = target_id
    dbsession.flush()


def delete_problem(dbsession, tree: KbTree, folder_id: int):
    if tree.children.get(folder_id):
        return _("The folder has sub-folders: move or delete them first.")
    if dbsession.scalar(sa.select(Article.id).where(Article.folder_id == folder_id).limit(1)):
        return _("The folder holds articles: move them to another folder or delete them first.")
    return None


def delete_folder(dbsession, tree: KbTree, folder: KbFolder) -> None:
    """Delete an empty folder and what was shared on it."""
    why = delete_problem(dbsession, tree, folder.id)
    if why is not None:
        raise UserError(why)
    # One by one, so that the audit records each withdrawn grant.
    for grant in dbsession.scalars(sa.select(LocalRoleGrant).where(
            LocalRoleGrant.container_type == FOLDER_CONTAINER,
            LocalRoleGrant.container_id == folder.id)):
        dbsession.delete(grant)
    dbsession.delete(folder)
    dbsession.flush()
