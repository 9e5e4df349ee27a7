"""What a page asks of the database is budgeted (issue 11): every key page, as the administrator
and as a sales manager (whose lists carry SQL filters), on the demo company, stays within its
number of SQL statements and sends no lazy load, and its number does not grow with the data.

Each request starts with an empty identity map, as a request of a served portal does (the
test's session is shared between requests, and would otherwise answer from memory).
"""
from __future__ import annotations

import datetime as dt
import urllib.parse
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from models.calendar import Event
from models.clients import Contact, Interaction, Organization, Phone
from models.kb import Article
from models.meta import utcnow
from models.people import User
from models.tasks import Task
from portal.demo.company import DEMO_PASSWORD, make_demo
from portal.kb.resources import article_url
from tests.querycount import counting

# (name, budget): at most this many statements per request, whatever the data size.
BUDGETS = {
    # One of every page's statements is the person's session, with their identity and what
    # the page needs of them (portal.security.sessions.PREAMBLE).
    "my_day": 12,
    # The card's timeline reads tasks, events, tickets and service jobs together, in one
    # statement whatever the kinds of record (portal/clients/timeline.py's TimelineRows).
    "client_card": 12,
    "contact": 13,
    "client_list": 8,
    "client_search": 8,
    "interaction_list": 8,
    "task_page": 12,
    "task_list": 8,
    "task_list_all": 8,
    "event_page": 8,
    "calendar_week_json": 6,
    "calendar_rooms": 6,
    "kb_home": 12,
    "kb_article": 12,
    # Three for each kind of thing found (people, clients, contacts, events, articles, tasks).
    "search": 20,
    "people": 8,
    "person": 8,
    "admin_users": 8,
}


def week_query(today: dt.date) -> str:
    monday = today - dt.timedelta(days=today.weekday())
    return urllib.parse.urlencode({"start": monday.isoformat(),
                                   "end": (monday + dt.timedelta(days=7)).isoformat()})


@pytest.fixture
def demo(dbsession, request_for):
    make_demo(dbsession)
    dbsession.flush()
    people = {u.login: u for u in dbsession.scalars(sa.select(User))}
    for hour, login in enumerate(("admin", "popova")):
        todays_events_with_rooms(dbsession, request_for, people[login], hour)
    return people


def todays_events_with_rooms(dbsession, request_for, user: User, hour: int) -> None:
    """Whatever the hour the suite runs at, My day has today's events of `user` to show: one
    booking two rooms and a daily series with a room (the demo's own events are today only at
    some hours of the day); each person's at their own `hour`, so that no room is booked twice."""
    from models.calendar import Room
    from portal.calendar.changes import EventInput, create_event

    rooms = dbsession.scalars(sa.select(Room.id).where(Room.active).order_by(Room.id)).all()[:2]
    zone = ZoneInfo(user.timezone or "Europe/Moscow")
    noon = dt.datetime.combine(dt.datetime.now(zone).date(), dt.time(12), zone).astimezone(dt.UTC)
    for title, start, rrule, booked in (
            ("Совещание в переговорной", noon + dt.timedelta(hours=8 + hour), "", rooms),
            ("Ежедневная планёрка", noon - dt.timedelta(days=7, hours=4 + hour),
             "FREQ=DAILY;COUNT=30", rooms[:1])):
        create_event(request_for(user), EventInput(
            title=title, start=start, end=start + dt.timedelta(minutes=30), rrule=rrule,
            timezone=zone.key, room_ids=list(booked)))
    dbsession.flush()


def pages_for(dbsession, request_for, user: User) -> dict[str, str]:
    """The key pages as `user` sees them: records of their own where there are some."""
    org = dbsession.scalar(sa.select(Organization).where(Organization.manager_id == user.id)
                           .order_by(Organization.id)) \
        or dbsession.scalar(sa.select(Organization).order_by(Organization.id))
    contact = dbsession.scalar(sa.select(Contact).where(Contact.organization_id == org.id)
                               .order_by(Contact.id))
    task = dbsession.scalar(sa.select(Task).where(sa.or_(Task.assignee_id == user.id,
                                                         Task.author_id == user.id))
                            .order_by(Task.id))
    event = dbsession.scalar(sa.select(Event).where(Event.organizer_id == user.id)
                             .order_by(Event.id)) \
        or dbsession.scalar(sa.select(Event).order_by(Event.id))
    article = dbsession.scalar(sa.select(Article).where(Article.state == "published")
                               .order_by(Article.id))
    request = request_for(user)
    return {
        "my_day": "/",
        "client_card": f"/clients/{org.id}",
        "contact": f"/clients/{org.id}/contacts/{contact.id}",
        "client_list": "/clients/",
        "client_search": "/clients/search?q=" + urllib.parse.quote("ООО"),
        "interaction_list": "/clients/interactions",
        "task_page": f"/tasks/{task.id}",
        "task_list": "/tasks",
        "task_list_all": "/tasks?view=all",
        "event_page": f"/calendar/{event.id}",
        "calendar_week_json": "/calendar/@@events.json?" + week_query(dt.date.today()),
        "calendar_rooms": "/calendar/rooms",
        "kb_home": "/kb/",
        "kb_article": article_url(request, article).removeprefix(request.application_url),
        "search": "/search?q=" + urllib.parse.quote("договор"),
        "people": "/people",
        "person": f"/people/{user.login}",
        "admin_users": "/admin/users",
    }


