"""The knowledge base's home page (/kb), the folder pages, its block of My day, and the helpers
every knowledge-base page uses (`kb_helpers`).

Articles are in views/kb/articles.py, versions in views/kb/versions.py, folder forms and
Sharing in views/kb/folders.py, deleting and moving articles in views/kb/delete_move.py, the
must-read report in views/kb/must_read.py, search in views/kb/search.py, files in
views/kb/files.py. The section itself (/kb) is mounted by portal/kb.
"""
from __future__ import annotations

from math import ceil
from urllib.parse import urlencode

import sqlalchemy as sa
from pyramid.view import view_config
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.sql.elements import False_

from models.kb import Article, ArticleTag, KbFolder
from portal.core.i18n import _
from portal.core.parsing import parse_int
from portal.kb.must_read import must_read_pending, report_scope
from portal.kb.resources import Kb, article_url, folder_url
from portal.kb.security import article_filter, visible_folder_ids
from views.home import DAY_BLOCKS, DayBlock
from workflows.article import ARTICLE

PAGE_SIZE = 25
LIST_SIZE = 6
STATE_CSS = {"draft": "secondary", "pending": "warning", "published": "success", "archived": "dark"}
SORTS = ("title", "updated", "popular")


def includeme(config) -> None:
    """The knowledge base's block of My day."""
    config.register(DAY_BLOCKS, "kb.must_read", kb_day_block)


# --- helpers shared by the knowledge-base pages ----------------------------------------------------

def kb_helpers(request) -> dict:
    """What every KB template uses: URLs from the folder tree, state badges, breadcrumbs."""
    tree = request.kb_tree

    def crumbs(folder_id):
        if folder_id is None:
            return []
        return [(n.title, folder_url(request, n.id)) for n in
                [*tree.ancestors(folder_id), tree.nodes[folder_id]]]

    helpers = {
        "kb_url": request.application_url + "/kb/",
        "folder_url": lambda fid, *e, **kw: folder_url(request, fid, *e, **kw),
        "article_url": lambda a, *e, **kw: article_url(request, a, *e, **kw),
        "folder_title": lambda fid: tree.nodes[fid].title if fid in tree.nodes else "",
        "folder_path": lambda fid: " / ".join(n.title for n in [*tree.ancestors(fid), tree.nodes[fid]]),
        "crumbs": crumbs,
        "state_title": lambda s: ARTICLE.states[s].title if s in ARTICLE.states else s,
        "state_css": STATE_CSS,
        "tag_url": lambda tag: request.application_url + "/kb/search?" + urlencode({"tag": tag}),
    }
    helpers["h"] = helpers
    return helpers


def int_param(request, name: str) -> int | None:
    """A number in the query string (a page, a folder), or None."""
    return parse_int(request.GET.get(name, ""))


def published_visible(request):
    return sa.and_(Article.state == "published", article_filter(request, "view"))


def folder_counts(request, where=None) -> dict[int, int]:
    """{folder id: visible published articles} in one GROUP BY."""
    stmt = (sa.select(Article.folder_id, sa.func.count()).where(published_visible(request))
            .group_by(Article.folder_id))
    if where is not None:
        stmt = stmt.where(where)
    return dict(request.dbsession.execute(stmt).all())


def with_totals(tree, counts: dict[int, int], visible: set[int]) -> dict[int, int]:
    """Counts that include the sub-folders one may see."""
    totals: dict[int, int] = {}

    def total(fid):
        if fid not in totals:
            totals[fid] = counts.get(fid, 0) + sum(total(c) for c in tree.children.get(fid, ())
                                                   if c in visible)
        return totals[fid]

    for fid in visible:
        total(fid)
    return totals


def popular_tags(request, limit: int = 24, folder_ids=None) -> list[tuple[str, int]]:
    """Tags of published articles one may read, most used first — in a few folders exactly, or
    everywhere among the 500 most read articles (a count over every tag would read every
    article)."""
    visible = published_visible(request)
    if folder_ids is not None:
        articles = sa.select(Article.id).where(visible, Article.folder_id.in_(sorted(folder_ids)))
    else:
        articles = (sa.select(Article.id).where(visible).order_by(Article.read_count.desc())
                    .limit(500))
    stmt = (sa.select(ArticleTag.tag, sa.func.count().label("n"))
            .where(ArticleTag.article_id.in_(articles.scalar_subquery() if folder_ids is None
                                             else articles))
            .group_by(ArticleTag.tag).order_by(sa.desc("n"), ArticleTag.tag).limit(limit))
    return [(tag, n) for tag, n in request.dbsession.execute(stmt)]


def article_list(request, stmt, limit: int) -> list[Article]:
    return list(request.dbsession.scalars(stmt.options(joinedload(Article.author),
                                                       selectinload(Article.tag_rows)).limit(limit)))


# --- /kb: the home page ------------------------------------------------------------------------

