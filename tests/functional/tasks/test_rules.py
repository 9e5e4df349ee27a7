"""The rules of tasks as the services say them, without a web page: a task's fields, a series'
values, taking from the queue, and how the area binds its security to the models."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from models.errors import ConflictError, UserError
from models.meta import ROW_ACL
from models.tasks import Task, TaskRecurrence
from portal.core.parsing import SkippedTime
from portal.tasks.recurring import change_series, create_series, series_values
from portal.tasks.security import recurrence_acl, task_acl
from portal.tasks.service import (
    AlreadyTaken,
    Target,
    TaskProblem,
    add_checklist_item,
    create_task,
    take,
    task_fields,
)

MOSCOW = ZoneInfo("Europe/Moscow")


def fields(**changes) -> dict:
    values = {"title": "Сверить акты", "description": "", "due_date": dt.date(2031, 3, 3), "due_time": None,
              "remind_amount": None, "remind_unit": "hours", "daily": False, "priority": "2",
              "link_type": "", "link_id": ""}
    values.update(changes)
    return values


def problem_of(call, *args, **kw) -> UserError:
    with pytest.raises(UserError) as refused:
        call(*args, **kw)
    return refused.value


def test_a_tasks_fields_come_from_the_form_in_the_authors_zone():
    got = task_fields(fields(due_time=dt.time(17, 0), remind_amount=2, link_type="organization",
                             link_id="42"), MOSCOW)
    assert got["due_at"] == dt.datetime(2031, 3, 3, 14, tzinfo=dt.UTC) and got["due_has_time"]
    assert (got["remind_before"], got["priority"], got["link"]) == (120, 2, ("organization", 42))
    date_only = task_fields(fields(), MOSCOW)
    assert (date_only["due_on"], date_only["due_has_time"]) == (dt.date(2031, 3, 3), False)


@pytest.mark.parametrize(("changes", "field"), [
    ({"title": "   "}, "title"),
    ({"due_date": None, "due_time": dt.time(9)}, "due_date"),
    ({"due_date": None, "remind_amount": 1}, "remind_amount"),
    ({"link_type": "planet", "link_id": "1"}, "link_type"),
    ({"link_type": "deal", "link_id": "abc"}, "link_id"),
])
def test_a_field_that_breaks_a_rule_is_named(changes, field):
    problem = problem_of(task_fields, fields(**changes), MOSCOW)
    assert isinstance(problem, TaskProblem) and problem.field == field


def test_a_due_time_the_clocks_skip_is_refused_with_the_shared_message():
    problem = problem_of(task_fields, fields(due_date=dt.date(2031, 3, 30), due_time=dt.time(2, 30)),
                         ZoneInfo("Europe/Berlin"))
    assert isinstance(problem, SkippedTime) and problem.field == "due_time"
    assert "does not exist on 2031-03-30" in str(problem.message.interpolate())


def test_taking_a_task_someone_took_is_a_conflict(app, dbsession, factory, make_task, request_for):
    dept = factory.department("Снабжение")
    first, second = factory.user(departments=[dept]), factory.user(departments=[dept])
    task = make_task(factory.user(), department=dept)
    take(dbsession, first, task, registry=app.registry, request=request_for(first))
    problem = problem_of(take, dbsession, second, task, registry=app.registry, request=request_for(second))
    assert isinstance(problem, AlreadyTaken) and isinstance(problem, ConflictError) and problem.status == 409
    assert task.assignee_id == first.id


def test_a_checklist_holds_short_items(dbsession, factory, make_task):
    task = make_task(factory.user())
    assert add_checklist_item(dbsession, task, "   ") is None
    item = add_checklist_item(dbsession, task, " Позвонить   в банк ")
    assert item.text == "Позвонить в банк" and item.position == 1
    assert problem_of(add_checklist_item, dbsession, task, "я" * 501).field == "checklist"


def test_a_series_is_set_up_and_changed_by_the_services(app, dbsession, factory):
    me = factory.user()
    today = dt.date(2031, 3, 3)  # a Monday
    made = task_fields(fields(due_date=today, due_time=dt.time(10)), MOSCOW)
    target = Target(me, None)
    assert problem_of(create_series, dbsession, me, registry=app.registry, fields=made, target=target,
                      frequency="weekly", interval=1, weekdays=[], due_time=dt.time(10), starts=today,
                      until=None, today=today).field == "weekdays"
    rec, task, first = create_series(dbsession, me, registry=app.registry, fields=made, target=target,
                                     frequency="weekly", interval=1, weekdays=["0", "3", "9"],
                                     due_time=dt.time(10), starts=today, until=None, today=today)
    assert (rec.weekday_list, first, task.occurrence_on, rec.next_on) == ([0, 3], today, today,
                                                                          dt.date(2031, 3, 6))
    values = {"title": "Сверить акты", "description": "", "priority": "1", "repeat": "monthly",
              "repeat_every": 1, "weekdays": set(), "month_day": None, "repeat_until": None,
              "due_time": None, "remind_amount": None, "remind_unit": "hours"}
    assert problem_of(series_values, rec, values, target, today).field == "month_day"
    values["month_day"] = 15
    changed = change_series(dbsession, rec, series_values(rec, values, target, today), today)
    assert set(changed) >= {"frequency", "month_day", "priority"}
    assert rec.next_on == dt.date(2031, 3, 15)


def test_the_tasks_area_binds_the_acls_of_tasks_and_series(app):
    assert "__acl__" not in vars(Task) and "__acl__" not in vars(TaskRecurrence)
    assert ROW_ACL[Task] is task_acl and ROW_ACL[TaskRecurrence] is recurrence_acl


def test_a_new_task_is_its_authors_and_its_assignee_hears(app, dbsession, factory, inbox):
    author, doer = factory.user(), factory.user()
    task = create_task(dbsession, author, registry=app.registry, title="  Подписать   договор ",
                       target=Target(doer, None))
    assert (task.title, task.author_id, task.assignee_id) == ("Подписать договор", author.id, doer.id)
    assert [kind for kind, _title in inbox(doer)] == ["task_assigned"]
