"""Drag and drop and resize in the calendar: the server checks every move; a refused move
comes back with the reason (the page then puts the event back)."""

from __future__ import annotations

import datetime as dt

from portal.calendar.recurrence import utc_stamp
from tests.functional.calendar.conftest import MONDAY


def test_the_organizer_moves_and_resizes_an_event(testapp, factory, cal):
    me = factory.user()
    event = cal.event(me, "Встреча")
    testapp.login(me.login)
    res = testapp.post_csrf(
        f"/calendar/{event.id}/move", {"start": "2031-03-04T14:00:00", "end": "2031-03-04T15:30:00"}
    )
    assert res.json["ok"] is True
    assert event.start_at == dt.datetime(2031, 3, 4, 11, 0, tzinfo=dt.UTC)
    assert event.end_at == dt.datetime(2031, 3, 4, 12, 30, tzinfo=dt.UTC)


def test_a_move_into_a_taken_room_is_refused_with_the_reason(testapp, factory, cal):
    room = cal.room("Переговорная «Волга»")
    cal.event(factory.user(), "Бюджетный комитет", room_ids=[room.id], start=MONDAY + dt.timedelta(hours=4))
    me = factory.user()
    event = cal.event(me, "Моя встреча", room_ids=[room.id])
    testapp.login(me.login)
    res = testapp.post_csrf(
        f"/calendar/{event.id}/move",
        {"start": "2031-03-03T14:30:00", "end": "2031-03-03T15:30:00"},
        status=409,
    )
    assert res.json["ok"] is False
    assert "Переговорная «Волга»" in res.json["message"] and "Бюджетный комитет" in res.json["message"]
    assert event.start_at == MONDAY


def test_a_move_that_ends_before_it_starts_or_falls_into_a_dst_gap_is_refused(testapp, factory, cal):
    me = factory.user(timezone="Europe/Berlin")
    event = cal.event(me, "Встреча")
    testapp.login(me.login)
    res = testapp.post_csrf(
        f"/calendar/{event.id}/move",
        {"start": "2031-03-04T14:00:00", "end": "2031-03-04T13:00:00"},
        status=409,
    )
    assert "after the start" in res.json["message"]
    res = testapp.post_csrf(
        f"/calendar/{event.id}/move",
        {"start": "2031-03-30T02:15:00", "end": "2031-03-30T03:15:00"},
        status=409,
    )
    assert "does not exist" in res.json["message"]
    assert event.start_at == MONDAY


def test_someone_else_cannot_move_it(testapp, factory, cal):
    event = cal.event(factory.user(), "Чужая встреча")
    testapp.login(factory.user().login)
    res = testapp.post_csrf(
        f"/calendar/{event.id}/move",
        {"start": "2031-03-04T14:00:00", "end": "2031-03-04T15:00:00"},
        status=403,
    )
    assert res.json["ok"] is False and event.start_at == MONDAY


def test_moving_an_occurrence_moves_only_that_one(testapp, factory, cal):
    me = factory.user()
    series = cal.event(me, "Планёрка", rrule="FREQ=DAILY;COUNT=3")
    testapp.login(me.login)
    second = utc_stamp(MONDAY + dt.timedelta(days=1))
    res = testapp.post_csrf(
        f"/calendar/{series.id}/move",
        {"start": "2031-03-04T16:00:00", "end": "2031-03-04T17:00:00", "at": second},
    )
    assert res.json["ok"] is True and res.json["id"] != series.id
    items = testapp.get(
        "/calendar/events.json?start=2031-03-03T00:00:00&end=2031-03-06T00:00:00&src=mine"
    ).json
    assert [i["start"] for i in items] == [
        "2031-03-03T10:00:00",
        "2031-03-04T16:00:00",
        "2031-03-05T10:00:00",
    ]


def test_an_all_day_event_dragged_to_another_day(testapp, factory, cal):
    me = factory.user()
    event = cal.event(
        me, "Отпуск", all_day=True, start=dt.datetime(2031, 3, 2, 21, 0, tzinfo=dt.UTC), minutes=2 * 24 * 60
    )
    testapp.login(me.login)
    res = testapp.post_csrf(
        f"/calendar/{event.id}/move",
        {"start": "2031-03-10T00:00:00", "end": "2031-03-12T00:00:00", "allDay": "1"},
    )
    assert res.json["ok"] is True
    items = testapp.get(
        "/calendar/events.json?start=2031-03-09T00:00:00&end=2031-03-16T00:00:00&src=mine"
    ).json
    assert (items[0]["start"], items[0]["end"], items[0]["allDay"]) == ("2031-03-10", "2031-03-12", True)
