"""The scheduling assistant of the event form (Outlook's): before an event is saved, who of the
people invited and which of the rooms chosen are busy at its time, on every occurrence of the
series as typed; which rooms of the needed size are free then; and the nearest times when
everyone and the rooms are free.

Busy time is everyone's, whoever may see it: a private meeting still keeps its people busy.
Its details follow the calendar's rules as SQL (portal.calendar.security, the same ones as the
team view's `busy_of`): the title only where the viewer may see the event (`view` and
`details_clause`), "busy" elsewhere. Other areas' busy time (service jobs of technicians) comes
from TEAM_BUSY_PROVIDERS, as in the team view. `busy_of` itself is not used because it leaves
out the events the viewer may not see at all, which would show their people as free.

A series is looked at for its first MAX_OCCURRENCES occurrences within HORIZON; the answer says
when it was cut there.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa

from models.calendar import Event, EventAttendee, EventRoom, Room
from models.people import Membership, User
from portal.calendar.events import TEAM_BUSY_PROVIDERS, EventRow, expand, overridden, window_ids
from portal.calendar.recurrence import occurrence_starts
from portal.calendar.security import details_clause
from portal.security.filters import sql_filter

MAX_OCCURRENCES = 50
HORIZON = dt.timedelta(days=366)
# The people one question may name (chosen ones and the members of departments invited).
MAX_PEOPLE = 100
MAX_ROOMS = 50
# Nearest free times: this many, on working days within the working hours of the viewer's
# zone, over the next SEARCH_DAYS days from the day typed, every STEP.
SUGGESTIONS = 5
SEARCH_DAYS = 14
WORKING_HOURS = (dt.time(9, 0), dt.time(18, 0))
STEP = dt.timedelta(minutes=30)


@dataclass
class AssistantQuery:
    """What the event form says so far (read by portal.calendar.schemas.AssistantSchema)."""

    start: dt.datetime  # UTC
    end: dt.datetime
    timezone: str
    all_day: bool = False
    rrule: str = ""
    user_ids: list[int] = field(default_factory=list)
    department_ids: list[int] = field(default_factory=list)
    room_ids: list[int] = field(default_factory=list)
    size: int | None = None  # seats wanted; None: as many as the people invited and guests
    guests: int = 0  # outside guests and client contacts invited (they need seats too)
    event_id: int | None = None  # the event being changed: its own time is not "busy"


@dataclass
class Busy:
    """A span during which a person or a room is taken; `title` None: only "busy" may be told."""

    start: dt.datetime
    end: dt.datetime
    title: str | None = None
    recurring: bool = False


@dataclass
class Row:
    """A person or a room of the question, with their busy spans in the looked-at window."""

    kind: str  # "person" or "room"
    id: int
    name: str
    busy: list[Busy] = field(default_factory=list)
    capacity: int | None = None
    equipment: bool = False  # a room row that is a piece of equipment (a projector, a car)

    def during(self, start: dt.datetime, end: dt.datetime) -> list[Busy]:
        return [b for b in self.busy if b.start < end and b.end > start]


@dataclass
class Clash:
    """One planned occurrence and what is busy during it: [(row, busy span)]."""

    start: dt.datetime
    end: dt.datetime
    taken: list[tuple[Row, Busy]]


@dataclass
class Answer:
    spans: list[tuple[dt.datetime, dt.datetime]]
    truncated: bool
    rows: list[Row]
    clashes: list[Clash]
    needed: int
    free_rooms: list[Room]
    suggestions: list[tuple[dt.datetime, dt.datetime]]

    @property
    def all_free(self) -> bool:
        return not self.clashes


def planned_spans(rule: str, start: dt.datetime, end: dt.datetime, tzname: str, more: bool = True
                  ) -> tuple[list[tuple[dt.datetime, dt.datetime]], bool]:
    """(start, end) in UTC of the event's occurrences as typed (the first MAX_OCCURRENCES within
    HORIZON), and whether the series goes on beyond them (asked only with `more`)."""
    if not rule:
        return [(start, end)], False
    length = end - start
    starts = occurrence_starts(rule, start, tzname, before=start + HORIZON, limit=MAX_OCCURRENCES + 1)
    beyond = len(starts) > MAX_OCCURRENCES or (more and bool(
        occurrence_starts(rule, start, tzname, after=start + HORIZON, limit=1)))
    return [(s, s + length) for s in starts[:MAX_OCCURRENCES]], beyond


def attendee_ids(request, query: AssistantQuery) -> list[int]:
    """The viewer (who plans), the people chosen and the active members of the departments
    invited, at most MAX_PEOPLE."""
    ids = {request.identity.user.id, *query.user_ids}
    if query.department_ids:
        ids.update(request.dbsession.scalars(
            sa.select(Membership.user_id).join(User, User.id == Membership.user_id)
            .where(Membership.department_id.in_(sorted(query.department_ids)), User.active)))
    return sorted(ids)[:MAX_PEOPLE]


def people_rows(request, ids) -> list[Row]:
    """Rows of the active people among `ids` whom the viewer may see in the directory: the viewer
    first, then by name (anyone else's name and time are not told)."""
    if not ids:
        return []
    me = request.identity.user.id
    users = request.dbsession.execute(
        sa.select(User.id, User.full_name).where(
            User.id.in_(sorted(ids)), User.active,
            sa.or_(User.id == me, sql_filter(request, User, "view")))
    ).all()
    users.sort(key=lambda u: (u.id != me, u.full_name))
    return [Row("person", uid, name) for uid, name in users]


def room_rows(request, ids) -> list[Row]:
    if not ids:
        return []
    rooms = request.dbsession.scalars(
        sa.select(Room).where(Room.id.in_(sorted(ids)), Room.active).order_by(Room.name))
    return [Row("room", r.id, r.name, capacity=r.capacity, equipment=r.kind != "room") for r in rooms]


def _not_this(event_id: int | None):
    """Events other than the one being changed and its changed occurrences."""
    if event_id is None:
        return sa.true()
    return sa.and_(Event.id != event_id, sa.or_(Event.series_id.is_(None), Event.series_id != event_id))


def fill_busy(request, rows: list[Row], ws: dt.datetime, we: dt.datetime,
              event_id: int | None = None) -> None:
    """Put into each row its busy spans in [ws, we): the events its person attends (not
    declined) or that book its room, and other areas' busy time of people (service jobs)."""
    people = {r.id: r for r in rows if r.kind == "person"}
    rooms = {r.id: r for r in rows if r.kind == "room"}
    conn = request.dbsession.connection()
    pairs: list[tuple[int, Row]] = []
    if people:
        pairs += [(event_id_, people[uid]) for event_id_, uid in conn.execute(
            sa.select(EventAttendee.event_id, EventAttendee.user_id).where(
                EventAttendee.event_id.in_(window_ids(ws, we)),
                (EventAttendee.user_id + 0).in_(sorted(people)),
                EventAttendee.answer != "declined"))]
    if rooms:
        pairs += [(event_id_, rooms[rid]) for event_id_, rid in conn.execute(
            sa.select(EventRoom.event_id, EventRoom.room_id).where(
                EventRoom.event_id.in_(window_ids(ws, we)), EventRoom.room_id.in_(sorted(rooms))))]
    if pairs:
        # Details where the viewer may see the event (as the team view), "busy" elsewhere.
        details = sa.and_(sql_filter(request, Event, "view"), details_clause(request))
        events: dict[int, tuple[EventRow, bool]] = {}
        for row in conn.execute(
            sa.select(*EventRow.columns(), details.label("details")).where(
                Event.id.in_(sorted({e for e, _r in pairs})), Event.status != "cancelled",
                _not_this(event_id))
        ):
            events[row.id] = (EventRow(row), bool(row.details))
        skips = overridden(request.dbsession, [e.id for e, _d in events.values() if e.rrule])
        spans: dict[int, list[Busy]] = {}
        for event_id_, target in pairs:
            found = events.get(event_id_)
            if found is None:
                continue
            if event_id_ not in spans:
                event, seen = found
                spans[event_id_] = [
                    Busy(s, e, event.title if seen else None, bool(event.rrule))
                    for s, e in expand(event, ws, we, skips.get(event_id_, set()))]
            target.busy.extend(spans[event_id_])
    if people:
        for provider in TEAM_BUSY_PROVIDERS:
            for uid, found in (provider(request, sorted(people), ws, we) or {}).items():
                if uid in people:
                    # The provider says "Busy" itself where the viewer may not see the job.
                    people[uid].busy.extend(Busy(s["start"], s["end"], s["title"]) for s in found)
    for row in rows:
        row.busy.sort(key=lambda b: (b.start, b.end))


class Taken:
    """The union of busy spans, for asking quickly whether a span is free."""

    def __init__(self, rows: list[Row]) -> None:
        merged: list[list[dt.datetime]] = []
        for b in sorted((b for r in rows for b in r.busy), key=lambda b: b.start):
            if merged and b.start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b.end)
            else:
                merged.append([b.start, b.end])
        self.starts = [m[0] for m in merged]
        self.ends = [m[1] for m in merged]

    def free(self, start: dt.datetime, end: dt.datetime) -> bool:
        i = bisect.bisect_left(self.starts, end)  # spans starting before `end`
        return i == 0 or self.ends[i - 1] <= start


