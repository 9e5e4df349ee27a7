"""Reading the calendar: which events a person may see, and their occurrences in a window.

Every listing filters in SQL (DESIGN §5): `sql_filter(request, Event, "view")` plus the
narrowing of busy-only and private events (portal.calendar.security), computed as a column so
one query tells, per row, whether the viewer sees the details or just "busy".
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from models.calendar import WIDE_AFTER, Event, EventAttendee, EventRoom, Room
from models.registry import Registry
from portal.calendar.recurrence import occurrence_starts, parse_stamp, utc_stamp
from portal.calendar.security import details_clause, edit_clause
from portal.core.i18n import zone_named
from portal.security.filters import filter_key, sql_filter

# Other areas' busy time in the team view (service jobs): ``fn(request, user_ids, start, end) ->
# {user_id: [{"key": str, "title": str, "start": dt, "end": dt, "url": str | None}]}``.
TEAM_BUSY_PROVIDERS: Registry[Callable] = Registry("team calendar busy providers")

# Other areas' entries in the viewer's own calendar (tasks due, their coming repetitions):
# ``fn(request, start, end) -> list[dict]`` of ready widget items (the keys event_json writes:
# id, title, start, end, allDay, url, color, classNames); each provider filters by the viewer's
# rights in SQL. Shown when the viewer's own calendar ("mine") is among the sources.
CALENDAR_ENTRY_PROVIDERS: Registry[Callable] = Registry("calendar entry providers")


@dataclass
class Occurrence:
    """One occurrence of an event in a window (for a recurring event, one of many)."""

    event: Event
    start: dt.datetime
    end: dt.datetime
    details: bool = True  # False: the viewer sees only that the time is taken
    editable: bool = False
    # The viewer's answer to the invitation ("" when not invited; read when asked for).
    answer: str = ""

    @property
    def stamp(self) -> str:
        return utc_stamp(self.start)

    @property
    def recurring(self) -> bool:
        return self.event.is_recurring

    @property
    def key(self) -> str:
        return f"{self.event.id}:{self.stamp}"


def attending_clause(user_id: int):
    """Events `user_id` is invited to and has not declined (the organizer is an attendee)."""
    return Event.id.in_(
        sa.select(EventAttendee.event_id).where(
            EventAttendee.user_id == user_id, EventAttendee.answer != "declined"
        )
    )


def _window_ranges(ws: dt.datetime, we: dt.datetime, *within) -> list[sa.Select]:
    """The ids of events (of `within`, when given: a calendar's equality) with an occurrence
    that may fall in [ws, we), as two index ranges: short single events by their start, the
    wide ones by the end of their series."""
    short = sa.select(Event.id).where(
        *within, Event.wide.is_(False), Event.start_at >= ws - WIDE_AFTER, Event.start_at < we,
        Event.end_at > ws)
    wide = sa.select(Event.id).where(
        *within, Event.wide.is_(True), Event.series_end_at > ws, Event.start_at < we)
    return [short, wide]


def window_ids(ws: dt.datetime, we: dt.datetime):
    """Ids of events with an occurrence that may fall in [ws, we): two index ranges."""
    return sa.union_all(*_window_ranges(ws, we))


def calendars_window_ids(ws: dt.datetime, we: dt.datetime, people: tuple[int, ...] = (),
                         departments=(), company: bool = False):
    """Ids of the events of these calendars with an occurrence that may fall in [ws, we): a
    superset of the window's events of those calendars, each calendar read through its own
    index, so the cost follows the calendars chosen, not the whole company's window (which
    `window_ids` reads: tens of thousands of events in a month). `people`: their invitations
    (declined or not); `departments`: the department calendars' events; `company`: the
    company's."""
    parts: list[sa.Select] = []
    if people:
        parts += _personal_ranges(ws, we, people)
    if company:
        parts += _window_ranges(ws, we, Event.calendar == "company")
    if departments:
        parts += _window_ranges(ws, we, Event.department_id.in_(sorted(departments)))
    return sa.union_all(*parts)


