"""Two `portal tick` processes at the same moment fire every due reminder exactly once
(PostgreSQL: the rows are claimed with FOR UPDATE SKIP LOCKED). Real commits, two sessions in
two threads; the rows are removed afterwards."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
import sqlalchemy as sa

from models.calendar import Event, EventAttendee, EventReminder
from models.meta import utcnow
from models.notifications import Notification
from models.people import User

EVENTS = 40


def _setup(engine) -> tuple[list[int], list[int]]:
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
        for i in range(EVENTS):
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


def test_two_ticks_at_once_fire_each_reminder_exactly_once(app, dbengine, monkeypatch):
    if dbengine.dialect.name != "postgresql":
        pytest.skip("the concurrent claim is a PostgreSQL matter (SQLite serializes writers)")
    from pyramid.scripting import prepare

    import portal.calendar.reminders as reminders

    user_ids, event_ids = _setup(dbengine)
    # Both ticks claim their rows before either notifies: they really overlap.
    barrier = threading.Barrier(2, timeout=20)
    claimed: list[int] = []
    original = reminders.due_reminders

    def due_then_wait(dbsession, now, limit=reminders.BATCH):
        rows = original(dbsession, now, limit)
        claimed.append(len(rows))
        if len(claimed) <= 2:
            barrier.wait()
        return rows

    monkeypatch.setattr(reminders, "due_reminders", due_then_wait)
    sent: list[int] = []
    errors: list[BaseException] = []

    def tick():
        env = prepare(registry=app.registry)
        request = env["request"]
        try:
            with request.tm:
                sent.append(reminders.send_event_reminders(request))
        except BaseException as error:
            errors.append(error)
        finally:
            env["closer"]()

    try:
        threads = [threading.Thread(target=tick) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors, errors
        assert sorted(claimed[:2]) == [0, EVENTS] or sum(claimed[:2]) == EVENTS
        assert sum(sent) == 2 * EVENTS
        with dbengine.connect() as conn:
            per_event = conn.execute(
                sa.select(Notification.__table__.c.user_id, Notification.__table__.c.url, sa.func.count())
                .where(Notification.__table__.c.user_id.in_(user_ids))
                .group_by(Notification.__table__.c.user_id, Notification.__table__.c.url)
            ).all()
        assert len(per_event) == 2 * EVENTS and {n for _u, _url, n in per_event} == {1}
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