def clashes_of(rows: list[Row], spans) -> list[Clash]:
    out = []
    for start, end in spans:
        taken = [(row, b) for row in rows for b in row.during(start, end)]
        if taken:
            out.append(Clash(start, end, taken))
    return out


def needed_seats(query: AssistantQuery, people: int) -> int:
    """The seats typed, else one for everyone invited: colleagues and guests."""
    return query.size if query.size else max(1, people + query.guests)


def free_rooms(request, query: AssistantQuery, spans, needed: int, ws, we) -> list[Room]:
    """Active rooms (not equipment) with at least `needed` seats, free on every span."""
    rooms = list(request.dbsession.scalars(
        sa.select(Room).where(Room.active, Room.kind == "room", Room.capacity >= needed)
        .order_by(Room.capacity, Room.name).limit(MAX_ROOMS)))
    rows = [Row("room", r.id, r.name, capacity=r.capacity) for r in rooms]
    fill_busy(request, rows, ws, we, query.event_id)
    return [room for room, row in zip(rooms, rows, strict=True)
            if all(not row.during(s, e) for s, e in spans)]


def suggestions(query: AssistantQuery, taken: Taken, viewer_tz, now: dt.datetime
                ) -> list[tuple[dt.datetime, dt.datetime]]:
    """The nearest starts (and ends), from the working day typed on, when everyone and the
    rooms are free on every occurrence; the time typed itself is not offered again."""
    if query.all_day:
        return []
    length = query.end - query.start
    first_day = query.start.astimezone(viewer_tz).date()
    out = []
    for n in range(SEARCH_DAYS):
        day = first_day + dt.timedelta(days=n)
        if day.weekday() >= 5:
            continue
        slot = dt.datetime.combine(day, WORKING_HOURS[0], viewer_tz)
        closing = dt.datetime.combine(day, WORKING_HOURS[1], viewer_tz)
        while slot + length <= closing:
            start = slot.astimezone(dt.UTC)
            slot = (slot.astimezone(dt.UTC) + STEP).astimezone(viewer_tz)
            if start < now or start == query.start:
                continue
            spans, _beyond = planned_spans(query.rrule, start, start + length, query.timezone, more=False)
            # A series whose rule skips that day (weekly on other days) is not offered there.
            if not spans or spans[0][0] != start:
                continue
            if all(taken.free(s, e) for s, e in spans):
                out.append((start, start + length))
                if len(out) == SUGGESTIONS:
                    return out
    return out


