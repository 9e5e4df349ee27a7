"""Event reminders, fired by `portal tick` exactly once per occurrence.

A reminder row is claimed (PostgreSQL: FOR UPDATE SKIP LOCKED, so a second tick process running
at the same moment skips it), the attendees are notified, and the row moves on to the next
occurrence in the same transaction. Once committed it is no longer due; had the transaction
failed, nothing was sent and the next tick tries again.

A tick may meet thousands of due reminders: events and people are read as plain rows and the
notifications written in one statement per batch (audited ORM rows would make each flush
examine every loaded row again).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from types import SimpleNamespace

import sqlalchemy as sa

from models.calendar import Event, EventAttendee, EventReminder
from models.meta import utcnow
from models.notifications import Notification
from models.people import User
from portal.calendar_changes import next_occurrence, notes_for
from portal.calendar_events import overridden
from portal.i18n import _
from portal.ticker import claim, job

BATCH = 500
REMINDER = _("Reminder: ${title}")
REMINDER_BODY = _("Starts ${when}.")
EVENT_COLUMNS = (
    "id",
    "title",
    "start_at",
    "end_at",
    "all_day",
    "timezone",
    "rrule",
    "exdates",
    "status",
    "reminder_minutes",
)


def due_reminders(dbsession, now: dt.datetime, limit: int = BATCH) -> list[EventReminder]:
    """Claim up to `limit` due reminders for this process."""
    stmt = (
        sa.select(EventReminder)
        .where(EventReminder.fire_at <= now)
        .order_by(EventReminder.fire_at, EventReminder.id)
        .limit(limit)
    )
    return claim(dbsession, stmt)


def _load(db, event_ids):
    """The events (plain rows) and, per event, the people still coming."""
    events = {
        row.id: SimpleNamespace(**row._mapping)
        for row in db.execute(
            sa.select(*[getattr(Event, c) for c in EVENT_COLUMNS]).where(Event.id.in_(event_ids))
        )
    }
    people: dict[int, list] = defaultdict(list)
    for row in db.execute(
        sa.select(EventAttendee.event_id, User.id, User.locale, User.timezone, User.state)
        .join(User, User.id == EventAttendee.user_id)
        .where(EventAttendee.event_id.in_(event_ids), EventAttendee.answer != "declined")
    ):
        people[row.event_id].append(
            SimpleNamespace(id=row.id, locale=row.locale, timezone=row.timezone, active=row.state == "active")
        )
    return events, people


def send_event_reminders(request, now: dt.datetime | None = None) -> int:
    """Fire every due event reminder; returns how many notifications went out."""
    db = request.dbsession
    now = now or utcnow()
    total = 0
    while True:
        batch = due_reminders(db, now)
        if not batch:
            break
        events, people = _load(db, sorted({r.event_id for r in batch}))
        skips = overridden(db, [e.id for e in events.values() if e.rrule])
        notes = []
        for reminder in batch:
            event = events[reminder.event_id]
            start = reminder.occurrence_start
            # An occurrence already over when the tick comes (the server was down) is not
            # reminded of; a cancelled event or one without a reminder any more neither.
            if (
                event.status != "cancelled"
                and event.reminder_minutes is not None
                and start is not None
                and start + (event.end_at - event.start_at) > now
            ):
                notes.extend(
                    notes_for(
                        request,
                        people[event.id],
                        "event_reminder",
                        REMINDER,
                        event,
                        start,
                        body=REMINDER_BODY,
                    )
                )
            reminder.fired_count += 1
            reminder.last_fired_at = now
            nxt = None
            if event.status != "cancelled" and event.reminder_minutes is not None:
                nxt = next_occurrence(event, start, skips.get(event.id, ()))
            reminder.occurrence_start = nxt
            reminder.fire_at = nxt - dt.timedelta(minutes=event.reminder_minutes) if nxt else None
        if notes:
            stamp = utcnow()
            db.execute(sa.insert(Notification), [{**n, "created_at": stamp} for n in notes])
        db.flush()
        total += len(notes)
        if len(batch) < BATCH:
            break
    return total


job("event_reminders")(send_event_reminders)
