"""Monthly series "on day N" or "on the Nth weekday" ("the second Tuesday", "the last Friday"):
chosen in the event form, shown in words, kept when edited, and through .ics in both ways."""

from __future__ import annotations

import icalendar
import sqlalchemy as sa

from models.calendar import Event
from tests.functional.calendar.conftest import form

# Tuesday 11 March 2031 is the second Tuesday; Friday 28 March 2031 the last Friday.
SECOND_TUESDAY = {"start_date": "2031-03-11", "end_date": "2031-03-11"}
LAST_FRIDAY = {"start_date": "2031-03-28", "end_date": "2031-03-28"}
SPRING = "start=2031-03-01T00:00:00&end=2031-05-01T00:00:00"
SUMMER = "start=2031-05-01T00:00:00&end=2031-07-01T00:00:00"


def starts(testapp, title: str) -> list[str]:
    out = []
    for window in (SPRING, SUMMER):
        items = testapp.get(f"/calendar/events.json?{window}&src=mine").json
        out.extend(i["start"][:10] for i in items if i["title"] == title)
    return out


def choices(page) -> dict[str, str]:
    return {o["value"]: o.text.strip() for o in page.html.select("#monthly_by option")}


def event_titled(dbsession, title: str) -> Event:
    return dbsession.scalar(sa.select(Event).where(Event.title == title, Event.series_id.is_(None)))


def test_the_form_offers_the_day_and_the_weekday_of_the_start(testapp, factory):
    testapp.login(factory.user().login)
    page = testapp.get("/calendar/add", params={"start": "2031-03-11T10:00"})
    assert choices(page) == {"day": "on day 11", "weekday": "on the second Tuesday"}
    page = testapp.get("/calendar/add", params={"start": "2031-03-28T10:00"})
    assert choices(page) == {"day": "on day 28", "weekday": "on the fourth Friday",
                             "last": "on the last Friday"}
    # The script relabels them when the date changes: it gets every phrase.
    labels = page.html.select_one("#monthly_by")["data-labels"]
    assert "on the third Wednesday" in labels and "on day {n}" in labels


def test_a_meeting_on_the_second_tuesday_of_every_month(testapp, factory, dbsession):
    testapp.login(factory.user().login)
    res = testapp.post_csrf("/calendar/add", form(
        title="Бюджетный комитет", freq="MONTHLY", monthly_by="weekday", count="4",
        **SECOND_TUESDAY), status=303)
    event = event_titled(dbsession, "Бюджетный комитет")
    assert event.rrule == "FREQ=MONTHLY;BYDAY=2TU;COUNT=4"
    assert starts(testapp, "Бюджетный комитет") == [
        "2031-03-11", "2031-04-08", "2031-05-13", "2031-06-10"]
    page = testapp.get(res.location)
    assert "Every month, on the second Tuesday, 4 times" in page.text
    # The edit form shows the rule as it was chosen, and saving it again keeps it.
    edit = testapp.get(f"/calendar/{event.id}/edit")
    assert edit.html.select_one("#monthly_by option[selected]")["value"] == "weekday"
    testapp.post_csrf(f"/calendar/{event.id}/edit", form(
        title="Бюджетный комитет", freq="MONTHLY", monthly_by="weekday", count="4",
        location="Зал 2", **SECOND_TUESDAY), status=303)
    assert event.rrule == "FREQ=MONTHLY;BYDAY=2TU;COUNT=4" and event.location == "Зал 2"


def test_the_last_friday_and_the_day_of_the_month(testapp, factory, dbsession):
    testapp.login(factory.user().login)
    testapp.post_csrf("/calendar/add", form(
        title="Итоги месяца", freq="MONTHLY", monthly_by="last", ends="until",
        until="2031-06-30", **LAST_FRIDAY), status=303)
    assert event_titled(dbsession, "Итоги месяца").rrule.startswith("FREQ=MONTHLY;BYDAY=-1FR;UNTIL=")
    assert starts(testapp, "Итоги месяца") == ["2031-03-28", "2031-04-25", "2031-05-30", "2031-06-27"]
    testapp.post_csrf("/calendar/add", form(
        title="Зарплата", freq="MONTHLY", monthly_by="day", count="3", **LAST_FRIDAY), status=303)
    assert event_titled(dbsession, "Зарплата").rrule == "FREQ=MONTHLY;COUNT=3"
    assert starts(testapp, "Зарплата") == ["2031-03-28", "2031-04-28", "2031-05-28"]