def look(request, query: AssistantQuery, now: dt.datetime | None = None) -> Answer:
    """The assistant's answer for what the form says (see the module's docstring)."""
    now = now or dt.datetime.now(dt.UTC)
    viewer_tz = request.user_timezone
    spans, truncated = planned_spans(query.rrule, query.start, query.end, query.timezone)
    ids = attendee_ids(request, query)
    rows = people_rows(request, ids) + room_rows(request, query.room_ids[:MAX_ROOMS])
    # One window for the occurrences and for every series the suggestions may move to.
    day_start = dt.datetime.combine(query.start.astimezone(viewer_tz).date(), dt.time(), viewer_tz)
    ws = min(spans[0][0], day_start.astimezone(dt.UTC))
    extent = spans[-1][1] - spans[0][0]
    we = max(spans[-1][1], ws + dt.timedelta(days=SEARCH_DAYS + 1) + extent)
    fill_busy(request, rows, ws, we, query.event_id)
    needed = needed_seats(query, len(ids))
    # For a series, the nearest free times are its first occurrence's: bounded by the window.
    found = suggestions(query, Taken(rows), viewer_tz, now)
    return Answer(
        spans=spans,
        truncated=truncated,
        rows=rows,
        clashes=clashes_of(rows, spans),
        needed=needed,
        free_rooms=free_rooms(request, query, spans, needed, spans[0][0], spans[-1][1]),
        suggestions=found,
    )
