"""Business hours and the SLA clock with exact expected instants: nights, weekends, the lunch
break, holidays, a transferred working Saturday, pauses, a change of policy, daylight saving in
Berlin and New York, Moscow without it, the 24x7 calendar, and the admin's calendar data."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from models.errors import UserError
from portal.tickets.hours import (
    ALWAYS,
    BusinessHours,
    NoWorkingTime,
    business_elapsed,
    clock_state,
    due_at,
)

UTC = dt.UTC
HOUR = 3600
LUNCH_WEEK = {day: ["09:00-13:00", "14:00-18:00"] for day in ("mon", "tue", "wed", "thu", "fri")}

# Moscow support: a lunch break, a holiday (Wed 4 Nov 2026), the shortened day before it and a
# working Saturday transferred from elsewhere, as Russian production calendars have them.
MOSCOW = BusinessHours.from_data({
    "zone": "Europe/Moscow",
    "week": LUNCH_WEEK,
    "holidays": ["2026-11-04"],
    "workdays": {"2026-10-31": ["09:00-13:00", "14:00-17:00"],
                 "2026-11-03": ["09:00-13:00", "14:00-17:00"]},
})
BERLIN = BusinessHours.from_data({"zone": "Europe/Berlin", "week": LUNCH_WEEK})
NEW_YORK = BusinessHours.from_data({"zone": "America/New_York", "week": LUNCH_WEEK})


def whole_week(zone: str) -> BusinessHours:
    return BusinessHours.from_data({"zone": zone, "week": {d: ["00:00-24:00"] for d in
                                                           ("mon", "tue", "wed", "thu", "fri",
                                                            "sat", "sun")}})


def at(text: str, zone: str = "Europe/Moscow") -> dt.datetime:
    """A wall-clock time in `zone` ("2026-12-08 09:00") as the UTC instant."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


# -- nights, weekends, lunch, holidays --------------------------------------------------------


def test_ticket_created_at_night_starts_its_clock_at_the_next_opening():
    created = at("2026-12-08 02:00")  # Tuesday night
    assert MOSCOW.next_opening(created) == utc("2026-12-08 06:00")
    assert MOSCOW.add(created, HOUR) == at("2026-12-08 10:00")
    assert MOSCOW.between(created, at("2026-12-08 10:00")) == HOUR


def test_next_opening_is_now_during_working_hours():
    assert MOSCOW.next_opening(at("2026-12-08 10:17")) == at("2026-12-08 10:17")
    # An interval is [start, end): at closing time we are closed.
    assert MOSCOW.next_opening(at("2026-12-08 13:00")) == at("2026-12-08 14:00")


def test_the_lunch_break_stops_the_clock():
    assert MOSCOW.add(at("2026-12-08 12:30"), HOUR) == at("2026-12-08 14:30")
    assert MOSCOW.between(at("2026-12-08 12:00"), at("2026-12-08 15:00")) == 2 * HOUR


def test_ticket_created_during_lunch_starts_after_it():
    created = at("2026-12-08 13:20")
    assert MOSCOW.next_opening(created) == at("2026-12-08 14:00")
    assert MOSCOW.add(created, HOUR) == at("2026-12-08 15:00")


def test_friday_evening_target_runs_on_monday():
    assert MOSCOW.add(at("2026-12-11 17:00"), 2 * HOUR) == at("2026-12-14 10:00")
    assert MOSCOW.between(at("2026-12-11 17:00"), at("2026-12-14 10:00")) == 2 * HOUR


def test_target_reached_at_closing_is_due_at_closing_not_next_morning():
    assert MOSCOW.add(at("2026-12-11 17:00"), HOUR) == at("2026-12-11 18:00")


def test_zero_seconds_are_due_at_once_even_at_night():
    assert MOSCOW.add(at("2026-12-12 03:00"), 0) == at("2026-12-12 03:00")


def test_target_spanning_several_days():
    # Mon 10-13 and 14-18 (7 h), Tue (8 h), Wed 09-13 and 14-15 (5 h).
    assert MOSCOW.add(at("2026-12-07 10:00"), 20 * HOUR) == at("2026-12-09 15:00")
    assert MOSCOW.between(at("2026-12-07 00:00"), at("2026-12-14 00:00")) == 40 * HOUR


