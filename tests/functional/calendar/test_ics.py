"""ICS: one event as a file, the secret personal feed (no log-in, regenerable, includes what
other areas register), importing an .ics file; time zones and recurrence in both directions."""

from __future__ import annotations

import datetime as dt

import icalendar
import sqlalchemy as sa
import webtest

from models.calendar import Event
from portal.calendar.recurrence import utc_stamp
from tests.functional.calendar.conftest import MONDAY


def test_export_one_event_with_its_zone_recurrence_and_exceptions(testapp, factory, cal):
    me = factory.user()
    guest = factory.user(email="anna@progress.example", full_name="Анна")
    series = cal.event(me, "Планёрка", rrule="FREQ=WEEKLY;COUNT=4", user_ids=[guest.id], reminder_minutes=15)
    series.exdates = [utc_stamp(MONDAY + dt.timedelta(days=14))]
    testapp.login(me.login)
    res = testapp.get(f"/calendar/{series.id}/ics")
    assert res.content_type == "text/calendar"
    cal_ = icalendar.Calendar.from_ical(res.body)
    [vevent] = cal_.walk("VEVENT")
    start = vevent.decoded("dtstart")
    assert (
        start == dt.datetime(2031, 3, 3, 10, 0, tzinfo=start.tzinfo) and start.tzinfo.key == "Europe/Moscow"
    )
    assert vevent["rrule"].to_ical() == b"FREQ=WEEKLY;COUNT=4"
    assert [d.dt for d in vevent["exdate"].dts] == [dt.datetime(2031, 3, 17, 10, 0, tzinfo=start.tzinfo)]
    attendees = vevent.get("attendee")
    attendees = attendees if isinstance(attendees, list) else [attendees]
    assert "mailto:anna@progress.example" in [str(a) for a in attendees]
    assert [c.name for c in cal_.walk("VTIMEZONE")] == ["VTIMEZONE"]
    assert vevent.walk("VALARM")[0].decoded("trigger") == dt.timedelta(minutes=-15)


def test_the_feed_works_without_log_in_and_a_new_address_retires_the_old_one(testapp, factory, cal, app):
    from portal.calendar.ics import ICS_FEED_PROVIDERS

    me = factory.user(full_name="Подписчик")
    cal.event(me, "Мой отчёт")
    cal.event(factory.user(), "Чужое событие")
    testapp.login(me.login)
    page = testapp.get("/calendar/subscribe")
    url = page.html.select_one("#feed-url")["value"]
    path = url.split("example.com", 1)[1]

    def tasks_provider(request, user):
        todo = icalendar.Todo()
        todo.add("uid", f"task-1-{user.id}@portal")
        todo.add("summary", "Сдать отчёт")
        todo.add("due", dt.datetime(2031, 3, 5, 9, 0, tzinfo=dt.UTC))
        return [todo]

    ICS_FEED_PROVIDERS.add("test.tasks", tasks_provider)
    try:
        anonymous = webtest.TestApp(app, extra_environ=testapp.extra_environ)
        feed = icalendar.Calendar.from_ical(anonymous.get(path).body)
    finally:
        ICS_FEED_PROVIDERS.remove("test.tasks")
    assert [str(e["summary"]) for e in feed.walk("VEVENT")] == ["Мой отчёт"]
    assert [str(t["summary"]) for t in feed.walk("VTODO")] == ["Сдать отчёт"]
    testapp.post_csrf("/calendar/subscribe", {}, status=303)
    new_url = testapp.get("/calendar/subscribe").html.select_one("#feed-url")["value"]
    assert new_url != url
    anonymous.get(path, status=404)
    anonymous.get(new_url.split("example.com", 1)[1], status=200)
    anonymous.get("/calendar/feed/nonsense.ics", status=404)


