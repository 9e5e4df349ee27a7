"""The shared calendar: /calendar (month, week, day, agenda), the team view, the JSON the
calendar widget (@event-calendar) reads, and the "today's events" block of My day.

Other pages of the area: views/calendar/event.py (one event: page, form, answer, move, cancel),
views/calendar/ics.py (export, import, feed), views/calendar/rooms.py (rooms and equipment).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPBadRequest
from pyramid.view import view_config

from models.calendar import Room
from models.people import Department, Membership, User
from portal.calendar.events import (
    CALENDAR_ENTRY_PROVIDERS,
    TEAM_BUSY_PROVIDERS,
    Occurrence,
    busy_of,
    local_window,
    visible_events,
)
from portal.calendar.resources import CalendarSection
from portal.core.i18n import _, local_today, zone_named
from portal.core.parsing import parse_int
from portal.security.filters import sql_filter
from views.headers import revalidated
from views.home import DayBlock, day_block
from views.people.directory import directory_query

# A window longer than this is refused (the widget asks for one view at a time).
MAX_WINDOW = dt.timedelta(days=62)
VIEWS = ("dayGridMonth", "timeGridWeek", "timeGridDay", "listWeek")
COLORS = {
    "personal": "#2563eb",
    "department": "#0f766e",
    "company": "#7c3aed",
    "room": "#b45309",
    "busy": "#64748b",
    "tentative": "#60a5fa",
    "invited": "#93c5fd",
}


# --- helpers ---------------------------------------------------------------------------------------


def parse_window(request) -> tuple[dt.datetime, dt.datetime]:
    """?start=&end= from the widget: local dates or date-times in the user's zone → UTC."""
    tz = request.user_timezone

    def parse(name):
        text = request.GET.get(name, "")[:25]
        try:
            value = dt.datetime.fromisoformat(text)
            if not 1900 <= value.year <= 2200:  # a calendar has nothing to show there
                raise ValueError(text)
            if value.tzinfo is None:
                value = value.replace(tzinfo=tz)
            return value.astimezone(dt.UTC)
        except (ValueError, OverflowError):
            raise HTTPBadRequest(request.translate(_("Give the period as ISO dates."))) from None

    start, end = parse("start"), parse("end")
    if end <= start or end - start > MAX_WINDOW:
        raise HTTPBadRequest(request.translate(_("The period must be positive and at most 62 days.")))
    return start, end


