"""Conflicts: a room or piece of equipment is booked once at a time; people get a warning.

Both checks compare every occurrence of the planned event with every occurrence of the other
events in the same span (recurring ones expanded), so a weekly booking cannot hide behind a
single one, and name the clashing event to the person planning.

What holds when two people book at the same instant is the database: every occurrence of an
event that books rooms is stored in `resource_bookings` (models/booking.py), which refuses
overlaps (PostgreSQL: an exclusion constraint; SQLite: a trigger). `keep_booked` keeps those rows
in step with the event and raises `OverlapRefused` when another booking won the race. On
PostgreSQL the rooms are also locked while checking, so the friendly check sees the winner.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

import models.booking as booking
from models.calendar import Event, EventAttendee, EventRoom, Room
from models.people import User
from portal.calendar.events import expand, in_window, overridden


@dataclass
class Conflict:
    """A clash found while planning (a value, never raised): `what` (a room, or a person) is
    taken from `start` to `end` by `event`. A room's clash refuses the plan
    (portal.calendar.changes raises a CalendarProblem naming it); a person's is a warning."""

    what: Room | User
    event: Event
    start: dt.datetime
    end: dt.datetime


def _overlaps(spans: list[tuple[dt.datetime, dt.datetime]], start: dt.datetime, end: dt.datetime) -> bool:
    """Whether [start, end) overlaps any of the sorted, non-overlapping-by-start `spans`."""
    i = bisect.bisect_left(spans, (end,))
    # Spans starting before `end`; occurrences of one event follow each other, so look back a little.
    return any(s < end and e > start for s, e in reversed(spans[max(0, i - 64) : i]))


def _candidates(dbsession, base: sa.Select, spans, exclude_ids, skip):
    lo = min(s for s, _ in spans)
    hi = max(e for _, e in spans)
    stmt = base.where(in_window(lo, hi))
    if exclude_ids:
        stmt = stmt.where(Event.id.not_in(sorted(exclude_ids)))
    rows = dbsession.execute(stmt).all()
    masters = {row[1].id for row in rows if row[1].rrule}
    skips = overridden(dbsession, masters)
    for key, starts in (skip or {}).items():
        skips.setdefault(key, set()).update(starts)
    return rows, skips, lo, hi


def room_conflicts(
    dbsession, room_ids, spans, exclude_ids=(), skip=None, lock: bool = True
) -> list[Conflict]:
    """Bookings of `room_ids` that overlap any of `spans` (UTC (start, end) pairs)."""
    if not room_ids or not spans:
        return []
    if lock and dbsession.bind.dialect.name == "postgresql":
        dbsession.execute(sa.select(Room.id).where(Room.id.in_(sorted(room_ids))).with_for_update())
    spans = sorted(spans)
    base = (
        sa.select(EventRoom.room_id, Event)
        .join(Event, Event.id == EventRoom.event_id)
        .where(EventRoom.room_id.in_(sorted(room_ids)))
    )
    rows, skips, lo, hi = _candidates(dbsession, base, spans, exclude_ids, skip)
    rooms = {r.id: r for r in dbsession.scalars(sa.select(Room).where(Room.id.in_(sorted(room_ids))))}
    out = []
    for room_id, event in rows:
        for start, end in expand(event, lo, hi, skips.get(event.id, set())):
            if _overlaps(spans, start, end):
                out.append(Conflict(rooms[room_id], event, start, end))
                break
    return out


def person_conflicts(dbsession, user_ids, spans, exclude_ids=(), skip=None) -> list[Conflict]:
    """Other events of these people (not declined) that overlap the planned occurrences."""
    if not user_ids or not spans:
        return []
    spans = sorted(spans)
    base = (
        sa.select(EventAttendee.user_id, Event)
        .join(Event, Event.id == EventAttendee.event_id)
        .where(EventAttendee.user_id.in_(sorted(user_ids)), EventAttendee.answer != "declined")
    )
    rows, skips, lo, hi = _candidates(dbsession, base, spans, exclude_ids, skip)
    users = {u.id: u for u in dbsession.scalars(sa.select(User).where(User.id.in_(sorted(user_ids))))}
    out, seen = [], set()
    for user_id, event in rows:
        for start, end in expand(event, lo, hi, skips.get(event.id, set())):
            if (user_id, event.id) not in seen and _overlaps(spans, start, end):
                seen.add((user_id, event.id))
                out.append(Conflict(users[user_id], event, start, end))
                break
    out.sort(key=lambda c: (c.what.full_name, c.start))
    return out


def booked_spans(dbsession, event: Event) -> list[tuple[dt.datetime, dt.datetime]]:
    """The occurrences during which `event` holds its rooms: none when cancelled; a series
    without its cancelled occurrences and those changed into rows of their own."""
    if event.status == "cancelled" or not event.bookings:
        return []
    if not event.rrule:
        return [(event.start_at, event.end_at)]
    skip = overridden(dbsession, [event.id]).get(event.id, set())
    return expand(event, event.start_at, event.series_end_at, skip)


def keep_booked(dbsession, *events: Event) -> None:
    """Store what `events` book (rooms and equipment, every occurrence) so that the database
    refuses anyone else the same times; raises models.booking.OverlapRefused (naming the room)
    when someone else has one of them. Call after the events are flushed."""
    for event in events:
        spans = booked_spans(dbsession, event)
        booking.book(dbsession, booking.key("event", event.id),
                     {booking.key("room", b.room_id): spans for b in event.bookings})

