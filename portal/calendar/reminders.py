"""Event reminders, fired by `portal tick` exactly once per occurrence.

Due rows are read (PostgreSQL: FOR UPDATE SKIP LOCKED, so a second tick process running at the
same moment skips them), then each is claimed by moving it on to the next occurrence with one
UPDATE guarded by what was read (`fired_count` unchanged): its row count decides who sends. A
tick that read the same row at the same moment (SQLite has no SKIP LOCKED) updates nothing and
sends nothing. The notices go out in the same transaction as the claim: once committed the row
is no longer due; had the transaction failed, nothing was sent and the next tick tries again.

A tick may meet thousands of due reminders: reminders, events and people are read as plain rows,
the rows moved on with one UPDATE statement per batch, and the notices go through
`notify_many` (each person's channel: the inbox, e-mail or both) in bulk.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import sqlalchemy as sa
from zope.sqlalchemy import mark_changed

from models.calendar import Event, EventAttendee, EventReminder
from models.meta import utcnow
from models.notifications import notify_many
from models.people import User
from portal.calendar.changes import next_occurrence
from portal.calendar.events import overridden
from portal.calendar.notices import Notices
from portal.core.i18n import _
from portal.core.ticker import job

BATCH = 500
# "reminder_…": the person's channel for reminders applies (models/notifications.py).
KIND = "reminder_event"
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
REMINDERS = EventReminder.__table__


def due_reminders(dbsession, now: dt.datetime, limit: int = BATCH) -> list:
    """Up to `limit` due reminders (rows: id, event_id, occurrence_start, fired_count); on
    PostgreSQL locked for this process, skipping those another has. Reading is not claiming:
    `send_event_reminders` claims each with the guarded MOVE_ON."""
    stmt = (
        sa.select(REMINDERS.c.id, REMINDERS.c.event_id, REMINDERS.c.occurrence_start,
                  REMINDERS.c.fired_count)
        .where(REMINDERS.c.fire_at <= now)
        .order_by(REMINDERS.c.fire_at, REMINDERS.c.id)
        .limit(limit)
    )
    if dbsession.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return dbsession.execute(stmt).all()


def _load(db, event_ids):
    """The events (plain rows) and, per event, the people still coming."""
    events = {
        row.id: row
        for row in db.execute(
            sa.select(*[getattr(Event, c) for c in EVENT_COLUMNS]).where(Event.id.in_(event_ids))
        )
    }
    people: dict[int, list] = defaultdict(list)
    for row in db.execute(
        sa.select(EventAttendee.event_id, User.id, User.locale, User.timezone,
                  (User.state == "active").label("active"))
        .join(User, User.id == EventAttendee.user_id)
        .where(EventAttendee.event_id.in_(event_ids), EventAttendee.answer != "declined")
    ):
        people[row.event_id].append(row)
    return events, people


# The claim: the row moves on only if no one moved it since it was read.
MOVE_ON = (
    sa.update(REMINDERS)
    .where(REMINDERS.c.id == sa.bindparam("row_id"), REMINDERS.c.fired_count == sa.bindparam("seen"))
    .values(
        fired_count=sa.bindparam("fired"),
        last_fired_at=sa.bindparam("fired_at"),
        occurrence_start=sa.bindparam("next_start"),
        fire_at=sa.bindparam("next_fire"),
    )
)


@job("event_reminders")
def send_event_reminders(request, now: dt.datetime | None = None) -> int:
    """Fire every due event reminder; returns how many inbox notifications were made."""
    db = request.dbsession
    # From the portal itself (nobody to leave out), one batch of translations for the run.
    notices = Notices(request.registry)
    now = now or utcnow()
    total = 0
    while True:
        batch = due_reminders(db, now)
        if not batch:
            break
        events, people = _load(db, sorted({r.event_id for r in batch}))
        skips = overridden(db, [e.id for e in events.values() if e.rrule])
        items = []
        for reminder in batch:
            event = events[reminder.event_id]
            start = reminder.occurrence_start
            nxt = None
            if event.status != "cancelled" and event.reminder_minutes is not None:
                nxt = next_occurrence(event, start, skips.get(event.id, ()))
            claimed = db.execute(MOVE_ON, {
                "row_id": reminder.id,
                "seen": reminder.fired_count,
                "fired": reminder.fired_count + 1,
                "fired_at": now,
                "next_start": nxt,
                "next_fire": nxt - dt.timedelta(minutes=event.reminder_minutes) if nxt else None,
            }).rowcount
            mark_changed(db)  # a plain UPDATE: the transaction must commit it
            if claimed != 1:
                continue  # another tick has it
            # An occurrence already over when the tick comes (the server was down) is not
            # reminded of; a cancelled event or one without a reminder any more neither.
            if (
                event.status != "cancelled"
                and event.reminder_minutes is not None
                and start is not None
                and start + (event.end_at - event.start_at) > now
            ):
                items.extend(notices.notes(people[event.id], KIND, REMINDER, event, start,
                                           body=REMINDER_BODY))
        total += notify_many(db, items)
        if len(batch) < BATCH:
            break
    return total

