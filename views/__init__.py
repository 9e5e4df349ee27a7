"""Views: one module per area, templates under views/templates/<area>/."""
from __future__ import annotations

import jinja2
from markupsafe import Markup


@jinja2.pass_context
def _datetime(ctx, value, fmt="medium"):
    from portal.core.i18n import format_datetime

    return format_datetime(ctx["request"], value, fmt)


@jinja2.pass_context
def _date(ctx, value, fmt="medium"):
    from portal.core.i18n import format_date

    return format_date(ctx["request"], value, fmt)


@jinja2.pass_context
def _translate(ctx, value):
    """Translate a TranslationString or a stored default title (role titles, states)."""
    from portal.core.i18n import _

    if value is None:
        return ""
    if not hasattr(value, "domain"):
        value = _(str(value))
    return ctx["request"].localizer.translate(value)


@jinja2.pass_context
def _workflow_panel(ctx, obj):
    from views.workflow import workflow_panel

    return workflow_panel(ctx["request"], obj)


def _csrf_input(request) -> Markup:
    from pyramid.csrf import get_csrf_token

    return Markup('<input type="hidden" name="csrf_token" value="%s">') % get_csrf_token(request)


AREAS: list[str] = ["views.calendar.pages", "views.kb.home", "views.clients.organizations", "views.tasks.lists", "views.interactions.lists",
                    "views.clients.import_wizard", "views.clients.reports"]


def includeme(config) -> None:
    settings = config.get_settings()
    settings.setdefault("jinja2.i18n.domain", "portal")
    settings.setdefault("jinja2.directories", "views:templates")
    settings.setdefault("jinja2.undefined", "strict")

    def setup_env():
        env = config.get_jinja2_environment(".jinja2")
        env.filters.update(datetime=_datetime, date=_date, t=_translate)
        env.globals.update(csrf_input=_csrf_input)
        env.globals.update(workflow_panel=_workflow_panel)

    config.action(None, setup_env, order=999)
    config.include("views.forms")
    config.include("views.shell")
    # Areas that mount a section of the tree (portal.resources.add_section) in their includeme.
    for area in AREAS:
        config.include(area)
    config.scan("views", categories=("pyramid", "portal"))
