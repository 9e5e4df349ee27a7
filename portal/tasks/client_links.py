"""Tasks and events about a client: the organization and contact link types (checked, named and
linked for the records the user may see), the records offered by the form's picker, and the
tasks and events on the client card's timeline.

Events store a client as link_type "client" (tasks: "organization"); `EVENT_LINK_KINDS` maps an
event's link type to the task link type whose resolver names it.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

import sqlalchemy as sa

from models.calendar import Event
from models.clients import Contact, Organization
from models.meta import UTCDateTime, utcnow
from models.people import Department, User
from models.tasks import OPEN_STATES, Task
from portal.calendar.security import details_clause
from portal.clients.timeline import (
    TimelineItem,
    TimelineRows,
    filter_key,
    message,
    part_statement,
    planned_and_past,
    timeline_provider,
    words,
)
from portal.core.i18n import _
from portal.core.parsing import parse_int
from portal.security.filters import sql_filter
from portal.tasks.links import register_link_type, resolve_links

EVENT_LINK_KINDS = {"client": "organization", "contact": "contact", "ticket": "ticket", "job": "job"}
PICK_LIMIT = 12
TASK_TITLE, EVENT_TITLE = _("Task: ${title}"), _("Event: ${title}")


@register_link_type("organization")
def organizations(request, ids: list[int]) -> dict[int, tuple[str, str]]:
    """{id: (name, address)} of the organizations among `ids` that the user may view (their
    names and ids only: a list of tasks names dozens)."""
    rows = request.dbsession.execute(
        sa.select(Organization.id, Organization.name)
        .where(Organization.id.in_(ids), sql_filter(request, Organization, "view")))
    base = request.resource_url(request.root["clients"])  # an organization is /clients/<id>/
    return {org_id: (name, f"{base}{org_id}/") for org_id, name in rows}


@register_link_type("contact")
def contacts(request, ids: list[int]) -> dict[int, tuple[str, str]]:
    """{id: (name, address)} of the contact persons among `ids` that the user may view: a
    person of an organization is /clients/<org>/contacts/<id>/, a private one
    /clients/contacts/<id>/ (portal.clients.resources.place_contact)."""
    rows = request.dbsession.execute(
        sa.select(Contact.id, Contact.full_name, Contact.organization_id, Organization.name)
        .outerjoin(Organization, Organization.id == Contact.organization_id)
        .where(Contact.id.in_(ids), sql_filter(request, Contact, "view")))
    base = request.resource_url(request.root["clients"])
    out = {}
    for contact_id, full_name, org_id, org_name in rows:
        if org_id is not None:
            out[contact_id] = (f"{full_name} ({org_name})", f"{base}{org_id}/contacts/{contact_id}/")
        else:
            out[contact_id] = (full_name, f"{base}contacts/{contact_id}/")
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
def tasks_timeline(request, target, *, planned: int, past: int) -> TimelineRows | list:
    """Tasks about the organization (or contact) that the user may see: open ones by due date,
    closed ones newest first, read with the rest of the timeline."""
    about, _event = _about(target)
    if about is None:
        return []
    view = sql_filter(request, Task, "view")
    key = ("tasks", about[0], planned, past, filter_key(view))

    def build() -> sa.Select:
        mine = sa.select(Task.id).where(
            Task.link_type == about[0], Task.link_id == sa.bindparam("task_about"), view
        )
        to_do = mine.where(Task.state.in_(OPEN_STATES)).order_by(
            Task.due_at.is_(None), Task.due_at, Task.id
        )
        closed = mine.where(Task.state.not_in(OPEN_STATES)).order_by(
            sa.func.coalesce(Task.done_at, Task.updated_at).desc(), Task.id.desc()
        )
        return (
            sa.select(Task.id, Task.title, Task.state, Task.due_at, Task.created_at,
                      Task.updated_at, Task.done_at,
                      sa.func.coalesce(User.full_name, Department.name).label("who"))
            .outerjoin(User, User.id == Task.assignee_id)
            .outerjoin(Department, Department.id == Task.department_id)
            .where(planned_and_past(Task.id, to_do, closed, planned, past))
        )

    return TimelineRows(part_statement(key, build), partial(_task_items, request), key,
                        {"task_about": about[1]}, when=_task_when)


def _task_when(row) -> tuple[bool, dt.datetime]:
    """(planned, at) of a task's item: an open task at its due time (or when it was set); a
    closed one when it was done or closed."""
    is_planned = row.state in OPEN_STATES
    return is_planned, ((row.due_at or row.created_at) if is_planned
                        else (row.done_at or row.updated_at))


def _task_items(request, rows) -> list[TimelineItem]:
    translate = request.localizer.translate
    word, title = words(translate), message(translate, TASK_TITLE)
    now = utcnow()
    base = request.application_url + "/tasks/"
    out = []
    for row in rows:
        is_planned, at = _task_when(row)
        overdue = is_planned and row.due_at is not None and row.due_at < now  # Task.is_overdue
        if row.state == "done":
            badge, css = _("Done"), "text-bg-success"
        elif row.state == "cancelled":
            badge, css = _("Cancelled"), "text-bg-secondary"
        elif overdue:
            badge, css = _("Overdue"), "text-bg-danger"
        else:
            badge, css = _("Task"), "text-bg-primary"
        out.append(
            TimelineItem(
                at=at,
                title=title(title=row.title),
                url=f"{base}{row.id}",
                kind="tasks",
                icon="check2-square",
                who=row.who or "",
                badge=word(badge),
                badge_class=css,
                planned=is_planned,
                overdue=overdue,
            )
        )
    return out


@timeline_provider("events")
def events_timeline(request, target, *, planned: int, past: int) -> TimelineRows | list:
    """Events about the organization (or contact) whose details the user may see: coming ones
    first to last, past ones newest first, read with the rest of the timeline."""
    _task, about = _about(target)
    if about is None:
        return []
    view, details = sql_filter(request, Event, "view"), details_clause(request)
    key = ("events", about[0], planned, past, filter_key(view, details))

    def build() -> sa.Select:
        mine = sa.select(Event.id).where(
            Event.link_type == about[0],
            Event.link_id == sa.bindparam("event_about"),
            Event.series_id.is_(None),
            Event.status != "cancelled",
            view,
            details,
        )
        now = sa.bindparam("event_now", type_=UTCDateTime)
        coming = mine.where(Event.series_end_at > now).order_by(Event.start_at, Event.id)
        gone = mine.where(Event.series_end_at <= now).order_by(Event.start_at.desc(),
                                                              Event.id.desc())
        return (
            sa.select(Event.id, Event.title, Event.start_at, Event.series_end_at,
                      Event.location.label("detail"), User.full_name.label("who"))
            .outerjoin(User, User.id == Event.organizer_id)
            .where(planned_and_past(Event.id, coming, gone, planned, past))
        )

    now = utcnow()
    return TimelineRows(part_statement(key, build), partial(_event_items, request, now), key,
                        {"event_about": about[1], "event_now": now},
                        when=partial(_event_when, now))


def _event_when(now: dt.datetime, row) -> tuple[bool, dt.datetime]:
    """(planned, at) of an event's item: at its start; planned while the series goes on."""
    return row.series_end_at > now, row.start_at


def _event_items(request, now, rows) -> list[TimelineItem]:
    translate = request.localizer.translate
    title = message(translate, EVENT_TITLE)
    planned, gone = translate(_("Planned")), translate(_("Past"))
    # An event's place in the tree is /calendar/{id} (portal.calendar.resources.place_event).
    base = request.resource_url(request.root["calendar"])
    out = []
    for row in rows:
        is_planned, at = _event_when(now, row)
        out.append(
            TimelineItem(
                at=at,
                title=title(title=row.title),
                url=f"{base}{row.id}/",
                kind="events",
                icon="calendar-event",
                detail=row.detail or "",
                who=row.who or "",
                badge=planned if is_planned else gone,
                badge_class="text-bg-info" if is_planned else "text-bg-secondary",
                planned=is_planned,
            )
        )
    return out
