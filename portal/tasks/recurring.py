"""Recurring tasks: a series' rule (which days: every N days, weeks on chosen weekdays, months
on a day or on a weekday of the month, or years), its coming days, setting a series up and
changing it, and making the task of each of its days.

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


# How often a series repeats: the form's choices ("monthly_weekday" is stored as "monthly" with
# `month_week` and `month_weekday` set).
RULES = ("daily", "weekly", "monthly", "monthly_weekday", "yearly")
# Which weekday of the month: the first to the fourth, or the last (-1).
MONTH_WEEKS = (1, 2, 3, 4, -1)
PREVIEW_COUNT = 5


def _month_of(start: dt.date, months: int) -> tuple[int, int]:
    index = start.month - 1 + months
    return start.year + index // 12, index % 12 + 1


def _day_in_month(year: int, month: int, month_day: int) -> dt.date:
    """Day `month_day` of the month, or its last day in a shorter month (the 31st is the 30th
    in April, the 28th or 29th in February)."""
    return dt.date(year, month, min(month_day, calendar.monthrange(year, month)[1]))


def nth_weekday(year: int, month: int, week: int, weekday: int) -> dt.date:
    """The `week`-th (1-4, or -1 for the last) `weekday` (Monday=0) of the month."""
    if week < 0:
        last = dt.date(year, month, calendar.monthrange(year, month)[1])
        return last - dt.timedelta(days=(last.weekday() - weekday) % 7)
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (week - 1))


def rule_of(rec: TaskRecurrence) -> str:
    """The form's choice for a series (one of RULES)."""
    if rec.frequency == "monthly" and rec.month_week is not None:
        return "monthly_weekday"
    return rec.frequency


def _in_month(rec: TaskRecurrence, year: int, month: int) -> dt.date:
    if rec.month_week is not None:
        weekday = rec.month_weekday if rec.month_weekday is not None else rec.starts_on.weekday()
        return nth_weekday(year, month, rec.month_week, weekday)
    return _day_in_month(year, month, rec.month_day or rec.starts_on.day)


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
        # Monthly (on a day, or on a weekday of the month) or yearly: month by month from the
        # start's, skipping whole periods that end before `day`.
        step = interval * (12 if rec.frequency == "yearly" else 1)
        months = max(0, ((day.year - start.year) * 12 + day.month - start.month) // step - 1) * step
        while candidate is None and months < 12 * 200:
            year, month = _month_of(start, months)
            if rec.frequency == "yearly":
                probe = _day_in_month(year, month, rec.month_day or start.day)
            else:
                probe = _in_month(rec, year, month)
            if probe >= start and (probe > day or (inclusive and probe == day)):
                candidate = probe
            months += step
    if candidate is None or (rec.until is not None and candidate > rec.until):
        return None
    return candidate


def upcoming(rec: TaskRecurrence, day: dt.date, count: int = PREVIEW_COUNT,
             inclusive: bool = True, until: dt.date | None = None) -> list[dt.date]:
    """The series' next `count` days from `day` (on it too, when `inclusive`), up to `until`:
    what the form shows before saving, the calendar and "due within 7 days" before the tasks
    are made (the same rule `portal tick` makes them by)."""
    out: list[dt.date] = []
    probe = following(rec, day, inclusive=inclusive)
    while probe is not None and len(out) < count and (until is None or probe <= until):
        out.append(probe)
        probe = following(rec, probe)
    return out


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


def rule_columns(rule: str, starts: dt.date, weekdays=(), month_day: int | None = None,
                 month_week: int | None = None, month_weekday: int | None = None) -> dict:
    """A series' rule columns from the form's choice (one of RULES), or a TaskProblem naming
    the field that is wrong. The first day gives what is not chosen: the day of the month, the
    weekday, the day of the year."""
    if rule not in RULES:
        raise TaskProblem(_("Choose how often."), "repeat")
    days = weekday_numbers(weekdays)
    if rule == "weekly" and not days:
        raise TaskProblem(_("Choose the days of the week."), "weekdays")
    if month_day is not None and not 1 <= month_day <= 31:
        raise TaskProblem(_("Enter a day from 1 to 31."), "month_day")
    columns = {"frequency": "monthly" if rule == "monthly_weekday" else rule,
               "weekdays": sum(1 << d for d in days) if rule == "weekly" else 0,
               "month_day": month_day or starts.day, "month_week": None, "month_weekday": None}
    if rule == "yearly":
        columns["month_day"] = starts.day
    if rule == "monthly_weekday":
        if month_week not in MONTH_WEEKS:
            raise TaskProblem(_("Choose which weekday of the month."), "month_week")
        columns["month_week"] = month_week
        columns["month_weekday"] = month_weekday if month_weekday is not None and 0 <= month_weekday <= 6 \
            else starts.weekday()
    return columns


def preview(rule: str, starts: dt.date, *, interval: int | None = 1, weekdays=(),
            month_day: int | None = None, month_week: int | None = None,
            month_weekday: int | None = None, until: dt.date | None = None,
            after: dt.date | None = None, count: int = PREVIEW_COUNT) -> list[dt.date]:
    """The first `count` days of a series not saved yet (the form's live preview), from `after`
    (a series being changed: today) or its first day, by the rule that will make its tasks; a
    TaskProblem when the rule is incomplete."""
    probe = TaskRecurrence(starts_on=starts, until=until, interval=max(1, min(interval or 1, 99)),
                           **rule_columns(rule, starts, weekdays, month_day, month_week, month_weekday))
    return upcoming(probe, max(after or starts, starts), count)


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
    month_day: int | None = None,
    month_week: int | None = None,
    month_weekday: int | None = None,
) -> tuple[TaskRecurrence, Task | None, dt.date]:
    """A series set by `actor` from the task form (`fields`: portal.tasks.service.task_fields;
    its due date is the first day): the series, today's task if today is one of its days, and
    its first day."""
    if until is not None and until < starts:
        raise TaskProblem(_("The series cannot end before it starts."), "repeat_until")
    columns = rule_columns(frequency, starts, weekdays, month_day, month_week, month_weekday)
    rec = TaskRecurrence(
        title=fields["title"],
        description=fields["description"],
        priority=fields["priority"],
        author_id=actor.id,
        assignee_id=target.user.id if target.user else None,
        department_id=target.department.id if target.department else None,
        interval=interval or 1,
        **columns,
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
    repeat_every, weekdays, month_day, month_week, month_weekday, repeat_until, due_time,
    remind_amount, remind_unit), or a TaskProblem naming the field that is wrong."""
    if values["repeat"] == "monthly" and values.get("month_day") is None:
        raise TaskProblem(_("Enter a day from 1 to 31."), "month_day")
    columns = rule_columns(values["repeat"], rec.starts_on, values["weekdays"],
                           values.get("month_day"), values.get("month_week"),
                           values.get("month_weekday"))
    if values["repeat"] == "yearly":
        columns["month_day"] = rec.month_day or rec.starts_on.day
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
        "interval": values["repeat_every"] or 1,
        **columns,
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
        rule = ("frequency", "interval", "weekdays", "month_day", "month_week", "month_weekday", "until")
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
