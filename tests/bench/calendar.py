"""Benchmark data and pages of the calendar (issue 4): 500 people, 200,000 events (recurring
included), a 30-person department whose week is shown side by side, 10,000 due reminders.

Budgets: the week view of a 30-person department p95 ≤ 150 ms; a tick over 10,000 due
reminders ≤ 10 s.
"""

from __future__ import annotations

import datetime as dt
import random
import time

import sqlalchemy as sa

PEOPLE = 500
EVENTS = 200_000
TEAM_SIZE = 30
REMINDERS = 10_000
TEAM_DEPT_ID = 900
# The benchmarked week (a Monday); events spread over two years around it.
BASE = dt.date(2026, 11, 23)
BATCH = 5000
MOSCOW = dt.timezone(dt.timedelta(hours=3))


def _window(days: int = 7) -> str:
    end = BASE + dt.timedelta(days=days)
    return f"start={BASE.isoformat()}T00:00:00&end={end.isoformat()}T00:00:00"


def generate(engine, scale_name: str) -> None:
    """Rooms, a 30-person department and 200,000 events with attendees, in batches."""
    from models.calendar import Room
    from models.people import Department, Membership

    rnd = random.Random(4)
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(Department.__table__),
            [
                {
                    "id": TEAM_DEPT_ID,
                    "name": "Календарный отдел",
                    "description": "",
                    "parent_id": 1,
                    "block_local_roles": False,
                    "sort_order": 999,
                }
            ],
        )
        conn.execute(
            sa.insert(Membership.__table__),
            [{"user_id": uid, "department_id": TEAM_DEPT_ID} for uid in range(1, TEAM_SIZE + 1)],
        )
        conn.execute(
            sa.insert(Room.__table__),
            [
                {
                    "id": i,
                    "name": f"Переговорная {i}",
                    "kind": "room" if i <= 15 else "equipment",
                    "location": f"{i // 5 + 1} этаж",
                    "capacity": 4 + i % 10,
                    "description": "",
                    "active": True,
                }
                for i in range(1, 21)
            ],
        )
        events, attendees, bookings, reminders = [], [], [], []
        for eid in range(1, EVENTS + 1):
            day = BASE + dt.timedelta(days=rnd.randrange(-365, 365))
            if day.weekday() >= 5:
                day -= dt.timedelta(days=2)
            start = dt.datetime.combine(
                day, dt.time(rnd.randrange(8, 18), rnd.choice((0, 30))), tzinfo=MOSCOW
            )
            start = start.astimezone(dt.UTC)
            end = start + dt.timedelta(minutes=rnd.choice((30, 60, 60, 90, 120)))
            rule, series_end = "", end
            roll = rnd.random()
            if roll < 0.05:
                count = rnd.randrange(10, 41)
                rule, series_end = f"FREQ=WEEKLY;COUNT={count}", end + dt.timedelta(days=7 * (count - 1))
            elif roll < 0.07:
                count = rnd.randrange(5, 21)
                rule, series_end = f"FREQ=DAILY;COUNT={count}", end + dt.timedelta(days=count - 1)
            organizer = rnd.randrange(1, PEOPLE + 1)
            vis = rnd.random()
            events.append(
                {
                    "id": eid,
                    "title": f"Встреча {eid}",
                    "description": "",
                    "location": "",
                    "start_at": start,
                    "end_at": end,
                    "all_day": False,
                    "timezone": "Europe/Moscow",
                    "rrule": rule,
                    "exdates": [],
                    "series_end_at": series_end,
                    "wide": bool(rule),
                    "series_id": None,
                    "recurrence_id": None,
                    "organizer_id": organizer,
                    "calendar": "personal",
                    "department_id": None,
                    "visibility": "public" if vis < 0.85 else "busy" if vis < 0.95 else "private",
                    "status": "confirmed",
                    "link_type": "",
                    "link_id": None,
                    "reminder_minutes": 15 if eid <= REMINDERS else None,
                    "ical_uid": f"bench-{eid}@portal",
                    "sequence": 0,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            people = {organizer} | {rnd.randrange(1, PEOPLE + 1) for _ in range(rnd.randrange(1, 5))}
            for uid in people:
                attendees.append(
                    {
                        "event_id": eid,
                        "user_id": uid,
                        "via_department_id": None,
                        "guest_name": "",
                        "guest_email": "",
                        "contact_id": None,
                        "answer": "accepted"
                        if uid == organizer
                        else rnd.choice(("accepted", "accepted", "tentative", "needs_action", "declined")),
                        "answered_at": None,
                        # The event's window, copied on its invitations (models/calendar.py).
                        "short_start": None if rule else start,
                        "wide_until": series_end if rule else None,
                    }
                )
            if rnd.random() < 0.1:
                bookings.append({"event_id": eid, "room_id": rnd.randrange(1, 21)})
            if eid <= REMINDERS:
                reminders.append(
                    {
                        "event_id": eid,
                        "minutes_before": 15,
                        "fire_at": start - dt.timedelta(minutes=15),
                        "occurrence_start": start,
                        "fired_count": 0,
                        "last_fired_at": None,
                    }
                )
            if len(events) >= BATCH:
                _flush(conn, events, attendees, bookings, reminders)
        _flush(conn, events, attendees, bookings, reminders)


def _flush(conn, events, attendees, bookings, reminders) -> None:
    from models.calendar import Event, EventAttendee, EventReminder, EventRoom

    for table, rows in (
        (Event.__table__, events),
        (EventAttendee.__table__, attendees),
        (EventRoom.__table__, bookings),
        (EventReminder.__table__, reminders),
    ):
        if rows:
            conn.execute(sa.insert(table), rows)
            rows.clear()


def pages() -> list[tuple[str, str, float]]:
    return [
        ("calendar_team_week_30_people", f"/calendar/team.json?dept={TEAM_DEPT_ID}&{_window()}", 150),
        ("calendar_my_week", f"/calendar/events.json?{_window()}&src=mine,company", 150),
        (
            "calendar_my_month",
            "/calendar/events.json?start=2026-10-26T00:00:00&end=2026-12-07T00:00:00&src=mine,company",
            150,
        ),
        ("calendar_page", "/calendar", 100),
        ("calendar_team_page", f"/calendar/team?dept={TEAM_DEPT_ID}", 100),
        ("calendar_rooms", "/calendar/rooms", 100),
        ("home_with_events", "/", 100),
    ]


def measure(client, scale_name: str, report) -> bool:
    """A tick over 10,000 due reminders (each notifies 1–5 people), then puts things back."""
    from pyramid.scripting import prepare

    from models.calendar import EventReminder
    from models.notifications import Notification
    from portal.calendar.reminders import send_event_reminders

    registry = client.app.registry
    env = prepare(registry=registry)
    request = env["request"]
    try:
        with request.tm:
            db = request.dbsession
            now = dt.datetime.now(dt.UTC)
            db.execute(
                sa.update(EventReminder)
                .where(EventReminder.event_id <= REMINDERS)
                .values(
                    fire_at=now - dt.timedelta(minutes=1), occurrence_start=now + dt.timedelta(minutes=14)
                )
            )
            first_note = db.scalar(sa.select(sa.func.max(Notification.id))) or 0
        start = time.perf_counter()
        with request.tm:
            sent = send_event_reminders(request)
        elapsed = (time.perf_counter() - start) * 1000
        with request.tm:
            request.dbsession.execute(sa.delete(Notification).where(Notification.id > first_note))
    finally:
        env["closer"]()
    print(f"bench calendar_tick_notifications sent={sent}", flush=True)
    return report("calendar_tick_10000_reminders", [elapsed], 10_000)
