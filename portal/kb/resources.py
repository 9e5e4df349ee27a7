"""/kb: the knowledge base's section of the tree, the folders and articles below it, and their
addresses.

    /kb/                              Kb (the section)
    /kb/<folder>/<sub-folder>/…/      KbFolder, nested to any depth
    /kb/<folder>/…/<article>/         Article, by its address in its folder
    /kb/@@article/<id>                an article wherever it is now (links in notifications)

Addresses are built from the request's folder tree (`request.kb_tree`), not by traversing: a
list of fifty articles costs no query. The includeme mounts the section, makes a folder's
children its sub-folders and articles (`ROW_CHILDREN`), and tells `portal.resources.locate`
where a row loaded by a query belongs (`LOCATORS`).
"""
from __future__ import annotations

from urllib.parse import quote, urlencode

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, object_session, selectinload, undefer

from models.kb import Article, KbFolder
from models.meta import ROW_CHILDREN
from portal.core.i18n import _
from portal.core.parsing import parse_key
from portal.kb.security import KbTree, kb_root_acl, kb_tree_for
from portal.resources import LOCATORS, Container, add_section


class Kb(Container):
    """/kb/<folder>/<sub-folder>/…/<article>: top-level folders by their address."""

    def __acl__(self):
        return kb_root_acl(self.request)

    def load(self, key: str):
        folder_id = self.request.kb_tree.child_id(None, key)
        return self.request.dbsession.get(KbFolder, folder_id) if folder_id is not None else None


# What an article's page shows besides its columns, read with it (its text is deferred in lists).
ARTICLE_LOADS = (undefer(Article.body_html), joinedload(Article.author),
                 selectinload(Article.tag_rows))


def folder_child(folder: KbFolder, key: str):
    """A folder's child in the tree: a sub-folder by its address, else an article of the folder
    by its address; KeyError (404) if there is neither."""
    db = object_session(folder)
    child_id = kb_tree_for(folder).child_id(folder.id, key)
    slug = parse_key(key)
    if child_id is not None:
        obj = db.get(KbFolder, child_id)
    elif slug is not None:
        obj = db.scalar(sa.select(Article).where(Article.folder_id == folder.id, Article.slug == slug)
                        .options(*ARTICLE_LOADS))
    else:
        obj = None
    if obj is None:
        raise KeyError(key)
    obj.__parent__ = folder
    obj.__name__ = key
    return obj


# --- a row loaded by a query, in its place in the tree --------------------------------------------

def locate_folder(request, folder: KbFolder) -> KbFolder:
    """Give a folder loaded by a query its place in the tree (for its ACL and resource_url):
    its parents are traversed from /kb. Returns the folder."""
    node = request.root["kb"]
    for slug in request.kb_tree.path(folder.id)[:-1]:
        node = node[slug]
    folder.__parent__ = node
    folder.__name__ = folder.slug
    return folder


def locate_article(request, article: Article) -> Article:
    """Give an article loaded by a query its place in the tree (for its ACL and resource_url).
    Placed again even if it had a place: within one session a row may still hang in the tree
    of an earlier request, whose folders may have moved since. Returns the article."""
    node = request.root["kb"]
    for slug in request.kb_tree.path(article.folder_id):
        node = node[slug]
    article.__parent__ = node
    article.__name__ = article.slug
    return article


def folder_in_tree(request, folder_id: int) -> KbFolder:
    """The folder `folder_id` reached by traversal from /kb (for its ACL)."""
    node = request.root["kb"]
    for slug in request.kb_tree.path(folder_id):
        node = node[slug]
    return node


# --- addresses ---------------------------------------------------------------------------------

def folder_address(base_url: str, tree: KbTree, folder_id: int | None, *elements, query=None) -> str:
    """<base>/kb/<folder>/<sub-folder>/… from a folder tree (no query)."""
    parts = tree.path(folder_id) if folder_id is not None else []
    return _finish(base_url + "/kb/" + "".join(f"{p}/" for p in parts), elements, query)


def article_address(base_url: str, tree: KbTree, article: Article, *elements, query=None) -> str:
    """<base>/kb/<folder>/…/<article>/ from a folder tree."""
    return _finish(folder_address(base_url, tree, article.folder_id) + article.slug + "/", elements,
                   query)


def lasting_address(base_url: str, article_id: int) -> str:
    """<base>/kb/@@article/<id>: stays when the article or its folders move."""
    return f"{base_url}/kb/@@article/{article_id}"


def folder_url(request, folder_id: int | None, *elements, query=None) -> str:
    """/kb/<folder>/<sub-folder>/… from the request's folder tree (no queries)."""
    return folder_address(request.application_url, request.kb_tree, folder_id, *elements, query=query)


def article_url(request, article: Article, *elements, query=None) -> str:
    return article_address(request.application_url, request.kb_tree, article, *elements, query=query)


def article_link(request, article: Article) -> str:
    """An address that stays when the article or its folders move (/kb/@@article/<id>): for
    notifications and e-mails."""
    return lasting_address(request.application_url, article.id)


def _finish(url: str, elements, query) -> str:
    url += "/".join(quote(str(e), safe="") for e in elements)
    if query:
        url += "?" + urlencode(query)
    return url


def includeme(config) -> None:
    """Mount /kb, give folders their children, and place rows loaded by queries."""
    add_section(config, "kb", Kb, _("Knowledge base"), "journal-bookmark", 60)
    config.register(ROW_CHILDREN, KbFolder, folder_child)
    config.register(LOCATORS, KbFolder, locate_folder)
    config.register(LOCATORS, Article, locate_article)
