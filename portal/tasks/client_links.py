"""Tasks and events about a client: the organization and contact link types (checked, named and
linked for the records the user may see), the records offered by the form's picker, and the
tasks and events on the client card's timeline.

Events store a client as link_type "client" (tasks: "organization"); `EVENT_LINK_KINDS` maps an
event's link type to the task link type whose resolver names it.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from models.calendar import Event
from models.clients import Contact, Organization
from models.meta import utcnow
from models.tasks import OPEN_STATES, Task
from portal.calendar.security import details_clause
from portal.clients.resources import contact_url, organization_url
from portal.clients.timeline import TimelineItem, planned_and_past, timeline_provider
from portal.core.i18n import _
from portal.core.parsing import parse_int
from portal.resources import locate
from portal.security.filters import sql_filter
from portal.tasks.links import register_link_type, resolve_links

EVENT_LINK_KINDS = {"client": "organization", "contact": "contact", "ticket": "ticket", "job": "job"}
PICK_LIMIT = 12


@register_link_type("organization")
def organizations(request, ids: list[int]) -> dict[int, tuple[str, str]]:
    """{id: (name, address)} of the organizations among `ids` that the user may view."""
    rows = request.dbsession.scalars(
        sa.select(Organization).where(Organization.id.in_(ids), sql_filter(request, Organization, "view"))
    )
    return {o.id: (o.name, organization_url(request, o)) for o in rows}


@register_link_type("contact")
def contacts(request, ids: list[int]) -> dict[int, tuple[str, str]]:
    """{id: (name, address)} of the contact persons among `ids` that the user may view."""
    rows = request.dbsession.scalars(
        sa.select(Contact)
        .where(Contact.id.in_(ids), sql_filter(request, Contact, "view"))
        .options(joinedload(Contact.organization))
    )
    out = {}
    for c in rows:
        label = f"{c.full_name} ({c.organization.name})" if c.organization is not None else c.full_name
        out[c.id] = (label, contact_url(request, c))
    return out


def event_link(request, event: Event):
    """The portal.tasks.links.Link an event is about, or None."""
    kind = EVENT_LINK_KINDS.get(event.link_type or "")
    if kind is None or not event.link_id:
        return None
    return resolve_links(request, [(kind, event.link_id)])[(kind, event.link_id)]


def pick(request, kind: str, q: str) -> list[tuple[int, str]]:
    """(id, label) of organizations or contacts the user may see whose name has `q` in it."""
    q = " ".join((q or "").split())[:100]
    if not q or kind not in ("organization", "contact", "client"):
        return []
    number = parse_int(q)
    if number is not None:
        ids = [number] if number < 10**9 else []
        found = resolve_links(request, [("contact" if kind == "contact" else "organization", i) for i in ids])
        return [(link.id, link.label) for link in found.values() if link.known]
    if kind == "contact":
        model, name = Contact, Contact.full_name
    else:
        model, name = Organization, Organization.name
    like = f"%{q.replace('%', '').replace('_', '')}%"
    # lower() on both sides: case-insensitive for Cyrillic on PostgreSQL; SQLite folds ASCII only,
    # so the text as typed is tried too.
    ids = request.dbsession.scalars(
        sa.select(model.id)
        .where(
            sa.or_(sa.func.lower(name).like(like.lower()), name.like(like)),
            sql_filter(request, model, "view"),
        )
        .order_by(name, model.id)
        .limit(PICK_LIMIT)
    ).all()
    found = resolve_links(request, [("contact" if kind == "contact" else "organization", i) for i in ids])
    return [(i, found[(k, i)].label) for (k, i) in found if found[(k, i)].known]


# --- the client card's timeline -----------------------------------------------------------------------


def _about(target):
    """(task link, event link) naming `target`, or (None, None)."""
    if isinstance(target, Organization):
        return ("organization", target.id), ("client", target.id)
    if isinstance(target, Contact):
        return ("contact", target.id), ("contact", target.id)
    return None, None


@timeline_provider("tasks")
def tasks_timeline(request, target, *, planned: int, past: int) -> list[TimelineItem]:
    """Tasks about the organization (or contact) that the user may see: open ones by due date,
    closed ones newest first, in one statement."""
    about, _event = _about(target)
    if about is None:
        return []
    mine = sa.select(Task.id).where(
        Task.link_type == about[0], Task.link_id == about[1], sql_filter(request, Task, "view")
    )
    to_do = mine.where(Task.state.in_(OPEN_STATES)).order_by(
        Task.due_at.is_(None), Task.due_at, Task.id
    )
    closed = mine.where(Task.state.not_in(OPEN_STATES)).order_by(
        sa.func.coalesce(Task.done_at, Task.updated_at).desc(), Task.id.desc()
    )
    rows = request.dbsession.scalars(
        sa.select(Task)
        .where(planned_and_past(Task.id, to_do, closed, planned, past))
        .options(joinedload(Task.assignee), joinedload(Task.department))
    ).all()
    translate = request.localizer.translate
    now = utcnow()
    out = []
    for task in rows:
        is_planned = task.state in OPEN_STATES
        overdue = task.is_overdue(now)
        if task.state == "done":
            badge, css = _("Done"), "text-bg-success"
        elif task.state == "cancelled":
            badge, css = _("Cancelled"), "text-bg-secondary"
        elif overdue:
            badge, css = _("Overdue"), "text-bg-danger"
        else:
            badge, css = _("Task"), "text-bg-primary"
        who = task.assignee.full_name if task.assignee else (task.department.name if task.department else "")
        out.append(
            TimelineItem(
                at=(task.due_at or task.created_at) if is_planned else (task.done_at or task.updated_at),
                title=translate(_("Task: ${title}", mapping={"title": task.title})),
                url=request.application_url + f"/tasks/{task.id}",
                kind="tasks",
                icon="check2-square",
                who=who,
                badge=translate(badge),
                badge_class=css,
                planned=is_planned,
                overdue=overdue,
            )
        )
    return out


@timeline_provider("events")
def events_timeline(request, target, *, planned: int, past: int) -> list[TimelineItem]:
    """Events about the organization (or contact) whose details the user may see: coming ones
    first to last, past ones newest first, in one statement."""
    _task, about = _about(target)
    if about is None:
        return []
    now = utcnow()
    mine = sa.select(Event.id).where(
        Event.link_type == about[0],
        Event.link_id == about[1],
        Event.series_id.is_(None),
        Event.status != "cancelled",
        sql_filter(request, Event, "view"),
        details_clause(request),
    )
    coming = mine.where(Event.series_end_at > now).order_by(Event.start_at, Event.id)
    gone = mine.where(Event.series_end_at <= now).order_by(Event.start_at.desc(), Event.id.desc())
    rows = request.dbsession.scalars(
        sa.select(Event)
        .where(planned_and_past(Event.id, coming, gone, planned, past))
        .options(joinedload(Event.organizer))
    ).all()
    translate = request.localizer.translate
    out = []
    for event in rows:
        is_planned = event.series_end_at > now
        out.append(
            TimelineItem(
                at=event.start_at,
                title=translate(_("Event: ${title}", mapping={"title": event.title})),
                url=request.resource_url(locate(request, event)),
                kind="events",
                icon="calendar-event",
                detail=event.location or "",
                who=event.organizer.full_name if event.organizer else "",
                badge=translate(_("Planned") if is_planned else _("Past")),
                badge_class="text-bg-info" if is_planned else "text-bg-secondary",
                planned=is_planned,
            )
        )
    return out
