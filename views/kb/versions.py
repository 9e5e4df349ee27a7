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
from portal.kb.articles import restore_version, version_of, versions_of
from portal.kb.diff import compare
from portal.kb.markdown import render
from portal.kb.resources import article_url
from portal.kb.schemas import RestoreSchema
from views.kb.home import int_param, kb_helpers


@view_config(context=Article, name="versions", renderer="kb/versions.jinja2", permission="view")
def versions(request):
    article: Article = request.context
    items = versions_of(request.dbsession, article)
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
    found = version_of(request.dbsession, article, number) if number is not None else None
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
    """?a=<n>&b=<m>: what changed from version a to version b (default: the last change)."""
    article: Article = request.context
    db = request.dbsession
    b = int_param(request, "b") or article.version
    a = int_param(request, "a") or max(1, b - 1)
    if a > b:
        a, b = b, a
    old, new = version_of(db, article, a), version_of(db, article, b)
    if old is None or new is None:
        raise HTTPNotFound()
    return {
        "title": _("Changes in “${title}”", mapping={"title": article.title}),
        "article": article,
        "old": old,
        "new": new,
        "diff": compare(old, new),
        "numbers": list(range(article.version, 0, -1)),
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
    request.session.flash(request.translate(_(
        "Version ${old} restored: it is now version ${new}.",
        mapping={"old": number, "new": restored.number})))
    return HTTPSeeOther(article_url(request, article))
