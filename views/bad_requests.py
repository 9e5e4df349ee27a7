"""Addresses that are not text: a path or query string whose percent-escapes are not UTF-8
(``/%FF``, ``/?q=%FF``) or that holds a NUL (``/people/a%00``, ``?q=%00``: no page takes one,
and PostgreSQL refuses it in a query) answers 400 with a page in the user's language.

WebOb decodes the path and the query string when they are first read (traversal, a view's
``request.GET``) and raises UnicodeDecodeError there, a 500. They are read here first, as the
request begins; when they cannot be decoded, the request is given a readable address (the bad
bytes replaced, the query string dropped) so that the error page, its navigation and its links
can be drawn, and BadAddress is raised. Found by the scan of `views` (a subscriber and an
exception view), so no tween is needed.
"""
from __future__ import annotations

from pyramid.events import NewRequest, subscriber
from pyramid.interfaces import IRootFactory
from pyramid.view import exception_view_config

from portal.core.i18n import _


class BadAddress(Exception):
    """The request's address cannot be read as UTF-8, or holds a NUL."""


@subscriber(NewRequest)
def refuse_undecodable_addresses(event) -> None:
    """Raise BadAddress when the path or the query string is not UTF-8 or holds a NUL."""
    request = event.request
    try:
        readable = "\x00" not in request.path_info and not any(
            "\x00" in key or "\x00" in value for key, value in request.GET.items())
    except UnicodeDecodeError:
        readable = False
    if not readable:
        _readable_address(request.environ)
        # Traversal has not begun: the page's navigation needs what it would have set.
        root = request.registry.getUtility(IRootFactory)(request)
        request.__dict__.update(root=root, context=root, virtual_root=root, view_name="",
                                subpath=(), traversed=(), virtual_root_path=())
        raise BadAddress() from None


def _readable_address(environ: dict) -> None:
    path = environ.get("PATH_INFO", "").encode("latin-1", "replace")
    path = path.replace(b"\x00", b"").decode("utf-8", "replace")
    environ["PATH_INFO"] = path.encode("utf-8").decode("latin-1")
    environ["QUERY_STRING"] = ""


@exception_view_config(BadAddress, renderer="errors/error.jinja2")
def bad_address(exc: BadAddress, request):
    request.response.status_int = 400
    return {"title": _("Bad address"), "code": 400,
            "message": _("This address contains characters that cannot be read. Check the link "
                         "or type the address again.")}