def in_window(ws: dt.datetime, we: dt.datetime):
    return sa.and_(Event.id.in_(window_ids(ws, we)), Event.status != "cancelled")


def row_in_window(ws: dt.datetime, we: dt.datetime):
    """The same test as `in_window`, on each row: for a few rows found otherwise (a person's
    events, through their invitations), where reading the window's every series would cost
    more than the rows themselves."""
    return sa.and_(
        sa.or_(sa.and_(Event.wide.is_(False), Event.start_at >= ws - WIDE_AFTER,
                       Event.start_at < we, Event.end_at > ws),
               sa.and_(Event.wide.is_(True), Event.series_end_at > ws, Event.start_at < we)),
        Event.status != "cancelled")


# Up to this window (a day, a week), a person's events are found from their invitations'
# copies of the event's window columns (two index ranges of the person's own rows). Beyond it
# (a month) the invitations are tested row by row (`row_in_window`).
SHORT_WINDOW = dt.timedelta(days=8)


def personal_window_ids(ws, we, user_ids, ws_short=None):
    """`_personal_ranges` as one statement."""
    return sa.union_all(*_personal_ranges(ws, we, user_ids, ws_short))


def _personal_ranges(ws, we, user_ids, ws_short=None, *, columns=(EventAttendee.event_id,),
                     where=()) -> list[sa.Select]:
    """The two selects of the ids of events with an occurrence that may fall in [ws, we) that
    one of `user_ids` is invited to (declined or not), at a cost that follows the people, not the company: the
    ranges of the people's invitations whose copy of the event's window columns fits the window
    (EventAttendee.short_start in event_attendees.ix_event_attendees_user_short, wide_until in
    ix_event_attendees_user_wide; both covering), then each found event's other end by its key.
    No index of events can start these joins (none leads with `end_at` or `start_at`), so the
    planner cannot go back to walking the window's events. `ws`, `we` (and `ws_short`, the
    window's start less WIDE_AFTER) may be bound parameters. `columns`: of the invitation (its
    event's id); `where`: more tests of it."""
    people = sorted(user_ids)
    # One person (My day): an equality, no list to expand on each execution.
    invited = EventAttendee.user_id == people[0] if len(people) == 1 else EventAttendee.user_id.in_(people)
    if ws_short is None:
        ws_short = ws - WIDE_AFTER
    short = sa.select(*columns).join(Event, Event.id == EventAttendee.event_id).where(
        invited, EventAttendee.short_start >= ws_short,
        EventAttendee.short_start < we, Event.end_at > ws, *where)
    wide = sa.select(*columns).join(Event, Event.id == EventAttendee.event_id).where(
        invited, EventAttendee.wide_until > ws, Event.start_at < we, *where)
    return [short, wide]


def expand(
    event: Event, ws: dt.datetime, we: dt.datetime, skip: set[dt.datetime] = frozenset()
) -> list[tuple[dt.datetime, dt.datetime]]:
    """(start, end) of the event's occurrences that overlap [ws, we), in UTC."""
    length = event.end_at - event.start_at
    if not event.rrule:
        return [(event.start_at, event.end_at)] if event.start_at < we and event.end_at > ws else []
    cancelled = {parse_stamp(s) for s in (event.exdates or [])}
    out = []
    for start in occurrence_starts(event.rrule, event.start_at, event.timezone, after=ws - length, before=we):
        if start in cancelled or start in skip:
            continue
        end = start + length
        if start < we and end > ws:
            out.append((start, end))
    return out


# Built once (read on every calendar page and My day): the ids come as the parameter :ids.
_OVERRIDDEN = sa.select(Event.series_id, Event.recurrence_id).where(
    Event.series_id.in_(sa.bindparam("ids", expanding=True)))


def overridden(dbsession, master_ids) -> dict[int, set[dt.datetime]]:
    """{master id: original starts replaced by a changed occurrence}."""
    out: dict[int, set[dt.datetime]] = defaultdict(set)
    if not master_ids:
        return out
    for series_id, recurrence_id in dbsession.execute(_OVERRIDDEN, {"ids": sorted(master_ids)}):
        out[series_id].add(recurrence_id)
    return out


