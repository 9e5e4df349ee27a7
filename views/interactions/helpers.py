"""What the interaction pages share: the labels, icons, URLs and time formatting their templates
use (`helpers`), the redirect back to where the user came from, quick dates for next steps, and
the page for two saves at the same moment."""
from __future__ import annotations

import datetime as dt

from pyramid.encode import urlencode
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.traversal import quote_path_segment

from models.clients import PHONE_EXTENSION_RE, Interaction, Organization
from models.meta import utcnow
from portal.clients.rules import (
    COLOR_LABELS,
    DIRECTION_LABELS,
    INTERACTION_KIND_ICONS,
    INTERACTION_KIND_LABELS,
)
from portal.core.i18n import _, format_date, format_datetime, local_today
from portal.interactions.resources import interaction_url
from portal.interactions.rules import ATTEMPT_ICONS, ATTEMPT_LABELS
from portal.resources import locate
from views.people.auth import safe_came_from


def helpers(request, now: dt.datetime | None = None) -> dict:
    """Labels, icons, URLs and time formatting shared by the interaction templates."""
    now = now or utcnow()
    today = local_today(request)
    zone = request.user_timezone

    def when(item: Interaction, fmt: str = "auto") -> str:
        at = item.done_at or item.planned_at
        local = at.astimezone(zone)
        if fmt == "auto":
            if local.date() == today:
                return local.strftime("%H:%M")
            if abs((local.date() - today).days) < 180:
                return format_datetime(request, at, "d MMM, HH:mm")
            return format_date(request, local.date(), "medium")
        return format_datetime(request, at, fmt)

    def client_url(obj, may_open: bool | None = None) -> str | None:
        """The client's address, when the reader may open it (`may_open`: already known)."""
        if obj is None:
            return None
        locate(request, obj)
        if may_open is None:
            may_open = bool(request.has_permission("view", obj))
        return request.resource_url(obj) if may_open else None

    def overdue(item: Interaction) -> bool:
        return not item.done and item.planned_at < now

    def late_day(item: Interaction) -> bool:
        return not item.done and item.planned_at.astimezone(zone).date() < today

    return {
        "now": now, "today": today, "dial": dial,
        "kind_labels": INTERACTION_KIND_LABELS, "kind_icons": INTERACTION_KIND_ICONS,
        "direction_labels": DIRECTION_LABELS, "color_labels": COLOR_LABELS,
        "attempt_labels": ATTEMPT_LABELS, "attempt_icons": ATTEMPT_ICONS,
        "url": lambda item, *el, **kw: interaction_url(request, item, *el, **kw),
        "section_url": section_url(request),
        "when": when, "client_url": client_url, "overdue": overdue, "late_day": late_day,
        "may": lambda perm, obj: request.has_permission(perm, locate(request, obj)),
    }


def section_url(request) -> str:
    return request.resource_url(request.root["clients"]["interactions"])


def url_maker(request):
    """`url(item, *elements, query=None)`: what `interaction_url` gives, from the section's URL
    worked out once (pages that link many interactions would otherwise walk the resource tree
    for each link)."""
    base = section_url(request)
    # Each query encoded once: a timeline gives every item's links the same "came_from", and
    # encoding it (urllib's quoting) cost more than the rest of the link.
    encoded: dict[tuple, str] = {}

    def url(item: Interaction, *elements: str, query: dict | None = None) -> str:
        out = f"{base}{item.id}/" + "/".join(quote_path_segment(e) for e in elements)
        if not query:
            return out
        try:
            key = tuple(query.items())
            qs = encoded.get(key)
        except TypeError:  # a value that is a list (doseq): not kept
            return out + "?" + urlencode(query, doseq=True)
        if qs is None:
            qs = encoded[key] = urlencode(query, doseq=True)
        return out + "?" + qs
    return url


def client_url_maker(request):
    """`url(obj)`: what `request.resource_url(locate(request, obj))` gives for an organization
    or a contact person (portal.clients.resources places them), from the clients section's
    URL worked out once."""
    base = request.resource_url(request.root["clients"])

    def url(obj) -> str:
        if isinstance(obj, Organization):
            return f"{base}{obj.id}/"
        if obj.organization_id is not None:
            return f"{base}{obj.organization_id}/contacts/{obj.id}/"
        return f"{base}contacts/{obj.id}/"
    return url


def dial(number: str) -> str:
    """A tel: link's number: "+7 (495) 123-45-67 доб. 12" → "+74951234567"."""
    main = PHONE_EXTENSION_RE.sub("", number or "")
    return ("+" if main.strip().startswith("+") else "") + "".join(
        c for c in main if c.isdigit())


def came_from(request, default: str = "") -> str:
    value = request.params.get("came_from", "")
    return value if value.startswith("/") and not value.startswith("//") else default


def back_to(request, item: Interaction | None, message=None, error: bool = False):
    """A redirect to where the user came from (else the interaction), with a flash message."""
    if message is not None:
        request.session.flash(request.localizer.translate(message), "error" if error else "")
    target = came_from(request)
    if target:
        return HTTPSeeOther(safe_came_from(request, target))
    return HTTPSeeOther(interaction_url(request, item) if item is not None else
                        request.resource_url(request.root["clients"]["interactions"]))


def step_dates(request) -> list[tuple[str, object]]:
    """Quick dates for next steps: tomorrow, in 3 days, next Monday, in 2 weeks."""
    today = local_today(request)
    monday = today + dt.timedelta(days=7 - today.weekday())
    return [((today + dt.timedelta(days=1)).isoformat(), _("Tomorrow")),
            ((today + dt.timedelta(days=3)).isoformat(), _("In 3 days")),
            (monday.isoformat(), _("Monday")),
            ((today + dt.timedelta(days=14)).isoformat(), _("In 2 weeks"))]


def conflict_at_once(request, item):
    """Two saves at the same moment: the other one won; nothing of this one is kept."""
    request.response.status_int = 409
    response = render_to_response("interactions/conflict.jinja2", {
        "title": _("Saved by someone else at the same moment"),
        "item_url": request.resource_url(item)}, request=request)
    response.status_int = 409
    return response
