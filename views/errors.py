"""Error pages in the user's language: 403 (anonymous users go to the log-in page), 404, a rule
broken (UserError), 503 when the database is not answering and 500 for anything unexpected.

The 500 and 503 pages are drawn without the database, which may be what failed: their language
comes from what this request already knows (the locale chosen so far, the identity already
loaded) or from the language cookie and Accept-Language, never from a query; their layout
(errors/minimal.jinja2) has no menu, no notification count and no session. The transaction has
failed too: pyramid_tm rolls it back, as it does for every 4xx and 5xx answer.
"""
from __future__ import annotations

import logging
from urllib.parse import urlencode

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.interfaces import ISecurityPolicy
from pyramid.view import exception_view_config, forbidden_view_config, notfound_view_config
from sqlalchemy import inspect

from models.errors import UserError
from portal.core.i18n import LANGUAGES, _
from portal.core.retry import database_unavailable

log = logging.getLogger(__name__)
# Seconds a client is asked to wait when the database is not answering ("in a minute").
RETRY_AFTER = 60


@forbidden_view_config(renderer="errors/error.jinja2")
def forbidden(request):
    if request.identity is None:
        if request.path.startswith("/api/") or request.headers.get("Authorization"):
            request.response.status_int = 401
            return {"title": _("Please log in"), "message": _("Log in to continue."), "code": 401}
        query = urlencode({"came_from": request.path_qs})
        return HTTPSeeOther(f"{request.application_url}/login?{query}")
    request.response.status_int = 403
    return {"title": _("Access denied"), "code": 403,
            "message": _("You do not have permission to open this page. If you need it, "
                         "ask your administrator to grant you the right role.")}


@notfound_view_config(renderer="errors/error.jinja2")
def notfound(request):
    request.response.status_int = 404
    return {"title": _("Page not found"), "code": 404,
            "message": _("There is nothing at this address. It may have been moved or deleted.")}


@exception_view_config(UserError, renderer="errors/error.jinja2")
def user_error(exc: UserError, request):
    """A rule the user broke that no form caught: its message, in the user's language."""
    request.response.status_int = exc.status
    title = _("This cannot be done") if exc.status != 409 else _("Someone was faster")
    return {"title": title, "message": exc.message, "code": exc.status}


@exception_view_config(Exception, renderer="errors/server_error.jinja2")
def server_error(exc: Exception, request):
    """Anything unexpected: 500 (503 when the database is not answering), logged with its
    traceback, which the page never shows. (A redirect or an HTTP error raised on purpose does
    not come here: Pyramid's view for HTTP exceptions is the more specific one.)"""
    request.locale_name = locale_without_database(request)
    if database_unavailable(exc):
        log.error("The database is not answering: %s %s", request.method, request.path_qs,
                  exc_info=exc)
        request.response.status_int = 503
        request.response.headers["Retry-After"] = str(RETRY_AFTER)
        return {"title": _("The database is not answering"), "code": 503, "try_again": True,
                "message": _("The portal cannot reach its database just now. Try again in a "
                             "minute; if it keeps happening, tell your administrator.")}
    log.exception("Server error on %s %s", request.method, request.path_qs, exc_info=exc)
    request.response.status_int = 500
    return {"title": _("Something went wrong"), "code": 500, "try_again": False,
            "message": _("The portal could not complete this request. The error has been "
                         "logged for your administrator; if it happens again, tell them what "
                         "you were doing.")}


def locale_without_database(request) -> str:
    """The request's language, found without asking the database: the locale already chosen
    for this request, else the preference of the person already identified, else the language
    cookie, else Accept-Language, else the default."""
    chosen = request.__dict__.get("locale_name")  # reified once negotiated
    if chosen:
        return chosen
    identity = _identity_already_loaded(request)
    if identity is not None:
        # Only what the row holds already: reading an expired attribute would query.
        locale = inspect(identity.user).dict.get("locale")
        if locale in LANGUAGES:
            return locale
    cookie = request.cookies.get("_LOCALE_")
    if cookie in LANGUAGES:
        return cookie
    default = request.registry.settings.get("pyramid.default_locale_name") or "ru"
    return request.accept_language.lookup(list(LANGUAGES), default=default)


def _identity_already_loaded(request):
    """The identity if this request has loaded it already (None otherwise: loading it queries)."""
    policy = request.registry.queryUtility(ISecurityPolicy)
    cache = getattr(policy, "identity_cache", None)
    if cache is None:
        return None
    return cache.get(request, default=None)