def measure(testapp, dbsession, engine, path: str):
    """The statements of a second visit (the first one may take a flash message or write the
    session's "last seen")."""
    testapp.get(path, status="*")
    dbsession.expunge_all()
    with counting(engine) as counts:
        page = testapp.get(path, status="*")
    assert page.status_int == 200, (path, page.status)
    return counts


@pytest.mark.parametrize("login", ["admin", "popova"])
def test_key_pages_stay_within_their_query_budget(testapp, dbsession, app, demo, request_for,
                                                  login):
    testapp.login(login, DEMO_PASSWORD)
    engine = app.registry["dbengine"]
    over = []
    for name, path in pages_for(dbsession, request_for, demo[login]).items():
        if name == "admin_users" and login != "admin":
            continue
        counts = measure(testapp, dbsession, engine, path)
        if counts.queries > BUDGETS[name] or counts.lazy:
            over.append(f"{name} {path}: budget {BUDGETS[name]}, {counts}")
    assert not over, "\n\n".join(over)


def add_work(dbsession, me: User, org_id: int, batch: int, n: int = 6) -> None:
    """`n` more contact persons with phones, calls done and planned, and tasks about the client."""
    now = utcnow()
    for i in range(n):
        contact = Contact(full_name=f"Добавленный Контакт {batch}-{i}", organization_id=org_id,
                          manager_id=me.id)
        contact.phones.append(Phone(kind="work", number=f"+7 495 555-{batch:02d}-{i:02d}"))
        dbsession.add(contact)
        dbsession.flush()
        for when in (now - dt.timedelta(hours=i + 1), now + dt.timedelta(hours=i + 1)):
            dbsession.add(Interaction(kind="call", organization_id=org_id, contact_id=contact.id,
                                      responsible_id=me.id, author_id=me.id, planned_at=when,
                                      done_at=when if when < now else None,
                                      subject=f"Звонок {batch}-{i}"))
        dbsession.add(Task(title=f"Задача {batch}-{i}", author_id=me.id, assignee_id=me.id,
                           link_type="organization", link_id=org_id,
                           due_at=now + dt.timedelta(hours=i)))
    dbsession.flush()


def test_the_card_and_the_lists_ask_as_much_with_more_data(testapp, dbsession, app, demo,
                                                           request_for):
    """N+1 shows as a count that grows with the rows shown: count with some rows of each kind
    on the pages, add as many again, count again."""
    me = demo["popova"]
    testapp.login("popova", DEMO_PASSWORD)
    engine = app.registry["dbengine"]
    paths = {k: v for k, v in pages_for(dbsession, request_for, me).items()
             if k in ("client_card", "contact", "client_list", "interaction_list", "task_list",
                      "task_page", "my_day")}
    org_id = int(paths["client_card"].rsplit("/", 1)[1])
    add_work(dbsession, me, org_id, 1)
    before = {name: measure(testapp, dbsession, engine, path).queries
              for name, path in paths.items()}
    add_work(dbsession, me, org_id, 2)
    after = {name: measure(testapp, dbsession, engine, path).queries
             for name, path in paths.items()}
    assert after == before


LIGHT = 60 * 1024  # bytes of a listing page of 50 rows


def test_listing_pages_of_50_rows_stay_light(testapp, dbsession, demo):
    """The lists people page through all day stay under 60 KiB of HTML for a full page."""
    testapp.login("admin", DEMO_PASSWORD)
    for path, row in (("/clients/", "tr[data-id]"), ("/clients/interactions", "tr"),
                      ("/tasks?view=all&state=any", "tr"), ("/people?view=table", "tr"),
                      ("/admin/users", "tr")):
        page = testapp.get(path)
        rows = len(page.html.select(row))
        assert len(page.body) < LIGHT, (path, rows, len(page.body))
    page = testapp.get("/clients/")
    assert len(page.html.select("tr[data-id]")) == 50  # a full page was weighed
