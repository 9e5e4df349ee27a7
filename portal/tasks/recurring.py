"""Recurring tasks: a series' rule (which days: every N days, weeks on chosen weekdays, or
months on a day), setting a series up and changing it, and making the task of each of its days.

`portal tick` makes each day's task (portal/tasks/jobs.py, `create_recurring`); a task of a
series is an ordinary task with `recurrence_id` and `occurrence_on`, unique together, so a day's
task is never made twice. Changing a series changes the tasks still to come; those made stay.
"""

from __future__ import annotations

import calendar
import datetime as dt

import sqlalchemy as sa

from models.people import User
from models.tasks import Task, TaskRecurrence
from portal.core.i18n import DEFAULT_TIMEZONE, _, zone_named
from portal.core.parsing import SkippedTime, local_instant, parse_int
from portal.tasks.security import series_within, target_within
from portal.tasks.service import (
    Target,
    TaskProblem,
    clean_title,
    create_task,
    primary_department,
    remind_minutes,
)

NO_DAY_LEFT = _("The series has no day before it ends. Move the end or the start.")


# --- the rule -----------------------------------------------------------------------------------


def _add_months(day: dt.date, months: int, month_day: int) -> dt.date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(month_day, calendar.monthrange(year, month)[1]))


def following(rec: TaskRecurrence, day: dt.date, inclusive: bool = False) -> dt.date | None:
    """The first occurrence after `day` (or on it, when `inclusive`), within the series' bounds."""
    interval = max(1, rec.interval or 1)
    start = rec.starts_on
    candidate: dt.date | None = None
    if rec.frequency == "daily":
        base = max(day if inclusive else day + dt.timedelta(days=1), start)
        offset = (base - start).days % interval
        candidate = base + dt.timedelta(days=(interval - offset) % interval)
    elif rec.frequency == "weekly":
        days = rec.weekday_list or [start.weekday()]
        base = max(day if inclusive else day + dt.timedelta(days=1), start)
        week0 = start - dt.timedelta(days=start.weekday())
        for i in range(7 * interval + 7):
            probe = base + dt.timedelta(days=i)
            weeks = (probe - week0).days // 7
            if probe.weekday() in days and weeks % interval == 0:
                candidate = probe
                break
    else:
        month_day = rec.month_day or start.day
        months = 0
        while candidate is None and months < 12 * 200:
            probe = _add_months(start, months, month_day)
            if probe >= start and (probe > day or (inclusive and probe == day)):
                candidate = probe
            months += interval
    if candidate is None or (rec.until is not None and candidate > rec.until):
        return None
    return candidate


def first_occurrence(rec: TaskRecurrence) -> dt.date | None:
    return following(rec, rec.starts_on, inclusive=True)


def reschedule(dbsession, rec: TaskRecurrence, today: dt.date) -> dt.date | None:
    """The next day of a series whose rule has changed: today or later, skipping a day whose
    task is made already (tasks already made stay as they are)."""
    day = following(rec, today, inclusive=True)
    while day is not None and dbsession.scalar(
        sa.select(Task.id).where(Task.recurrence_id == rec.id, Task.occurrence_on == day)
    ):
        day = following(rec, day)
    return day


def weekday_numbers(values) -> list[int]:
    """Weekdays ticked in a form (Monday "0" ... Sunday "6"), as numbers."""
    return sorted({n for n in map(parse_int, values) if n is not None and n <= 6})


# --- each day's task ------------------------------------------------------------------------------


def create_occurrence(dbsession, rec: TaskRecurrence, day: dt.date, *, registry) -> Task | None:
    """The task of `day` in the series, unless it exists already; set by the series' author."""
    exists = dbsession.scalar(
        sa.select(Task.id).where(Task.recurrence_id == rec.id, Task.occurrence_on == day)
    )
    if exists:
        return None
    zone = zone_named(rec.timezone)
    try:
        if rec.due_time is not None:
            due_at, has_time = local_instant(day, rec.due_time, zone), True
        else:
            due_at, has_time = local_instant(day, dt.time(23, 59), zone), False
    except SkippedTime:  # a time the clocks skip that day: an hour later
        naive = dt.datetime.combine(day, rec.due_time or dt.time(23, 59)) + dt.timedelta(hours=1)
        due_at, has_time = naive.replace(tzinfo=zone).astimezone(dt.UTC), rec.due_time is not None
    assignee = rec.assignee if rec.assignee is not None and rec.assignee.active else None
    department = rec.department
    if assignee is None and department is None:
        assignee = rec.author
    if assignee is not None and department is None:
        department = primary_department(dbsession, assignee)
    return create_task(
        dbsession,
        rec.author,
        registry=registry,
        title=rec.title,
        description=rec.description,
        priority=rec.priority,
        target=Target(assignee, department),
        due_at=due_at,
        due_has_time=has_time,
        due_on=day,
        remind_before=rec.remind_before,
        recurrence_id=rec.id,
        occurrence_on=day,
    )


# --- setting a series up and changing it --------------------------------------------------------