# overridden's statement and the names of the rooms the events book, in one: "event_id", then
# "at" (an original start replaced, for a series) or "room" (a room's name, in booking order).
_OVERRIDDEN_AND_ROOMS = sa.union_all(
    sa.select(Event.series_id.label("event_id"), Event.recurrence_id.label("at"),
              sa.cast(sa.null(), Room.name.type).label("room"), sa.literal(0).label("seq"))
    .where(Event.series_id.in_(sa.bindparam("masters", expanding=True))),
    sa.select(EventRoom.event_id, sa.cast(sa.null(), Event.recurrence_id.type),
              Room.name, EventRoom.id)
    .join(Room, Room.id == EventRoom.room_id)
    .where(EventRoom.event_id.in_(sa.bindparam("events", expanding=True))),
).order_by("event_id", "seq")


def overridden_and_rooms(dbsession, master_ids, event_ids
                         ) -> tuple[dict[int, set[dt.datetime]], dict[int, str]]:
    """(`overridden(master_ids)`, {event id: "Room A, Room B"} for those of `event_ids` that
    book rooms), in one statement."""
    skips: dict[int, set[dt.datetime]] = defaultdict(set)
    names: dict[int, list[str]] = {}
    if not master_ids and not event_ids:
        return skips, {}
    for event_id, at, room, _seq in dbsession.execute(
            _OVERRIDDEN_AND_ROOMS, {"masters": sorted(master_ids), "events": sorted(event_ids)}):
        if room is None:
            skips[event_id].add(at)
        else:
            names.setdefault(event_id, []).append(room)
    return skips, {event_id: ", ".join(found) for event_id, found in names.items()}


def occurrences(request, stmt: sa.Select, ws: dt.datetime, we: dt.datetime,
                params: dict | None = None, rooms: dict[int, str] | None = None
                ) -> list[Occurrence]:
    """Run `stmt` (`_listing`'s: the `EventRow` columns and `details` and `editable`, and maybe
    the viewer's `answer`; with `params`) and expand it. `rooms`, when given, receives the names
    of the rooms each event booked (read with the series' changed occurrences)."""
    rows = request.dbsession.execute(stmt, params).all()
    events = {}
    for row in rows:
        if row.id not in events:
            events[row.id] = (EventRow(row), row)
    masters = {event.id for event, _row in events.values() if event.rrule}
    if rooms is None:
        skips = overridden(request.dbsession, masters)
    else:
        skips, names = overridden_and_rooms(request.dbsession, masters, set(events))
        rooms.update(names)
    out = []
    for event, row in events.values():
        details, editable = bool(row.details), bool(row.editable)
        answered = getattr(row, "answer", None) or ""  # the column is there when asked for
        for start, end in expand(event, ws, we, skips.get(event.id, set())):
            out.append(Occurrence(event, start, end, details, editable, answered))
    out.sort(key=lambda o: (o.start, o.event.id))
    return out


