"""Creating a task: for a person or a department's queue, who hears about it, and bad input
that gets a clear message and stores nothing."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from models.tasks import Task, TaskRecurrence
from tests.functional.tickets.desk import plain_ticket


def errors_of(page) -> str:
    return " ".join(
        p.text.strip() for p in page.html.select(".invalid-feedback, .error-msg, .help-block.error")
    )


def new_task_form(testapp, **params):
    return testapp.get("/tasks/add", params=params).forms["form"]


def count_tasks(dbsession) -> int:
    return dbsession.scalar(sa.select(sa.func.count()).select_from(Task))


def test_employee_sends_a_task_to_a_colleague_in_another_department(
    testapp, factory, login_as, dbsession, inbox
):
    accounting = factory.department("Бухгалтерия")
    accountant = factory.user(departments=[accounting], full_name="Орлова Наталья")
    me = login_as("employee", full_name="Белова Елена")
    form = new_task_form(testapp)
    form["title"] = "Подготовить акт сверки с ООО «Ромашка»"
    form["description"] = "За третий квартал."
    form["assign_to"] = f"user:{accountant.id}"
    form["priority"] = "2"
    form["due_date"] = "2031-05-20"
    form["due_time"] = "15:30"
    form["remind_amount"] = "2"
    form["remind_unit"] = "hours"
    response = form.submit("save", status=302)
    task = dbsession.scalar(sa.select(Task).order_by(Task.id.desc()))
    assert response.location.endswith(f"/tasks/{task.id}")
    assert (task.title, task.author_id, task.assignee_id, task.department_id) == (
        "Подготовить акт сверки с ООО «Ромашка»",
        me.id,
        accountant.id,
        accounting.id,
    )
    assert task.priority == 2 and task.state == "open"
    # 15:30 in Moscow (the default zone) is 12:30 UTC; the reminder two hours before.
    assert task.due_at == dt.datetime(2031, 5, 20, 12, 30, tzinfo=dt.UTC) and task.due_has_time
    assert task.remind_at == dt.datetime(2031, 5, 20, 10, 30, tzinfo=dt.UTC)
    assert inbox(accountant) == [
        ("task_assigned", "New task for you: Подготовить акт сверки с ООО «Ромашка»")
    ]
    assert inbox(me) == []
    page = response.follow()
    assert "Подготовить акт сверки" in page.html.select_one("#task-title").text
    assert "Орлова Наталья" in page.html.select_one("#fact-assignee").text


def test_a_task_sent_to_a_department_waits_in_its_queue_for_every_member(
    testapp, factory, login_as, dbsession, inbox
):
    supply = factory.department("Снабжение")
    first = factory.user(departments=[supply])
    second = factory.user(departments=[supply])
    outsider = factory.user()
    login_as("sales")
    form = new_task_form(testapp)
    form["title"] = "Позвонить поставщику насчёт сроков"
    form["assign_to"] = f"dept:{supply.id}"
    form.submit("save", status=302)
    task = dbsession.scalar(sa.select(Task).order_by(Task.id.desc()))
    assert task.assignee_id is None and task.department_id == supply.id and task.in_queue
    title = "New task in the queue of Снабжение: Позвонить поставщику насчёт сроков"
    assert inbox(first) == [("task_assigned", title)]
    assert inbox(second) == [("task_assigned", title)]
    assert inbox(outsider) == []


def test_a_date_without_time_means_the_end_of_that_day(testapp, factory, login_as, dbsession):
    me = login_as("employee")
    form = new_task_form(testapp)
    form["title"] = "Сдать отчёт"
    form["assign_to"] = f"user:{me.id}"
    form["due_date"] = "2031-01-10"
    form.submit("save", status=302)
    task = dbsession.scalar(sa.select(Task).order_by(Task.id.desc()))
    assert not task.due_has_time and task.due_on == dt.date(2031, 1, 10)
    assert task.due_at == dt.datetime(2031, 1, 10, 20, 59, tzinfo=dt.UTC)  # 23:59 Moscow


def test_assigning_to_a_deactivated_person_is_refused(testapp, factory, login_as, dbsession):
    gone = factory.user(full_name="Уволенный Пётр")
    gone.state = "deactivated"
    dbsession.flush()
    login_as("employee")
    before = count_tasks(dbsession)
    form = new_task_form(testapp)
    form["title"] = "Что-то сделать"
    form["assign_to"].force_value(f"user:{gone.id}")
    page = form.submit("save", status=400)
    assert "Уволенный Пётр is deactivated and cannot take tasks" in errors_of(page)
    assert count_tasks(dbsession) == before
    # Deactivated people are not offered at all.
    assert f"user:{gone.id}" not in [v for v, *_ in new_task_form(testapp)["assign_to"].options]


def test_a_department_deleted_meanwhile_is_refused_with_a_clear_message(
    testapp, factory, login_as, dbsession
):
    login_as("employee")
    before = count_tasks(dbsession)
    form = new_task_form(testapp)
    form["title"] = "Что-то сделать"
    form["assign_to"].force_value("dept:987654")
    page = form.submit("save", status=400)
    assert "That department no longer exists" in errors_of(page)
    assert count_tasks(dbsession) == before


def test_a_department_with_nobody_in_it_cannot_receive_tasks(testapp, factory, login_as, dbsession):
    empty = factory.department("Пустой отдел")
    login_as("employee")
    form = new_task_form(testapp)
    form["title"] = "Что-то сделать"
    form["assign_to"] = f"dept:{empty.id}"
    page = form.submit("save", status=400)
    assert "Nobody works in “Пустой отдел” yet" in errors_of(page)


def test_empty_title_and_reminder_without_due_date_are_refused(testapp, login_as, dbsession):
    me = login_as("employee")
    before = count_tasks(dbsession)
    form = new_task_form(testapp)
    form["title"] = "   "
    form["assign_to"] = f"user:{me.id}"
    page = form.submit("save", status=400)
    assert "Say what needs to be done." in errors_of(page)
    form = page.forms["form"]
    form["title"] = "Напомнить"
    form["remind_amount"] = "1"
    page = form.submit("save", status=400)
    assert "A reminder needs a due date" in errors_of(page)
    form = page.forms["form"]
    form["title"] = "x" * 301
    form["remind_amount"] = ""
    page = form.submit("save", status=400)
    assert "At most 300 characters" in errors_of(page)
    assert count_tasks(dbsession) == before


def test_a_time_the_clocks_skip_is_refused(testapp, login_as, dbsession):
    me = login_as("employee", timezone="America/New_York")
    form = new_task_form(testapp)
    form["title"] = "Ночная задача"
    form["assign_to"] = f"user:{me.id}"
    form["due_date"] = "2031-03-09"  # clocks go from 02:00 to 03:00 that night
    form["due_time"] = "02:30"
    page = form.submit("save", status=400)
    assert "02:30 does not exist on 2031-03-09" in errors_of(page)


def test_related_record_needs_its_number(testapp, login_as, dbsession, factory):
    me = login_as("employee")
    form = new_task_form(testapp)
    form["title"] = "Перезвонить клиенту"
    form["assign_to"] = f"user:{me.id}"
    form["link_type"] = "ticket"
    page = form.submit("save", status=400)
    assert "Enter the number of the record." in errors_of(page)
    form = page.forms["form"]
    form["link_id"] = "999999"  # no such ticket
    page = form.submit("save", status=400)
    ticket = plain_ticket(dbsession, factory)
    ticket.author_id = me.id  # the employee registered it: theirs to see
    dbsession.flush()
    form = page.forms["form"]
    form["link_id"] = str(ticket.id)
    form.submit("save", status=302)
    task = dbsession.scalar(sa.select(Task).order_by(Task.id.desc()))
    assert (task.link_type, task.link_id) == ("ticket", ticket.id)
    assert ticket.number in testapp.get(f"/tasks/{task.id}").text


def test_the_form_can_be_prefilled_from_another_page(testapp, factory, login_as):
    dept = factory.department("Склад")
    factory.user(departments=[dept])
    login_as("employee")
    form = new_task_form(testapp, assign=f"dept:{dept.id}", link_type="organization", link_id="7")
    assert form["assign_to"].value == f"dept:{dept.id}"
    assert (form["link_type"].value, form["link_id"].value) == ("organization", "7")


def test_weekly_series_needs_its_days_and_cannot_end_before_it_starts(testapp, login_as, dbsession):
    me = login_as("employee")
    form = new_task_form(testapp)
    form["title"] = "Планёрка"
    form["assign_to"] = f"user:{me.id}"
    form["repeat"] = "weekly"
    page = form.submit("save", status=400)
    assert "Choose the days of the week." in errors_of(page)
    form = page.forms["form"]
    form["repeat"] = "daily"
    form["due_date"] = "2031-02-10"
    form["repeat_until"] = "2031-02-01"
    page = form.submit("save", status=400)
    assert "The series cannot end before it starts." in errors_of(page)
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(TaskRecurrence)) == 0


def test_anonymous_visitors_are_sent_to_log_in(testapp):
    response = testapp.get("/tasks/add", status=303)
    assert "/login" in response.location
