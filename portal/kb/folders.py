"""Knowledge-base folders and addresses (slugs): create, rename, move, delete, with the checks
that keep the tree a tree and every address unique."""
from __future__ import annotations

import re

import sqlalchemy as sa

from models.kb import FOLDER_CONTAINER, Article, KbFolder
from models.roles import LocalRoleGrant
from portal.core.i18n import _
from portal.kb.security import KbTree

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 100
TITLE_MAX = 200
# Names the views use after a folder or an article (…/edit, …/sharing): no folder or article
# may take them, or its address would hide the page.
RESERVED = frozenset({
    "add-article", "add-folder", "attachments", "block-inheritance", "confirm", "delete", "detach",
    "diff", "edit", "feedback", "file", "find-related", "move", "must-read", "must-read-export",
    "preview", "readers", "remind",
    "restore", "restrict", "search", "share", "sharing", "transition", "unshare", "upload",
    "version", "versions",
})

TRANSLIT = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
})


def slugify(text: str, fallback: str = "article") -> str:
    """An address part from a title: Latin letters, digits and hyphens ("Настройка VPN" →
    "nastroyka-vpn")."""
    slug = (text or "").casefold().translate(TRANSLIT)
    slug = re.sub(r"[^a-z0-9]+", "-", slug).strip("-")
    if len(slug) > SLUG_MAX - 4:
        slug = slug[:SLUG_MAX - 4].rsplit("-", 1)[0] or slug[:SLUG_MAX - 4]
    if not slug or slug in RESERVED:
        slug = f"{fallback}-{slug}" if slug else fallback
    return slug


def slug_problem(slug: str):
    """What is wrong with an address part typed by hand, or None."""
    if not slug:
        return _("Give an address (letters a–z, digits and hyphens).")
    if len(slug) > SLUG_MAX:
        return _("At most ${max} characters, please.", mapping={"max": SLUG_MAX})
    if not SLUG_RE.match(slug):
        return _("Use only small Latin letters, digits and single hyphens, e.g. “vpn-setup”.")
    if slug in RESERVED:
        return _("“${slug}” is reserved for a page of the knowledge base. Choose another address.",
                 mapping={"slug": slug})
    return None


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


def delete_problem(dbsession, tree: KbTree, folder_id: int):
    if tree.children.get(folder_id):
        return _("The folder has sub-folders: move or delete them first.")
    if dbsession.scalar(sa.select(Article.id).where(Article.folder_id == folder_id).limit(1)):
        return _("The folder holds articles: move them to another folder or delete them first.")
    return None


def delete_folder(dbsession, folder: KbFolder) -> None:
    """Delete an empty folder and what was shared on it."""
    # One by one, so that the audit records each withdrawn grant.
    for grant in dbsession.scalars(sa.select(LocalRoleGrant).where(
            LocalRoleGrant.container_type == FOLDER_CONTAINER,
            LocalRoleGrant.container_id == folder.id)):
        dbsession.delete(grant)
    dbsession.delete(folder)
    dbsession.flush()