def visible_events(
    request,
    ws: dt.datetime,
    we: dt.datetime,
    *,
    mine: bool = False,
    departments=(),
    company: bool = False,
    room_ids=(),
    users=(),
    answers: bool = False,
    rooms: dict[int, str] | None = None,
) -> list[Occurrence]:
    """Occurrences in [ws, we) of the chosen calendars that the viewer may see.

    Busy-only events of others come back with `details=False`; private ones of others do not
    come back, except as `details=False` when they book one of `room_ids` (the room is taken,
    whoever holds it). `answers`: each comes with the viewer's answer to its invitation
    (`Occurrence.answer`), read in the same statement. `rooms`: filled with the names of the
    rooms the events book (`occurrences`).
    """
    identity = request.identity
    # Only people's own calendars: their invitations are fewer than the window's events.
    personal = not departments and not company and not room_ids
    if personal and we - ws <= SHORT_WINDOW:
        people = tuple(sorted(set(users) | ({identity.user.id} if mine else set())))
        if not people:
            return []
        stmt = personal_statement(request, people, answers)
        return occurrences(request, stmt, ws, we, {"ws": ws, "we": we, "ws_short": ws - WIDE_AFTER},
                           rooms)
    sources = []
    if mine:
        sources.append(attending_clause(identity.user.id))
    if departments:
        sources.append(sa.and_(Event.calendar == "department", Event.department_id.in_(sorted(departments))))
    if company:
        sources.append(Event.calendar == "company")
    shown_busy = [Event.visibility == "busy"]
    if room_ids:
        booked = Event.id.in_(sa.select(EventRoom.event_id).where(EventRoom.room_id.in_(sorted(room_ids))))
        sources.append(booked)
        shown_busy.append(booked)
    for uid in users:
        sources.append(attending_clause(uid))
    if not sources:
        return []
    if personal:
        where = [row_in_window(ws, we)]
    elif not room_ids:
        # Each chosen calendar's events of the window, then the same tests as below.
        people = tuple(sorted(set(users) | ({identity.user.id} if mine else set())))
        where = [Event.id.in_(calendars_window_ids(ws, we, people, departments, company)),
                 Event.status != "cancelled"]
    else:
        where = [in_window(ws, we)]
    where.append(sa.or_(*sources))
    stmt = _listing(request, where, details_clause(request), shown_busy, answers)
    return occurrences(request, stmt, ws, we, rooms=rooms)


def _listing(request, where: list, details, shown_busy: list, answers: bool) -> sa.Select:
    """The events of `where` the viewer may see (their `EventRow` columns: not whole events, a
    week holds hundreds), with `details`, `editable` (and `answer`)."""
    columns = [*EventRow.columns(), details.label("details"),
               edit_clause(request).label("editable")]
    if answers:
        columns.append(sa.select(EventAttendee.answer).where(
            EventAttendee.event_id == Event.id, EventAttendee.user_id == request.identity.user.id,
        ).scalar_subquery().label("answer"))
    return (
        sa.select(*columns)
        .where(*where, sql_filter(request, Event, "view"), sa.or_(details, *shown_busy))
        .order_by(Event.start_at, Event.id)
    )


# The statements of people's own calendars for a day or a week, by what decides them (the
# viewer, their rights to view and edit events, the people, the answers column): built once,
# not on every My day (building one costs more than running it). The window comes as the
# parameters :ws, :we and :ws_short. Bounded: cleared when full.
_PERSONAL: dict[tuple, sa.Select] = {}
_PERSONAL_KEPT = 4096


def personal_statement(request, people: tuple[int, ...], answers: bool) -> sa.Select:
    """The events of `people`'s invitations of the window :ws – :we that the viewer may see
    (`personal_window_ids`, then only those rows; the answer is read from the few invitations
    found, EXISTS: an IN here would let the planner start from the invitations again)."""
    identity = request.identity
    key = (identity.user.id, identity.is_admin, filter_key(request, Event, "view"),
           filter_key(request, Event, "edit"), people, answers)
    found = _PERSONAL.get(key)
    if found is not None:
        return found
    ws, we, ws_short = sa.bindparam("ws"), sa.bindparam("we"), sa.bindparam("ws_short")
    where = [Event.id.in_(personal_window_ids(ws, we, people, ws_short)), Event.status != "cancelled",
             sa.exists().where(EventAttendee.event_id == Event.id,
                               EventAttendee.user_id == people[0] if len(people) == 1
                               else EventAttendee.user_id.in_(people),
                               EventAttendee.answer != "declined")]
    # A few rows: the viewer's invitation is looked up per row rather than listed whole.
    stmt = _listing(request, where, details_clause(request, per_row=True),
                    [Event.visibility == "busy"], answers)
    if len(_PERSONAL) >= _PERSONAL_KEPT:
        _PERSONAL.clear()
    _PERSONAL[key] = stmt
    return stmt


