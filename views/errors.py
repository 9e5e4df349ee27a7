"""403 and 404 pages in the user's language; anonymous users go to the log-in page."""
from __future__ import annotations

from urllib.parse import urlencode

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import exception_view_config, forbidden_view_config, notfound_view_config

from models.errors import UserError
from portal.core.i18n import _


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