def test_the_last_weekday_needs_a_start_in_the_last_week(testapp, factory, dbsession):
    testapp.login(factory.user().login)
    page = testapp.post_csrf("/calendar/add", form(
        title="Не последняя пятница", freq="MONTHLY", monthly_by="last", count="3",
        start_date="2031-03-21", end_date="2031-03-21"), status=400)
    assert "not in the last week of its month" in page.html.select_one("#error-repeat").text
    assert page.html.select_one("#monthly_by option[selected]")["value"] == "last"
    page = testapp.post_csrf("/calendar/add", form(
        title="Не последняя пятница", freq="MONTHLY", monthly_by="fortnightly", count="3"),
        status=400)
    assert "on which day of the month" in page.html.select_one("#error-repeat").text
    assert event_titled(dbsession, "Не последняя пятница") is None


def test_a_monthly_rule_goes_out_and_comes_back_through_ics(testapp, factory, dbsession):
    me, colleague = factory.user(), factory.user()
    testapp.login(me.login)
    testapp.post_csrf("/calendar/add", form(
        title="Комитет", freq="MONTHLY", monthly_by="weekday", count="4", **SECOND_TUESDAY),
        status=303)
    event = event_titled(dbsession, "Комитет")
    exported = testapp.get(f"/calendar/{event.id}/ics").body
    [vevent] = icalendar.Calendar.from_ical(exported).walk("VEVENT")
    assert dict(vevent["rrule"]) == {"FREQ": ["MONTHLY"], "BYDAY": ["2TU"], "COUNT": [4]}

    testapp.login(colleague.login)
    testapp.post("/calendar/import", {"csrf_token": testapp.csrf_token(), "calendar": "personal",
                                      "visibility": "public"},
                 upload_files=[("file", "committee.ics", exported)], status=303)
    mine = dbsession.scalar(sa.select(Event).where(Event.organizer_id == colleague.id))
    assert mine.rrule == "FREQ=MONTHLY;COUNT=4;BYDAY=2TU"
    assert starts(testapp, "Комитет") == ["2031-03-11", "2031-04-08", "2031-05-13", "2031-06-10"]
    edit = testapp.get(f"/calendar/{mine.id}/edit")
    assert edit.html.select_one("#monthly_by option[selected]")["value"] == "weekday"
    assert edit.html.select_one("#rule-other") is None


OUTLOOK = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN
BEGIN:VEVENT
UID:setpos-1@example
SUMMARY:Last Friday report
DTSTART;TZID=Europe/Moscow:20310328T160000
DTEND;TZID=Europe/Moscow:20310328T170000
RRULE:FREQ=MONTHLY;COUNT=3;BYDAY=FR;BYSETPOS=-1
END:VEVENT
BEGIN:VEVENT
UID:yearly-1@example
SUMMARY:Clocks change
DTSTART;TZID=Europe/Moscow:20311026T100000
DTEND;TZID=Europe/Moscow:20311026T110000
RRULE:FREQ=YEARLY;COUNT=3;BYMONTH=10;BYDAY=-1SU
END:VEVENT
BEGIN:VEVENT
UID:hourly-1@example
SUMMARY:Every minute
DTSTART;TZID=Europe/Moscow:20310328T160000
DTEND;TZID=Europe/Moscow:20310328T160100
RRULE:FREQ=DAILY;COUNT=1000;BYHOUR=9,10,11,12;BYMINUTE=0,1,2,3,4,5
END:VEVENT
END:VCALENDAR
"""


def test_imported_rules_the_form_cannot_show_are_named_and_within_day_rules_refused(
    testapp, factory, dbsession
):
    me = factory.user()
    testapp.login(me.login)
    res = testapp.post("/calendar/import", {"csrf_token": testapp.csrf_token(),
                                            "calendar": "personal", "visibility": "public"},
                       upload_files=[("file", "outlook.ics", OUTLOOK)], status=303)
    result = testapp.get(res.location)
    assert "“Every minute”: repeats in a way the portal does not support" in result.text
    assert event_titled(dbsession, "Every minute") is None
    report = event_titled(dbsession, "Last Friday report")
    assert starts(testapp, "Last Friday report") == ["2031-03-28", "2031-04-25", "2031-05-30"]
    edit = testapp.get(f"/calendar/{report.id}/edit")
    assert edit.html.select_one("#monthly_by option[selected]")["value"] == "last"
    clocks = event_titled(dbsession, "Clocks change")
    page = testapp.get(f"/calendar/{clocks.id}")
    assert "Every year, by a rule from another calendar program, 3 times" in page.text
    warning = testapp.get(f"/calendar/{clocks.id}/edit").html.select_one("#rule-other").text
    assert "by a rule from another calendar program" in warning
