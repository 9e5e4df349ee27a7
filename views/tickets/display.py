"""How tickets look on every page: states, priorities, channels and SLA clocks in words."""
from __future__ import annotations

from babel.dates import format_timedelta
from markupsafe import Markup, escape

from models.tickets import PRIORITIES
from portal.core.i18n import _, babel_locale
from portal.tickets.service import CHANNEL_TITLES, PRIORITY_TITLES
from workflows.ticket import TICKET

PRIORITY_STYLES = {0: "secondary", 1: "primary", 2: "warning", 3: "danger"}
STATE_STYLES = {"new": "info", "assigned": "primary", "in_progress": "primary",
                "waiting_customer": "warning", "waiting_third_party": "warning",
                "resolved": "success", "closed": "secondary", "cancelled": "secondary"}
CLOCK_STYLES = {"running": "success", "warning": "warning", "breached": "danger",
                "paused": "secondary", "met": "success", "none": "light"}
CLOCK_STATES = {"running": _("on time"), "warning": _("at risk"), "breached": _("breached"),
                "paused": _("paused"), "met": _("met"), "none": _("no target")}


def ticket_helpers(request) -> dict:
    """Template helpers for tickets, in the reader's language."""
    translate = request.translate

    def state_badge(state: str) -> Markup:
        title = translate(TICKET.states[state].title) if state in TICKET.states else state
        return Markup('<span class="badge text-bg-{} ticket-state" data-state="{}">{}</span>').format(
            STATE_STYLES.get(state, "secondary"), state, title)

    def priority_badge(priority: int) -> Markup:
        return Markup('<span class="badge rounded-pill text-bg-{} ticket-priority" '
                      'data-priority="{}">{}</span>').format(
            PRIORITY_STYLES.get(priority, "secondary"), PRIORITIES.get(priority, "normal"),
            translate(PRIORITY_TITLES.get(priority, PRIORITY_TITLES[1])))

    def span(seconds: int | None) -> str:
        if seconds is None:
            return ""
        return format_timedelta(abs(seconds), threshold=1.5, locale=babel_locale(request.locale_name),
                                format="short")

    def clock_badge(clock) -> Markup:
        text = translate(CLOCK_STATES[clock.state])
        if clock.state in ("running", "warning") and clock.seconds_left is not None:
            text = translate(_("${time} left", mapping={"time": span(clock.seconds_left)}))
        elif clock.state == "breached" and clock.seconds_left is not None:
            text = translate(_("${time} late", mapping={"time": span(clock.seconds_left)}))
        return Markup('<span class="badge text-bg-{} sla-clock" data-clock="{}" data-sla="{}" '
                      'title="{}">{}: {}</span>').format(
            CLOCK_STYLES[clock.state], clock.name, clock.state, translate(clock.title),
            translate(clock.title), text)

    def state_title(state: str) -> str:
        return translate(TICKET.states[state].title) if state in TICKET.states else state

    return {
        "state_badge": state_badge,
        "priority_badge": priority_badge,
        "clock_badge": clock_badge,
        "state_title": state_title,
        "channel_title": lambda c: translate(CHANNEL_TITLES.get(c, c)),
        "priority_title": lambda p: translate(PRIORITY_TITLES.get(p, p)),
        "span": span,
        "escape": escape,
    }
