"""My day after a hand-over (issue 14, point 3): what colleagues gave me comes first (calls planned
for me by someone else, tasks set for me by someone else), and long overdue lists fold behind
their count (a <details>), so the page stays short on a phone. No statement more than before
(tests/functional/core/test_query_budget.py keeps the budget)."""
from __future__ import annotations

import datetime as dt

import pytest

from models.clients import Interaction, Organization
from portal.tasks.service import Target, create_task
from tests.clock import local_at, local_today


@pytest.fixture
def people(factory):
    sales = factory.department("Отдел продаж")
    me = factory.user("popova", roles=["sales"], departments=[sales], full_name="Попова Анна")
    boss = factory.user("sokolov", roles=["sales"], departments=[sales],
                        full_name="Соколов Дмитрий")
    return me, boss, sales


def call(dbsession, org, responsible, author, subject, at):
    item = Interaction(kind="call", responsible=responsible, author=author, organization=org,
                       subject=subject, planned_at=at)
    dbsession.add(item)
    dbsession.flush()
    return item


@pytest.fixture
def org(dbsession, people):
    me, _boss, sales = people
    org = Organization(name="ООО «Вектор»", manager=me, department=sales)
    dbsession.add(org)
    dbsession.flush()
    return org


def calls_block(page):
    return page.html.find(id="ix-group-calls")


def test_calls_planned_by_colleagues_come_first(testapp, dbsession, people, org):
    me, boss, _sales = people
    today = local_today()
    call(dbsession, org, me, me, "Мой ранний", local_at(today, 0, 1))
    call(dbsession, org, me, boss, "От начальника", local_at(today, 23, 50))
    testapp.login(me.login)
    rows = calls_block(testapp.get("/")).select(".ix-row .ix-subject > a")
    assert [a.text for a in rows] == ["От начальника", "Мой ранний"]


@pytest.mark.parametrize("language", ["en", "ru"])
def test_a_long_overdue_group_folds(testapp, dbsession, people, org, language):
    me, boss, _sales = people
    today = local_today()
    for n in range(6):
        call(dbsession, org, me, me, f"Просрочен {n}", local_at(today - dt.timedelta(days=2), 9, n))
    call(dbsession, org, me, boss, "От начальника", local_at(today - dt.timedelta(days=2), 8))
    testapp.login(me.login)
    page = testapp.get("/", headers={"Accept-Language": language})
    group = calls_block(page)
    fold = group.find("details", class_="ix-fold")
    assert fold is not None and not fold.has_attr("open")
    assert "6" in fold.find("summary").text
    assert sorted(a.text for a in fold.select(".ix-row .ix-subject > a")) == [
        f"Просрочен {n}" for n in range(6)]
    # The colleague's call stays in view, first.
    first = group.select(".ix-row .ix-subject > a")[0]
    assert first.text == "От начальника" and first.find_parent("details") is None
    assert "${" not in page.text


def test_a_call_overdue_for_more_than_a_week_folds_a_few_recent_do_not(
        testapp, dbsession, people, org):
    me, _boss, _sales = people
    today = local_today()
    call(dbsession, org, me, me, "Вчерашний", local_at(today - dt.timedelta(days=1), 9))
    testapp.login(me.login)
    assert calls_block(testapp.get("/")).find("details", class_="ix-fold") is None
    call(dbsession, org, me, me, "Давний", local_at(today - dt.timedelta(days=10), 9))
    fold = calls_block(testapp.get("/")).find("details", class_="ix-fold")
    assert fold is not None and "Давний" in fold.text and "Вчерашний" in fold.text


def task_for(request_for, author, me, title, due_on, **kw):
    department = me.memberships[0].department
    due_at = local_at(due_on, 23, 59)
    return create_task(request_for(author).dbsession, author, registry=None, title=title,
                       target=Target(me, department), due_at=due_at, due_on=due_on,
                       notify=False, **kw)


def test_tasks_set_by_colleagues_come_first_and_say_who(testapp, people, request_for):
    me, boss, _sales = people
    today = local_today()
    task_for(request_for, me, me, "Моя задача", today)
    task_for(request_for, boss, me, "Подготовить документы", today)
    testapp.login(me.login)
    page = testapp.get("/")
    rows = page.html.find(id="day-due-today").select(".day-task")
    assert [r.find("a", class_="title").text for r in rows] == ["Подготовить документы",
                                                              "Моя задача"]
    assert "from Соколов Дмитрий" in rows[0].text and "from" not in rows[1].text


def test_many_overdue_tasks_fold_those_from_colleagues_stay(testapp, people, request_for):
    me, boss, _sales = people
    two_days_ago = local_today() - dt.timedelta(days=2)
    for n in range(6):
        task_for(request_for, me, me, f"Старая {n}", two_days_ago)
    task_for(request_for, boss, me, "Срочно от начальника", two_days_ago)
    testapp.login(me.login)
    overdue = testapp.get("/").html.find(id="day-overdue")
    fold = overdue.find("details", id="day-overdue-fold")
    assert fold is not None and not fold.has_attr("open")
    assert "6" in fold.find("summary").text
    first = overdue.select(".day-task a.title")[0]
    assert first.text == "Срочно от начальника" and first.find_parent("details") is None


def test_two_recent_overdue_tasks_do_not_fold(testapp, people, request_for):
    me, _boss, _sales = people
    for n in range(2):
        task_for(request_for, me, me, f"Вчерашняя {n}", local_today() - dt.timedelta(days=1))
    testapp.login(me.login)
    overdue = testapp.get("/").html.find(id="day-overdue")
    assert overdue.find("details") is None and len(overdue.select(".day-task")) == 2


def test_the_queue_says_who_handed_a_task_over(testapp, people, request_for, factory):
    me, _boss, sales = people
    secretary = factory.user("belova", roles=["secretary"], full_name="Белова Елена")
    create_task(request_for(secretary).dbsession, secretary, registry=None,
                title="Подготовить документы", target=Target(None, sales), notify=False)
    testapp.login(me.login)
    queue = testapp.get("/").html.find(id="day-queue")
    assert "Подготовить документы" in queue.text and "from Белова Елена" in queue.text
