"""Recurring tasks made from the form, their series page, and stopping a series."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from models.tasks import Task, TaskRecurrence


def today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Europe/Moscow")).date()


def test_a_daily_task_starting_today_makes_todays_task_at_once(testapp, login_as, dbsession):
    me = login_as("employee")
    form = testapp.get("/tasks/add").forms["form"]
    form["title"] = "Проверить почту клиентов"
    form["assign_to"] = f"user:{me.id}"
    form["repeat"] = "daily"
    form["due_time"] = "17:00"
    response = form.submit("save", status=302)
    rec = dbsession.scalar(sa.select(TaskRecurrence))
    task = dbsession.scalar(sa.select(Task).where(Task.recurrence_id == rec.id))
    assert response.location.endswith(f"/tasks/{task.id}")
    assert task.occurrence_on == today() and rec.next_on == today() + dt.timedelta(days=1)
    assert rec.frequency == "daily" and rec.due_time == dt.time(17, 0)
    page = testapp.get("/tasks/recurring")
    assert "Проверить почту клиентов" in page.html.select_one("#series").text
    assert "Every day" in page.html.select_one("#series").text


def test_a_weekly_series_that_starts_later_waits_for_its_first_day(testapp, login_as, dbsession):
    me = login_as("employee")
    start = today() + dt.timedelta(days=10)
    form = testapp.get("/tasks/add").forms["form"]
    form["title"] = "Планёрка отдела"
    form["assign_to"] = f"user:{me.id}"
    form["repeat"] = "weekly"
    form["due_date"] = start.isoformat()
    form.get("checkbox", index=start.weekday()).checked = True  # deform names them so
    response = form.submit("save", status=302)
    rec = dbsession.scalar(sa.select(TaskRecurrence))
    assert response.location.endswith(f"/tasks/recurring/{rec.id}")
    assert rec.next_on == start and rec.weekday_list == [start.weekday()]
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Task)) == 0
    page = response.follow()
    testapp.post_csrf(f"/tasks/recurring/{rec.id}/stop", status=303)
    assert not rec.active and rec.next_on is None
    assert page.html.select_one("#stop-series") is not None


def test_only_the_author_stops_a_series(testapp, factory, login_as, dbsession):
    author = factory.user()
    rec = TaskRecurrence(
        title="Отчёт",
        author_id=author.id,
        assignee_id=author.id,
        frequency="daily",
        interval=1,
        starts_on=today(),
        next_on=today(),
        timezone="Europe/Moscow",
    )
    dbsession.add(rec)
    dbsession.flush()
    login_as("employee")
    testapp.get(f"/tasks/recurring/{rec.id}", status=403)
    testapp.post_csrf(f"/tasks/recurring/{rec.id}/stop", status=403)
    assert rec.active
