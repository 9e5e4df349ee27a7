"""A week or a month of several calendars (one's own, the company's, one's departments') is read
from each chosen calendar's own index, not from the whole company's window (issue 11): a month
of the default calendar page read every event of the company in that month (tens of thousands)
to keep the few of the chosen calendars. What is shown must not change."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from models.calendar import Event, EventAttendee
from portal.calendar.events import attending_pairs, visible_events, window_ids
from tests.functional.calendar.conftest import MONDAY
from tests.querycount import counting

DAY = dt.timedelta(days=1)
WEEK = dt.timedelta(days=7)


def plan_of(dbsession, sent: tuple) -> str:
    """SQLite's plan of a statement as it was sent (`Counts.sent`), its steps joined by |."""
    statement, parameters = sent
    return " | ".join(row[3] for row in dbsession.connection().exec_driver_sql(
        "EXPLAIN QUERY PLAN " + statement, parameters))


@pytest.fixture
def calendars(cal, factory, dbsession):
    """Events of every kind around the four weeks from MONDAY; the titles of those the viewer
    must see in that month and in its first week."""
    mine_dept, other_dept = factory.department("Снабжение"), factory.department("Бухгалтерия")
    me = factory.user(departments=[mine_dept])
    colleague = factory.user(departments=[mine_dept])
    stranger = factory.user(departments=[other_dept])
    in_month, in_week = set(), set()

    def event(organizer, title, start, shown_month, shown_week=None, **fields):
        made = cal.event(organizer, title, start, **fields)
        if shown_month:
            in_month.add(title)
        if shown_week if shown_week is not None else shown_month and start < MONDAY + WEEK:
            in_week.add(title)
        return made

    event(me, "моё", MONDAY + DAY, True)
    event(me, "моё через три недели", MONDAY + 3 * WEEK, True)
    event(me, "моё после месяца", MONDAY + 5 * WEEK, False)
    event(colleague, "приглашён", MONDAY + 2 * DAY, True, user_ids=[me.id])
    declined = event(colleague, "отказался", MONDAY + 2 * DAY, False, user_ids=[me.id])
    for attendee in declined.attendees:
        if attendee.user_id == me.id:
            attendee.answer = "declined"
    event(colleague, "чужое личное", MONDAY + DAY, False)
    event(stranger, "компании", MONDAY + 9 * DAY, True, calendar="company")
    event(stranger, "компании до месяца", MONDAY - 3 * DAY, False, calendar="company")
    event(stranger, "компании каждую неделю", MONDAY - 20 * WEEK, True, shown_week=True,
          calendar="company", rrule="FREQ=WEEKLY;COUNT=40")
    cancelled = event(stranger, "компании отменено", MONDAY + DAY, False, calendar="company")
    cancelled.status = "cancelled"
    event(colleague, "отдела", MONDAY + 4 * DAY, True, calendar="department",
          department_id=mine_dept.id)
    event(stranger, "чужого отдела", MONDAY + 4 * DAY, False, calendar="department",
          department_id=other_dept.id)
    event(colleague, "отдела длиной в три дня", MONDAY + 10 * DAY, True, minutes=3 * 24 * 60,
          calendar="department", department_id=mine_dept.id)
    dbsession.flush()
    return me, mine_dept, in_month, in_week


def test_a_month_and_a_week_of_several_calendars_show_what_they_showed(calendars, request_for):
    me, dept, in_month, in_week = calendars
    request = request_for(me)
    for start, end, expected in ((MONDAY, MONDAY + 4 * WEEK, in_month),
                                 (MONDAY, MONDAY + WEEK, in_week)):
        shown = visible_events(request, start, end, mine=True, company=True,
                               departments=[dept.id])
        assert {o.event.title for o in shown} == expected
    # The weekly series of the company: once in each of the four weeks.
    month = visible_events(request, MONDAY, MONDAY + 4 * WEEK, mine=True, company=True,
                           departments=[dept.id])
    assert sum(o.event.title == "компании каждую неделю" for o in month) == 4
    # Without the department: its events are gone, the rest stays.
    shown = visible_events(request, MONDAY, MONDAY + 4 * WEEK, mine=True, company=True)
    assert {o.event.title for o in shown} == in_month - {"отдела", "отдела длиной в три дня"}


def test_a_month_of_several_calendars_does_not_read_the_company_window(calendars, request_for,
                                                                        dbsession):
    """On SQLite, the plan: the chosen calendars' ranges, never the window's of everyone."""
    if dbsession.get_bind().dialect.name != "sqlite":
        pytest.skip("the plan is SQLite's; PostgreSQL plans with its statistics")
    me, dept, _, _ = calendars
    request = request_for(me)
    with counting(dbsession.get_bind()) as counts:
        visible_events(request, MONDAY, MONDAY + 4 * WEEK, mine=True, company=True,
                       departments=[dept.id])
    plan = plan_of(dbsession, [sent for sent in counts.sent
                               if "FROM events" in sent[0] and "events.title" in sent[0]][-1])
    assert "ix_events_calendar_window" in plan
    assert "ix_events_short" not in plan and "ix_events_wide" not in plan, plan


def test_a_teams_week_reads_who_attends_what_from_the_peoples_invitations(calendars, factory,
                                                                          dbsession):
    """The team view's pairs (event, person; declined left out) are the same as those of the
    whole company's window, for a day, a week and a month; on SQLite they are read from the
    people's invitation indexes alone (with the answer), not from the events' window."""
    me, dept, _, _ = calendars
    people = [me.id, *(m.user_id for m in dept.memberships if m.user_id != me.id)]
    assert len(people) == 2
    conn = dbsession.connection()
    for start, end in ((MONDAY + DAY, MONDAY + 2 * DAY), (MONDAY, MONDAY + WEEK),
                       (MONDAY, MONDAY + 4 * WEEK), (MONDAY - 30 * WEEK, MONDAY - 29 * WEEK)):
        expected = set(conn.execute(
            sa.select(EventAttendee.event_id, EventAttendee.user_id).where(
                EventAttendee.event_id.in_(window_ids(start, end)),
                EventAttendee.user_id.in_(people), EventAttendee.answer != "declined")).all())
        assert set(attending_pairs(conn, people, start, end)) == expected
        assert len(attending_pairs(conn, people, start, end)) == len(expected)
    month = {event_id for event_id, _ in attending_pairs(conn, people, MONDAY, MONDAY + 4 * WEEK)}
    titles = set(dbsession.scalars(sa.select(Event.title).where(Event.id.in_(month))))
    assert "отказался" in titles  # the colleague organizes it; only my invitation is declined
    assert "моё после месяца" not in titles and "компании" not in titles
    if dbsession.get_bind().dialect.name != "sqlite":
        return
    with counting(dbsession.get_bind()) as counts:
        attending_pairs(conn, people, MONDAY, MONDAY + WEEK)
    plan = plan_of(dbsession, counts.sent[-1])
    assert "COVERING INDEX ix_event_attendees_user_short" in plan, plan
    assert "COVERING INDEX ix_event_attendees_user_wide" in plan, plan
    assert "ix_events_short" not in plan and "ix_events_wide" not in plan, plan
