"""A person's events of a day or a week are found from their own invitations (issue 11): each
invitation keeps a copy of its event's window columns (`short_start`, `wide_until`), and the
copy must follow every change of the event, whichever way it is made. My day and the week of
"my" calendar must show what the general window test shows."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from models.calendar import Event, EventAttendee
from portal.calendar.changes import cancel_event, input_of, move_event, update_event
from portal.calendar.events import local_window, visible_events
from portal.calendar.ics import import_ics
from portal.calendar.recurrence import utc_stamp
from tests.clock import local_at, local_today
from tests.functional.calendar.conftest import MONDAY
from views.calendar.pages import todays_events

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
WEEK = dt.timedelta(days=7)


def copies_are_right(db) -> int:
    """Every invitation's copy equals what its event says now; the number of invitations."""
    db.flush()
    rows = db.execute(
        sa.select(EventAttendee.id, EventAttendee.short_start, EventAttendee.wide_until,
                  Event.wide, Event.start_at, Event.series_end_at)
        .join(Event, Event.id == EventAttendee.event_id)
        # Read from the database, not from the objects in memory.
        .execution_options(populate_existing=True)
    ).all()
    wrong = [row for row in rows
             if (row.short_start, row.wide_until)
             != ((None, row.series_end_at) if row.wide else (row.start_at, None))]
    assert not wrong, wrong
    return len(rows)


