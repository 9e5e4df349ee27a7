"""`portal tick` for tasks: reminders, "due soon", "overdue", recurring tasks and birthdays,
each told exactly once."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from models.meta import utcnow
from models.tasks import Task, TaskRecurrence
from portal.tasks.jobs import (
    birthday_notices,
    create_recurring,
    fire_due_soon,
    fire_overdue,
    fire_reminders,
)
from portal.tasks.recurring import following


def test_a_reminder_fires_once_for_the_assignee(app, dbsession, factory, make_task, inbox):
    author, me = factory.user(), factory.user()
    task = make_task(author, me, title="Позвонить", due_in=dt.timedelta(hours=2), remind_before=180)
    assert task.remind_at < utcnow()
    assert fire_reminders(dbsession, app.registry) == 1
    assert fire_reminders(dbsession, app.registry) == 0
    dbsession.expire_all()
    assert task.remind_at is None and task.reminded_at is not None
    assert [k for k, _t in inbox(me)] == ["reminder"]
    assert inbox(me)[0][1] == "Reminder: Позвонить"
    assert inbox(author) == []


def test_a_reminder_in_the_future_waits(app, dbsession, factory, make_task, inbox):
    me = factory.user()
    make_task(me, me, due_in=dt.timedelta(days=3), remind_before=60)
    assert fire_reminders(dbsession, app.registry) == 0
    assert fire_reminders(dbsession, app.registry, now=utcnow() + dt.timedelta(days=3)) == 1


def test_queue_tasks_remind_every_member(app, dbsession, factory, make_task, inbox):
    supply = factory.department("Снабжение")
    a, b = factory.user(departments=[supply]), factory.user(departments=[supply])
    make_task(factory.user(), department=supply, due_in=dt.timedelta(minutes=10), remind_before=30)
    fire_reminders(dbsession, app.registry)
    assert [k for k, _ in inbox(a)] == ["reminder"] and [k for k, _ in inbox(b)] == ["reminder"]


def test_due_soon_then_overdue_each_once(app, dbsession, factory, make_task, inbox):
    author, me = factory.user(), factory.user()
    task = make_task(author, me, title="Акт", due_in=dt.timedelta(days=3))
    soon = utcnow() + dt.timedelta(days=2, hours=1)
    assert fire_due_soon(dbsession, app.registry, now=soon) == 1
    assert fire_due_soon(dbsession, app.registry, now=soon) == 0
    later = utcnow() + dt.timedelta(days=4)
    assert fire_overdue(dbsession, app.registry, now=later) == 1
    assert fire_overdue(dbsession, app.registry, now=later) == 0
    assert inbox(me) == [("task_due", "Due soon: Акт"), ("task_due", "Overdue: Акт")]
    assert inbox(author) == [("task_due", "Overdue: Акт")]
    dbsession.expire_all()
    assert task.notice_stage == 2


def test_done_tasks_are_never_reported_overdue(app, dbsession, factory, make_task, inbox):
    me = factory.user()
    task = make_task(me, me, due_in=dt.timedelta(hours=-1))
    task.state = "done"
    dbsession.flush()
    assert fire_overdue(dbsession, app.registry) == 0
    assert inbox(me) == []


def series(dbsession, author, **fields):
    rec = TaskRecurrence(
        title=fields.pop("title", "Сводка продаж"),
        author_id=author.id,
        assignee_id=author.id,
        timezone="Europe/Moscow",
        **fields,
    )
    dbsession.add(rec)
    dbsession.flush()
    return rec


def test_following_occurrences_of_each_frequency(dbsession, factory):
    me = factory.user()
    monday = dt.date(2031, 3, 3)
    daily = series(dbsession, me, frequency="daily", interval=2, starts_on=monday)
    assert following(daily, monday, inclusive=True) == monday
    assert following(daily, monday) == dt.date(2031, 3, 5)
    weekly = series(
        dbsession, me, frequency="weekly", interval=1, weekdays=(1 << 0) | (1 << 3), starts_on=monday
    )
    assert following(weekly, monday) == dt.date(2031, 3, 6)  # Thursday
    assert following(weekly, dt.date(2031, 3, 6)) == dt.date(2031, 3, 10)
    fortnightly = series(dbsession, me, frequency="weekly", interval=2, weekdays=1 << 0, starts_on=monday)
    assert following(fortnightly, monday) == dt.date(2031, 3, 17)
    monthly = series(
        dbsession,
        me,
        frequency="monthly",
        interval=1,
        month_day=31,
        starts_on=dt.date(2031, 1, 31),
        until=dt.date(2031, 4, 1),
    )
    assert following(monthly, dt.date(2031, 1, 31)) == dt.date(2031, 2, 28)
    assert following(monthly, dt.date(2031, 2, 28)) == dt.date(2031, 3, 31)
    assert following(monthly, dt.date(2031, 3, 31)) is None  # past `until`


def test_the_tick_makes_todays_task_of_a_series_once(request_for, dbsession, factory, inbox):
    me = factory.user()
    today = utcnow().astimezone(__import__("zoneinfo").ZoneInfo("Europe/Moscow")).date()
    rec = series(
        dbsession,
        me,
        frequency="daily",
        interval=1,
        starts_on=today - dt.timedelta(days=5),
        next_on=today - dt.timedelta(days=3),
        due_time=dt.time(18, 0),
    )
    request = request_for(None)
    assert create_recurring(request.dbsession, request.registry) == 1
    assert create_recurring(request.dbsession, request.registry) == 0
    tasks = dbsession.scalars(sa.select(Task).where(Task.recurrence_id == rec.id)).all()
    # Missed days are not made up: only today's task.
    assert [t.occurrence_on for t in tasks] == [today]
    assert tasks[0].assignee_id == me.id and tasks[0].due_has_time
    assert rec.next_on == today + dt.timedelta(days=1)


def test_a_series_ends_at_its_last_day(request_for, dbsession, factory):
    me = factory.user()
    today = utcnow().astimezone(__import__("zoneinfo").ZoneInfo("Europe/Moscow")).date()
    rec = series(dbsession, me, frequency="daily", interval=1, starts_on=today, next_on=today, until=today)
    request = request_for(None)
    create_recurring(request.dbsession, request.registry)
    assert rec.next_on is None and not rec.active


def test_birthdays_of_colleagues_are_told_days_ahead_once(app, dbsession, factory, inbox):
    from models.notifications import NotificationSettings

    dept = factory.department("Маркетинг")
    today = utcnow().astimezone(__import__("zoneinfo").ZoneInfo("Europe/Moscow")).date()
    hero = factory.user(
        departments=[dept],
        full_name="Васильев Артём",
        birthday=(today + dt.timedelta(days=2)).replace(year=1990),
    )
    colleague = factory.user(departments=[dept])
    wants_one_day = factory.user(departments=[dept])
    dbsession.add(NotificationSettings(user_id=wants_one_day.id, birthdays_ahead=1, channels={}))
    stranger = factory.user()
    dbsession.flush()
    birthday_notices(dbsession, app.registry)
    birthday_notices(dbsession, app.registry)
    assert inbox(colleague) == [("birthday", "Васильев Артём has a birthday in 2 days")]
    assert inbox(wants_one_day) == [] and inbox(stranger) == [] and inbox(hero) == []
