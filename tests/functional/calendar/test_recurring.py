"""Repeating events: occurrences in the calendar, and changing or cancelling one occurrence,
this and the following ones, or the whole series."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from models.calendar import Event
from models.notifications import Notification
from portal.calendar.recurrence import utc_stamp
from tests.functional.calendar.conftest import MONDAY, form

WEEK = dt.timedelta(days=7)
MONTH = "start=2031-03-01T00:00:00&end=2031-04-12T00:00:00"


def titles_by_day(testapp, src="mine"):
    items = testapp.get(f"/calendar/events.json?{MONTH}&src={src}").json
    return [(i["start"][:16], i["title"]) for i in items]


def test_weekly_on_chosen_days_until_a_date(testapp, factory, dbsession):
    me = factory.user()
    testapp.login(me.login)
    testapp.post_csrf(
        "/calendar/add",
        form(title="Планёрка", freq="WEEKLY", byday=["MO", "WE"], ends="until", until="2031-03-12"),
        status=303,
    )
    assert titles_by_day(testapp) == [
        ("2031-03-03T10:00", "Планёрка"),
        ("2031-03-05T10:00", "Планёрка"),
        ("2031-03-10T10:00", "Планёрка"),
        ("2031-03-12T10:00", "Планёрка"),
    ]
    event = dbsession.scalar(sa.select(Event).where(Event.title == "Планёрка"))
    assert event.series_end_at == dt.datetime(2031, 3, 12, 8, 0, tzinfo=dt.UTC)
    page = testapp.get(f"/calendar/{event.id}?at={utc_stamp(MONDAY + WEEK)}")
    assert "Every week" in page.text and "Mon" in page.text
    testapp.get(f"/calendar/{event.id}?at=20310304T070000Z", status=404)  # a Tuesday: no occurrence


def test_monthly_and_yearly_and_daily_with_a_count(testapp, factory):
    me = factory.user()
    testapp.login(me.login)
    testapp.post_csrf(
        "/calendar/add", form(title="Ежедневно", freq="DAILY", interval="2", count="3"), status=303
    )
    testapp.post_csrf(
        "/calendar/add",
        form(title="Ежемесячно", freq="MONTHLY", count="2", start_time="15:00", end_time="16:00"),
        status=303,
    )
    testapp.post_csrf(
        "/calendar/add",
        form(title="Ежегодно", freq="YEARLY", count="2", start_time="17:00", end_time="18:00"),
        status=303,
    )
    got = titles_by_day(testapp)
    assert [d for d, t in got if t == "Ежедневно"] == [
        "2031-03-03T10:00",
        "2031-03-05T10:00",
        "2031-03-07T10:00",
    ]
    assert [d for d, t in got if t == "Ежемесячно"] == ["2031-03-03T15:00", "2031-04-03T15:00"]
    assert [d for d, t in got if t == "Ежегодно"] == ["2031-03-03T17:00"]


def test_a_weekly_meeting_keeps_its_local_time_across_daylight_saving(testapp, factory):
    me = factory.user(timezone="Europe/Berlin")
    testapp.login(me.login)
    testapp.post_csrf(
        "/calendar/add",
        form(
            title="Berlin",
            timezone="Europe/Berlin",
            freq="WEEKLY",
            count="3",
            start_date="2031-03-24",
            end_date="2031-03-24",
        ),
        status=303,
    )
    assert [d for d, _t in titles_by_day(testapp)] == [
        "2031-03-24T10:00",
        "2031-03-31T10:00",
        "2031-04-07T10:00",
    ]


def test_change_only_one_occurrence(testapp, factory, cal, dbsession):
    me = factory.user()
    guest = factory.user()
    series = cal.event(me, "Планёрка", rrule="FREQ=WEEKLY;COUNT=4", user_ids=[guest.id])
    second = utc_stamp(MONDAY + WEEK)
    testapp.login(me.login)
    testapp.post_csrf(
        f"/calendar/{series.id}/edit?at={second}",
        form(
            title="Планёрка (перенос)",
            start_date="2031-03-11",
            end_date="2031-03-11",
            scope="this",
            freq="WEEKLY",
            count="4",
            people=[guest.id],
        ),
        status=303,
    )
    assert titles_by_day(testapp) == [
        ("2031-03-03T10:00", "Планёрка"),
        ("2031-03-11T10:00", "Планёрка (перенос)"),
        ("2031-03-17T10:00", "Планёрка"),
        ("2031-03-24T10:00", "Планёрка"),
    ]
    single = dbsession.scalar(sa.select(Event).where(Event.series_id == series.id))
    assert single.recurrence_id == MONDAY + WEEK and single.ical_uid == series.ical_uid
    changed = dbsession.scalars(
        sa.select(Notification).where(Notification.user_id == guest.id, Notification.kind == "event_change")
    ).all()
    assert len(changed) == 1


def test_change_this_and_the_following_ones(testapp, factory, cal, dbsession):
    me = factory.user()
    series = cal.event(me, "Планёрка", rrule="FREQ=WEEKLY;COUNT=4")
    third = utc_stamp(MONDAY + 2 * WEEK)
    testapp.login(me.login)
    testapp.post_csrf(
        f"/calendar/{series.id}/edit?at={third}",
        form(
            title="Планёрка в 12",
            start_date="2031-03-17",
            end_date="2031-03-17",
            start_time="12:00",
            end_time="13:00",
            scope="following",
            freq="WEEKLY",
            count="4",
        ),
        status=303,
    )
    assert titles_by_day(testapp) == [
        ("2031-03-03T10:00", "Планёрка"),
        ("2031-03-10T10:00", "Планёрка"),
        ("2031-03-17T12:00", "Планёрка в 12"),
        ("2031-03-24T12:00", "Планёрка в 12"),
    ]
    assert series.rrule == "FREQ=WEEKLY;COUNT=2"


def test_change_the_whole_series_from_one_occurrence_moves_all_of_them(testapp, factory, cal):
    me = factory.user()
    series = cal.event(me, "Планёрка", rrule="FREQ=WEEKLY;COUNT=3")
    testapp.login(me.login)
    testapp.post_csrf(
        f"/calendar/{series.id}/edit?at={utc_stamp(MONDAY + WEEK)}",
        form(
            title="Планёрка",
            start_date="2031-03-10",
            end_date="2031-03-10",
            start_time="09:00",
            end_time="09:30",
            scope="all",
            freq="WEEKLY",
            count="3",
        ),
        status=303,
    )
    assert [d for d, _t in titles_by_day(testapp)] == [
        "2031-03-03T09:00",
        "2031-03-10T09:00",
        "2031-03-17T09:00",
    ]


def test_cancel_one_occurrence_then_the_following_ones(testapp, factory, cal, dbsession):
    me = factory.user()
    guest = factory.user()
    series = cal.event(me, "Планёрка", rrule="FREQ=WEEKLY;COUNT=5", user_ids=[guest.id])
    testapp.login(me.login)
    testapp.post_csrf(
        f"/calendar/{series.id}/cancel", {"scope": "this", "at": utc_stamp(MONDAY + WEEK)}, status=303
    )
    assert [d for d, _t in titles_by_day(testapp)] == [
        "2031-03-03T10:00",
        "2031-03-17T10:00",
        "2031-03-24T10:00",
        "2031-03-31T10:00",
    ]
    testapp.post_csrf(
        f"/calendar/{series.id}/cancel",
        {"scope": "following", "at": utc_stamp(MONDAY + 3 * WEEK)},
        status=303,
    )
    assert [d for d, _t in titles_by_day(testapp)] == ["2031-03-03T10:00", "2031-03-17T10:00"]
    told = dbsession.scalars(
        sa.select(Notification).where(
            Notification.user_id == guest.id, Notification.kind == "event_cancellation"
        )
    ).all()
    assert len(told) == 2
    testapp.post_csrf(f"/calendar/{series.id}/cancel", {"scope": "all"}, status=303)
    assert titles_by_day(testapp) == []
    assert series.status == "cancelled"
    assert "Cancelled" in testapp.get(f"/calendar/{series.id}").html.select_one("#event-cancelled").text
