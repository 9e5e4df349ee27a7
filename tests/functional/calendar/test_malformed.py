"""Malformed input at the calendar (issue 10): broken .ics files, drag and drop to times the
calendar cannot hold, odd periods asked of the calendar's JSON. Each answers with a clear
message in the person's language, never a 500, and stores nothing of what it refused: an event
of a file that cannot be read is left out whole (named in the answer), the others come in.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from models.calendar import Event, EventAttendee

# The test data's person imports in Moscow time.
GOOD = ["UID:good@example", "SUMMARY:Планёрка", "DTSTART:20310303T070000Z",
        "DTEND:20310303T080000Z"]


def ics(*events: list[str]) -> bytes:
    body = "".join("BEGIN:VEVENT\r\n" + "".join(f"{line}\r\n" for line in lines) + "END:VEVENT\r\n"
                   for lines in events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\n{body}END:VCALENDAR\r\n".encode()


def bad(*lines: str) -> list[str]:
    return ["UID:bad@example", "SUMMARY:Сломанное", *lines]


# (name, the broken event's lines, what the answer says about it)
BROKEN_EVENTS = [
    ("30 February", bad("DTSTART:20270230T100000Z", "DTEND:20270230T110000Z"),
     "its DTSTART could not be read"),
    ("end before start", bad("DTSTART:20310303T100000Z", "DTEND:20310302T110000Z"),
     "ends before it starts"),
    ("all-day end before start", bad("DTSTART;VALUE=DATE:20310303", "DTEND;VALUE=DATE:20310301"),
     "ends before it starts"),
    ("year 1", bad("DTSTART:00010101T000000Z", "DTEND:00010101T010000Z"),
     "has a date outside the years 1900–2200"),
    ("year 1, local time", bad("DTSTART:00010101T000000", "DTEND:00010101T010000"),
     "has a date outside the years 1900–2200"),
    ("year 1, a date", bad("DTSTART;VALUE=DATE:00010101"), "has a date outside the years 1900–2200"),
    ("year 9999", bad("DTSTART:99991231T230000Z", "DTEND:99991231T235900Z"),
     "has a date outside the years 1900–2200"),
    ("year 9999, a date", bad("DTSTART;VALUE=DATE:99991231"), "has a date outside the years 1900–2200"),
    ("repeating past 9999", bad("DTSTART:99991201T230000Z", "RRULE:FREQ=DAILY"),
     "has a date outside the years 1900–2200"),
    ("repeating past 2200", bad("DTSTART:21991201T230000Z", "RRULE:FREQ=YEARLY;COUNT=5"),
     "has a date outside the years 1900–2200"),
    ("huge COUNT", bad("DTSTART:20310303T100000Z", "RRULE:FREQ=DAILY;COUNT=99999999999999999999999"),
     "its RRULE could not be read"),
    ("COUNT 0", bad("DTSTART:20310303T100000Z", "RRULE:FREQ=DAILY;COUNT=0"),
     "repeats in a way the portal does not support"),
    ("negative COUNT", bad("DTSTART:20310303T100000Z", "RRULE:FREQ=DAILY;COUNT=-5"),
     "repeats in a way the portal does not support"),
    ("huge INTERVAL", bad("DTSTART:20310303T100000Z", "RRULE:FREQ=DAILY;INTERVAL=100000;COUNT=3"),
     "repeats in a way the portal does not support"),
    ("UNTIL in 9999", bad("DTSTART:20310303T100000Z", "RRULE:FREQ=DAILY;UNTIL=99991231T000000Z"),
     "repeats for more than 10 years"),
    ("UNTIL before the start", bad("DTSTART:20310303T100000Z", "RRULE:FREQ=DAILY;UNTIL=20300101T000000Z"),
     "its repeat rule gives no date"),
    ("day 45 of the month", bad("DTSTART:20310303T100000Z", "RRULE:FREQ=MONTHLY;BYMONTHDAY=45;COUNT=3"),
     "its repeat rule gives no date"),
    ("30 February every year", bad("DTSTART:20310303T100000Z", "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"),
     "its repeat rule gives no date"),
    ("unknown weekday", bad("DTSTART:20310303T100000Z", "RRULE:FREQ=MONTHLY;BYDAY=99XX;COUNT=3"),
     "its RRULE could not be read"),
    ("no DTSTART", bad("DTEND:20310303T110000Z"), "has no start"),
    ("DTSTART not a time", bad("DTSTART:hello"), "its DTSTART could not be read"),
    ("DTSTART empty", bad("DTSTART:"), "its DTSTART could not be read"),
    ("DTSTART a time of day", bad("DTSTART;VALUE=TIME:100000"), "its DTSTART could not be read"),
    ("DTSTART a period", bad("DTSTART;VALUE=PERIOD:20310303T100000Z/20310304T100000Z"),
     "its DTSTART could not be read"),
    ("huge DURATION", bad("DTSTART:20310303T100000Z", "DURATION:P99999999W"),
     "its DURATION could not be read"),
    ("DURATION not one", bad("DTSTART:20310303T100000Z", "DURATION:xx"), "its DURATION could not be read"),
    ("EXDATE 30 February", bad("DTSTART:20310303T100000Z", "RRULE:FREQ=DAILY;COUNT=3",
                               "EXDATE:20270230T100000Z"), "its EXDATE could not be read"),
    ("EXDATE in year 1", bad("DTSTART:20310303T100000Z", "RRULE:FREQ=DAILY;COUNT=3",
                             "EXDATE:00010101T000000Z"), "its EXDATE could not be read"),
    ("a WKST that is no weekday", bad("DTSTART:20310303T100000Z", "RRULE:FREQ=WEEKLY;COUNT=2;WKST=XX"),
     "its RRULE could not be read"),
    ("lasting four years", bad("DTSTART:20310303T100000Z", "DTEND:20350303T100000Z"),
     "An event may last at most 62 days"),
]


@pytest.fixture
def me(factory, testapp):
    user = factory.user(timezone="Europe/Moscow")
    testapp.login(user.login)
    return user


def upload(testapp, content: bytes, language: str = "en"):
    return testapp.post(
        "/calendar/import",
        {"csrf_token": testapp.csrf_token(), "calendar": "personal", "visibility": "public"},
        upload_files=[("file", "calendar.ics", content)],
        headers={"Accept-Language": language}, status="*", expect_errors=True)


def count(dbsession, model=Event) -> int:
    return dbsession.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.mark.parametrize("name, lines, why", BROKEN_EVENTS, ids=[b[0] for b in BROKEN_EVENTS])
def test_a_broken_event_alone_is_refused_with_the_reason_and_nothing_is_stored(
        testapp, dbsession, me, name, lines, why):
    page = upload(testapp, ics(lines))
    assert page.status_int == 400, name
    error = page.html.select_one("#import-error").text
    assert "Nothing could be imported" in error and why in error, error
    assert count(dbsession) == 0 and count(dbsession, EventAttendee) == 0


@pytest.mark.parametrize("name, lines, why", BROKEN_EVENTS[:12], ids=[b[0] for b in BROKEN_EVENTS[:12]])
def test_a_broken_event_is_left_out_named_and_the_good_ones_come_in(testapp, dbsession, me,
                                                                    name, lines, why):
    page = upload(testapp, ics(GOOD, lines))
    assert page.status_int == 303, name
    shown = testapp.get(page.location).text
    assert "Imported: 1 new" in shown and f"“Сломанное”: {why}" in shown
    (event,) = dbsession.scalars(sa.select(Event)).all()
    assert event.title == "Планёрка"
    # What came in opens, in the list and on its page.
    testapp.get("/calendar/events.json?start=2031-03-02&end=2031-03-09", status=200)
    testapp.get(f"/calendar/{event.id}", status=200)


def test_the_reason_is_given_in_the_persons_language(testapp, dbsession, me):
    page = upload(testapp, ics(bad("DTEND:20310303T110000Z")), "ru")
    error = page.html.select_one("#import-error").text
    assert page.status_int == 400
    assert "Из этого файла ничего не удалось загрузить" in error and "нет времени начала" in error


@pytest.mark.parametrize("content, message", [
    (ics(["UID:x", "SUMMARY:\xff"]).replace("\xff".encode(), b"\xff\xfe\xc0") + b"", "not in UTF-8"),
    ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nSUMMARY:Планёрка\r\nDTSTART:20310303T100000Z\r\n"
     "END:VEVENT\r\nEND:VCALENDAR\r\n".encode("cp1251"), "not in UTF-8"),
    (ics(GOOD).decode().encode("utf-16"), "not in UTF-8"),
    (bytes(range(256)) * 64, "not in UTF-8"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 1000, "not in UTF-8"),
    (b"", "not an iCalendar"),
    (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20310303T100000Z\r\n", "not an iCalendar"),
    (ics(GOOD) * 2, "not an iCalendar"),
    (ics(["UID:f", "SUMMARY:F", "DTSTART:20310303T100000Z", "DESCRIPTION:" + "x" * (5 * 1024 * 1024)]),
     "larger than 2 MB"),
], ids=["bytes that are not UTF-8", "Windows-1251", "UTF-16", "binary", "an image", "empty",
        "cut short", "two calendars", "5 MB"])
def test_a_file_that_cannot_be_read_is_refused_whole(testapp, dbsession, me, content, message):
    page = upload(testapp, content)
    assert page.status_int == 400
    assert message in page.html.select_one("#import-error").text
    assert count(dbsession) == 0


def test_control_characters_and_bad_addresses_of_a_file_are_not_stored(testapp, dbsession, me):
    page = upload(testapp, ics([
        "UID:nul\x00@example", "SUMMARY:План\x00ёрка\x07", "DTSTART:20310303T070000Z",
        "DESCRIPTION:a\\nb\x00c", "LOCATION:\x1bЗал",
        "ATTENDEE;CN=Anna:mailto:anna\x00@partner.example", "ATTENDEE:not an address",
        "ATTENDEE;CN=Hans:mailto:hans@partner.example"]))
    assert page.status_int == 303
    event = dbsession.scalars(sa.select(Event)).one()
    assert (event.title, event.description, event.location, event.ical_uid) == (
        "Планёрка", "a\nbc", "Зал", "nul@example")
    assert sorted(a.guest_email for a in event.attendees if a.user_id is None) == [
        "anna@partner.example", "hans@partner.example"]


def test_an_event_left_out_after_part_of_it_was_stored_leaves_nothing_behind(
        testapp, dbsession, me, monkeypatch):
    """Each event is stored in a savepoint: a refusal met while storing it (here, a room the
    file's event cannot have) takes back what was written of it."""
    import portal.calendar.ics
    from portal.calendar.recurrence import CalendarProblem

    real = portal.calendar.ics.create_event

    def refuse_after_storing(request, data, **kw):
        real(request, data, **kw)
        raise CalendarProblem("refused after the write")

    monkeypatch.setattr(portal.calendar.ics, "create_event", refuse_after_storing)
    page = upload(testapp, ics(GOOD))
    assert page.status_int == 400
    assert count(dbsession) == 0 and count(dbsession, EventAttendee) == 0


# --- drag and drop, and the calendar's JSON ---------------------------------------------------------

@pytest.mark.parametrize("start, end", [
    ("0001-01-01T00:00", "0001-01-01T01:00"), ("9999-12-31T23:59", "9999-12-31T23:59"),
    ("0001-01-01", "0001-01-02"), ("9999-12-31", "9999-12-31"), ("1899-12-31T10:00", "1899-12-31T11:00"),
    ("2201-01-01T10:00", "2201-01-01T11:00"), ("garbage", "2031-03-03T11:00"),
    ("2031-03-03T10:00", "garbage"), ("", ""), ("2031-02-30T10:00", "2031-02-30T11:00"),
    ("2031-03-03T25:00", "2031-03-03T26:00"), ("²０３１-03-03T10:00", "2031-03-03T11:00"),
    ("\x00", "\x00")])
@pytest.mark.parametrize("all_day", ["", "1"])
@pytest.mark.parametrize("series", [False, True], ids=["single", "series"])
def test_a_move_to_a_time_the_calendar_cannot_hold_answers_400_and_changes_nothing(
        testapp, dbsession, cal, me, start, end, all_day, series):
    event = cal.event(me, rrule="FREQ=WEEKLY;COUNT=4" if series else "")
    before = (event.start_at, event.end_at, event.sequence, event.exdates)
    rows = count(dbsession)
    response = testapp.post(f"/calendar/{event.id}/move", {
        "csrf_token": testapp.csrf_token(), "start": start, "end": end, "allDay": all_day},
        status=400)
    assert response.json["ok"] is False and response.json["message"]
    dbsession.refresh(event)
    assert (event.start_at, event.end_at, event.sequence, event.exdates) == before
    assert count(dbsession) == rows


def test_a_move_before_1900_says_which_years_in_the_persons_language(testapp, cal, me):
    event = cal.event(me)
    response = testapp.post(f"/calendar/{event.id}/move", {
        "csrf_token": testapp.csrf_token(), "start": "0001-01-01T00:00", "end": "0001-01-01T01:00"},
        status=400)
    assert "between the years 1900 and 2200" in response.json["message"]


def test_a_form_or_service_cannot_plan_an_event_outside_the_years(testapp, dbsession, cal, me):
    """The service refuses too (the ICS import, the API and scripts call it)."""
    import datetime as dt

    from portal.calendar.changes import EventInput, create_event
    from portal.calendar.recurrence import CalendarProblem

    start = dt.datetime(9999, 12, 31, 20, tzinfo=dt.UTC)
    with pytest.raises(CalendarProblem) as refused:
        create_event(cal.request(me), EventInput(title="x", start=start,
                                                 end=start + dt.timedelta(hours=1)))
    assert refused.value.field == "start"
    assert count(dbsession) == 0


@pytest.mark.parametrize("query", [
    "start=0001-01-01&end=0001-02-01", "start=9999-12-01&end=9999-12-31",
    "start=1900-01-01T00:00:00%2B14:00&end=1900-01-02", "start=2200-12-31T00:00&end=2201-01-01T00:00",
    "start=2031-01-01T00:00:00%2B99:00&end=2031-01-02", "start=2031-01-02&end=2031-01-01",
    "start=2031-01-01&end=2031-06-01", "start=&end=", "start=2031-01-01", "start=%C2%B2&end=1",
    "start=2031-01-01&end=2031-02-01&room=%C2%B2", "start=2031-01-01&end=2031-02-01&dept=99999999999999",
    "start=2031-01-01&end=2031-02-01&department=99999999999"])
@pytest.mark.parametrize("page", ["events.json", "team.json", "team", ""])
def test_odd_periods_asked_of_the_calendar_answer_without_a_server_error(testapp, cal, me, query,
                                                                         page):
    cal.event(me, rrule="FREQ=YEARLY;COUNT=4")
    response = testapp.get(f"/calendar/{page}?{query}", status="*")
    assert response.status_int < 500, response.status


@pytest.mark.parametrize("query", [
    "start=9999-12-31T23:30", "start=9999-12-31T23:30&allDay=1", "start=0001-01-01T00:00&end=0001-01-01",
    "start=9999-12-31&end=9999-12-31&allDay=1", "start=2031-03-03T10:00&end=%00", "start=%C2%B2",
    "start=2031-03-03T10:00&room=99999999999999999999", "link_type=client&link_id=99999999999999999999",
    "start=0001-01-01&allDay=true"])
def test_odd_presets_of_the_new_event_form_answer_without_a_server_error(testapp, me, query):
    assert testapp.get(f"/calendar/add?{query}", status="*").status_int < 500


CALENDAR_PARAMS = ["at", "scope", "date", "view", "src", "dept", "q", "page", "start", "end",
                   "allDay", "room", "link_type", "link_id", "all"]
CALENDAR_VALUES = ["%C2%B2", "%D9%A1", "99999999999", "99999999999999999999", "-1", "%00", "0001-01-01",
                   "9999-12-31", "9999-12-31T23:59", "20270230T100000Z", "99991231T235959Z",
                   "00010101T000000Z", "1" * 300, "room:%C2%B2", "dept:99999999999", "mine,company",
                   "timeGridWeek", "%E2%80%AE"]


@pytest.mark.parametrize("value", CALENDAR_VALUES)
@pytest.mark.parametrize("page", ["", "add", "{event}", "{event}/edit", "{series}", "{series}/edit",
                                  "{series}/ics", "team", "rooms/", "search", "people.json"])
def test_odd_query_strings_at_the_calendar_pages_answer_without_a_server_error(
        testapp, cal, me, page, value):
    event, series = cal.event(me), cal.event(me, "Серия", rrule="FREQ=WEEKLY;COUNT=4")
    path = "/calendar/" + page.format(event=event.id, series=series.id)
    query = "&".join(f"{name}={value}" for name in CALENDAR_PARAMS)
    assert testapp.get(f"{path}?{query}", status="*").status_int < 500, path


def test_a_series_without_an_end_is_refused_by_the_service(cal, factory):
    """The forms always give a repeating event its end; the service refuses one without, with
    the reason, instead of expanding it without end."""
    from portal.calendar.recurrence import CalendarProblem

    me = factory.user()
    with pytest.raises(CalendarProblem) as refused:
        cal.event(me, "Вечная планёрка", rrule="FREQ=DAILY;BYDAY=MO,WE")
    assert "needs an end" in refused.value.message