def tz_offset(request) -> str:
    """The user's zone as the widget wants it ("+03:00"); its "now" line and today follow it."""
    minutes = int(dt.datetime.now(request.user_timezone).utcoffset().total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def wall(value: dt.datetime, tz) -> str:
    """A wall time for the widget, which shows times as given (no zone): the user's zone."""
    # The first 19 characters: the date and time without the offset (cheaper than replace()).
    return value.astimezone(tz).isoformat(timespec="seconds")[:19]


def event_json(request, occ: Occurrence, tz, color: str | None = None, resource_ids=None) -> dict:
    event = occ.event
    # Hundreds of events per answer: the section's path and the word "Busy" once per request.
    cached = request.__dict__.get("_calendar_json")
    if cached is None:
        cached = request.__dict__["_calendar_json"] = (
            request.resource_path(request.root["calendar"]), request.translate(_("Busy")))
    base, busy = cached
    if event.all_day:
        etz = zone_named(event.timezone)
        start = occ.start.astimezone(etz).date().isoformat()
        end = occ.end.astimezone(etz).date().isoformat()
    else:
        start, end = wall(occ.start, tz), wall(occ.end, tz)
    stamp = occ.stamp if event.rrule else ""
    url = f"{base}{event.id}" + (f"?at={stamp}" if stamp else "")
    classes = []
    if not occ.details:
        title, url = busy, None
        classes.append("ec-busy")
        color = COLORS["busy"]
    else:
        title = event.title
        if event.visibility != "public":
            classes.append("ec-private")
    out = {
        "id": f"{event.id}:{stamp}",
        "title": title,
        "start": start,
        "end": end,
        "allDay": event.all_day,
        "editable": occ.editable and occ.details,
        "backgroundColor": color or COLORS.get(event.calendar, COLORS["personal"]),
        "classNames": classes,
        "extendedProps": {
            "url": url,
            "eventId": event.id,
            "at": stamp,
            "recurring": bool(event.rrule),
            "location": event.location if occ.details else "",
            "moveUrl": f"{base}{event.id}/move",
        },
    }
    if resource_ids is not None:
        out["resourceIds"] = resource_ids
    return out


# Built once (My day reads it on every visit): the events come as the parameter :ids.
def my_department_ids(request) -> list[int]:
    return sorted(request.identity.department_ids)


def sources_of(request) -> dict:
    """Which calendars to show: ?src=mine,company,dept:3,room:2 (default: mine + my departments)."""
    raw = request.GET.get("src", "")
    parts = (
        [p for p in raw.split(",") if p][:50]
        if raw
        else ["mine", "company", *[f"dept:{d}" for d in my_department_ids(request)]]
    )
    depts = [n for p in parts if p.startswith("dept:") and (n := parse_int(p[5:])) is not None]
    rooms = [n for p in parts if p.startswith("room:") and (n := parse_int(p[5:])) is not None]
    return {"mine": "mine" in parts, "company": "company" in parts, "departments": depts, "room_ids": rooms}


# --- pages -----------------------------------------------------------------------------------------


@view_config(context=CalendarSection, renderer="calendar/index.jinja2", permission="view")
def calendar_page(request):
    db = request.dbsession
    view = request.GET.get("view", "")
    my_depts = list(
        db.scalars(
            sa.select(Department)
            .where(Department.id.in_(my_department_ids(request)))
            .order_by(Department.name)
        )
    )
    rooms = list(db.scalars(sa.select(Room).where(Room.active).order_by(Room.kind.desc(), Room.name)))
    date = request.GET.get("date", "")
    try:
        dt.date.fromisoformat(date)
    except ValueError:
        date = local_today(request).isoformat()
    return {
        "title": _("Calendar"),
        "view": view if view in VIEWS else "timeGridWeek",
        "date": date,
        "my_departments": my_depts,
        "rooms": rooms,
        "colors": COLORS,
        "may_add": request.has_permission("add", request.context),
        "offset": tz_offset(request),
    }


@view_config(context=CalendarSection, name="events.json", renderer="json", permission="view")
def events_json(request):
    revalidated(request)
    ws, we = parse_window(request)
    src = sources_of(request)
    tz = request.user_timezone
    occs = visible_events(request, ws, we, answers=True, **src)
    out = []
    for occ in occs:
        color = None
        if src["room_ids"] and not src["mine"] and not src["departments"] and not src["company"]:
            color = COLORS["room"]
        item = event_json(request, occ, tz, color)
        answer = occ.answer
        if occ.details and occ.event.organizer_id != request.identity.user.id and answer:
            if answer == "needs_action":
                item["classNames"].append("ec-invited")
            elif answer == "tentative":
                item["classNames"].append("ec-tentative")
        out.append(item)
    if src["mine"]:
        for provider in CALENDAR_ENTRY_PROVIDERS:
            out.extend(provider(request, ws, we))
    return out


@view_config(context=CalendarSection, name="team", renderer="calendar/team.jinja2", permission="view")
def team_page(request):
    db = request.dbsession
    dept, chosen = team_choice(request)
    departments = list(db.scalars(sa.select(Department).order_by(Department.sort_order, Department.name)))
    date = request.GET.get("date", "")
    try:
        dt.date.fromisoformat(date)
    except ValueError:
        date = local_today(request).isoformat()
    view = request.GET.get("view", "")
    query = [("dept", dept.id if dept else "")] + [("people", u.id) for u in chosen]
    return {
        "title": _("Team calendar"),
        "dept": dept,
        "chosen": chosen,
        "departments": departments,
        "date": date,
        # The day leaves room for the titles; the week names them on hover and in the list.
        "view": view if view in ("resourceTimelineDay", "resourceTimelineWeek") else "resourceTimelineDay",
        "offset": tz_offset(request),
        "events_url": request.resource_path(request.context, "team.json", query=query),
        "people_url": request.resource_path(request.context, "people.json"),
    }


# At most this many people side by side (a department and people chosen from others).
TEAM_MAX = 100


def team_choice(request) -> tuple[Department | None, list[User]]:
    """The department (?dept=) and the people chosen from anywhere (?people=7&people=9) of the
    team view; with neither asked for, the viewer's first department. Chosen people are those
    the viewer may see in the directory (person.view), active ones only."""
    db = request.dbsession
    asked = "dept" in request.GET or "people" in request.GET
    chosen = parse_int(request.GET.get("dept", ""))
    dept = None
    if chosen is not None and 0 < chosen < 10**9:
        dept = db.get(Department, chosen)
    elif not asked:
        ids = my_department_ids(request)
        dept = db.get(Department, ids[0]) if ids else None
    ids = sorted({n for n in map(parse_int, request.GET.getall("people")[:TEAM_MAX])
                  if n is not None and 0 < n < 10**9})
    people = list(db.scalars(
        sa.select(User).where(User.id.in_(ids), User.active, sql_filter(request, User, "view"))
        .order_by(User.full_name))) if ids else []
    return dept, people


def team_members(request, dept: Department) -> list[User]:
    """The department's active people that the viewer may see in the directory (person.view)."""
    return list(
        request.dbsession.scalars(
            sa.select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.department_id == dept.id, User.active,
                   sql_filter(request, User, "view"))
            .order_by(User.full_name)
        )
    )


