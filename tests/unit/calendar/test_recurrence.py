"""Recurrence rules: the quick arithmetic for plain daily/weekly rules agrees with dateutil,
daylight-saving gaps are refused, series end where they should, splitting a series."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from portal.calendar.recurrence import (
    CalendarProblem,
    Recurrence,
    localize,
    occurrence_starts,
    rest_of_rule,
    series_end,
    truncate_rule,
)
from portal.core.i18n import zone_named

UTC = dt.UTC


def dateutil_starts(rule, start, tzname, after, before):
    from dateutil import rrule as du

    tz = zone_named(tzname)
    r = du.rrulestr("RRULE:" + rule, dtstart=start.astimezone(tz), cache=False)
    out = [x.replace(tzinfo=tz).astimezone(UTC) for x in r]
    return [x for x in out if after <= x <= before]


@pytest.mark.parametrize("tzname", ["Europe/Moscow", "Europe/Berlin", "America/New_York"])
def test_plain_rules_agree_with_dateutil(tzname):
    rnd = random.Random(tzname)
    for _ in range(200):
        start = dt.datetime(2030, 1, 1, tzinfo=UTC) + dt.timedelta(minutes=30 * rnd.randrange(0, 40000))
        freq = rnd.choice(["DAILY", "WEEKLY"])
        parts = [f"FREQ={freq}"]
        if rnd.random() < 0.3:
            parts.append(f"INTERVAL={rnd.randrange(2, 4)}")
        if rnd.random() < 0.5:
            parts.append(f"COUNT={rnd.randrange(1, 60)}")
        else:
            parts.append(
                "UNTIL=" + (start + dt.timedelta(days=rnd.randrange(0, 400))).strftime("%Y%m%dT%H%M%SZ")
            )
        rule = ";".join(parts)
        after = start + dt.timedelta(days=rnd.randrange(-10, 300))
        before = after + dt.timedelta(days=rnd.randrange(0, 40))
        assert occurrence_starts(rule, start, tzname, after=after, before=before) == dateutil_starts(
            rule, start, tzname, after, before
        ), rule


def test_a_time_the_clocks_skip_is_refused_and_an_existing_one_is_kept():
    with pytest.raises(CalendarProblem) as problem:
        localize(dt.datetime(2031, 3, 30, 2, 30), zone_named("Europe/Berlin"))
    assert problem.value.field == "start"
    assert localize(dt.datetime(2031, 3, 30, 3, 30), zone_named("Europe/Berlin")).utcoffset() == dt.timedelta(
        hours=2
    )


def test_a_repeating_event_must_end():
    with pytest.raises(CalendarProblem, match="needs an end"):
        Recurrence("WEEKLY").check(dt.date(2031, 3, 3))
    with pytest.raises(CalendarProblem):
        Recurrence("DAILY", until=dt.date(2031, 3, 1)).check(dt.date(2031, 3, 3))
    with pytest.raises(CalendarProblem):
        Recurrence("DAILY", count=5000).check(dt.date(2031, 3, 3))
    Recurrence("DAILY", count=10).check(dt.date(2031, 3, 3))


def test_series_end_and_splitting_a_series():
    start = dt.datetime(2031, 3, 3, 7, 0, tzinfo=UTC)
    end = start + dt.timedelta(hours=1)
    rule = "FREQ=WEEKLY;COUNT=5"
    assert series_end(rule, start, end, "Europe/Moscow") == end + dt.timedelta(days=28)
    third = start + dt.timedelta(days=14)
    assert truncate_rule(rule, third, start, "Europe/Moscow") == "FREQ=WEEKLY;COUNT=2"
    assert rest_of_rule(rule, start, "Europe/Moscow", third) == "FREQ=WEEKLY;COUNT=3"
    until = Recurrence("WEEKLY", weekdays=("MO", "WE"), until=dt.date(2031, 3, 12)).to_rrule(
        start.astimezone(zone_named("Europe/Moscow"))
    )
    assert until == "FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20310312T205959Z"
    assert len(occurrence_starts(until, start, "Europe/Moscow")) == 4


def test_monthly_rules_on_a_weekday_of_the_month_read_and_write_back():
    from portal.calendar.recurrence import monthly_choices, nth_weekday_of

    tz = zone_named("Europe/Moscow")
    start = dt.datetime(2031, 3, 11, 10, tzinfo=tz)
    for rule, nth in [
        ("FREQ=MONTHLY;BYDAY=2TU;COUNT=5", (2, "TU")),
        ("FREQ=MONTHLY;BYDAY=-1FR;COUNT=5", (-1, "FR")),
        ("FREQ=MONTHLY;INTERVAL=2;BYDAY=+1MO;COUNT=5", (1, "MO")),
    ]:
        rec = Recurrence.from_rrule(rule, tz)
        assert rec.nth_weekday == nth and rec.other == ()
    # Outlook writes "the second Tuesday" as BYDAY=TU;BYSETPOS=2; it is saved the usual way.
    rec = Recurrence.from_rrule("FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2;COUNT=3", tz)
    assert rec.to_rrule(start) == "FREQ=MONTHLY;BYDAY=2TU;COUNT=3"
    # What the form cannot show is kept aside, so that the form can say so.
    assert Recurrence.from_rrule("FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU;COUNT=3", tz).other == (
        "BYMONTH=10", "BYDAY=-1SU")
    assert Recurrence.from_rrule("FREQ=MONTHLY;BYDAY=1MO,3MO;COUNT=3", tz).other == (
        "BYDAY=1MO,3MO",)
    assert nth_weekday_of(dt.date(2031, 3, 11)) == (2, "TU", False)
    assert nth_weekday_of(dt.date(2031, 3, 28)) == (4, "FR", True)
    assert nth_weekday_of(dt.date(2031, 3, 31)) == (5, "MO", True)
    assert [v for v, _label in monthly_choices(dt.date(2031, 3, 11))] == ["day", "weekday"]
    assert [v for v, _label in monthly_choices(dt.date(2031, 3, 31))] == ["day", "weekday", "last"]


def test_a_monthly_rule_in_words():
    from pyramid.i18n import make_localizer

    import portal

    tz = zone_named("Europe/Moscow")
    english = make_localizer("en", [portal.__path__[0] + "/locale"])
    for rule, words in [
        ("FREQ=MONTHLY;BYDAY=-1FR;COUNT=4", "Every month, on the last Friday, 4 times"),
        ("FREQ=MONTHLY;INTERVAL=2;BYDAY=2TU;COUNT=4", "Every 2 months, on the second Tuesday, 4 times"),
        ("FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4", "Every week: Mon, Wed, 4 times"),
    ]:
        assert Recurrence.from_rrule(rule, tz).describe(english, "en") == words
