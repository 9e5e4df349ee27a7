"""Addresses that are not text: a path or query string whose percent-escapes are not UTF-8
(``/%FF``, ``/?q=%FF``) or that holds a NUL (``/people/a%00``, ``?q=%00``: no page takes one,
and PostgreSQL refuses it in a query) answers 400 with a page in the user's language.

WebOb decodes the path and the query string when they are first read (traversal, a view's
``request.GET``) and raises UnicodeDecodeError there, a 500. They are read here first, as the
request begins; when they cannot be decoded, the request is given a readable address (the bad
bytes replaced, the query string dropped) so that the error page, its navigation and its links
can be drawn, and BadAddress is raised. Found by the scan of `views` (a subscriber and an
exception view), so no tween is needed.

A NUL typed (or sent) into a form's field is left out before any view reads the form: nobody
types one, PostgreSQL refuses it in a text column, and each form's own preparers remove the
other control characters (portal/core/forms.py). Files sent with a form keep every byte.
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


FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


@subscriber(NewRequest)
def leave_nul_out_of_forms(event) -> None:
    """Remove NUL from the names and text values of a form sent with the request (the form
    read here is the one every view and the CSRF check read after)."""
    request = event.request
    if request.method in ("GET", "HEAD") or request.content_type not in FORMS:
        return
    if request.content_type == FORMS[0] and b"%00" not in request.body:
        return
    form = request.POST
    items = list(form.items())
    if not any("\x00" in name or (isinstance(value, str) and "\x00" in value)
               for name, value in items):
        return
    form.clear()
    form.extend([(name.replace("\x00", ""),
                  value.replace("\x00", "") if isinstance(value, str) else value)
                 for name, value in items])


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