def team_people(request) -> list[User]:
    """The people of the team view: the department's, then those chosen from elsewhere."""
    dept, chosen = team_choice(request)
    people = team_members(request, dept) if dept is not None else []
    seen = {u.id for u in people}
    people.extend(u for u in chosen if u.id not in seen)
    return people[:TEAM_MAX]


@view_config(context=CalendarSection, name="team.json", renderer="json", permission="view")
def team_json(request):
    """{resources: people of the department and those chosen, events: their busy time (details
    where allowed)}."""
    revalidated(request)
    ws, we = parse_window(request)
    people = team_people(request)
    if not people:
        return {"resources": [], "events": []}
    tz = request.user_timezone
    busy = busy_of(request, [u.id for u in people], ws, we)
    events: dict[tuple, dict] = {}
    for user in people:
        for occ in busy.get(user.id, ()):
            key = (occ.event.id, occ.start)
            item = events.get(key)
            if item is None:
                item = events[key] = event_json(request, occ, tz, resource_ids=[])
            item["resourceIds"].append(user.id)
    ids = [u.id for u in people]
    for provider in TEAM_BUSY_PROVIDERS:
        for user_id, spans in (provider(request, ids, ws, we) or {}).items():
            for span in spans:
                item = events.setdefault(("x", span["key"]), {
                    "id": span["key"], "title": span["title"],
                    "start": wall(span["start"], tz), "end": wall(span["end"], tz),
                    "allDay": False, "editable": False,
                    "backgroundColor": COLORS["busy"], "classNames": ["ec-job"],
                    "extendedProps": {"url": span["url"]}, "resourceIds": []})
                item["resourceIds"].append(user_id)
    resources = [
        {"id": u.id, "title": u.full_name, "extendedProps": {"position": u.position}} for u in people
    ]
    return {"resources": resources, "events": list(events.values())}


@view_config(context=CalendarSection, name="people.json", renderer="json", permission="view")
def people_json(request):
    """The people picker of the event form: active people matching ?q= (name, login, e-mail)."""
    q = request.GET.get("q", "").strip()[:100]
    if len(q) < 2:
        return []
    people = request.dbsession.scalars(directory_query(request, q).order_by(User.full_name).limit(10)).all()
    return [{"id": u.id, "name": u.full_name, "detail": u.position, "initials": u.initials} for u in people]


# --- My day ----------------------------------------------------------------------------------------


@day_block
def todays_events(request) -> DayBlock | None:
    """Today's events of the person (with the answer still owed, if any)."""
    today = local_today(request)
    ws, we = local_window(today, 1, request.user_timezone)
    rooms: dict[int, str] = {}  # read with the events' other facts, in one statement
    occs = visible_events(request, ws, we, mine=True, answers=True, rooms=rooms)
    section = request.root["calendar"]
    base = request.resource_path(section)  # "/calendar/": the events' pages are under it
    rows = []
    for occ in occs:
        event = occ.event
        url = f"{base}{event.id}"
        if event.rrule:
            url += "?at=" + occ.stamp
        rows.append(
            {
                "occ": occ,
                "url": url,
                "answer": occ.answer,
                "rooms": rooms.get(event.id, ""),
            }
        )
    return DayBlock(
        "calendar/day_block.jinja2",
        {
            "rows": rows,
            "now": dt.datetime.now(dt.UTC),
            "calendar_url": base,
            "add_url": request.resource_path(section, "add"),
        },
        order=10,
        column="main",
    )
