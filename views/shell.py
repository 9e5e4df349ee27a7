"""What every page needs: the template filters (dates and times in the user's zone, `t` to
translate), template globals (the CSRF field, the workflow panel), the unread-notification count."""
from __future__ import annotations

import time

import jinja2
import sqlalchemy as sa
from markupsafe import Markup
from pyramid.csrf import get_csrf_token
from pyramid.events import BeforeRender, subscriber
from pyramid.interfaces import IRendererFactory
from pyramid.threadlocal import get_current_request
from pyramid_jinja2 import IJinja2Environment, Jinja2TemplateRenderer
from pyramid_jinja2.i18n import GetTextWrapper

from models.notifications import Notification
from portal import STATIC_DIR
from portal.core.i18n import (
    LANGUAGES,
    KeptLocalizer,
    _,
    format_date,
    format_datetime,
    translate_deep,
)
from portal.security.sessions import PREAMBLE
from views.workflow import workflow_panel

UNREAD = "unread_notifications"


# The name each renderer's template was found under, by (package, name): as many entries as
# the code names templates.
_FOUND_AS: dict[tuple[str, str], str] = {}


def template_renderer(info) -> Jinja2TemplateRenderer:
    """The `.jinja2` renderer: pyramid_jinja2's, which looks a view's template up first beside
    the view's package (`views.calendar:calendar/index.jinja2`) and then in the templates'
    folder. Ours live in the folder, so the first look failed on every page (Pyramid makes the
    renderer anew for each request), and a failure is not cached: the file system was asked
    again each time. Here the name that was found is used from then on."""
    env = info.registry.queryUtility(IJinja2Environment, name=".jinja2")
    package = info.package.__name__ if info.package is not None else ""
    key = (package, info.name)

    def template_loader():
        found = _FOUND_AS.get(key)
        if found is not None:
            return env.get_template(found)
        if ":" not in info.name and package:
            try:
                template = env.get_template(f"{package}:{info.name}")
            except jinja2.TemplateNotFound:
                pass
            else:
                _FOUND_AS[key] = f"{package}:{info.name}"
                return template
        template = env.get_template(info.name)
        _FOUND_AS[key] = info.name
        return template

    return Jinja2TemplateRenderer(template_loader)


@jinja2.pass_context
def _datetime(ctx, value, fmt="medium"):
    return format_datetime(ctx["request"], value, fmt)


@jinja2.pass_context
def _date(ctx, value, fmt="medium"):
    return format_date(ctx["request"], value, fmt)


@jinja2.pass_context
def _translate(ctx, value):
    """Translate a TranslationString or a stored default title (role titles, states). Nothing
    stays nothing: the empty message id would give the catalog's header."""
    if value is None or str(value) == "":
        return ""
    if not hasattr(value, "domain"):
        value = _(str(value))
    return translate_deep(ctx["request"].localizer, value)


# The layout's static URLs by (the application's address, the file): every page writes the
# same six, so each is made at most once a second (a file rebuilt while the portal runs gets
# its new fingerprint within that second). Bounded: cleared when full.
_STATIC_URLS: dict[tuple[str, str], tuple[float, str]] = {}
STATIC_URLS_KEPT = 1024
STATIC_URL_SECONDS = 1.0


@jinja2.pass_context
def _static(ctx, path: str) -> str:
    """The fingerprinted URL of a file under static/ (`static('js/portal.js')`) or of an asset
    spec (`static('deform:static/css/form.css')`), cached by browsers for a year."""
    request = ctx["request"]
    key = (request.application_url, path)
    now = time.monotonic()
    found = _STATIC_URLS.get(key)
    if found is not None and now - found[0] < STATIC_URL_SECONDS:
        return found[1]
    url = request.static_url(path if ":" in path else f"{STATIC_DIR}/{path}")
    if len(_STATIC_URLS) >= STATIC_URLS_KEPT:
        _STATIC_URLS.clear()
    _STATIC_URLS[key] = (now, url)
    return url


@jinja2.pass_context
def _workflow_panel(ctx, obj):
    return workflow_panel(ctx["request"], obj)


def csrf_input(request) -> Markup:
    return Markup('<input type="hidden" name="csrf_token" value="%s">') % get_csrf_token(request)


def unread_count_of(user_id):
    """The person's unread notifications, as a column of the session's statement."""
    return (sa.select(sa.func.count()).select_from(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
            .scalar_subquery())


def unread_notifications(request) -> int:
    identity = request.identity
    if identity is None:
        return 0
    known = request.preamble
    if request.method == "GET" and known.get(UNREAD) is not None:
        return known[UNREAD]  # read with the session, before this request changed anything
    return request.dbsession.scalar(
        sa.select(sa.func.count()).select_from(Notification)
        .where(Notification.user_id == identity.user.id, Notification.read_at.is_(None))
    )


class TemplateWords(GetTextWrapper):
    """The templates' `_()`: a plain message is looked up by its id in the language's kept
    words (portal.core.i18n.KeptLocalizer.word), not made into a translation string each time."""

    def gettext(self, message, mapping=None):
        localizer = get_current_request().localizer
        if mapping is None and type(message) is str and isinstance(localizer, KeptLocalizer):
            return localizer.word(message, self.domain)
        return localizer.translate(message, domain=self.domain, mapping=mapping)


@subscriber(BeforeRender)
def add_globals(event):
    request = event.get("request")
    if request is None:
        return
    event.setdefault("languages", LANGUAGES)
    event.setdefault("get_csrf_token", lambda: get_csrf_token(request))
    event.setdefault("title", "")


def includeme(config) -> None:
    config.add_request_method(unread_notifications, reify=True)
    config.register(PREAMBLE, UNREAD, unread_count_of)

    def setup_env():
        env = config.get_jinja2_environment(".jinja2")
        config.registry.registerUtility(template_renderer, IRendererFactory, name=".jinja2")
        env.filters.update(datetime=_datetime, date=_date, t=_translate)
        env.globals.update(csrf_input=csrf_input)
        env.globals.update(static=_static)
        env.globals.update(workflow_panel=_workflow_panel)
        words = TemplateWords(domain=env.globals["gettext"].__self__.domain)
        env.install_gettext_callables(words.gettext, words.ngettext, newstyle=False)

    config.action(None, setup_env, order=999)
