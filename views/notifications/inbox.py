"""The notification inbox behind the bell: list, mark one read, mark all read.

Every page that shows notifications (the inbox, My day) reads them with `notice(n)`, a template
global: the title and body rendered now, in the reader's language and time zone."""
from __future__ import annotations

from math import ceil

import sqlalchemy as sa
from pyramid.events import BeforeRender, subscriber
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config

from models.meta import utcnow
from models.notifications import Notification
from portal.core.forms import id_field, schema_of, text_field
from portal.core.i18n import _
from portal.core.parsing import parse_int
from portal.notifications.messages import Rendered, render_notice
from portal.resources import Root
from views.forms import read_form
from views.people.auth import safe_came_from

PAGE_SIZE = 30


def notice(request, note: Notification) -> Rendered:
    """The notification's title and body as this reader reads them now."""
    return render_notice(note, request.localizer, request.user_timezone)


@subscriber(BeforeRender)
def add_notice(event) -> None:
    request = event.get("request")
    if request is not None:
        event.setdefault("notice", lambda note: notice(request, note))


def _mine(request):
    return Notification.user_id == request.identity.user.id


def unread_count(request) -> int:
    """Fresh count (request.unread_notifications is computed once, before any change)."""
    return request.dbsession.scalar(
        sa.select(sa.func.count()).select_from(Notification)
        .where(_mine(request), Notification.read_at.is_(None))
    )


def notification_target(request, note: Notification) -> str | None:
    """Where a notification leads, if it is inside the portal (no open redirects)."""
    url = note.url or ""
    if url.startswith(request.application_url + "/"):
        return url
    if url.startswith("/") and not url.startswith("//"):
        return request.application_url + url
    return None


@view_config(context=Root, name="notifications", path_info=r"^/notifications/?$",
             request_method="GET", renderer="notifications/index.jinja2", permission="view")
def inbox(request):
    db = request.dbsession
    only_unread = request.GET.get("show") == "unread"
    stmt = sa.select(Notification).where(_mine(request))
    if only_unread:
        stmt = stmt.where(Notification.read_at.is_(None))
    total = db.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
    pages = max(1, ceil(total / PAGE_SIZE))
    page_param = request.GET.get("page", "")
    page = min(max(parse_int(page_param) or 1, 1), pages)
    notes = db.scalars(
        stmt.order_by(Notification.created_at.desc(), Notification.id.desc())
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    base = request.resource_url(request.root, "notifications")

    def page_url(p: int) -> str:
        query = {k: v for k, v in (("show", "unread" if only_unread else ""),
                                   ("page", p if p > 1 else "")) if v}
        return request.resource_url(request.root, "notifications", query=query)

    return {
        "title": _("Notifications"),
        "notes": notes,
        "total": total,
        "unread": unread_count(request),
        "only_unread": only_unread,
        "page": page,
        "pages": pages,
        "page_url": page_url,
        "base_url": base,
        "target": lambda n: notification_target(request, n),
    }


# Marking one read: which one, whether to go where it points ("0": stay), where to come back to.
READ_FORM = schema_of(id_field("id"), text_field("go", 1), text_field("came_from", 2000))


@view_config(context=Root, name="notifications", path_info=r"^/notifications/read/?$",
             request_method="POST", permission="view")
def mark_read(request):
    """Mark one of one's own notifications read; go where it points, or back to the list."""
    form = read_form(READ_FORM, request.POST)
    note = None
    if form["id"] is not None:
        note = request.dbsession.scalar(
            sa.select(Notification).where(Notification.id == form["id"], _mine(request)))
    if note is None:
        # Someone else's notification is treated as one that does not exist.
        raise HTTPNotFound()
    if note.read_at is None:
        note.read_at = utcnow()
        request.dbsession.flush()
    if request.headers.get("HX-Request"):
        response = render_to_response("notifications/_item.jinja2", {
            "n": note, "oob": True, "unread": unread_count(request),
            "target": lambda n: notification_target(request, n),
        }, request=request)
        return response
    target = notification_target(request, note) if form["go"] != "0" else None
    return HTTPSeeOther(target or safe_came_from(request, form["came_from"] or "/notifications"))


@view_config(context=Root, name="notifications", path_info=r"^/notifications/read-all/?$",
             request_method="POST", permission="view")
def mark_all_read(request):
    count = request.dbsession.execute(
        sa.update(Notification).where(_mine(request), Notification.read_at.is_(None))
        .values(read_at=utcnow())
    ).rowcount
    if count:
        request.session.flash(request.translate(_("All notifications are marked as read.")))
    came_from = read_form(schema_of(text_field("came_from", 2000)), request.POST)["came_from"]
    return HTTPSeeOther(safe_came_from(request, came_from or "/notifications"))