def test_holiday_and_shortened_day_before_it():
    # Tue 3 Nov closes at 17:00, Wed 4 Nov is a holiday, Thu 5 Nov as usual.
    assert MOSCOW.add(at("2026-11-03 16:00"), 3 * HOUR) == utc("2026-11-05 08:00")
    assert MOSCOW.between(at("2026-11-03 00:00"), at("2026-11-05 00:00")) == 7 * HOUR


def test_ticket_created_on_a_holiday_starts_the_next_working_day():
    assert MOSCOW.next_opening(at("2026-11-04 10:00")) == at("2026-11-05 09:00")
    assert MOSCOW.add(at("2026-11-04 10:00"), 30 * 60) == at("2026-11-05 09:30")


def test_transferred_working_saturday_counts():
    assert MOSCOW.add(at("2026-10-30 17:00"), 2 * HOUR) == at("2026-10-31 10:00")
    assert MOSCOW.between(at("2026-10-30 18:00"), at("2026-11-02 09:00")) == 7 * HOUR
    assert MOSCOW.openings(at("2026-10-31 00:00"), at("2026-11-01 00:00")) == [
        (at("2026-10-31 09:00"), at("2026-10-31 13:00")),
        (at("2026-10-31 14:00"), at("2026-10-31 17:00")),
    ]


def test_openings_are_clipped_to_the_window():
    assert MOSCOW.openings(at("2026-12-08 12:00"), at("2026-12-08 15:30")) == [
        (at("2026-12-08 12:00"), at("2026-12-08 13:00")),
        (at("2026-12-08 14:00"), at("2026-12-08 15:30")),
    ]
    assert MOSCOW.openings(at("2026-12-12 00:00"), at("2026-12-14 00:00")) == []


def test_moscow_has_no_daylight_saving():
    # The weekends when Europe changes its clocks: Moscow stays UTC+3.
    assert MOSCOW.add(at("2026-03-27 17:00"), 2 * HOUR) == utc("2026-03-30 07:00")
    assert MOSCOW.add(at("2026-10-23 17:00"), 2 * HOUR) == utc("2026-10-26 07:00")


# -- daylight saving --------------------------------------------------------------------------


def test_berlin_spring_forward_keeps_wall_clock_hours():
    # Fri 27 Mar 17:00 CET (UTC+1) + 2 h -> Mon 30 Mar 10:00 CEST (UTC+2).
    assert BERLIN.add(utc("2026-03-27 16:00"), 2 * HOUR) == utc("2026-03-30 08:00")
    assert BERLIN.next_opening(utc("2026-03-28 12:00")) == utc("2026-03-30 07:00")


def test_berlin_fall_back_keeps_wall_clock_hours():
    # Fri 23 Oct 17:00 CEST + 2 h -> Mon 26 Oct 10:00 CET.
    assert BERLIN.add(utc("2026-10-23 15:00"), 2 * HOUR) == utc("2026-10-26 09:00")
    assert BERLIN.between(utc("2026-10-23 00:00"), utc("2026-10-27 00:00")) == 16 * HOUR


def test_new_york_spring_forward_and_fall_back():
    # Fri 6 Mar 17:00 EST (UTC-5) + 2 h -> Mon 9 Mar 10:00 EDT (UTC-4).
    assert NEW_YORK.add(utc("2026-03-06 22:00"), 2 * HOUR) == utc("2026-03-09 14:00")
    # Fri 30 Oct 17:00 EDT + 2 h -> Mon 2 Nov 10:00 EST.
    assert NEW_YORK.add(utc("2026-10-30 21:00"), 2 * HOUR) == utc("2026-11-02 15:00")


