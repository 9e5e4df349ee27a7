"""My day blocks of tasks; what happens to tasks when a department is deleted or a person is
deactivated; lists, filters and the overdue highlight."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from models.people import Membership
from models.tasks import Task


def zone_at_midday(now: dt.datetime) -> ZoneInfo:
    """A time zone where it is around noon now: its today ends hours from now, whatever the
    server's clock says, so "due later today" cannot turn overdue while the test runs."""
    for hours in range(-11, 13):
        zone = ZoneInfo(f"Etc/GMT{-hours:+d}" if hours else "UTC")
        if 9 <= now.astimezone(zone).hour <= 15:
            return zone
    raise AssertionError("every hour has a zone where it is noon")


def test_my_day_shows_overdue_due_today_and_every_day_items(testapp, factory, login_as, make_task):
    now = dt.datetime.now(dt.UTC)
    zone = zone_at_midday(now)
    me = login_as("employee", timezone=zone.key)
    other = factory.user()
    end_of_day = dt.datetime.combine(now.astimezone(zone).date(), dt.time(23, 59, 30), zone)
    overdue = make_task(other, me, title="Просрочено", due_in=dt.timedelta(days=-2))
    today = make_task(other, me, title="Сегодня", due_at=end_of_day)
    daily = make_task(other, me, title="Каждый день", daily=True)
    make_task(other, me, title="Завтра", due_at=end_of_day + dt.timedelta(days=1, minutes=5))
    make_task(other, other, title="Не моя", due_in=dt.timedelta(days=-1))
    done = make_task(other, me, title="Сделано", due_in=dt.timedelta(days=-1))
    done.state = "done"
    page = testapp.get("/")
    block = page.html.select_one("#day-tasks")
    assert [d["data-task"] for d in block.select("#day-overdue .day-task[data-task]")] == [str(overdue.id)]
    assert [d["data-task"] for d in block.select("#day-due-today .day-task")] == [str(today.id)]
    assert [d["data-task"] for d in block.select("#day-daily .day-task")] == [str(daily.id)]
    # Marking one done from My day.
    testapp.post_csrf(f"/tasks/{daily.id}/transition", {"name": "finish", "came_from": "/"}, status=303)
    assert testapp.get("/").html.select_one("#day-daily") is None


def test_my_day_offers_the_department_queue_to_take(testapp, factory, login_as, make_task):
    supply = factory.department("Снабжение")
    me = login_as("employee", departments=[supply])
    # Due later today in the person's zone, whatever the hour the suite runs at.
    now = dt.datetime.now(ZoneInfo("Europe/Moscow"))
    midnight = (now + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    task = make_task(
        factory.user(), department=supply, title="Заказать картриджи", due_in=(midnight - now) / 2
    )
    page = testapp.get("/")
    queue = page.html.select_one("#day-queue")
    assert "Заказать картриджи" in queue.text
    action = queue.select_one("form")["action"]
    testapp.post_csrf(action, status=303)
    assert task.assignee_id == me.id
    page = testapp.get("/")
    assert page.html.select_one("#day-queue") is None
    assert "Заказать картриджи" in page.html.select_one("#day-due-today").text


def test_deleting_a_department_keeps_its_tasks_and_asks_the_author_to_reassign(
    testapp, factory, login_as, make_task, dbsession, inbox
):
    store = factory.department("Склад")
    keeper = factory.user(departments=[store])
    author = factory.user()
    waiting = make_task(author, department=store, title="Инвентаризация")
    done = make_task(author, keeper, department=store, title="Старая задача")
    done.state = "done"
    dbsession.execute(sa.delete(Membership).where(Membership.department_id == store.id))
    dbsession.expire_all()
    login_as("admin")
    testapp.post_csrf(f"/admin/departments/{store.id}/delete", status=303)
    dbsession.expire_all()
    assert dbsession.get(Task, waiting.id).department_id is None
    assert dbsession.get(Task, done.id).department_id is None
    assert inbox(author) == [("task_changed", "Choose a new assignee: Инвентаризация")]
    login_as(author)
    page = testapp.get(f"/tasks/{waiting.id}")
    assert page.html.select_one("#no-assignee") is not None
    assert "the department “Склад” was deleted" in page.html.select_one("#activity").text
    # The author gives it to someone: the form offers every department and person again.
    testapp.post_csrf(f"/tasks/{waiting.id}/reassign", {"assign_to": f"user:{author.id}"}, status=303)
    assert dbsession.get(Task, waiting.id).assignee_id == author.id


def test_a_deactivated_persons_tasks_go_back_to_the_queue(
    testapp, factory, login_as, make_task, dbsession, inbox
):
    sales = factory.department("Продажи")
    leaving = factory.user(departments=[sales], full_name="Уходящий Сотрудник")
    stays = factory.user(departments=[sales])
    author = factory.user()
    task = make_task(author, leaving, department=sales, title="Коммерческое предложение", state="in_progress")
    login_as("admin")
    testapp.post_csrf(f"/admin/users/{leaving.id}/transition", {"name": "deactivate"}, status=303)
    assert task.assignee_id is None and task.in_queue and task.state == "open"
    assert ("task_assigned", "New task in the queue of Продажи: Коммерческое предложение") in inbox(stays)
    assert inbox(author)[-1] == ("task_changed", "Task returned: Коммерческое предложение")


def test_overdue_tasks_are_highlighted_and_filters_narrow_the_list(testapp, factory, login_as, make_task):
    me = login_as("employee")
    late = make_task(me, me, title="Просроченный отчёт", due_in=dt.timedelta(days=-1), priority=3)
    make_task(me, me, title="Будущий ОТЧЁТ", due_in=dt.timedelta(days=10))
    make_task(me, me, title="Без срока")
    page = testapp.get("/tasks")
    items = page.html.select("#tasks li.task-item")
    assert [i.select_one(".task-title").text for i in items] == [
        "Просроченный отчёт",
        "Будущий ОТЧЁТ",
        "Без срока",
    ]
    assert "is-overdue" in items[0]["class"] and "is-overdue" not in items[1]["class"]
    overdue = testapp.get("/tasks", params={"due": "overdue"}).html.select("#tasks li.task-item")
    assert [i["data-task"] for i in overdue] == [str(late.id)]
    found = testapp.get("/tasks", params={"q": "отчёт"}).html.select("#tasks .task-title")
    assert {f.text for f in found} == {"Просроченный отчёт", "Будущий ОТЧЁТ"}
    assert [
        i.text for i in testapp.get("/tasks", params={"q": f"#{late.id}"}).html.select("#tasks .task-title")
    ] == ["Просроченный отчёт"]
    urgent = testapp.get("/tasks", params={"priority": "3"}).html.select("#tasks .task-title")
    assert [u.text for u in urgent] == ["Просроченный отчёт"]
    assert testapp.get("/tasks", params={"state": "done"}).html.select("#tasks li.task-item") == []


def test_the_list_is_paginated(testapp, login_as, make_task):
    me = login_as("employee")
    for i in range(45):
        make_task(me, me, title=f"Задача {i:02d}")
    page = testapp.get("/tasks")
    assert len(page.html.select("#tasks li.task-item")) == 40
    second = testapp.get("/tasks", params={"page": "2"})
    assert len(second.html.select("#tasks li.task-item")) == 5


def test_header_search_finds_visible_tasks_only(testapp, factory, login_as, make_task):
    me = login_as("employee")
    make_task(me, me, title="Договор поставки")
    make_task(factory.user(), factory.user(), title="Договор аренды")
    page = testapp.get("/search", params={"q": "договор"})
    assert "Договор поставки" in page.text and "Договор аренды" not in page.text
