"""Recurring tasks made from the form, their series page, and stopping a series."""

from __future__ import annotations

import calendar
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
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


# --- editing a series ---------------------------------------------------------------------------

MOSCOW = ZoneInfo("Europe/Moscow")


def noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), MOSCOW).astimezone(dt.UTC)


def daily_series(dbsession, author, **fields) -> TaskRecurrence:
    values = dict(
        title="Сверка кассы",
        author_id=author.id,
        assignee_id=author.id,
        frequency="daily",
        interval=1,
        month_day=today().day,
        starts_on=today(),
        next_on=today() + dt.timedelta(days=1),
        due_time=dt.time(17, 0),
        timezone="Europe/Moscow",
    )
    values.update(fields)
    rec = TaskRecurrence(**values)
    dbsession.add(rec)
    dbsession.flush()
    return rec


def facts(rec: TaskRecurrence) -> tuple:
    return (
        rec.title,
        rec.assignee_id,
        rec.department_id,
        rec.priority,
        rec.frequency,
        rec.weekdays,
        rec.month_day,
        rec.due_time,
        rec.until,
        rec.next_on,
    )


def test_the_author_edits_a_series_and_the_next_tick_makes_the_new_task_on_the_new_days(
    testapp, login_as, factory, dbsession, request_for
):
    from portal.tasks.jobs import create_recurring

    me = login_as("employee")
    form = testapp.get("/tasks/add").forms["form"]
    form["title"] = "Проверить почту клиентов"
    form["assign_to"] = f"user:{me.id}"
    form["repeat"] = "daily"
    form["due_time"] = "17:00"
    form.submit("save", status=302)
    rec = dbsession.scalar(sa.select(TaskRecurrence))
    made_today = dbsession.scalar(sa.select(Task).where(Task.recurrence_id == rec.id))
    supply = factory.department("Снабжение")
    factory.user(departments=[supply])

    page = testapp.get(f"/tasks/recurring/{rec.id}")
    assert page.html.select_one("#edit-series")["href"].endswith(f"/tasks/recurring/{rec.id}/edit")
    form = testapp.get(f"/tasks/recurring/{rec.id}/edit").forms["form"]
    assert form["title"].value == "Проверить почту клиентов" and form["repeat"].value == "daily"
    day = today() + dt.timedelta(days=3)
    form["title"] = "Заказать картриджи"
    form["description"] = "Для всех принтеров"
    form["assign_to"] = f"dept:{supply.id}"
    form["priority"] = "2"
    form["repeat"] = "weekly"
    form.get("checkbox", index=day.weekday()).checked = True
    form["due_time"] = "09:30"
    form["repeat_until"] = (today() + dt.timedelta(days=30)).isoformat()
    response = form.submit("save", status=302)
    assert response.location.rstrip("/").endswith(f"/tasks/recurring/{rec.id}")

    assert rec.title == "Заказать картриджи" and rec.description == "Для всех принтеров"
    assert (rec.assignee_id, rec.department_id, rec.priority) == (None, supply.id, 2)
    assert rec.frequency == "weekly" and rec.weekday_list == [day.weekday()]
    assert rec.due_time == dt.time(9, 30) and rec.until == today() + dt.timedelta(days=30)
    assert rec.next_on == day
    # The task already made stays as it was.
    assert made_today.title == "Проверить почту клиентов" and made_today.assignee_id == me.id

    request = request_for(None)
    db, registry = request.dbsession, request.registry
    assert create_recurring(db, registry, now=noon(today() + dt.timedelta(days=1))) == 0
    assert create_recurring(db, registry, now=noon(day)) == 1
    new = dbsession.scalar(sa.select(Task).where(Task.recurrence_id == rec.id, Task.occurrence_on == day))
    assert new.title == "Заказать картриджи" and new.priority == 2
    assert new.assignee_id is None and new.department_id == supply.id
    assert new.due_at.astimezone(MOSCOW) == dt.datetime.combine(day, dt.time(9, 30), MOSCOW)
    assert rec.next_on == day + dt.timedelta(days=7)


def test_a_monthly_series_moves_to_its_new_day(testapp, login_as, dbsession):
    me = login_as("employee")
    rec = daily_series(dbsession, me)
    form = testapp.get(f"/tasks/recurring/{rec.id}/edit").forms["form"]
    form["repeat"] = "monthly"
    form["month_day"] = "31"
    form.submit("save", status=302)
    assert rec.frequency == "monthly" and rec.month_day == 31
    last = calendar.monthrange(rec.next_on.year, rec.next_on.month)[1]
    assert rec.next_on.day == min(31, last)
    assert today() <= rec.next_on <= today() + dt.timedelta(days=31)


def test_someone_else_may_not_edit_a_series(testapp, factory, login_as, dbsession):
    author = factory.user()
    rec = daily_series(dbsession, author)
    before = facts(rec)
    login_as("employee")
    testapp.get(f"/tasks/recurring/{rec.id}/edit", status=403)
    testapp.post_csrf(f"/tasks/recurring/{rec.id}/edit", {"title": "Чужое", "save": "save"}, status=403)
    assert facts(rec) == before


def test_a_department_head_edits_the_series_of_their_departments_queue_only(
    testapp, factory, login_as, dbsession
):
    sales, supply = factory.department("Продажи"), factory.department("Снабжение")
    author = factory.user(departments=[factory.department()])
    ours = daily_series(dbsession, author, assignee_id=None, department_id=sales.id)
    theirs = daily_series(dbsession, author, assignee_id=None, department_id=supply.id)
    login_as("dept_head", departments=[sales])
    form = testapp.get(f"/tasks/recurring/{ours.id}/edit").forms["form"]
    form["priority"] = "2"
    form.submit("save", status=302)
    assert ours.priority == 2
    testapp.get(f"/tasks/recurring/{theirs.id}/edit", status=403)
    listed = [a["href"].rstrip("/") for a in testapp.get("/tasks/recurring").html.select("#series a[href]")]
    assert any(h.endswith(f"/tasks/recurring/{ours.id}") for h in listed)
    assert not any(h.endswith(f"/tasks/recurring/{theirs.id}") for h in listed)


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"repeat": "weekly"}, "weekdays", "Choose the days of the week."),
        ({"repeat": "monthly", "month_day": "0"}, "month_day", "Enter a day from 1 to 31."),
        ({"repeat": "monthly", "month_day": "32"}, "month_day", "Enter a day from 1 to 31."),
        ({"repeat_until": "past"}, "repeat_until", "The end cannot be in the past."),
        ({"assign_to": "deactivated"}, "assign_to", "is deactivated and cannot take tasks"),
    ],
)
def test_bad_input_is_named_next_to_its_field_and_changes_nothing(
    testapp, factory, login_as, dbsession, change, field, message
):
    me = login_as("employee")
    rec = daily_series(dbsession, me)
    gone = factory.user(full_name="Уволенный Сотрудник")
    gone.state = "deactivated"
    dbsession.flush()
    before = facts(rec)
    form = testapp.get(f"/tasks/recurring/{rec.id}/edit").forms["form"]
    form["title"] = "Другое название"
    for name, value in change.items():
        if value == "past":
            value = (today() - dt.timedelta(days=1)).isoformat()
        if value == "deactivated":
            form[name].force_value(f"user:{gone.id}")
            continue
        form[name] = value
    page = form.submit("save", status=400)
    beside = page.html.select_one(f".item-{field} .invalid-feedback, .item-{field} .help-block.error")
    assert beside is not None and message in beside.text
    assert facts(rec) == before
