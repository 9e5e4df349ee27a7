"""What My day costs (issue 11): its blocks read what they show and no more.

- Today's events of a person are found from the person's own invitations of the window (two
  ranges of their index, which carries a copy of each event's start or series end), not from
  the window's events and the company's running series, nor by looking up each of the
  person's 1,400 invitations with its event row (portal.calendar.events.personal_window_ids).
- The calls and meetings block reads the names it prints as columns of its one statement: no
  organization, contact, author or earlier step is made as an ORM object
  (portal.interactions.day.my_day).
"""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from models.calendar import EventAttendee
from models.clients import Contact, Interaction, Organization
from models.people import User
from portal.calendar.changes import EventInput, create_event
from portal.calendar.events import local_window, visible_events
from portal.interactions.day import day_bounds, my_day
from tests.clock import local_at, local_today


def event(request_for, organizer, title, start, minutes=60, **fields):
    data = EventInput(title=title, start=start, end=start + dt.timedelta(minutes=minutes),
                      **fields)
    return create_event(request_for(organizer), data).event


@pytest.fixture
def busy_day(factory, request_for, dbsession):
    """A person's today: what they attend, and what must stay out of My day."""
    me = factory.user(full_name="Попова Анна")
    other = factory.user()
    today = local_today()
    yesterday = today - dt.timedelta(days=1)
    event(request_for, me, "Планёрка", local_at(today, 10))
    # Began last night, ends this morning: in today's window though it started yesterday.
    event(request_for, me, "Ночная выгрузка", local_at(yesterday, 23), minutes=8 * 60)
    event(request_for, me, "Летучка", local_at(today - dt.timedelta(days=30), 9),
          rrule="FREQ=DAILY;COUNT=60")
    event(request_for, other, "Приглашение", local_at(today, 12), user_ids=[me.id])
    declined = event(request_for, other, "Отклонённое", local_at(today, 13), user_ids=[me.id])
    dbsession.execute(sa.update(EventAttendee).where(
        EventAttendee.event_id == declined.id, EventAttendee.user_id == me.id)
        .values(answer="declined"))
    event(request_for, me, "Отменённое", local_at(today, 14)).status = "cancelled"
    event(request_for, other, "Чужое", local_at(today, 15))
    event(request_for, me, "Вчерашнее", local_at(yesterday, 10))
    event(request_for, me, "Завтрашнее", local_at(today + dt.timedelta(days=1), 10))
    dbsession.flush()
    return me, other


def titles(occurrences) -> list[str]:
    return sorted(o.event.title for o in occurrences)


def test_todays_events_are_the_persons_own_for_the_day(busy_day, request_for, testapp):
    me, other = busy_day
    ws, we = local_window(local_today(), 1, "Europe/Moscow")
    assert titles(visible_events(request_for(me), ws, we, mine=True)) == [
        "Летучка", "Ночная выгрузка", "Планёрка", "Приглашение"]
    # Someone else's calendar for the same day (the team view's personal path).
    assert titles(visible_events(request_for(me), ws, we, users=[other.id])) == [
        "Отклонённое", "Приглашение", "Чужое"]
    testapp.login(me.login)
    block = testapp.get("/").text.split('id="home-events"', 1)[1].split("</ul>", 1)[0]
    for title in ("Летучка", "Ночная выгрузка", "Планёрка", "Приглашение"):
        assert title in block
    for title in ("Отклонённое", "Отменённое", "Чужое", "Вчерашнее", "Завтрашнее"):
        assert title not in block


def test_todays_events_start_from_the_window_not_from_each_invitation(
        busy_day, request_for, dbsession, db_url):
    """The plan SQLite makes of My day's events statement: the person's own invitations of the
    window, two ranges of their index read alone (covering: short events by start, running
    series by end), each found event then read by its key. Walking the window's events and
    every running series of the company (9,000 at the large scale), or looking up each
    invitation with its row, is what a busy person's My day paid for."""
    if not db_url.startswith("sqlite"):
        pytest.skip("the plan is SQLite's")
    me, _other = busy_day
    seen = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        if "FROM events" in statement and "event_attendees" in statement:
            seen.append((statement, parameters))

    engine = dbsession.get_bind()
    sa.event.listen(engine, "before_cursor_execute", grab)
    try:
        ws, we = local_window(local_today(), 1, "Europe/Moscow")
        assert visible_events(request_for(me), ws, we, mine=True)
    finally:
        sa.event.remove(engine, "before_cursor_execute", grab)
    statement, parameters = seen[-1]
    plan = [row[3] for row in dbsession.connection().exec_driver_sql(
        "EXPLAIN QUERY PLAN " + statement, parameters)]
    text = "\n".join(plan)
    assert "COVERING INDEX ix_event_attendees_user_short" in text, text
    assert "COVERING INDEX ix_event_attendees_user_wide" in text, text
    assert "ix_events_short" not in text and "ix_events_wide" not in text, text
    # The invitations are read from their index alone, never with their rows, as the driver
    # ("USING INDEX", not "USING COVERING INDEX"); a found event's answer is read by its key.
    assert "USING INDEX ix_event_attendees_user_event" not in text, text