@view_config(context=Kb, renderer="kb/home.jinja2", permission="view")
def kb_home(request):
    tree = request.kb_tree
    visible = visible_folder_ids(request)
    uid = request.identity.user.id
    totals = with_totals(tree, folder_counts(request), visible)
    # Ordered by one indexed column each, so that the newest/most read come off an index.
    recent = article_list(request, sa.select(Article).where(published_visible(request))
                          .order_by(Article.updated_at.desc()), LIST_SIZE)
    popular = article_list(request, sa.select(Article).where(published_visible(request),
                                                              Article.read_count > 0)
                           .order_by(Article.read_count.desc()), LIST_SIZE)
    # Articles waiting for review, and published ones whose change waits for review.
    review = article_list(request, sa.select(Article).where(
        sa.or_(Article.state == "pending",
               sa.and_(Article.state == "published", Article.pending_version.is_not(None))),
        article_filter(request, "review"))
        .order_by(Article.updated_at), 8)
    drafts = article_list(request, sa.select(Article).where(
        Article.author_id == uid, Article.state.in_(("draft", "pending")))
        .order_by(Article.updated_at.desc()), 8)
    top = [tree.nodes[f] for f in tree.children.get(None, ()) if f in visible]
    subfolders = {n.id: [tree.nodes[c] for c in tree.children.get(n.id, ()) if c in visible][:4]
                  for n in top}
    return {
        "title": _("Knowledge base"),
        "top": top,
        "subfolders": subfolders,
        "totals": totals,
        "recent": recent,
        "popular": popular,
        "review": review,
        "drafts": drafts,
        "must_read": must_read_pending(request, 5),
        "tags": popular_tags(request, 14),
        "may_add_folder": request.has_permission("add_folder", request.context),
        "may_see_must_read_report": report_scope(request) is not None,
        **kb_helpers(request),
    }


# --- a folder ----------------------------------------------------------------------------------

@view_config(context=KbFolder, renderer="kb/folder.jinja2", permission="view")
def folder_view(request):
    folder: KbFolder = request.context
    db = request.dbsession
    tree = request.kb_tree
    visible = visible_folder_ids(request)
    tag = request.GET.get("tag", "").strip()[:40].casefold()
    sort = request.GET.get("sort") if request.GET.get("sort") in SORTS else "title"
    state = request.GET.get("state", "")
    may_edit_articles = request.has_permission("add", folder)

    stmt = sa.select(Article).where(Article.folder_id == folder.id, article_filter(request, "view"))
    if state in STATE_CSS:
        stmt = stmt.where(Article.state == state)
    elif not state:
        # Published first; drafts and the rest are one click away for those who see them.
        stmt = stmt.where(Article.state != "archived")
    if tag:
        stmt = stmt.where(Article.id.in_(sa.select(ArticleTag.article_id).where(ArticleTag.tag == tag)))
    total = db.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
    pages = max(1, ceil(total / PAGE_SIZE))
    page = min(max(int_param(request, "page") or 1, 1), pages)
    order = {"title": (Article.title, Article.id),
             "updated": (Article.updated_at.desc(), Article.id.desc()),
             "popular": (Article.read_count.desc(), Article.title)}[sort]
    articles = article_list(request, stmt.order_by(*order).offset((page - 1) * PAGE_SIZE), PAGE_SIZE)
    states = dict(db.execute(sa.select(Article.state, sa.func.count())
                             .where(Article.folder_id == folder.id, article_filter(request, "view"))
                             .group_by(Article.state)).all())
    children = [tree.nodes[c] for c in tree.children.get(folder.id, ()) if c in visible]
    below = Article.folder_id.in_(sorted(tree.descendants(folder.id)))
    totals = with_totals(tree, folder_counts(request, below), visible)
    base = folder_url(request, folder.id)
    params = {"tag": tag, "sort": sort if sort != "title" else "", "state": state}

    def url(**changes):
        merged = {**params, **changes}
        query = urlencode([(k, v) for k, v in merged.items() if v])
        return f"{base}?{query}" if query else base

    return {
        "title": folder.title,
        "folder": folder,
        "node": tree.nodes[folder.id],
        "children": children,
        "totals": totals,
        "articles": articles,
        "total": total,
        "page": page,
        "pages": pages,
        "page_size": PAGE_SIZE,
        "url": url,
        "page_url": lambda p: url(page=p if p > 1 else ""),
        "tag": tag,
        "sort": sort,
        "state": state,
        "states": states,
        "tags": popular_tags(request, 16, [folder.id]),
        "restricted": tree.is_restricted(folder.id),
        "restricted_here": folder.restricted,
        "may_add": may_edit_articles,
        "may_add_folder": request.has_permission("add_folder", folder),
        "may_edit": request.has_permission("edit", folder),
        "may_share": request.has_permission("share", folder),
        **kb_helpers(request),
    }


# --- My day: what the knowledge base asks of the person today -------------------------------------

# kb_day_block's count by the review filter it counts with: filters are shared by everyone with
# the same rights, so the statement is made once per filter, not on every My day; bounded.
_REVIEW_COUNTS: dict[int, tuple] = {}
_REVIEW_COUNTS_KEPT = 1024


def _review_count_statement(may_review) -> sa.Select:
    found = _REVIEW_COUNTS.get(id(may_review))
    if found is not None and found[0] is may_review:  # the id of a live clause: the same one
        return found[1]
    statement = sa.select(sa.func.count()).select_from(Article).where(
        Article.state == "pending", may_review)
    if len(_REVIEW_COUNTS) >= _REVIEW_COUNTS_KEPT:
        _REVIEW_COUNTS.clear()
    _REVIEW_COUNTS[id(may_review)] = (may_review, statement)
    return statement


def kb_day_block(request):
    """Must-read articles to confirm and articles waiting for the person's review, if any."""
    must_read = must_read_pending(request, 5)
    may_review = article_filter(request, "review")
    # Most people review nothing: then there is nothing to count.
    review = 0 if isinstance(may_review, False_) else request.dbsession.scalar(
        _review_count_statement(may_review))
    if not must_read and not review:
        return None
    return DayBlock("kb/day_block.jinja2", {"must_read": must_read, "review": review,
                                             **kb_helpers(request)}, order=30, column="side")
