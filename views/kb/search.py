"""Searching the knowledge base: its own page (/kb/search) and a group of the header search."""
from __future__ import annotations

from math import ceil
from urllib.parse import urlencode

import sqlalchemy as sa
from markupsafe import Markup
from pyramid.view import view_config
from sqlalchemy.orm import joinedload, selectinload

from models.kb import Article, ArticleTag
from portal.core.i18n import _
from portal.kb.resources import Kb, article_url
from portal.kb.search import search
from portal.kb.security import article_filter, visible_folder_ids
from views.kb.home import int_param, kb_helpers, popular_tags
from views.search.header import SearchGroup, SearchItem, search_provider

PAGE_SIZE = 20
MAX_QUERY = 200


def search_where(request, folder_ids=None, tag: str = "", published_only: bool = False):
    """Permission (in SQL) and the page's filters."""
    clauses = [article_filter(request, "view")]
    if published_only:
        clauses.append(Article.state == "published")
    else:
        clauses.append(Article.state != "archived")
    if folder_ids is not None:
        clauses.append(Article.folder_id.in_(sorted(folder_ids)))
    if tag:
        clauses.append(Article.id.in_(sa.select(ArticleTag.article_id).where(ArticleTag.tag == tag)))
    return sa.and_(*clauses)


@view_config(context=Kb, name="search", renderer="kb/search.jinja2", permission="view")
def kb_search(request):
    q = request.GET.get("q", "").strip()[:MAX_QUERY]
    tag = request.GET.get("tag", "").strip()[:40].casefold()
    tree = request.kb_tree
    visible = visible_folder_ids(request)
    folder_id = int_param(request, "folder")
    if folder_id not in visible:
        folder_id = None
    folder_ids = tree.descendants(folder_id) & visible if folder_id else None
    where = search_where(request, folder_ids, tag)
    page = max(int_param(request, "page") or 1, 1)
    hits, total = [], 0
    narrowed = False
    tagged = []
    if q:
        hits, total = search(request, q, where=where, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        narrowed = hits.narrowed
    elif tag:
        # A tag alone lists its articles, newest first.
        stmt = sa.select(Article).where(where)
        total = request.dbsession.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
        tagged = list(request.dbsession.scalars(
            stmt.options(selectinload(Article.tag_rows), joinedload(Article.author))
            .order_by(Article.updated_at.desc(), Article.id.desc())
            .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
    pages = max(1, ceil(total / PAGE_SIZE))
    params = {"q": q, "tag": tag, "folder": folder_id or ""}
    base = request.application_url + "/kb/search"

    def url(**changes):
        merged = {**params, **changes}
        query = urlencode([(k, v) for k, v in merged.items() if v])
        return f"{base}?{query}" if query else base

    if hits:
        ids = [h.article.id for h in hits]
        tags: dict[int, list[str]] = {}
        for article_id, t in request.dbsession.execute(
                sa.select(ArticleTag.article_id, ArticleTag.tag).where(ArticleTag.article_id.in_(ids))
                .order_by(ArticleTag.tag)):
            tags.setdefault(article_id, []).append(t)
    else:
        tags = {}
    return {
        "title": _("Search the knowledge base"),
        "q": q,
        "tag": tag,
        "folder_id": folder_id,
        # Two levels of the tree (and the folder searched in): a company has hundreds.
        "folders": [(n, d) for n, d in tree.walk(max_depth=1) if n.id in visible]
                   + ([(tree.nodes[folder_id], 0)] if folder_id and len(tree.lineage(folder_id)) > 2 else []),
        "hits": hits,
        "narrowed": narrowed,
        "tagged": tagged,
        "hit_tags": tags,
        "total": total,
        "page": page,
        "pages": pages,
        "page_size": PAGE_SIZE,
        "url": url,
        "page_url": lambda p: url(page=p if p > 1 else ""),
        "tags": popular_tags(request, 30) if not q and not tag else [],
        **kb_helpers(request),
    }


@search_provider
def search_articles(request, q: str, limit: int) -> SearchGroup | None:
    """The knowledge base's group of the header search: articles one may read, best first."""
    kb = request.root["kb"]
    if not request.has_permission("view", kb):
        return None
    hits, total = search(request, q, where=search_where(request), limit=limit)
    if not hits:
        return None
    tree = request.kb_tree
    items = [
        SearchItem(
            title=h.article.title,
            url=article_url(request, h.article),
            detail=Markup.escape(" / ".join(n.title for n in [*tree.ancestors(h.article.folder_id),
                                                              tree.nodes[h.article.folder_id]]))
            + Markup(" · ") + h.snippet,
            icon="journal-text",
        )
        for h in hits
    ]
    return SearchGroup(_("Knowledge base"), items,
                       request.application_url + "/kb/search?" + urlencode({"q": q}), total)