ICS = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Example//Outlook//EN
BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:STANDARD
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
UID:weekly-1@example
SUMMARY:Jour fixe
DTSTART;TZID=Europe/Berlin:20310324T100000
DTEND;TZID=Europe/Berlin:20310324T110000
RRULE:FREQ=WEEKLY;COUNT=4
EXDATE;TZID=Europe/Berlin:20310407T100000
ATTENDEE;CN=Hans Meier:mailto:hans@partner.example
END:VEVENT
BEGIN:VEVENT
UID:weekly-1@example
RECURRENCE-ID;TZID=Europe/Berlin:20310331T100000
SUMMARY:Jour fixe (verschoben)
DTSTART;TZID=Europe/Berlin:20310401T150000
DTEND;TZID=Europe/Berlin:20310401T160000
END:VEVENT
BEGIN:VEVENT
UID:holiday-1@example
SUMMARY:Feiertag
DTSTART;VALUE=DATE:20310401
DTEND;VALUE=DATE:20310402
END:VEVENT
BEGIN:VEVENT
UID:open-1@example
SUMMARY:Forever
DTSTART:20310325T080000Z
DTEND:20310325T083000Z
RRULE:FREQ=DAILY
END:VEVENT
END:VCALENDAR
"""


def test_import_an_ics_file_with_zones_recurrence_exceptions_and_dates(testapp, factory, dbsession):
    me = factory.user(timezone="Europe/Moscow")
    testapp.login(me.login)
    res = testapp.post(
        "/calendar/import",
        {"csrf_token": testapp.csrf_token(), "calendar": "personal", "visibility": "public"},
        upload_files=[("file", "outlook.ics", ICS)],
        status=303,
    )
    page = testapp.get(res.location)
    assert "4 new" in page.text and "no end" in page.text
    items = testapp.get(
        "/calendar/events.json?start=2031-03-23T00:00:00&end=2031-04-21T00:00:00&src=mine"
    ).json
    fixe = [(i["start"], i["title"]) for i in items if i["title"].startswith("Jour fixe")]
    # 10:00 Berlin is 12:00 Moscow before the clocks change there and 11:00 after.
    assert fixe == [
        ("2031-03-24T12:00:00", "Jour fixe"),
        ("2031-04-01T16:00:00", "Jour fixe (verschoben)"),
        ("2031-04-14T11:00:00", "Jour fixe"),
    ]
    holiday = [i for i in items if i["title"] == "Feiertag"][0]
    assert holiday["allDay"] is True and holiday["start"] == "2031-04-01"
    series = dbsession.scalar(
        sa.select(Event).where(Event.ical_uid == "weekly-1@example", Event.series_id.is_(None))
    )
    assert series.timezone == "Europe/Berlin"
    assert [a.guest_email for a in series.attendees if a.user_id is None] == ["hans@partner.example"]
    forever = dbsession.scalar(sa.select(Event).where(Event.ical_uid == "open-1@example"))
    assert "UNTIL=" in forever.rrule
    # Importing again updates rather than doubles.
    testapp.post(
        "/calendar/import",
        {"csrf_token": testapp.csrf_token(), "calendar": "personal", "visibility": "public"},
        upload_files=[("file", "outlook.ics", ICS)],
        status=303,
    )
    assert (
        dbsession.scalar(
            sa.select(sa.func.count())
            .select_from(Event)
            .where(Event.ical_uid == "weekly-1@example", Event.series_id.is_(None))
        )
        == 1
    )
    # And it goes out again as it came in.
    exported = icalendar.Calendar.from_ical(testapp.get(f"/calendar/{series.id}/ics").body)
    master, single = exported.walk("VEVENT")
    assert master.decoded("dtstart").tzinfo.key == "Europe/Berlin"
    assert single.decoded("recurrence-id") == dt.datetime(
        2031, 3, 31, 10, 0, tzinfo=master.decoded("dtstart").tzinfo
    )


def test_a_file_that_is_not_ics_or_is_huge_is_refused(testapp, factory, dbsession, monkeypatch):
    import portal.calendar.ics

    testapp.login(factory.user().login)

    def upload(content, status=400):
        return testapp.post(
            "/calendar/import",
            {"csrf_token": testapp.csrf_token(), "calendar": "personal", "visibility": "public"},
            upload_files=[("file", "x.ics", content)],
            status=status,
        )

    assert "not an iCalendar" in upload(b"%PDF-1.4 not a calendar").html.select_one("#import-error").text
    assert "no events" in upload(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n").text
    monkeypatch.setattr(portal.calendar.ics, "MAX_IMPORT_BYTES", 1000)
    assert "larger than" in upload(ICS).html.select_one("#import-error").text
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Event)) == 0


def test_a_file_with_too_many_events_is_refused_whole(testapp, factory, dbsession, monkeypatch):
    import portal.calendar.ics

    testapp.login(factory.user().login)
    monkeypatch.setattr(portal.calendar.ics, "MAX_IMPORT_EVENTS", 3)
    page = testapp.post(
        "/calendar/import",
        {"csrf_token": testapp.csrf_token(), "calendar": "personal", "visibility": "public"},
        upload_files=[("file", "big.ics", ICS)],
        status=400,
    )
    assert "at most 3 can be imported at once" in page.html.select_one("#import-error").text
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Event)) == 0


# As Outlook writes it: Windows zone names (quoted), its own VTIMEZONE, CRLF line ends. The
# second series uses a zone Outlook could not name ("Customized Time Zone"): only its
# VTIMEZONE block says what clock it keeps.
OUTLOOK_ICS = b"""BEGIN:VCALENDAR
PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN
VERSION:2.0
METHOD:PUBLISH
X-MS-OLK-FORCEINSPECTOROPEN:TRUE
BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16011028T030000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010325T020000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VTIMEZONE
TZID:Customized Time Zone
BEGIN:STANDARD
DTSTART:16011028T030000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010325T020000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
CLASS:PUBLIC
CREATED:20310301T090000Z
DESCRIPTION:Weekly status\\n
DTEND;TZID="W. Europe Standard Time":20310320T110000
DTSTAMP:20310301T090000Z
DTSTART;TZID="W. Europe Standard Time":20310320T100000
LAST-MODIFIED:20310301T090000Z
LOCATION:Berlin office
PRIORITY:5
RRULE:FREQ=WEEKLY;COUNT=4;BYDAY=TH
SEQUENCE:0
SUMMARY;LANGUAGE=de-de:Berlin weekly
TRANSP:OPAQUE
UID:040000008200E00074C5B7101A82E00800000000A0B1C2D3E4F5A6B7
X-MICROSOFT-CDO-BUSYSTATUS:BUSY
END:VEVENT
BEGIN:VEVENT
DTEND;TZID="Customized Time Zone":20310321T093000
DTSTAMP:20310301T090000Z
DTSTART;TZID="Customized Time Zone":20310321T090000
RRULE:FREQ=WEEKLY;UNTIL=20310404T070000Z;BYDAY=FR
SUMMARY:Custom zone weekly
UID:040000008200E00074C5B7101A82E00800000000B0B1C2D3E4F5A6B7
END:VEVENT
END:VCALENDAR
""".replace(b"\n", b"\r\n")


def test_an_outlook_series_keeps_its_wall_time_across_the_clock_change(testapp, factory, dbsession):
    me = factory.user(timezone="Europe/Moscow")
    testapp.login(me.login)
    testapp.post(
        "/calendar/import",
        {"csrf_token": testapp.csrf_token(), "calendar": "personal", "visibility": "public"},
        upload_files=[("file", "outlook.ics", OUTLOOK_ICS)],
        status=303,
    )
    items = testapp.get(
        "/calendar/events.json?start=2031-03-17T00:00:00&end=2031-04-14T00:00:00&src=mine"
    ).json
    # Berlin moves its clocks on 30 March 2031, Moscow does not: 10:00 in Berlin is 12:00 in
    # Moscow before and 11:00 after.
    assert [i["start"] for i in items if i["title"] == "Berlin weekly"] == [
        "2031-03-20T12:00:00",
        "2031-03-27T12:00:00",
        "2031-04-03T11:00:00",
        "2031-04-10T11:00:00",
    ]
    assert [i["start"] for i in items if i["title"] == "Custom zone weekly"] == [
        "2031-03-21T11:00:00",
        "2031-03-28T11:00:00",
        "2031-04-04T10:00:00",
    ]
    zones = dict(
        dbsession.execute(
            sa.select(Event.title, Event.timezone).where(Event.organizer_id == me.id)
        ).all()
    )
    assert zones == {"Berlin weekly": "Europe/Berlin", "Custom zone weekly": "Europe/Berlin"}
