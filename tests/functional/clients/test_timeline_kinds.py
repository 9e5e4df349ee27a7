"""The client card's timeline shows tasks, events, tickets and service jobs, each as its own
area words it, read together with the others in one statement (issue 11: the card's statements
do not grow with the kinds of record on it, so deals can come without a statement of their own).
On SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from models.clients import Organization
from models.dispatch import JobAssignment
from models.meta import utcnow
from models.tasks import Task
from models.tickets import Queue, Ticket
from portal.calendar.changes import EventInput, create_event
from portal.clients.timeline import (
    TIMELINE_PROVIDERS,
    TimelineItem,
    TimelineRows,
    planned_and_past,
    timelines,
)
from tests.functional.dispatch.shop import shop  # noqa: F401
from tests.querycount import counting


@pytest.fixture
def card(shop, dbsession, factory, request_for):
    """A client with two tasks, two events, two tickets and two jobs about it, one of each
    still to do and one gone; and one of each about another client."""
    me = factory.user("boss", roles=["admin"], full_name="Босс Борис")
    org, other = shop.client, shop.add(Organization(name="ООО Другая"))
    now = utcnow()
    tasks = []
    queue = shop.add(Queue(name="Линия 1", department_id=shop.service_dept.id))
    for about in (org, other):
        tasks.append(Task(title=f"Позвонить {about.id}", author_id=me.id, assignee_id=me.id,
                          link_type="organization", link_id=about.id,
                          due_at=now - dt.timedelta(hours=1)))
        dbsession.add_all([
            tasks[-1],
            Task(title=f"Отчёт {about.id}", author_id=me.id, department_id=shop.sales_dept.id,
                 link_type="organization", link_id=about.id, state="done",
                 done_at=now - dt.timedelta(hours=2)),
            Ticket(number=f"T-{about.id}-1", subject=f"Не работает {about.id}", queue_id=queue.id,
                   department_id=shop.service_dept.id, organization_id=about.id,
                   assignee_id=shop.dispatcher.id, state="in_progress"),
            Ticket(number=f"T-{about.id}-2", subject=f"Закрыта {about.id}", queue_id=queue.id,
                   department_id=shop.service_dept.id, organization_id=about.id, state="closed",
                   updated_at=now - dt.timedelta(days=1)),
        ])
        request = request_for(me)
        for title, start in ((f"Встреча {about.id}", now + dt.timedelta(days=2)),
                             (f"Прошлая встреча {about.id}", now - dt.timedelta(days=3))):
            create_event(request, EventInput(
                title=title, start=start, end=start + dt.timedelta(hours=1), location="У клиента",
                link_type="client", link_id=about.id), notify_people=False)
    job = shop.job("Не греет котёл")
    # Planned on two technicians, the third first: shown in the order they were put on it.
    for tech in (shop.techs[2], shop.techs[0]):
        shop.add(JobAssignment(job_id=job.id, resource_id=tech.id))
    done = shop.job("Заменить фильтр", state="completed")
    shop.job("Чужой котёл", organization_id=other.id)
    dbsession.flush()
    return {"me": me, "org": org, "job": job, "done": done, "tasks": tasks}


def items(page, list_id: str, kind: str) -> list:
    return page.html.select(f"#{list_id} .timeline-item[data-kind={kind}]")


def test_each_kind_of_record_shows_on_the_card_as_its_area_says(testapp, card):
    testapp.login(card["me"].login)
    org = card["org"]
    page = testapp.get(f"/clients/{org.id}")
    [task] = items(page, "planned-list", "tasks")
    assert f"Task: Позвонить {org.id}" in task.text and "Overdue" in task.text
    assert "Босс Борис" in task.select_one(".meta").text
    assert task.select_one("a")["href"].endswith(f"/tasks/{card['tasks'][0].id}")
    [task] = items(page, "timeline-list", "tasks")
    assert f"Task: Отчёт {org.id}" in task.text and "Done" in task.text
    assert "Sales" in task.select_one(".meta").text  # no assignee: the department
    [event] = items(page, "planned-list", "events")
    assert f"Event: Встреча {org.id}" in event.text and "Planned" in event.text
    assert "У клиента" in event.text and "Босс Борис" in event.text
    event_id = event.select_one("a")["href"].rstrip("/").rsplit("/", 1)[1]
    assert event.select_one("a")["href"].endswith(f"/calendar/{event_id}/")
    testapp.get(event.select_one("a")["href"], status=200)
    [event] = items(page, "timeline-list", "events")
    assert f"Event: Прошлая встреча {org.id}" in event.text and "Past" in event.text
    [ticket] = items(page, "planned-list", "tickets")
    assert f"Ticket T-{org.id}-1: Не работает {org.id}" in ticket.text
    assert "Егоров Павел" in ticket.select_one(".meta").text
    assert ticket.select_one("a")["href"].endswith(f"/tickets/T-{org.id}-1")
    assert ticket.select_one(".tl-actions") is None  # its title opens it: no second button
    [ticket] = items(page, "timeline-list", "tickets")
    assert f"Закрыта {org.id}" in ticket.text
    [job] = items(page, "planned-list", "jobs")
    assert f"Service job {card['job'].number}: Не греет котёл" in job.text
    assert "Захаров Пётр, Павлов Иван" in job.select_one(".meta").text
    assert job.select_one("a")["href"].rstrip("/").endswith(f"/dispatch/jobs/{card['job'].number}")
    [job] = items(page, "timeline-list", "jobs")
    assert card["done"].number in job.text and "Захаров" not in job.text
    assert "ООО Другая" not in page.text and "Чужой котёл" not in page.text
    for word in (f"Позвонить {org.id + 1}", f"Встреча {org.id + 1}", f"Не работает {org.id + 1}"):
        assert word not in page.text


def test_the_records_of_every_kind_are_read_in_one_statement(testapp, app, dbsession, card):
    """Another kind on the timeline (as deals will be) adds its rows, not a statement."""
    testapp.login(card["me"].login)
    org = card["org"]
    engine = app.registry["dbengine"]

    def visit():
        testapp.get(f"/clients/{org.id}")
        dbsession.expunge_all()
        with counting(engine) as counts:
            page = testapp.get(f"/clients/{org.id}")
        return page, counts

    page, before = visit()
    kinds = {"tasks", "events", "tickets", "jobs"}
    assert kinds <= {li["data-kind"] for li in page.html.select(".timeline-item")}
    assert len([sql for sql in before.statements if "timeline_part" in sql]) == 1, before

    def deals(request, target, *, planned, past):
        if not isinstance(target, Organization):
            return []
        mine = sa.select(Organization.id).where(Organization.id == target.id)
        rows = (sa.select(Organization.id, Organization.name.label("title"),
                          Organization.created_at)
                .where(planned_and_past(Organization.id, None, mine, planned, past)))
        return TimelineRows(rows, lambda rows: [
            TimelineItem(at=row.created_at, title=f"Deal with {row.title}") for row in rows])

    TIMELINE_PROVIDERS.add("deals-test", deals)
    try:
        page, after = visit()
    finally:
        TIMELINE_PROVIDERS.remove("deals-test")
    assert f"Deal with {org.name}" in page.html.select_one("#timeline-list").text
    assert after.queries == before.queries, after


def test_a_kind_with_nothing_to_show_reads_nothing(request_for, card):
    """Parts are read only for the kinds a provider hands over; none: no statement at all."""
    request = request_for(card["me"])
    assert request.identity is not None and request.localizer  # the person's, read beforehand
    with counting(request.dbsession.get_bind()) as counts:
        both = timelines(request, object())  # not a client: every provider gives nothing
    assert both.planned == [] and both.past == [] and counts.queries == 0


def test_people_who_see_different_records_never_share_a_kept_statement(testapp, shop, factory,
                                                                      dbsession):
    """The statement of a part is kept for the next page: for another person's filter it is
    another one (each sees their own tasks on the same card, whoever came first)."""
    anna = factory.user("anna", roles=["sales"], departments=[shop.sales_dept])
    boris = factory.user("boris", roles=["sales"], departments=[shop.sales_dept])
    for who in (anna, boris):
        dbsession.add(Task(title=f"Задача {who.login}", author_id=who.id, assignee_id=who.id,
                           link_type="organization", link_id=shop.client.id,
                           due_at=utcnow() + dt.timedelta(days=1)))
    dbsession.flush()
    for who, other in ((anna, boris), (boris, anna), (anna, boris)):
        testapp.login(who.login)
        page = testapp.get(f"/clients/{shop.client.id}")
        assert f"Задача {who.login}" in page.text and f"Задача {other.login}" not in page.text


def test_items_are_made_only_of_the_rows_that_can_be_shown(request_for, card, clients,
                                                          monkeypatch):
    """Each kind reads as many rows as the page shows, and most of them are not shown: only the
    rows that can be among the first planned and the newest past items are made into items,
    and the timeline is the same as when every row is (portal.clients.timeline._showable)."""
    import portal.clients.timeline as timeline_module

    me, org = card["me"], card["org"]
    now = utcnow()
    for i in range(12):  # newer than every other kind's past, later than its planned
        at = now - dt.timedelta(minutes=i + 1)
        clients.interaction(responsible=me, organization=org, planned_at=at, done_at=at,
                            subject=f"Звонок {i}")
        clients.interaction(responsible=me, organization=org, subject=f"План {i}",
                            planned_at=now + dt.timedelta(days=30 + i))
    request = request_for(me)
    made = []
    real = timeline_module._showable

    def counted(parts, read, planned, past):
        kept = real(parts, read, planned, past)
        made.append((sum(len(rows) for rows in kept.values()), sum(len(rows) for rows in read)))
        return kept

    def shape(timeline):
        return ([(i.kind, i.title, i.at) for i in timeline.planned],
                [(i.kind, i.title, i.at) for i in timeline.past])

    monkeypatch.setattr(timeline_module, "_showable", counted)
    for planned, past, skip in ((2, 3, 0), (3, 5, 2), (10, 15, 0), (1, 1, 13)):
        trimmed = timelines(request, org, planned=planned, past=past, skip=skip)
        items, rows = made[-1]
        assert items <= planned + skip + past < rows
        monkeypatch.setattr(timeline_module, "_showable", lambda parts, read, *_: {
            id(part): rows for part, rows in zip(parts, read, strict=True)})
        every = timelines(request, org, planned=planned, past=past, skip=skip)
        monkeypatch.setattr(timeline_module, "_showable", counted)
        assert shape(trimmed) == shape(every)
    # 2 + 3 items of 13 rows: the calls' 2 planned and 3 past, each other kind's 2.
    assert made[0] == (5, 13)
