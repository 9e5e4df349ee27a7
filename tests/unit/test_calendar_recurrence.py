"""Recurrence rules: the quick arithmetic for plain daily/weekly rules agrees with dateutil,
daylight-saving gaps are refused, series end where they should, splitting a series."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from portal.calendar_recurrence import (
    CalendarProblem,
    Recurrence,
    localize,
    occurrence_starts,
    rest_of_rule,
    series_end,
    truncate_rule,
    zone,
)

UTC = dt.UTC


def dateutil_starts(rule, start, tzname, after, before):
    from dateutil import rrule as du

    tz = zone(tzname)
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
        localize(dt.datetime(2031, 3, 30, 2, 30), zone("Europe/Berlin"))
    assert problem.value.field == "start"
    assert localize(dt.datetime(2031, 3, 30, 3, 30), zone("Europe/Berlin")).utcoffset() == dt.timedelta(
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
        start.astimezone(zone("Europe/Moscow"))
    )
    assert until == "FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20310312T205959Z"
    assert len(occurrence_starts(until, start, "Europe/Moscow")) == 4