@pytest.mark.parametrize(("zone", "day", "hours"), [
    ("Europe/Berlin", "2026-03-29", 23),
    ("Europe/Berlin", "2026-10-25", 25),
    ("America/New_York", "2026-03-08", 23),
    ("America/New_York", "2026-11-01", 25),
    ("Europe/Moscow", "2026-03-29", 24),
])
def test_a_whole_working_day_lasts_as_long_as_the_clocks_say(zone, day, hours):
    calendar = whole_week(zone)
    start = at(f"{day} 00:00", zone)
    end = at((dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat() + " 00:00", zone)
    assert calendar.between(start, end) == hours * HOUR
    assert calendar.openings(start - dt.timedelta(days=2), end) == [(start - dt.timedelta(days=2),
                                                                     end)]
    assert calendar.add(start, hours * HOUR) == end


def test_24x7_in_berlin_counts_real_time_across_the_change():
    calendar = whole_week("Europe/Berlin")
    # Sat 28 Mar 12:00 CET + 24 h = Sun 29 Mar 13:00 CEST: the same instant as plain UTC + 24 h.
    assert calendar.add(utc("2026-03-28 11:00"), 24 * HOUR) == utc("2026-03-29 11:00")
    assert calendar.between(at("2026-10-24 00:00", "Europe/Berlin"),
                            at("2026-10-26 00:00", "Europe/Berlin")) == 49 * HOUR


def sunday_only(zone: str, spans: list[str]) -> BusinessHours:
    return BusinessHours.from_data({"zone": zone, "week": {"sun": spans}})


def test_a_skipped_wall_time_means_the_instant_the_clocks_jump():
    # Berlin, 29 Mar 2026: 02:00 CET (01:00 UTC) becomes 03:00 CEST; 02:30 does not exist.
    day = (utc("2026-03-28 20:00"), utc("2026-03-29 22:00"))
    assert sunday_only("Europe/Berlin", ["02:30-04:00"]).openings(*day) == [
        (utc("2026-03-29 01:00"), utc("2026-03-29 02:00"))]
    assert sunday_only("Europe/Berlin", ["00:00-02:30"]).openings(*day) == [
        (utc("2026-03-28 23:00"), utc("2026-03-29 01:00"))]
    # An interval wholly inside the skipped hour is no working time at all.
    assert sunday_only("Europe/Berlin", ["02:10-02:50"]).openings(*day) == []
    # New York, 8 Mar 2026: 02:00 EST (07:00 UTC) becomes 03:00 EDT.
    assert sunday_only("America/New_York", ["02:30-04:00"]).openings(
        utc("2026-03-08 00:00"), utc("2026-03-09 00:00")) == [
        (utc("2026-03-08 07:00"), utc("2026-03-08 08:00"))]


def test_a_repeated_wall_time_means_its_first_occurrence():
    # Berlin, 25 Oct 2026: 03:00 CEST (01:00 UTC) becomes 02:00 CET; 02:30 happens twice.
    day = (utc("2026-10-24 20:00"), utc("2026-10-25 22:00"))
    assert sunday_only("Europe/Berlin", ["00:00-02:30"]).openings(*day) == [
        (utc("2026-10-24 22:00"), utc("2026-10-25 00:30"))]
    assert sunday_only("Europe/Berlin", ["02:30-05:00"]).openings(*day) == [
        (utc("2026-10-25 00:30"), utc("2026-10-25 04:00"))]
    # New York, 1 Nov 2026: 02:00 EDT (06:00 UTC) becomes 01:00 EST; 01:30 happens twice.
    assert sunday_only("America/New_York", ["01:30-03:00"]).openings(
        utc("2026-11-01 00:00"), utc("2026-11-02 00:00")) == [
        (utc("2026-11-01 05:30"), utc("2026-11-01 08:00"))]


# -- the 24x7 calendar --------------------------------------------------------------------------


def test_always_counts_every_second():
    start = utc("2026-12-12 03:17:05.250000")
    assert ALWAYS.next_opening(start) == start
    assert ALWAYS.add(start, 3 * 24 * HOUR + 0.5) == start + dt.timedelta(days=3, seconds=0.5)
    assert ALWAYS.between(start, start + dt.timedelta(days=40)) == 40 * 24 * HOUR
    assert ALWAYS.openings(start, start + dt.timedelta(days=3)) == [
        (start, start + dt.timedelta(days=3))]


# -- calendars with no working time ---------------------------------------------------------------


def test_a_calendar_without_working_time_raises_instead_of_looping():
    once = BusinessHours.from_data({"zone": "Europe/Moscow",
                                    "workdays": {"2026-01-10": ["10:00-12:00"]}})
    assert once.add(at("2026-01-01 00:00"), HOUR) == at("2026-01-10 11:00")
    with pytest.raises(NoWorkingTime) as error:
        once.add(at("2026-02-01 00:00"), HOUR)
    assert error.value.field == "week"
    assert str(error.value) == ("The business-hours calendar has no working time within three "
                                "years after 2026-02-01: add working hours or remove holidays.")
    with pytest.raises(NoWorkingTime):
        once.next_opening(at("2026-02-01 00:00"))
    with pytest.raises(NoWorkingTime):
        due_at(once, at("2026-02-01 00:00"), HOUR)
    # Counting over a stretch without work is fine: there is none.
    assert once.between(at("2026-02-01 00:00"), at("2030-02-01 00:00")) == 0
    assert once.openings(at("2026-02-01 00:00"), at("2030-02-01 00:00")) == []


def test_working_time_is_searched_for_three_years_ahead():
    def once_on(day: str) -> BusinessHours:
        return BusinessHours.from_data({"zone": "Europe/Moscow", "workdays": {day: ["10:00-12:00"]}})

    assert once_on("2029-01-01").next_opening(at("2026-01-01 12:00")) == at("2029-01-01 10:00")
    with pytest.raises(NoWorkingTime):
        once_on("2029-01-10").next_opening(at("2026-01-01 12:00"))


def test_negative_seconds_are_refused():
    with pytest.raises(ValueError):
        MOSCOW.add(at("2026-12-08 10:00"), -1)


# -- the SLA clock ------------------------------------------------------------------------------


def test_pause_over_a_night_and_a_weekend_is_not_counted():
    created = at("2026-12-10 10:00")  # Thursday
    pauses = [(at("2026-12-10 17:00"), at("2026-12-14 11:00"))]  # Thu evening to Monday 11:00
    # Thu 10-13, 14-17 (6 h); Mon 11-13, 14-18 (6 h); Tue 09-13 (4 h).
    assert due_at(MOSCOW, created, 16 * HOUR, pauses) == utc("2026-12-15 10:00")
    assert business_elapsed(MOSCOW, created, at("2026-12-14 15:00"), pauses) == 9 * HOUR
    # A second, short wait on Tuesday morning moves the due time by as much, over lunch.
    pauses.append((at("2026-12-15 09:00"), at("2026-12-15 09:30")))
    assert due_at(MOSCOW, created, 16 * HOUR, pauses) == at("2026-12-15 14:30")


def test_overlapping_and_early_pauses_count_once():
    created = at("2026-12-08 09:15")
    pauses = [(at("2026-12-08 10:00"), at("2026-12-08 11:00")),
              (at("2026-12-08 10:30"), at("2026-12-08 11:30")),
              (at("2026-12-08 09:00"), at("2026-12-08 09:30"))]  # began before the ticket
    # 09:15-12:00 less 09:15-09:30 and 10:00-11:30.
    assert business_elapsed(MOSCOW, created, at("2026-12-08 12:00"), pauses) == 1 * HOUR
    # 09:30-10:00 and 11:30-13:00.
    assert due_at(MOSCOW, created, 2 * HOUR, pauses) == at("2026-12-08 13:00")


def test_still_open_pause_has_no_due_time():
    created = at("2026-12-10 10:00")
    pauses = [(at("2026-12-10 12:00"), None)]
    assert due_at(MOSCOW, created, 4 * HOUR, pauses) is None
    assert business_elapsed(MOSCOW, created, at("2026-12-14 12:00"), pauses) == 2 * HOUR
    state = clock_state(MOSCOW, created, at("2026-12-14 12:00"), 4 * HOUR, pauses)
    assert (state.state, state.seconds_left, state.due_at, state.share_used) == (
        "paused", 2 * HOUR, None, 0.5)


def test_pause_opened_after_the_target_ran_out_keeps_it_breached():
    created = at("2026-12-10 10:00")
    pauses = [(at("2026-12-10 16:00"), None)]
    state = clock_state(MOSCOW, created, at("2026-12-11 10:00"), 2 * HOUR, pauses)
    assert state.due_at == at("2026-12-10 12:00")
    assert (state.state, state.seconds_left) == ("breached", -3 * HOUR)


def test_clock_runs_warns_and_breaches():
    created = at("2026-12-08 09:00")
    target = 10 * HOUR  # due Wed 9 Dec 11:00
    running = clock_state(MOSCOW, created, at("2026-12-08 15:00"), target)
    assert (running.state, running.seconds_left, running.due_at, running.share_used) == (
        "running", 5 * HOUR, at("2026-12-09 11:00"), 0.5)
    warning = clock_state(MOSCOW, created, at("2026-12-09 09:00"), target)
    assert (warning.state, warning.seconds_left, warning.share_used) == ("warning", 2 * HOUR, 0.8)
    assert clock_state(MOSCOW, created, at("2026-12-09 09:00"), target,
                       warn_share=0.9).state == "running"
    breached = clock_state(MOSCOW, created, at("2026-12-09 15:00"), target)
    assert (breached.state, breached.seconds_left) == ("breached", -3 * HOUR)
    assert clock_state(MOSCOW, created, at("2026-12-09 11:00"), target).state == "warning"


def test_target_run_out_at_friday_closing_is_breached_over_the_weekend():
    state = clock_state(MOSCOW, at("2026-12-11 17:00"), at("2026-12-12 10:00"), HOUR)
    assert (state.state, state.seconds_left, state.due_at) == ("breached", 0, at("2026-12-11 18:00"))


def test_stopped_clock_is_met_or_breached_at_the_stop():
    created = at("2026-12-08 09:00")
    met = clock_state(MOSCOW, created, at("2026-12-20 12:00"), 2 * HOUR,
                      stopped_at=at("2026-12-08 10:30"))
    assert (met.state, met.seconds_left, met.due_at) == ("met", 30 * 60, at("2026-12-08 11:00"))
    on_the_dot = clock_state(MOSCOW, created, at("2026-12-20 12:00"), 2 * HOUR,
                             stopped_at=at("2026-12-08 11:00"))
    assert (on_the_dot.state, on_the_dot.seconds_left) == ("met", 0)
    late = clock_state(MOSCOW, created, at("2026-12-20 12:00"), 2 * HOUR,
                       stopped_at=at("2026-12-08 15:00"))
    assert (late.state, late.seconds_left, late.share_used) == ("breached", -3 * HOUR, 2.5)


def test_resolved_while_waiting_for_the_customer_is_met():
    created = at("2026-12-08 09:00")
    pauses = [(at("2026-12-08 10:00"), None)]
    state = clock_state(MOSCOW, created, at("2026-12-20 12:00"), 2 * HOUR, pauses,
                        stopped_at=at("2026-12-09 12:00"))
    assert (state.state, state.elapsed, state.due_at) == ("met", HOUR, at("2026-12-09 13:00"))


def test_change_of_queue_recomputes_from_creation_keeping_the_pauses():
    # Created Thu 10 Dec 10:00 MSK (08:00 CET) in the Moscow queue, normal priority, 16 h.
    created = at("2026-12-10 10:00")
    pauses = [(at("2026-12-10 11:00"), at("2026-12-11 11:00"))]  # Thu 09:00 to Fri 09:00 CET
    berlin = BusinessHours.from_data({"zone": "Europe/Berlin", "week": {
        day: ["08:00-12:00", "13:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}})
    # Moscow: Thu 10-11 (1 h), Fri 11-13, 14-18 (6 h), Mon (8 h), Tue 09-10 (1 h).
    assert due_at(MOSCOW, created, 16 * HOUR, pauses) == at("2026-12-15 10:00")
    now = at("2026-12-11 12:00")  # Fri 10:00 CET: moved to the Berlin queue as high, 4 h
    # Berlin: Thu 08-09 CET (1 h), the wait, Fri 09-12 CET (3 h).
    assert due_at(berlin, created, 4 * HOUR, pauses) == at("2026-12-11 12:00", "Europe/Berlin")
    state = clock_state(berlin, created, now, 4 * HOUR, pauses)
    assert (state.state, state.elapsed, state.seconds_left) == ("running", 2 * HOUR, 2 * HOUR)
    # Without the wait Berlin's clock would have counted Thursday and Friday morning: 10 h.
    assert berlin.between(created, now) == 10 * HOUR


# -- the calendar as data -----------------------------------------------------------------------


def test_calendar_data_round_trips():
    data = MOSCOW.to_data()
    assert data == {
        "zone": "Europe/Moscow",
        "week": {**LUNCH_WEEK, "sat": [], "sun": []},
        "holidays": ["2026-11-04"],
        "workdays": {"2026-10-31": ["09:00-13:00", "14:00-17:00"],
                     "2026-11-03": ["09:00-13:00", "14:00-17:00"]},
    }
    assert BusinessHours.from_data(data) == MOSCOW
    assert BusinessHours.from_data(ALWAYS.to_data()) == ALWAYS
    assert hash(BusinessHours.from_data(data)) == hash(MOSCOW)


def test_calendar_data_is_read_leniently_where_harmless():
    calendar = BusinessHours.from_data({"zone": " Europe/Moscow", "week": {
        "mon": "14:00 - 18:00, 9:00-13:00", "tue": None, "wed": ["10:00–24:00"]},
        "holidays": ["2027-01-01", "2027-01-01"]})
    assert calendar.to_data()["week"]["mon"] == ["09:00-13:00", "14:00-18:00"]
    assert calendar.to_data()["week"]["wed"] == ["10:00-24:00"]
    assert calendar.to_data()["holidays"] == ["2027-01-01"]


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"zone": "Mars/Olympus", "week": LUNCH_WEEK}, "zone", "Unknown time zone “Mars/Olympus”."),
    ({"zone": "../../etc/passwd", "week": LUNCH_WEEK}, "zone",
     "Unknown time zone “../../etc/passwd”."),
    ({"week": LUNCH_WEEK}, "zone", "Choose the time zone of the business hours."),
    ({"zone": "UTC", "week": {"mon": ["9-13"]}}, "week.mon",
     "“9-13” is not a working interval: write it as 09:00-13:00."),
    ({"zone": "UTC", "week": {"tue": [930]}}, "week.tue",
     "“930” is not a working interval: write it as 09:00-13:00."),
    ({"zone": "UTC", "week": {"mon": ["09:00-25:00"]}}, "week.mon",
     "“09:00-25:00”: a working time lies between 00:00 and 24:00."),
    ({"zone": "UTC", "week": {"mon": ["09:70-10:00"]}}, "week.mon",
     "“09:70-10:00”: a working time lies between 00:00 and 24:00."),
    ({"zone": "UTC", "week": {"mon": ["24:00-24:30"]}}, "week.mon",
     "“24:00-24:30”: a working time lies between 00:00 and 24:00."),
    ({"zone": "UTC", "week": {"fri": ["18:00-09:00"]}}, "week.fri",
     "The interval “18:00-09:00” must end after it starts (a night shift is two intervals: "
     "22:00-24:00 and 00:00-06:00 of the next day)."),
    ({"zone": "UTC", "week": {"fri": ["09:00-09:00"]}}, "week.fri",
     "The interval “09:00-09:00” must end after it starts (a night shift is two intervals: "
     "22:00-24:00 and 00:00-06:00 of the next day)."),
    ({"zone": "UTC", "week": {"wed": ["12:00-18:00", "09:00-13:00"]}}, "week.wed",
     "The intervals “09:00-13:00” and “12:00-18:00” overlap: a break goes between them, as in "
     "09:00-13:00 and 14:00-18:00."),
    ({"zone": "UTC", "week": {"monday": ["09:00-18:00"]}}, "week",
     "Unknown day of the week “monday”: use mon, tue, wed, thu, fri, sat or sun."),
    ({"zone": "UTC", "week": ["09:00-18:00"]}, "week", "This is not a business-hours calendar."),
    ({"zone": "UTC", "week": LUNCH_WEEK, "holidays": ["2027-02-30"]}, "holidays",
     "“2027-02-30” is not a date: write it as 2027-01-01."),
    ({"zone": "UTC", "week": LUNCH_WEEK, "holidays": ["01.01.2027"]}, "holidays",
     "“01.01.2027” is not a date: write it as 2027-01-01."),
    ({"zone": "UTC", "week": LUNCH_WEEK, "holidays": "2027-01-01"}, "holidays",
     "This is not a business-hours calendar."),
    ({"zone": "UTC", "week": LUNCH_WEEK, "workdays": {"27.02.2027": ["09:00-18:00"]}}, "workdays",
     "“27.02.2027” is not a date: write it as 2027-01-01."),
    ({"zone": "UTC", "week": LUNCH_WEEK, "workdays": {"2027-02-27": ["9:00"]}}, "workdays",
     "“9:00” is not a working interval: write it as 09:00-13:00."),
    ({"zone": "UTC", "week": LUNCH_WEEK, "holidays": ["2027-02-27"],
      "workdays": {"2027-02-27": ["09:00-18:00"]}}, "workdays",
     "2027-02-27 is both a holiday and a special working day: keep it in one list."),
    ({"zone": "UTC", "week": {"mon": []}}, "week",
     "The calendar has no working hours: give at least one working interval."),
    ({"zone": "UTC"}, "week",
     "The calendar has no working hours: give at least one working interval."),
    ("09:00-18:00", "zone", "This is not a business-hours calendar."),
])
def test_bad_calendar_data_is_refused_with_a_clear_message(data, field, message):
    with pytest.raises(UserError) as error:
        BusinessHours.from_data(data)
    assert (error.value.field, str(error.value)) == (field, message)
