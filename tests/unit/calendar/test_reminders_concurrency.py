"""Several `portal tick` runs at the same moment fire every due reminder exactly once, on
SQLite and PostgreSQL: each reminder is claimed by one guarded UPDATE whose row count decides
who sends (plus FOR UPDATE SKIP LOCKED on PostgreSQL). Real commits, one session per thread;
the rows are removed afterwards."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
import sqlalchemy as sa
from pyramid.scripting import prepare

import portal.calendar.reminders as reminders
from models.calendar import Event, EventAttendee, EventReminder
from models.meta import utcnow
from models.notifications import Notification
from models.people import User

EVENTS = 40


def _setup(engine, events: int = EVENTS) -> tuple[list[int], list[int]]:
    tag = uuid.uuid4().hex[:8]
    now = utcnow()
    with engine.begin() as conn:
        user_ids = [
            conn.execute(
                sa.insert(User.__table__)
                .values(
                    login=f"tick-{tag}-{i}",
                    full_name=f"Tick {i}",
                    email="",
                    phone="",
                    position="",
                    locale="en",
                    timezone="Europe/Moscow",
                    state="active",
                    password_hash="",
                    search_text="",
                    created_at=now,
                )
                .returning(User.__table__.c.id)
            ).scalar_one()
            for i in range(2)
        ]
        event_ids = []
        for i in range(events):
            start = now + dt.timedelta(minutes=10, seconds=i)
            eid = conn.execute(
                sa.insert(Event.__table__)
                .values(
                    title=f"Tick {i}",
                    description="",
                    location="",
                    start_at=start,
                    end_at=start + dt.timedelta(hours=1),
                    all_day=False,
                    timezone="Europe/Moscow",
                    rrule="",
                    exdates=[],
                    wide=False,
                    series_end_at=start + dt.timedelta(hours=1),
                    organizer_id=user_ids[0],
                    calendar="personal",
                    visibility="public",
                    status="confirmed",
                    link_type="",
                    reminder_minutes=15,
                    ical_uid=f"tick-{tag}-{i}",
                    sequence=0,
                    created_at=now,
                    updated_at=now,
                )
                .returning(Event.__table__.c.id)
            ).scalar_one()
            event_ids.append(eid)
            conn.execute(
                sa.insert(EventAttendee.__table__),
                [
                    {
                        "event_id": eid,
                        "user_id": uid,
                        "guest_name": "",
                        "guest_email": "",
                        "answer": "accepted",
                    }
                    for uid in user_ids
                ],
            )
            conn.execute(
                sa.insert(EventReminder.__table__).values(
                    event_id=eid,
                    minutes_before=15,
                    fire_at=start - dt.timedelta(minutes=15),
                    occurrence_start=start,
                    fired_count=0,
                )
            )
    return user_ids, event_ids


def _cleanup(engine, user_ids, event_ids) -> None:
    with engine.begin() as conn:
        conn.execute(sa.delete(Notification.__table__).where(Notification.__table__.c.user_id.in_(user_ids)))
        conn.execute(
            sa.delete(EventReminder.__table__).where(EventReminder.__table__.c.event_id.in_(event_ids))
        )
        conn.execute(
            sa.delete(EventAttendee.__table__).where(EventAttendee.__table__.c.event_id.in_(event_ids))
        )
        conn.execute(sa.delete(Event.__table__).where(Event.__table__.c.id.in_(event_ids)))
        conn.execute(sa.delete(User.__table__).where(User.__table__.c.id.in_(user_ids)))


def _ticks_at_once(app, monkeypatch, n: int, wait: bool = True) -> tuple[list[int], list]:
    """`n` ticks of the reminders job at once, each in its own thread, session and transaction.
    With `wait`, each tick reads the due reminders, then waits for the others before going on:
    they all see the same rows due, so only the claim decides who sends."""
    barrier = threading.Barrier(n, timeout=30)
    first = threading.local()
    original = reminders.due_reminders

    def due_then_wait(dbsession, now, limit=reminders.BATCH):
        rows = original(dbsession, now, limit)
        if wait and not getattr(first, "done", False):
            first.done = True
            barrier.wait()
        return rows

    monkeypatch.setattr(reminders, "due_reminders", due_then_wait)
    start = threading.Barrier(n, timeout=30)
    sent: list[int] = []
    errors: list = []

    def tick():
        env = prepare(registry=app.registry)
        request = env["request"]
        try:
            start.wait()
            with request.tm:
                sent.append(reminders.send_event_reminders(request))
        except BaseException as error:
            errors.append(error)
        finally:
            env["closer"]()

    threads = [threading.Thread(target=tick) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    monkeypatch.setattr(reminders, "due_reminders", original)
    return sent, errors


def _notices_per_reminder(engine, user_ids) -> list[int]:
    """How many reminders each (person, event) got."""
    notes = Notification.__table__
    with engine.connect() as conn:
        return [n for _u, _url, n in conn.execute(
            sa.select(notes.c.user_id, notes.c.url, sa.func.count())
            .where(notes.c.user_id.in_(user_ids), notes.c.kind == "reminder_event")
            .group_by(notes.c.user_id, notes.c.url)
        )]


@pytest.mark.parametrize("wait", [True, False], ids=["after-reading", "as-they-come"])
def test_three_ticks_at_once_send_each_reminder_exactly_once(app, dbengine, monkeypatch, wait):
    """20 rounds of three ticks started together: every attendee gets every reminder once.
    "after-reading": all three have read the same rows due before any claims them (the guarded
    claim alone decides); "as-they-come": the ticks simply run at the same moment."""
    for _round in range(20):
        user_ids, event_ids = _setup(dbengine, events=5)
        try:
            sent, errors = _ticks_at_once(app, monkeypatch, 3, wait=wait)
            assert not errors, errors
            per_reminder = _notices_per_reminder(dbengine, user_ids)
            assert sorted(per_reminder) == [1] * (2 * 5), f"round {_round}: {per_reminder}"
            assert sum(sent) == 2 * 5
        finally:
            _cleanup(dbengine, user_ids, event_ids)


def test_a_tick_commits_its_notices_and_moves_each_reminder_on(app, dbengine):
    """The tick in its own transaction, as `portal tick` runs it: what it did is stored."""
    from portal.core.ticker import tick

    user_ids, event_ids = _setup(dbengine)
    try:
        report = tick(app.registry)
        assert report["event_reminders"] >= 2 * EVENTS
        with dbengine.connect() as conn:
            notes = conn.execute(
                sa.select(sa.func.count()).select_from(Notification.__table__)
                .where(Notification.__table__.c.user_id.in_(user_ids),
                       Notification.__table__.c.kind == "reminder_event")
            ).scalar_one()
            reminders = conn.execute(
                sa.select(EventReminder.__table__.c.fired_count, EventReminder.__table__.c.fire_at)
                .where(EventReminder.__table__.c.event_id.in_(event_ids))
            ).all()
        assert notes == 2 * EVENTS
        # Single events: fired once, nothing more to come.
        assert set(reminders) == {(1, None)}
        assert tick(app.registry)["event_reminders"] == 0
    finally:
        _cleanup(dbengine, user_ids, event_ids)
