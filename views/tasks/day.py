"""My day blocks of tasks: overdue, due today and every-day items (main column), and the
department queue waiting to be taken (side column). A few indexed queries each: My day is
everyone's home page."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from models.meta import utcnow
from models.tasks import OPEN_STATES, Task
from portal.core.i18n import local_today
from portal.tasks.lists import day_bounds
from portal.tasks.security import queue_clause
from views.home import DayBlock, day_block
from views.tasks.display import task_helpers

SHOWN = 8


def _mine(request):
    return sa.and_(Task.assignee_id == request.identity.user.id, Task.state.in_(OPEN_STATES))


@day_block
def tasks_today(request) -> DayBlock | None:
    """The person's overdue tasks, those due today and their every-day ones."""
    if request.identity is None:
        return None
    db = request.dbsession
    now = utcnow()
    today = local_today(request)
    _start, end = day_bounds(request, today)
    people = (joinedload(Task.department),)
    overdue_stmt = sa.select(Task).where(_mine(request), Task.due_at < now)
    overdue = db.scalars(overdue_stmt.options(*people).order_by(Task.due_at).limit(SHOWN)).all()
    overdue_total = (
        len(overdue)
        if len(overdue) < SHOWN
        else db.scalar(sa.select(sa.func.count()).select_from(Task).where(_mine(request), Task.due_at < now))
    )
    due_today = db.scalars(
        sa.select(Task)
        .where(_mine(request), Task.due_at >= now, Task.due_at < end)
        .options(*people)
        .order_by(Task.due_at, Task.priority.desc())
        .limit(SHOWN * 2)
    ).all()
    shown = {t.id for t in overdue} | {t.id for t in due_today}
    daily = [
        t
        for t in db.scalars(
            sa.select(Task)
            .where(_mine(request), Task.daily)
            .options(*people)
            .order_by(Task.priority.desc(), Task.created_at)
            .limit(SHOWN * 2)
        )
        if t.id not in shown
    ]
    tasks_url = request.resource_url(request.root["tasks"])
    return DayBlock(
        "tasks/day_today.jinja2",
        {
            "overdue": overdue,
            "overdue_total": overdue_total,
            "due_today": due_today,
            "daily": daily,
            "tasks_url": tasks_url,
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
    db = request.dbsession
    clause = queue_clause(identity.department_ids)
    waiting = db.scalars(
        sa.select(Task)
        .where(clause)
        .options(joinedload(Task.department))
        .order_by(Task.priority.desc(), Task.due_at.is_(None), Task.due_at, Task.id)
        .limit(5)
    ).all()
    if not waiting:
        return None
    total = (
        len(waiting)
        if len(waiting) < 5
        else db.scalar(sa.select(sa.func.count()).select_from(Task).where(clause))
    )
    return DayBlock(
        "tasks/day_queue.jinja2",
        {
            "waiting": waiting,
            "total": total,
            "queue_url": request.resource_url(request.root["tasks"], query={"view": "queue"}),
            **task_helpers(request),
        },
        order=10,
        column="side",
    )
