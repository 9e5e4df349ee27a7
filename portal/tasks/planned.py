"""Tasks before they exist: the coming days of recurring series, computed by the rule that will
make their tasks (portal/tasks/recurring.py), for the viewer's calendar (a provider of
portal.calendar.events.CALENDAR_ENTRY_PROVIDERS, joined by portal.tasks' includeme, with the
viewer's own tasks that have due dates) and for the lists' "Due within 7 days".

Which series count is the list's own rule in SQL: the series the viewer may see
(`visible_series`) whose tasks would land in the list being read (assigned to them for "my
tasks", set by them for "set by me", their departments' queues for "queue"...). A day whose task
is made already is the task's, not the series'.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from models.tasks import OPEN_STATES, Task, TaskRecurrence
from portal.core.i18n import _, zone_named
from portal.core.parsing import SkippedTime, local_instant
from portal.tasks.recurring import upcoming
from portal.tasks.security import visible_series, visible_tasks

# How many coming days of one series one window shows at most (a daily series over 62 days).
PER_SERIES = 70
SERIES_LIMIT = 200
ENTRIES_LIMIT = 1000
TASK_COLOR = "#0f766e"
PLANNED_COLOR = "#5eada4"


@dataclass
class Planned:
    """A day of a series whose task is not made yet."""

    series: TaskRecurrence
    day: dt.date

    @property
    def due_at(self) -> dt.datetime:
        """When the task of that day will be due (the series' time in its zone; else the day's
        end), as create_occurrence sets it."""
        zone = zone_named(self.series.timezone)
        try:
            return local_instant(self.day, self.series.due_time or dt.time(23, 59), zone)
        except SkippedTime:
            naive = dt.datetime.combine(self.day, self.series.due_time or dt.time(23, 59))
            return (naive + dt.timedelta(hours=1)).replace(tzinfo=zone).astimezone(dt.UTC)

    @property
    def has_time(self) -> bool:
        return self.series.due_time is not None

    # As a task's columns, so that a due date is told the same way for both.
    due_has_time = has_time

    @property
    def due_on(self) -> dt.date:
        return self.day


def series_view_clause(request, view: str):
    """The series whose tasks would appear in the task list `view` (portal.tasks.lists.VIEWS);
    None: a list no series feeds (those one watches)."""
    identity = request.identity
    me = identity.user.id
    if view == "mine":
        return TaskRecurrence.assignee_id == me
    if view == "created":
        return TaskRecurrence.author_id == me
    if view == "queue":
        return sa.and_(TaskRecurrence.assignee_id.is_(None),
                       TaskRecurrence.department_id.in_(sorted(identity.department_ids) or [-1]))
    if view == "department":
        return TaskRecurrence.department_id.in_(sorted(identity.dept_scope_ids) or [-1])
    if view == "all":
        return sa.true()
    return None


def planned(request, clause, first: dt.date, last: dt.date, limit: int = ENTRIES_LIMIT) -> list[Planned]:
    """The days from `first` to `last` (inclusive) of the running series matching `clause` that
    the viewer may see, whose tasks are not made yet; by day, then series."""
    if clause is None or last < first:
        return []
    db = request.dbsession
    series = db.scalars(
        sa.select(TaskRecurrence)
        .where(
            TaskRecurrence.active,
            TaskRecurrence.next_on.is_not(None),
            TaskRecurrence.next_on <= last,
            sa.or_(TaskRecurrence.until.is_(None), TaskRecurrence.until >= first),
            visible_series(request),
            clause,
        )
        .order_by(TaskRecurrence.id)
        .limit(SERIES_LIMIT)
    ).all()
    if not series:
        return []
    made = set(
        db.execute(
            sa.select(Task.recurrence_id, Task.occurrence_on).where(
                Task.recurrence_id.in_([s.id for s in series]),
                Task.occurrence_on >= first,
                Task.occurrence_on <= last,
            )
        ).all()
    )
    out = []
    for rec in series:
        start = max(first, rec.next_on)
        for day in upcoming(rec, start, PER_SERIES, inclusive=True, until=last):
            if (rec.id, day) not in made:
                out.append(Planned(rec, day))
    out.sort(key=lambda p: (p.day, p.series.due_time or dt.time(23, 59), p.series.id))
    return out[:limit]


def _wall(value: dt.datetime, zone) -> str:
    return value.astimezone(zone).isoformat(timespec="seconds")[:19]


def calendar_entries(request, start: dt.datetime, end: dt.datetime) -> list[dict]:
    """The viewer's open tasks due in [start, end) and the coming days of the series whose tasks
    they would get, as the calendar widget's items (not movable: a task's date is its form's)."""
    db = request.dbsession
    me = request.identity.user.id
    zone = request.user_timezone
    tasks_root = request.root["tasks"]
    tasks = db.scalars(
        sa.select(Task)
        .where(Task.assignee_id == me, Task.state.in_(OPEN_STATES), Task.due_at >= start,
               Task.due_at < end, visible_tasks(request))
        .order_by(Task.due_at, Task.id)
        .limit(ENTRIES_LIMIT)
    ).all()
    prefix = request.translate(_("Task: "))
    out = []
    for task in tasks:
        out.append(_item(f"task-{task.id}", prefix + task.title, task.due_at, task.due_has_time,
                         task.due_on, zone, request.resource_url(tasks_root, str(task.id)),
                         TASK_COLOR, ["ec-task"]))
    first = start.astimezone(zone).date()
    last = (end - dt.timedelta(microseconds=1)).astimezone(zone).date()
    recurring = tasks_root["recurring"]
    for p in planned(request, series_view_clause(request, "mine"), first, last):
        due_at = p.due_at
        if not start <= due_at < end and p.has_time:
            continue
        title = request.translate(_("${title} (will be created)", mapping={"title": p.series.title}))
        out.append(_item(f"series-{p.series.id}:{p.day.isoformat()}", title, due_at, p.has_time, p.day,
                         zone, request.resource_url(recurring, str(p.series.id)), PLANNED_COLOR,
                         ["ec-task", "ec-task-planned"], recurring=True))
    return out


def _item(key, title, due_at, has_time, day, zone, url, color, classes, recurring=False) -> dict:
    if has_time:
        start, end = _wall(due_at, zone), _wall(due_at + dt.timedelta(minutes=30), zone)
        all_day = False
    else:
        local = day or due_at.astimezone(zone).date()
        start, end = local.isoformat(), (local + dt.timedelta(days=1)).isoformat()
        all_day = True
    return {
        "id": key,
        "title": title,
        "start": start,
        "end": end,
        "allDay": all_day,
        "editable": False,
        "backgroundColor": color,
        "classNames": classes,
        "extendedProps": {"url": url, "recurring": recurring, "task": True},
    }
