"""What an event books is stored occurrence by occurrence in `resource_bookings` (the table the
database guards against overlaps) and kept in step when the event is moved, changed, cancelled
or deleted; the guard itself is a shared piece any resource uses."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

import portal.calendar.changes as changes
from models.booking import OverlapRefused, ResourceBooking, book, unbook
from portal.calendar.changes import cancel_event, input_of, move_event, update_event
from portal.calendar.recurrence import CalendarProblem, utc_stamp
from tests.functional.calendar.conftest import MONDAY

HOUR = dt.timedelta(hours=1)
WEEK = dt.timedelta(days=7)


def stored(db, room) -> list[tuple[str, dt.datetime, dt.datetime]]:
    db.flush()
    return [tuple(r) for r in db.execute(
        sa.select(ResourceBooking.holder, ResourceBooking.starts_at, ResourceBooking.ends_at)
        .where(ResourceBooking.resource == f"room:{room.id}")
        .order_by(ResourceBooking.starts_at))]


def test_a_booking_is_stored_and_follows_the_event_when_moved_and_cancelled(cal, factory, dbsession, app):
    room = cal.room()
    me = factory.user()
    event = cal.event(me, room_ids=[room.id])
    assert stored(dbsession, room) == [(f"event:{event.id}", MONDAY, MONDAY + HOUR)]
    move_event(cal.request(me), event, None, MONDAY + 2 * HOUR, MONDAY + 3 * HOUR)
    assert stored(dbsession, room) == [(f"event:{event.id}", MONDAY + 2 * HOUR, MONDAY + 3 * HOUR)]
    data = input_of(event)
    data.room_ids = []
    update_event(cal.request(me), event, data)
    assert stored(dbsession, room) == []
    data.room_ids = [room.id]
    update_event(cal.request(me), event, data)
    cancel_event(dbsession, me, event, registry=app.registry)
    assert stored(dbsession, room) == []


def test_every_occurrence_of_a_series_is_stored_without_the_cancelled_and_changed_ones(
        cal, factory, dbsession, app):
    room = cal.room()
    me = factory.user()
    series = cal.event(me, room_ids=[room.id], rrule="FREQ=WEEKLY;COUNT=4")
    holder = f"event:{series.id}"
    assert [s for _h, s, _e in stored(dbsession, room)] == [MONDAY + i * WEEK for i in range(4)]
    cancel_event(dbsession, me, series, "this", utc_stamp(MONDAY + WEEK), registry=app.registry)
    moved = move_event(cal.request(me), series, utc_stamp(MONDAY + 2 * WEEK),
                       MONDAY + 2 * WEEK + 3 * HOUR, MONDAY + 2 * WEEK + 4 * HOUR).event
    assert stored(dbsession, room) == [
        (holder, MONDAY, MONDAY + HOUR),
        (f"event:{moved.id}", MONDAY + 2 * WEEK + 3 * HOUR, MONDAY + 2 * WEEK + 4 * HOUR),
        (holder, MONDAY + 3 * WEEK, MONDAY + 3 * WEEK + HOUR),
    ]
    # Cancelling the rest of the series frees its rooms, and deletes the moved occurrence.
    cancel_event(dbsession, me, series, "following", utc_stamp(MONDAY + 2 * WEEK), registry=app.registry)
    assert stored(dbsession, room) == [(holder, MONDAY, MONDAY + HOUR)]
    dbsession.delete(series)
    assert stored(dbsession, room) == []


def test_a_taken_room_refused_by_the_database_gives_the_clear_message(cal, factory, dbsession,
                                                                      monkeypatch):
    """Had the check missed the other booking (two people at the same instant), the database
    refuses, and the person reads the same words as from the check."""
    room = cal.room("Переговорная «Нева»")
    boss = factory.user()
    cal.event(boss, "Совет директоров", room_ids=[room.id])
    first = []

    def blind_first_check(*args, **kw):
        first.append(1)
        return [] if len(first) == 1 else original(*args, **kw)

    original = changes.room_conflicts
    monkeypatch.setattr(changes, "room_conflicts", blind_first_check)
    with pytest.raises(CalendarProblem) as refused:
        cal.event(factory.user(), "Моя встреча", start=MONDAY + HOUR / 2, room_ids=[room.id])
    request = cal.request(boss)
    text = request.translate(refused.value.message)
    assert refused.value.field == "rooms"
    assert "Переговорная «Нева» is already booked at that time by “Совет директоров”" in text
    # The transaction stays usable (PostgreSQL: the refusal was inside a savepoint).
    assert len(stored(dbsession, room)) == 1


@pytest.mark.parametrize("kind", ["room", "technician"])
def test_the_guard_refuses_overlaps_of_any_resource_and_allows_touching_ones(dbsession, kind):
    start = dt.datetime(2031, 5, 5, 9, tzinfo=dt.UTC)
    book(dbsession, "job:1", {f"{kind}:7": [(start, start + HOUR)]})
    # Touching ranges and other resources are free; a holder may rebook its own times.
    book(dbsession, "job:2", {f"{kind}:7": [(start + HOUR, start + 2 * HOUR)],
                              f"{kind}:8": [(start, start + HOUR)]})
    book(dbsession, "job:1", {f"{kind}:7": [(start - HOUR / 2, start + HOUR / 2)]})
    with pytest.raises(OverlapRefused) as refused:
        book(dbsession, "job:3", {f"{kind}:7": [(start + HOUR / 2, start + 3 * HOUR / 2)]})
    assert refused.value.resource == f"{kind}:7"
    with pytest.raises(OverlapRefused):  # the holder's own rows stay as they were
        book(dbsession, "job:2", {f"{kind}:7": [(start, start + 2 * HOUR)]})
    rows = dbsession.execute(
        sa.select(ResourceBooking.holder, ResourceBooking.starts_at)
        .where(ResourceBooking.resource == f"{kind}:7").order_by(ResourceBooking.starts_at)).all()
    assert [tuple(r) for r in rows] == [("job:1", start - HOUR / 2), ("job:2", start + HOUR)]
    unbook(dbsession, ["job:1"])
    book(dbsession, "job:3", {f"{kind}:7": [(start, start + HOUR)]})


def test_the_database_refuses_an_overlapping_row_written_directly(dbsession):
    """Not only `book`: any insert or update meeting an overlap is refused by the database."""
    start = dt.datetime(2031, 5, 5, 9, tzinfo=dt.UTC)
    book(dbsession, "job:1", {"room:9": [(start, start + HOUR)]})
    table = ResourceBooking.__table__
    with pytest.raises(sa.exc.DBAPIError), dbsession.begin_nested():
        dbsession.execute(sa.insert(table).values(resource="room:9", holder="job:2",
                                                  starts_at=start, ends_at=start + HOUR))
    book(dbsession, "job:2", {"room:9": [(start + HOUR, start + 2 * HOUR)]})
    with pytest.raises(sa.exc.DBAPIError), dbsession.begin_nested():
        dbsession.execute(sa.update(table).where(table.c.holder == "job:2")
                          .values(starts_at=start + HOUR / 2))