class EventRow:
    """The columns of an event that the busy view needs, without the ORM's bookkeeping.

    `exdates` is read as text and decoded only for a series (a single event has none).
    """

    COLUMNS = (
        "id",
        "title",
        "start_at",
        "end_at",
        "all_day",
        "timezone",
        "rrule",
        "visibility",
        "calendar",
        "location",
        "organizer_id",
    )
    __slots__ = (*COLUMNS, "exdates")

    def __init__(self, row):
        (self.id, self.title, self.start_at, self.end_at, self.all_day, self.timezone, self.rrule,
         self.visibility, self.calendar, self.location, self.organizer_id) = row[:len(self.COLUMNS)]
        raw = row.exdates_text if self.rrule else None
        # Text on SQLite; PostgreSQL's driver may hand JSON over decoded already.
        self.exdates = (json.loads(raw) if isinstance(raw, str) else raw) or []

    @classmethod
    @functools.cache
    def columns(cls) -> tuple:
        """The columns (made once: the calendar's listings ask on every request)."""
        return (*(getattr(Event, c) for c in cls.COLUMNS),
                sa.type_coerce(Event.exdates, sa.Text).label("exdates_text"))

    @property
    def is_recurring(self) -> bool:
        return bool(self.rrule)

    @property
    def cancelled(self) -> bool:
        return False  # cancelled events are left out of the busy view


def attending_pairs(connection, user_ids, ws: dt.datetime, we: dt.datetime) -> list:
    """(event id, person) of the invitations of `user_ids`, not declined, to the events with an
    occurrence that may fall in [ws, we): read from the people's own invitations
    (`_personal_ranges`), whose indexes hold the answer, not from the whole company's window."""
    return connection.execute(sa.union_all(*_personal_ranges(
        ws, we, user_ids, columns=(EventAttendee.event_id, EventAttendee.user_id),
        where=(EventAttendee.answer != "declined",)))).all()


def busy_of(request, user_ids, ws: dt.datetime, we: dt.datetime) -> dict[int, list[Occurrence]]:
    """{person: their occurrences in the window} for the team view (busy time of everyone,
    details only where the viewer may see them).

    Two plain queries (no ORM objects: a department's week is hundreds of events): who attends
    which event of the window (`attending_pairs`), then those events' columns, each event once.
    """
    if not user_ids:
        return {}
    conn = request.dbsession.connection()
    pairs = attending_pairs(conn, user_ids, ws, we)
    if not pairs:
        return {}
    events: dict[int, tuple[EventRow, bool, bool]] = {}
    for row in conn.execute(
        sa.select(
            *EventRow.columns(),
            details_clause(request).label("details"),
            edit_clause(request).label("editable"),
        ).where(
            Event.id.in_(sorted({event_id for event_id, _user in pairs})),
            Event.status != "cancelled",
            sql_filter(request, Event, "view"),
        )
    ):
        events[row.id] = (EventRow(row), bool(row.details), bool(row.editable))
    skips = overridden(request.dbsession, [e.id for e, _d, _e in events.values() if e.rrule])
    spans: dict[int, list[Occurrence]] = {}
    out: dict[int, list[Occurrence]] = defaultdict(list)
    for event_id, user_id in pairs:
        found = events.get(event_id)
        if found is None:
            continue
        if event_id not in spans:
            event, details, editable = found
            spans[event_id] = [
                Occurrence(event, start, end, details, editable)
                for start, end in expand(event, ws, we, skips.get(event_id, set()))
            ]
        out[user_id].extend(spans[event_id])
    return out


def local_window(day: dt.date, days: int, tzname) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) in UTC of `days` local days from `day` in the zone."""
    tz = zone_named(tzname) if isinstance(tzname, str) or tzname is None else tzname
    start = dt.datetime.combine(day, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=days), dt.time(), tzinfo=tz)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def occurrence_of(event: Event, stamp: str | None) -> tuple[dt.datetime, dt.datetime] | None:
    """The (start, end) of the occurrence named by `stamp` (None: the first one / the event)."""
    length = event.end_at - event.start_at
    if not stamp:
        return event.start_at, event.end_at
    start = parse_stamp(stamp)
    if start is None:
        return None
    if not event.rrule:
        return (event.start_at, event.end_at) if start == event.start_at else None
    if stamp in (event.exdates or []):
        return None
    found = occurrence_starts(event.rrule, event.start_at, event.timezone, after=start, before=start)
    return (start, start + length) if found else None
