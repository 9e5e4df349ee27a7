"""Versions of an article: the list, one version, a comparison of two (portal/kb/diff.py), and
restoring one."""
from __future__ import annotations

from markupsafe import Markup
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from models.kb import Article
from portal.core.forms import read_fields
from portal.core.i18n import _
from portal.core.parsing import parse_int
from portal.kb.articles import restore_version, versions_of
from portal.kb.diff import compare, rendered_compare
from portal.kb.markdown import render
from portal.kb.resources import article_url
from portal.kb.review import UNPUBLISHED
from portal.kb.schemas import RestoreSchema
from views.kb.home import int_param, kb_helpers


def _visible_versions(request, article: Article) -> list:
    """The versions the user may read: changes proposed for review (waiting, sent back or
    superseded) only for those who edit or review the article."""
    items = versions_of(request.dbsession, article)
    if request.has_permission("edit", article) or request.has_permission("review", article):
        return items
    return [v for v in items if v.review not in UNPUBLISHED]


def _visible_version(request, article: Article, number: int | None):
    return next((v for v in _visible_versions(request, article) if v.number == number), None)


@view_config(context=Article, name="versions", renderer="kb/versions.jinja2", permission="view")
def versions(request):
    article: Article = request.context
    items = _visible_versions(request, article)
    return {
        "title": _("Versions of “${title}”", mapping={"title": article.title}),
        "article": article,
        "versions": items,
        "may_restore": request.has_permission("edit", article),
        **kb_helpers(request),
    }


@view_config(context=Article, name="version", renderer="kb/version.jinja2", permission="view")
def version(request):
    """/…/<article>/version/<n>: what the article said in version n."""
    article: Article = request.context
    number = parse_int(request.subpath[0]) if request.subpath else None
    found = _visible_version(request, article, number) if number is not None else None
    if found is None:
        raise HTTPNotFound()
    return {
        "title": _("Version ${n} of “${title}”", mapping={"n": found.number, "title": article.title}),
        "article": article,
        "version": found,
        "body": Markup(render(found.body)),
        "may_restore": request.has_permission("edit", article) and found.number != article.version,
        **kb_helpers(request),
    }


@view_config(context=Article, name="diff", renderer="kb/diff.jinja2", permission="view")
def diff(request):
    """?a=<n>&b=<m>: what changed from version a to version b (default: the last change);
    &view=rendered: the text as readers see it, blocks added and removed marked."""
    article: Article = request.context
    rendered = request.GET.get("view") == "rendered"
    b = int_param(request, "b") or article.version
    a = int_param(request, "a") or max(1, b - 1)
    if a > b:
        a, b = b, a
    old, new = _visible_version(request, article, a), _visible_version(request, article, b)
    if old is None or new is None:
        raise HTTPNotFound()
    return {
        "title": _("Changes in “${title}”", mapping={"title": article.title}),
        "article": article,
        "old": old,
        "new": new,
        "diff": compare(old, new),
        "rendered": rendered_compare(old.body, new.body) if rendered else None,
        "numbers": [v.number for v in _visible_versions(request, article)],
        "view_url": lambda view: article_url(request, article, "diff", query={
            "a": old.number, "b": new.number, **({"view": view} if view else {})}),
        "may_restore": request.has_permission("edit", article),
        **kb_helpers(request),
    }


@view_config(context=Article, name="restore", request_method="POST", permission="edit")
def restore(request):
    article: Article = request.context
    values, problems = read_fields(RestoreSchema(), request.POST)
    number = values["number"]
    if problems or number == article.version:
        request.session.flash(request.translate(_("Choose an earlier version to restore.")), "error")
        return HTTPSeeOther(article_url(request, article, "versions"))
    restored = restore_version(request, article, number)
    if restored is None:
        raise HTTPNotFound()
    if restored.number == article.pending_version:
        message = _("Version ${old} is proposed again as version ${new}: it waits for review.",
                    mapping={"old": number, "new": restored.number})
    else:
        message = _("Version ${old} restored: it is now version ${new}.",
                    mapping={"old": number, "new": restored.number})
    request.session.flash(request.translate(message))
    return HTTPSeeOther(article_url(request, article))