def test_the_copy_follows_every_change_of_an_event(cal, factory, request_for, dbsession):
    me, guest, late = factory.user(), factory.user(), factory.user()
    request = request_for(me)
    event = cal.event(me, "Встреча", user_ids=[guest.id])  # short
    assert copies_are_right(dbsession) == 2
    # Moved (drag and drop), then made longer than a day (wide), then a weekly series.
    move_event(request, event, None, MONDAY + DAY, MONDAY + DAY + HOUR)
    assert copies_are_right(dbsession) == 2
    data = input_of(event)
    data.end = data.start + 3 * DAY
    update_event(request, event, data)
    assert event.wide
    copies_are_right(dbsession)
    data = input_of(event)
    data.end, data.rrule = data.start + HOUR, "FREQ=WEEKLY;COUNT=10"
    data.user_ids = [guest.id, late.id]  # someone invited later
    update_event(request, event, data)
    assert copies_are_right(dbsession) == 3
    # The whole series moved by a day.
    data = input_of(event)
    data.start, data.end = data.start + DAY, data.end + DAY
    update_event(request, event, data, "all", utc_stamp(event.start_at))
    copies_are_right(dbsession)
    # One occurrence moved (a row of its own, with the people copied), then "this and following".
    third = event.start_at + 2 * WEEK
    single = move_event(request, event, utc_stamp(third), third + 2 * HOUR, third + 3 * HOUR).event
    assert single.series_id == event.id and not single.wide
    copies_are_right(dbsession)
    fifth = event.start_at + 4 * WEEK
    data = input_of(event)
    data.start, data.end = fifth + HOUR, fifth + 2 * HOUR
    rest = update_event(request, event, data, "following", utc_stamp(fifth)).event
    assert rest.id != event.id and event.series_end_at < rest.start_at
    copies_are_right(dbsession)
    # Cancelling the rest from its third occurrence cuts it again; a series made single again.
    cancel_event(dbsession, me, rest, "following", utc_stamp(rest.start_at + 2 * WEEK),
                 registry=request.registry)
    copies_are_right(dbsession)
    data = input_of(event)
    data.rrule = ""
    update_event(request, event, data)
    assert not event.wide
    copies_are_right(dbsession)


ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Test//EN
BEGIN:VEVENT
UID:weekly-9@example
SUMMARY:Jour fixe
DTSTART:{start}
DTEND:{end}
RRULE:FREQ=WEEKLY;COUNT={count}
EXDATE:20310317T070000Z
END:VEVENT
BEGIN:VEVENT
UID:single-9@example
SUMMARY:Einmal
DTSTART:20310305T070000Z
DTEND:20310305T080000Z
END:VEVENT
END:VCALENDAR
"""


def test_the_copy_follows_imports_and_imports_again(factory, request_for, dbsession):
    me = factory.user()
    request = request_for(me)
    import_ics(request, ICS.format(start="20310303T070000Z", end="20310303T080000Z", count=4).encode())
    assert copies_are_right(dbsession) == 2
    # The file again, the series moved and longer: the event is replaced in place.
    import_ics(request, ICS.format(start="20310304T090000Z", end="20310304T100000Z", count=8).encode())
    assert copies_are_right(dbsession) == 2
    series = dbsession.scalar(sa.select(Event).where(Event.ical_uid == "weekly-9@example"))
    assert series.series_end_at == dt.datetime(2031, 4, 22, 10, tzinfo=dt.UTC)


def test_my_day_and_my_week_show_what_the_general_window_test_shows(cal, factory, request_for):
    me, other = factory.user(), factory.user()
    monday = local_window(MONDAY.date(), 1, "Europe/Moscow")[0]
    plans = [
        (me, "Короткая", dict(start=MONDAY + 2 * HOUR)),
        (me, "Через полночь", dict(start=monday - 2 * HOUR, minutes=240)),
        (me, "Вчера", dict(start=MONDAY - DAY)),
        (me, "Три дня", dict(start=MONDAY - DAY, minutes=3 * 24 * 60)),
        (me, "Давняя серия", dict(start=MONDAY - 20 * WEEK, rrule="FREQ=WEEKLY;COUNT=30")),
        (me, "Кончилась", dict(start=MONDAY - 20 * WEEK, rrule="FREQ=WEEKLY;COUNT=5")),
        (me, "Ещё не началась", dict(start=MONDAY + 3 * WEEK, rrule="FREQ=DAILY;COUNT=5")),
        (other, "Пригласили", dict(start=MONDAY + 4 * HOUR, user_ids=[me.id])),
        (other, "Пригласили в серию", dict(start=MONDAY - WEEK, rrule="FREQ=DAILY;COUNT=30",
                                            user_ids=[me.id], visibility="busy")),
        (other, "Без меня", dict(start=MONDAY + HOUR)),
        (other, "Чужая серия", dict(start=MONDAY - WEEK, rrule="FREQ=DAILY;COUNT=30")),
    ]
    events = {title: cal.event(who, title, **fields) for who, title, fields in plans}
    declined = cal.event(other, "Отказался", start=MONDAY + 5 * HOUR, user_ids=[me.id])
    declined.attendee_for(me.id).answer = "declined"
    cancelled = cal.event(me, "Отменена", start=MONDAY + 6 * HOUR)
    cancelled.status = "cancelled"
    request = request_for(me)

    def seen(occs):
        return [(o.event.title, o.start, o.end, o.details, o.editable) for o in occs]

    for days in (1, 7):  # My day, the week
        ws, we = local_window(MONDAY.date(), days, "Europe/Moscow")
        personal = seen(visible_events(request, ws, we, mine=True))
        # A month is read by testing each invitation's event row: the general rule.
        month = visible_events(request, ws - 10 * DAY, we + 30 * DAY, mine=True)
        assert personal == seen(o for o in month if o.start < we and o.end > ws)
        titles = {title for title, *_rest in personal}
        assert {"Короткая", "Через полночь", "Три дня", "Давняя серия", "Пригласили",
                "Пригласили в серию"} <= titles
        assert not titles & {"Вчера", "Кончилась", "Ещё не началась", "Без меня", "Чужая серия",
                             "Отказался", "Отменена"}
    assert events["Давняя серия"].wide and not events["Короткая"].wide


def statements_of(dbsession, fn) -> list[tuple[str, object]]:
    seen = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    engine = dbsession.get_bind()
    sa.event.listen(engine, "before_cursor_execute", grab)
    try:
        fn()
    finally:
        sa.event.remove(engine, "before_cursor_execute", grab)
    return seen


def test_my_days_events_are_two_ranges_of_my_invitations(cal, factory, request_for, dbsession, db_url):
    """The plan SQLite makes of My day's events statement: the person's invitations of the day
    (two covering index ranges of their own), not the company's events of the window nor every
    running series of the company; the viewer's invitation looked up by its key per row."""
    if not db_url.startswith("sqlite"):
        return  # the plan is SQLite's
    me = factory.user()
    cal.event(me, "Короткая", start=MONDAY)
    cal.event(me, "Серия", start=MONDAY - WEEK, rrule="FREQ=DAILY;COUNT=30")
    ws, we = local_window(MONDAY.date(), 1, "Europe/Moscow")
    seen = statements_of(dbsession, lambda: visible_events(request_for(me), ws, we, mine=True))
    statement, parameters = next(s for s in seen if s[0].startswith("SELECT events.id"))
    plan = "\n".join(row[3] for row in dbsession.connection().exec_driver_sql(
        "EXPLAIN QUERY PLAN " + statement, parameters))
    assert "COVERING INDEX ix_event_attendees_user_short" in plan, plan
    assert "COVERING INDEX ix_event_attendees_user_wide" in plan, plan
    assert "ix_events_short" not in plan and "ix_events_wide" not in plan, plan
    assert "USING INDEX ix_event_attendees_user_event" not in plan, plan


def test_todays_events_block_reads_events_with_answers_in_three_statements(
        cal, factory, request_for, dbsession):
    """The block's budget: the events with the viewer's answers, the changed occurrences of
    its series, the rooms booked: three statements, however many events."""
    me, other = factory.user(), factory.user()
    room = cal.room()
    today = local_today()
    cal.event(me, "Планёрка", start=local_at(today, 10), room_ids=[room.id])
    cal.event(me, "Летучка", start=local_at(today - dt.timedelta(days=3), 9), rrule="FREQ=DAILY;COUNT=9")
    cal.event(other, "Приглашение", start=local_at(today, 12), user_ids=[me.id])
    request = request_for(me)
    block = None

    def run():
        nonlocal block
        block = todays_events(request)

    run()  # who the viewer is, their zone: read once per request, before the block
    seen = statements_of(dbsession, run)
    rows = {row["occ"].event.title: row for row in block.context["rows"]}
    assert set(rows) == {"Планёрка", "Летучка", "Приглашение"}
    assert rows["Приглашение"]["answer"] == "needs_action" and rows["Планёрка"]["answer"] == "accepted"
    assert rows["Планёрка"]["rooms"] == room.name
    assert len(seen) <= 3, [s for s, _p in seen]
