"""Deleting an article (after a confirmation page) and moving it to another folder; the lasting
link to an article (/kb/@@article/<id>) that notifications use."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config

from models.errors import UserError
from models.kb import Article, KbFolder
from portal.core.forms import read_fields
from portal.core.i18n import _
from portal.core.parsing import parse_int
from portal.kb.delete_move import delete_article, move_article, move_problem, move_targets, what_goes
from portal.kb.resources import Kb, article_url, folder_url, locate_article
from portal.kb.schemas import ArticleMoveSchema, DeleteSchema, slug_problem
from portal.kb.security import visible_folder_ids
from views.kb.home import kb_helpers


@view_config(context=Kb, name="article", permission="view")
def permalink(request):
    """/kb/@@article/<id>: the article wherever it is now (for links in notifications)."""
    article_id = parse_int(request.subpath[0]) if request.subpath else None
    article = request.dbsession.get(Article, article_id) if article_id is not None else None
    if article is None:
        raise HTTPNotFound()
    article = locate_article(request, article)
    if not request.has_permission("view", article):
        raise HTTPForbidden()
    return HTTPSeeOther(article_url(request, article))


@view_config(context=Article, name="delete", permission="delete")
def delete(request):
    """GET: what goes with the article, and a confirmation; POST: delete it."""
    article: Article = request.context
    if request.method == "POST":
        _values, problems = read_fields(DeleteSchema(), request.POST)
        if problems:
            request.session.flash(request.translate(problems["confirm"]), "error")
            return HTTPSeeOther(article_url(request, article, "delete"))
        folder_id, title = article.folder_id, article.title
        delete_article(request.dbsession, request.kb_tree, article, request.application_url)
        request.session.flash(request.translate(
            _("Article “${title}” deleted.", mapping={"title": title})))
        return HTTPSeeOther(folder_url(request, folder_id))
    return render_to_response("kb/delete.jinja2", {
        "title": _("Delete “${title}”", mapping={"title": article.title}),
        "article": article,
        "goes": what_goes(request.dbsession, article),
        **kb_helpers(request),
    }, request=request)


def _path(tree, folder_id: int) -> str:
    return " / ".join(n.title for n in [*tree.ancestors(folder_id), tree.nodes[folder_id]])


@view_config(context=Article, name="move", permission="edit")
def move(request):
    """Move the article to another folder: needs edit and delete here, and add there."""
    article: Article = request.context
    if not request.has_permission("delete", article):
        raise HTTPForbidden()
    tree = request.kb_tree
    targets = move_targets(request, article)
    visible = visible_folder_ids(request)
    error = None
    target_id, slug = None, article.slug
    if request.method == "POST":
        values, _problems = read_fields(ArticleMoveSchema(), request.POST)
        target_id, slug = values["target"], values["slug"] or article.slug
        error = slug_problem(slug) if slug != article.slug else None
        error = error or move_problem(request, article, target_id, slug)
        if error is None:
            target = request.dbsession.get(KbFolder, target_id)
            old_path = _path(tree, article.folder_id)
            try:
                move_article(request.dbsession, tree, article, target, slug, request.application_url)
            except UserError as refused:
                error = refused.message
        if error is None:
            request.session.flash(request.translate(_(
                "“${title}” moved from “${old}” to “${new}”.",
                mapping={"title": article.title, "old": old_path, "new": _path(tree, target.id)})))
            return HTTPSeeOther(article_url(request, article))
    values = {
        "title": _("Move “${title}”", mapping={"title": article.title}),
        "article": article,
        "options": [(n, d, n.id in targets) for n, d in tree.walk() if n.id in visible],
        "target_id": target_id,
        "slug": slug,
        "error": error,
        **kb_helpers(request),
    }
    response = render_to_response("kb/article_move.jinja2", values, request=request)
    if error:
        response.status_int = 400
    return response
