"""One's tasks as a board by state (a kanban, as Bitrix24 users expect): new, in progress, and
done in the last seven days; moving a card to another column is the workflow transition that
leads there (workflows/task.py), with its permission and guard, so the board allows exactly what
the task's page does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from models.meta import utcnow
from models.tasks import Task
from portal.core.i18n import _
from portal.resources import locate
from portal.tasks.security import visible_tasks
from workflows.engine import WorkflowError

DONE_SHOWN = dt.timedelta(days=7)
PER_COLUMN = 100


@dataclass
class Column:
    state: str
    title: object
    tasks: list = field(default_factory=list)
    more: bool = False


COLUMNS = (("open", _("To do")), ("in_progress", _("In progress")), ("done", _("Done in the last 7 days")))


def board(request, now: dt.datetime | None = None) -> list[Column]:
    """The viewer's tasks by state: open ones (most urgent first, then by due date) and those
    done in the last seven days (latest first); one statement."""
    now = now or utcnow()
    me = request.identity.user.id
    rows = request.dbsession.scalars(
        sa.select(Task)
        .where(
            Task.assignee_id == me,
            visible_tasks(request),
            sa.or_(Task.state.in_(("open", "in_progress")),
                   sa.and_(Task.state == "done", Task.done_at >= now - DONE_SHOWN)),
        )
        .options(joinedload(Task.department))
        .order_by(Task.due_at.is_(None), Task.due_at, Task.priority.desc(), Task.id)
        .limit(PER_COLUMN * len(COLUMNS) * 2)
    ).all()
    columns = {state: Column(state, title) for state, title in COLUMNS}
    for task in rows:
        column = columns[task.state]
        if len(column.tasks) < PER_COLUMN:
            column.tasks.append(task)
        else:
            column.more = True
    columns["done"].tasks.sort(key=lambda t: t.done_at or now, reverse=True)
    return list(columns.values())


def transition_to(task: Task, state: str):
    """The workflow's transition from the task's state to `state`, or None."""
    for t in task.workflow.transitions:
        if task.state in t.from_ and t.to == state:
            return t
    return None


def targets(request, task: Task) -> list[str]:
    """The board's columns the viewer may move the card to now (its "Move to…" menu)."""
    available = {t.to for t in task.workflow.available(request, locate(request, task)) if not t.needs_comment}
    return [state for state, _title in COLUMNS if state in available and state != task.state]


def move(request, task: Task, state: str) -> None:
    """Move the card to column `state`: the transition leading there, checked by the workflow
    engine as on the task's page (permission, guard, a state changed a moment ago by someone
    else); a WorkflowError says why not."""
    if state == task.state:
        return
    wanted = dict(COLUMNS).get(state)
    t = transition_to(task, state) if wanted is not None else None
    if t is None or t.needs_comment:
        translate = request.localizer.translate
        raise WorkflowError(_("A task cannot go from “${old}” to “${new}”.", mapping={
            "old": translate(task.workflow.states[task.state].title),
            "new": translate(wanted) if wanted is not None else state}))
    task.workflow.transition(request, task, t.name)
