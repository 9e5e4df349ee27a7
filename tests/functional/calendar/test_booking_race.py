"""Many people booking one room for overlapping times at the same instant: the database lets
exactly one of them have it (PostgreSQL: the exclusion constraint; SQLite: the trigger), and the
others get the same clear refusal as the check gives. Real commits, one session per thread; the
rows are removed afterwards.

To make the race certain, every thread runs the friendly check (without the PostgreSQL room
lock that would otherwise serialize them) and waits for the others before writing: all checks
see a free room, so only the database stands between them and a double booking.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
import sqlalchemy as sa
import transaction
from pyramid.interfaces import ISecurityPolicy
from pyramid.request import Request
from pyramid.scripting import prepare

import models
import portal.calendar.changes as changes
from models.booking import ResourceBooking
from models.calendar import Event, EventRoom, Room
from models.people import User
from portal.calendar.changes import EventInput, create_event
from portal.calendar.recurrence import CalendarProblem
from portal.security.principals import identity_for
from tests.conftest import Factory
from tests.functional.calendar.conftest import MONDAY

THREADS = 8


def stored_overlaps(engine, room_id: int) -> tuple[int, int]:
    """(pairs of events booking the room at overlapping times, pairs of overlapping rows in
    resource_bookings held by different events)."""
    with engine.connect() as conn:
        spans = conn.execute(
            sa.select(Event.id, Event.start_at, Event.end_at)
            .join(EventRoom, EventRoom.event_id == Event.id)
            .where(EventRoom.room_id == room_id, Event.status != "cancelled")
        ).all()
        rows = conn.execute(
            sa.select(ResourceBooking.holder, ResourceBooking.starts_at, ResourceBooking.ends_at)
            .where(ResourceBooking.resource == f"room:{room_id}")
        ).all()

    def pairs(items):
        return sum(1 for i, a in enumerate(items) for b in items[i + 1:]
                   if a[0] != b[0] and a[1] < b[2] and b[1] < a[2])

    return pairs(spans), pairs(rows)


@pytest.fixture
def race_setup(app):
    """Two people (employees of a department) and a room, committed; removed afterwards."""
    tag = uuid.uuid4().hex[:8]
    with transaction.manager:
        db = models.get_tm_session(app.registry["dbsession_factory"], transaction.manager)
        people = Factory(db)
        dept = people.department(f"Race {tag}")
        users = [people.user(login=f"race-{tag}-{i}", departments=[dept]).id for i in range(2)]
        room = Room(name=f"Room {tag}", kind="room")
        db.add(room)
        db.flush()
        room_id = room.id
    yield users, room_id
    engine = app.registry["dbsession_factory"].kw["bind"]
    with engine.begin() as conn:
        ids = [r[0] for r in conn.execute(sa.select(EventRoom.event_id).where(EventRoom.room_id == room_id))]
        conn.execute(sa.delete(ResourceBooking.__table__).where(
            ResourceBooking.resource == f"room:{room_id}"))
        conn.execute(sa.delete(Event.__table__).where(Event.id.in_(ids)))
        conn.execute(sa.delete(Room.__table__).where(Room.id == room_id))


def acting_as(app):
    request = Request.blank("/", environ={"HTTP_HOST": "example.com", "HTTP_ACCEPT_LANGUAGE": "en"})
    env = prepare(request=request, registry=app.registry)
    request.root = env["root"]
    return request, env["closer"]


def act_as(request, user_id: int) -> None:
    """The request acts as the person, without a log-in: a session would be a write of its own,
    and SQLite would serialize the threads on it before they reach the booking."""
    user = request.dbsession.get(User, user_id)
    request.dbsession.info["actor_id"] = user_id
    policy = request.registry.getUtility(ISecurityPolicy)
    policy.identity_cache.set(request, identity_for(request.dbsession, user, request.department_tree))


def race(app, monkeypatch, users, room_id, spans) -> tuple[list[int], list[str], list[BaseException]]:
    """Each of `spans` booked by its own thread at once: (events made, refusals, errors)."""
    barrier = threading.Barrier(len(spans), timeout=30)
    checked = threading.local()
    original = changes.room_conflicts

    def check_then_wait(*args, **kw):
        kw["lock"] = False
        found = original(*args, **kw)
        if not getattr(checked, "done", False):
            checked.done = True
            barrier.wait()
        return found

    monkeypatch.setattr(changes, "room_conflicts", check_then_wait)
    made, refused, errors = [], [], []

    def book(i, start, end, rrule=""):
        request, close = acting_as(app)
        try:
            try:
                with request.tm:
                    act_as(request, users[i % len(users)])
                    data = EventInput(title=f"Race {i}", start=start, end=end, room_ids=[room_id],
                                      rrule=rrule)
                    made.append(create_event(request, data).event.id)
            except CalendarProblem as problem:
                refused.append(request.translate(problem.message))
        except BaseException as error:
            errors.append(error)
        finally:
            close()

    threads = [threading.Thread(target=book, args=(i, *span)) for i, span in enumerate(spans)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    return made, refused, errors


def test_many_people_booking_one_room_at_once_only_one_gets_it(app, dbengine, race_setup, monkeypatch):
    users, room_id = race_setup
    spans = [(MONDAY + dt.timedelta(minutes=5 * i), MONDAY + dt.timedelta(minutes=5 * i + 60))
             for i in range(THREADS)]
    made, refused, errors = race(app, monkeypatch, users, room_id, spans)
    assert not errors, errors
    assert len(made) == 1, f"{len(made)} people booked the room at overlapping times"
    assert len(refused) == THREADS - 1
    # The refusal names the room and the booking that won, as the check does.
    assert all(" is already booked at that time by “Race " in m for m in refused), refused
    assert len({m.split("“")[1].split("”")[0] for m in refused}) == 1, refused
    assert stored_overlaps(dbengine, room_id) == (0, 0)


def test_a_weekly_series_and_single_events_racing_for_one_room(app, dbengine, race_setup, monkeypatch):
    """The third Monday of a weekly series is what the single events want: the series' stored
    occurrences are what the database compares."""
    users, room_id = race_setup
    third = MONDAY + dt.timedelta(days=14)
    spans = [(third + dt.timedelta(minutes=5 * i), third + dt.timedelta(minutes=5 * i + 40))
             for i in range(THREADS - 1)]
    series = (MONDAY, MONDAY + dt.timedelta(hours=1), "FREQ=WEEKLY;COUNT=5")
    made, refused, errors = race(app, monkeypatch, users, room_id, [series, *spans])
    assert not errors, errors
    assert len(made) == 1 and len(refused) == THREADS - 1
    with dbengine.connect() as conn:
        rows = conn.execute(
            sa.select(ResourceBooking.holder, ResourceBooking.starts_at, ResourceBooking.ends_at)
            .where(ResourceBooking.resource == f"room:{room_id}")
            .order_by(ResourceBooking.starts_at)
        ).all()
    holders = {h for h, _s, _e in rows}
    assert len(holders) == 1
    for i, (_h, s, e) in enumerate(rows):
        assert all(not (s < e2 and s2 < e) for _h2, s2, e2 in rows[i + 1:])
