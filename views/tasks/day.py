"""My day blocks of tasks: overdue, due today and every-day items (main column), and the
department queue waiting to be taken (side column). A few indexed queries each: My day is
everyone's home page.

Tasks set by someone else (a colleague handed them over) come first in each list, with who set
them; a long overdue list (more than FOLD_OVER tasks, or one overdue more than FOLD_AFTER) is
folded behind its count, so the page stays short on a phone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from models.meta import in_first_of_each, utcnow
from models.people import Department, User
from models.tasks import OPEN_STATES, Task
from portal.core.i18n import local_today
from portal.tasks.lists import day_bounds
from views.home import DayBlock, day_block
from views.tasks.display import task_helpers

SHOWN = 8
QUEUE_SHOWN = 5
FOLD_OVER = 5  # more overdue tasks than this are folded
FOLD_AFTER = dt.timedelta(days=7)  # and so are overdue lists with one older than this

# Who set a task, read as a column of the same statement (no User made per task).
AUTHOR = aliased(User, name="task_author")


@dataclass(frozen=True, slots=True)
class DayTask:
    """What My day shows of a task: a few columns, not a Task (reading whole tasks, with their
    descriptions, cost more than the rest of the block)."""

    id: int
    title: str
    state: str
    priority: int
    author_id: int | None
    assignee_id: int | None
    due_at: dt.datetime | None
    due_has_time: bool
    due_on: dt.date | None
    daily: bool
    created_at: dt.datetime
    department_name: str | None

    COLUMNS = ("id", "title", "state", "priority", "author_id", "assignee_id", "due_at",
               "due_has_time", "due_on", "daily", "created_at")

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


@dataclass
class DayTasks:
    overdue: list[DayTask]
    overdue_total: int
    due_today: list[DayTask]
    daily: list[DayTask]
    waiting: list[DayTask]
    waiting_total: int
    set_by: dict[int, str] | None = None  # {task id: who set it}, for those set by others

    def fold_overdue(self, now: dt.datetime) -> bool:
        """Whether the overdue list is long enough to fold: many, or long overdue."""
        own = [t for t in self.overdue if t.id not in (self.set_by or {})]
        return len(own) > 0 and (self.overdue_total > FOLD_OVER or any(
            t.due_at < now - FOLD_AFTER for t in own))


def colleagues_first(tasks: list[DayTask], me: int) -> list[DayTask]:
    """Those set by someone else first, each part in its own order (a stable sort)."""
    return sorted(tasks, key=lambda t: t.author_id in (None, me))


def _day_tasks_statement(with_queue: bool) -> sa.Select:
    """day_tasks' statement for anyone: the bound parameters "me", "now", "end" and (with the
    queue) "departments"."""
    me = sa.bindparam("me", type_=sa.Integer)
    now = sa.bindparam("now", type_=Task.due_at.type)
    end = sa.bindparam("end", type_=Task.due_at.type)
    mine = sa.and_(Task.assignee_id == me, Task.state.in_(OPEN_STATES))
    late = sa.and_(mine, Task.due_at < now)
    # portal.tasks.security.queue_clause, with the departments as a parameter.
    queue = sa.and_(Task.assignee_id.is_(None),
                    Task.department_id.in_(sa.bindparam("departments", expanding=True)),
                    Task.state.in_(OPEN_STATES)) if with_queue else None
    ids = sa.select(Task.id)
    wanted = in_first_of_each(Task.id, [
        (ids.where(late).order_by(Task.due_at, Task.id), SHOWN),
        (ids.where(mine, Task.due_at >= now, Task.due_at < end)
         .order_by(Task.due_at, Task.priority.desc(), Task.id), SHOWN * 2),
        (ids.where(mine, Task.daily).order_by(Task.priority.desc(), Task.created_at, Task.id),
         SHOWN * 2),
        (ids.where(queue).order_by(Task.priority.desc(), Task.due_at.is_(None), Task.due_at,
                                   Task.id) if queue is not None else None, QUEUE_SHOWN),
    ])
    count = sa.select(sa.func.count()).select_from(Task)
    return (sa.select(*(getattr(Task, name) for name in DayTask.COLUMNS), Department.name,
                      count.where(late).scalar_subquery(),
                      count.where(queue).scalar_subquery() if queue is not None
                      else sa.literal(0), AUTHOR.full_name)
            .outerjoin(AUTHOR, AUTHOR.id == Task.author_id)
            .outerjoin(Department, Department.id == Task.department_id)
            .where(wanted))


# Built once (with and without the departments' queue): My day is everyone's home page, and
# building the statement cost more than running it.
DAY_TASKS = {True: _day_tasks_statement(True), False: _day_tasks_statement(False)}


def day_tasks(request) -> DayTasks:
    """Both blocks' tasks in one statement (once per request): each list read through its own
    index in its own order, the two totals as columns of the same statement."""
    memo = request.environ.get("portal.day_tasks")
    if memo is not None:
        return memo
    identity = request.identity
    now = utcnow()
    _start, end = day_bounds(request, local_today(request))
    params = {"me": identity.user.id, "now": now, "end": end}
    if identity.department_ids:
        params["departments"] = sorted(identity.department_ids)
    rows = request.dbsession.execute(DAY_TASKS[bool(identity.department_ids)], params).all()
    width = len(DayTask.COLUMNS) + 1
    tasks = [DayTask(*row[:width]) for row in rows]
    overdue_total, waiting_total = (rows[0][width], rows[0][width + 1]) if rows else (0, 0)
    me = identity.user.id
    set_by = {task.id: row[width + 2] for task, row in zip(tasks, rows, strict=True)
              if task.author_id not in (None, me)}
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    mine_now = [t for t in tasks if t.assignee_id == me]
    overdue = sorted((t for t in mine_now if t.due_at is not None and t.due_at < now),
                     key=lambda t: (t.due_at, t.id))[:SHOWN]
    due_today = sorted((t for t in mine_now if t.due_at is not None and now <= t.due_at < end),
                       key=lambda t: (t.due_at, -t.priority, t.id))[:SHOWN * 2]
    shown = {t.id for t in overdue} | {t.id for t in due_today}
    daily = sorted((t for t in mine_now if t.daily and t.id not in shown),
                   key=lambda t: (-t.priority, t.created_at, t.id))
    waiting = sorted((t for t in tasks if t.assignee_id is None),
                     key=lambda t: (-t.priority, t.due_at is None, t.due_at or far, t.id))
    memo = DayTasks(colleagues_first(overdue, me), overdue_total,
                    colleagues_first(due_today, me), colleagues_first(daily, me),
                    waiting[:QUEUE_SHOWN], waiting_total, set_by)
    request.environ["portal.day_tasks"] = memo
    return memo


@day_block
def tasks_today(request) -> DayBlock | None:
    """The person's overdue tasks, those due today and their every-day ones."""
    if request.identity is None:
        return None
    found = day_tasks(request)
    now = utcnow()
    tasks_url = request.resource_url(request.root["tasks"])
    return DayBlock(
        "tasks/day_today.jinja2",
        {
            "overdue": found.overdue,
            "overdue_total": found.overdue_total,
            "fold_overdue": found.fold_overdue(now),
            "set_by": found.set_by or {},
            "due_today": found.due_today,
            "daily": found.daily,
            "tasks_url": tasks_url,
            "task_base": tasks_url,  # + a task's id: its address (task_url, without the lookups)
            **task_helpers(request, now),
        },
        order=20,
        column="main",
    )


@day_block
def tasks_queue(request) -> DayBlock | None:
    """Tasks waiting in the queues of the person's departments, most urgent first."""
    identity = request.identity
    if identity is None or not identity.department_ids:
        return None
    found = day_tasks(request)
    if not found.waiting:
        return None
    return DayBlock(
        "tasks/day_queue.jinja2",
        {
            "waiting": found.waiting,
            "total": found.waiting_total,
            "set_by": found.set_by or {},
            "queue_url": request.resource_url(request.root["tasks"], query={"view": "queue"}),
            "task_base": request.resource_url(request.root["tasks"]),
            **task_helpers(request),
        },
        order=10,
        column="side",
    )