def create_series(
    dbsession,
    actor: User,
    *,
    registry,
    fields: dict,
    target: Target,
    frequency: str,
    interval: int | None,
    weekdays,
    due_time: dt.time | None,
    starts: dt.date,
    until: dt.date | None,
    today: dt.date,
) -> tuple[TaskRecurrence, Task | None, dt.date]:
    """A series set by `actor` from the task form (`fields`: portal.tasks.service.task_fields;
    its due date is the first day): the series, today's task if today is one of its days, and
    its first day."""
    if until is not None and until < starts:
        raise TaskProblem(_("The series cannot end before it starts."), "repeat_until")
    days = weekday_numbers(weekdays)
    if frequency == "weekly" and not days:
        raise TaskProblem(_("Choose the days of the week."), "weekdays")
    rec = TaskRecurrence(
        title=fields["title"],
        description=fields["description"],
        priority=fields["priority"],
        author_id=actor.id,
        assignee_id=target.user.id if target.user else None,
        department_id=target.department.id if target.department else None,
        frequency=frequency,
        interval=interval or 1,
        weekdays=sum(1 << d for d in days),
        month_day=starts.day,
        due_time=due_time,
        timezone=actor.timezone or DEFAULT_TIMEZONE,
        remind_before=fields["remind_before"],
        starts_on=starts,
        until=until,
        active=True,
    )
    rec.author = actor
    rec.assignee = target.user
    rec.department = target.department
    first = first_occurrence(rec)
    if first is None:
        raise TaskProblem(NO_DAY_LEFT, "repeat_until")
    dbsession.add(rec)
    dbsession.flush()
    task = None
    if first <= today:
        task = create_occurrence(dbsession, rec, first, registry=registry)
        rec.next_on = following(rec, first)
    else:
        rec.next_on = first
    return rec, task, first


def check_series_target(request, rec: TaskRecurrence, target: Target) -> None:
    """Refuse to send the series where the user may not (portal.tasks.security.series_within);
    keeping it where it is needs no right."""
    wanted = (target.user.id if target.user else None, target.department.id if target.department else None)
    if wanted != (rec.assignee_id, rec.department_id) and not target_within(
        request.dbsession, target, series_within(request, rec)
    ):
        raise TaskProblem(_("You may send this series only within your departments."), "assign_to")


def series_values(rec: TaskRecurrence, values: dict, target: Target, today: dt.date) -> dict:
    """The series' new columns from its form (title, description, priority, repeat,
    repeat_every, weekdays, month_day, repeat_until, due_time, remind_amount, remind_unit), or a
    TaskProblem naming the field that is wrong."""
    frequency = values["repeat"]
    days = weekday_numbers(values["weekdays"])
    if frequency == "weekly" and not days:
        raise TaskProblem(_("Choose the days of the week."), "weekdays")
    month_day = values["month_day"]
    if frequency == "monthly" and month_day is None:
        raise TaskProblem(_("Enter a day from 1 to 31."), "month_day")
    until = values["repeat_until"]
    if until is not None and until < today:
        raise TaskProblem(_("The end cannot be in the past. Choose today or later."), "repeat_until")
    if until is not None and until < rec.starts_on:
        raise TaskProblem(_("The series cannot end before it starts."), "repeat_until")
    return {
        "title": clean_title(values["title"]),
        "description": values["description"],
        "priority": int(values["priority"]),
        "assignee_id": target.user.id if target.user else None,
        "department_id": target.department.id if target.department else None,
        "frequency": frequency,
        "interval": values["repeat_every"] or 1,
        "weekdays": sum(1 << d for d in days) if frequency == "weekly" else rec.weekdays,
        "month_day": month_day if frequency == "monthly" and month_day else rec.month_day,
        "due_time": values["due_time"],
        "remind_before": remind_minutes(values["remind_amount"], values["remind_unit"], True),
        "until": until,
    }


def change_series(dbsession, rec: TaskRecurrence, values: dict, today: dt.date) -> list[str]:
    """Apply `series_values`: the tasks still to come follow the new rule, those made already
    stay as they are. Returns the names of the changed columns."""
    changed = [k for k, v in values.items() if getattr(rec, k) != v]
    next_on = rec.next_on
    if changed and rec.active:
        # The new rule on a copy first: a rule with no day left changes nothing.
        rule = ("frequency", "interval", "weekdays", "month_day", "until")
        probe = TaskRecurrence(id=rec.id, starts_on=rec.starts_on, **{k: values[k] for k in rule})
        next_on = reschedule(dbsession, probe, today)
        if next_on is None:
            raise TaskProblem(NO_DAY_LEFT, "repeat_until")
    for key in changed:
        setattr(rec, key, values[key])
    rec.next_on = next_on
    if "assignee_id" in changed or "department_id" in changed:
        dbsession.flush()
        dbsession.expire(rec, ["assignee", "department"])
    return changed


def stop_series(rec: TaskRecurrence) -> bool:
    """No more tasks from this series (those made stay); False if it was stopped already."""
    if not rec.active:
        return False
    rec.active = False
    rec.next_on = None
    return True