def test_the_calls_block_makes_no_records_of_what_it_names(factory, dbsession, request_for):
    manager = factory.user("popova", roles=["sales"], full_name="Попова Анна")
    boss = factory.user(full_name="Орлов Игорь")
    department = manager.memberships[0].department
    org = Organization(name="ООО «Вектор»", manager=manager, department=department)
    contact = Contact(full_name="Сидоров Пётр", organization=org)
    dbsession.add_all([org, contact])
    dbsession.flush()
    before = Interaction(kind="call", responsible=manager, author=manager, organization=org,
                         contact=contact, subject="Первый звонок",
                         planned_at=local_at(local_today() - dt.timedelta(days=2), 10),
                         done_at=local_at(local_today() - dt.timedelta(days=2), 10),
                         result_text="Просили перезвонить")
    dbsession.add(before)
    dbsession.flush()
    call = Interaction(kind="call", responsible=manager, author=boss, organization=org,
                       contact=contact, subject="Перезвонить", parent=before,
                       planned_at=local_at(local_today(), 9))
    dbsession.add(call)
    dbsession.flush()
    dbsession.expunge_all()
    request = request_for(dbsession.get(User, manager.id))
    _start, end = day_bounds(request, local_today())
    groups = my_day(request, manager.id, end=end)
    loaded = [obj for obj in dbsession.identity_map.values()
              if isinstance(obj, Organization | Contact)
              or (isinstance(obj, User) and obj.id != manager.id)
              or (isinstance(obj, Interaction) and obj.id != call.id)]
    assert loaded == []
    (group,) = groups
    names = group.facts[call.id].names
    assert (names.organization, names.contact, names.author, names.parent_text) == (
        "ООО «Вектор»", (org.id, "Сидоров Пётр"), "Орлов Игорь", "Просили перезвонить")


def test_the_calls_block_prints_the_names_and_links(factory, dbsession, testapp):
    manager = factory.user("popova", roles=["sales"], full_name="Попова Анна")
    boss = factory.user(full_name="Орлов Игорь")
    org = Organization(name="ООО «Вектор»", manager=manager,
                       department=manager.memberships[0].department)
    contact = Contact(full_name="Сидоров Пётр", organization=org)
    loner = Contact(full_name="Без Организации", manager=manager,
                    department=manager.memberships[0].department)
    dbsession.add_all([org, contact, loner])
    dbsession.flush()
    dbsession.add_all([
        Interaction(kind="call", responsible=manager, author=boss, organization=org,
                    contact=contact, subject="Перезвонить", planned_at=local_at(local_today(), 9)),
        Interaction(kind="call", responsible=manager, author=manager, contact=loner,
                    subject="Позвонить", planned_at=local_at(local_today(), 10)),
    ])
    dbsession.flush()
    testapp.login(manager.login)
    block = testapp.get("/").text.split('id="ix-day"', 1)[1]
    assert f'href="http://example.com/clients/{org.id}/">ООО «Вектор»</a>' in block
    assert (f'href="http://example.com/clients/{org.id}/contacts/{contact.id}/">Сидоров Пётр</a>'
            in block)
    assert f'href="http://example.com/clients/contacts/{loner.id}/">Без Организации</a>' in block
    assert "from Орлов Игорь" in block


def test_the_calls_block_makes_its_statements_once_per_set_of_rights(
        factory, dbsession, testapp, monkeypatch):
    """The block's statements are made once and kept for the viewer's filters, and a viewer
    with other rights gets their own: an employee without the right to see organizations is
    not shown the sales manager's link to one, whoever opened My day first."""
    from portal.interactions import day

    monkeypatch.setattr(day, "DAY_STATEMENTS", {})
    made = []
    real = day.day_statements
    monkeypatch.setattr(day, "day_statements", lambda *a: made.append(a) or real(*a))
    manager = factory.user("popova", roles=["sales"], full_name="Попова Анна")
    department = manager.memberships[0].department
    clerk = factory.user("clerk", roles=["employee"], departments=[department])
    org = Organization(name="ООО «Вектор»", manager=manager, department=department)
    dbsession.add(org)
    dbsession.flush()
    for who, subject in ((manager, "Звонок менеджера"), (clerk, "Звонок секретаря")):
        dbsession.add(Interaction(kind="call", responsible=who, author=who, organization=org,
                                  subject=subject, planned_at=local_at(local_today(), 9)))
    dbsession.flush()
    link = f'href="http://example.com/clients/{org.id}/">ООО «Вектор»</a>'
    testapp.login(manager.login)
    for _ in range(3):
        block = testapp.get("/").text.split('id="ix-day"', 1)[1]
        assert "Звонок менеджера" in block and link in block
    assert len(made) == 1  # made for the first request, then kept
    testapp.login(clerk.login)
    block = testapp.get("/").text.split('id="ix-day"', 1)[1]
    assert "Звонок секретаря" in block and "ООО «Вектор»" in block and link not in block
    assert len(made) == 2
