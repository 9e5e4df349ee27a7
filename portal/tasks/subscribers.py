"""What happens to tasks when something happens elsewhere in the portal, subscribed to by
portal.tasks' includeme:

* a task's workflow transition (workflows/task.py): its people hear, notices are planned again;
* a person deactivated: their open tasks go back to their department's queue, or to the author;
* a department deleted: the tasks of its queue keep everything but the department, and their
  authors are asked to choose someone (a flush hook: deleting may happen anywhere).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models.meta import utcnow
from models.people import Department, User
from models.tasks import OPEN_STATES, Task, schedule_notices
from portal.core.i18n import _
from portal.tasks.notify import tell, tell_session
from portal.tasks.service import log_change, task_url, tell_assigned, who_may_view


def on_transition(event) -> None:
    """Subscriber of workflows.engine.Transitioned: tell the participants, re-plan notices."""
    if event.workflow.name != "task":
        return
    task: Task = event.obj
    request = event.request
    if event.to_state in OPEN_STATES and event.from_state not in OPEN_STATES:
        schedule_notices(task)
    task.updated_at = utcnow()
    if getattr(task, "taken_now", False) and event.transition.name == "start":
        return  # taken and started in one click: portal.tasks.service.take tells it once
    actor = request.identity.user if request.identity else None
    state = event.workflow.states[event.to_state].title
    body = _("${name}: ${state}.", mapping={"name": actor.full_name if actor else "", "state": state})
    if event.comment.strip():
        body = _(
            "${name}: ${state}. “${comment}”",
            mapping={
                "name": actor.full_name if actor else "",
                "state": state,
                "comment": event.comment.strip()[:300],
            },
        )
    tell(
        request.dbsession,
        request.registry,
        who_may_view(request, task, task.participant_ids() - {actor.id if actor else None}),
        "task_changed",
        _("${title}: ${state}", mapping={"title": task.title, "state": state}),
        body,
        task_url(task),
        exclude=actor.id if actor else None,
    )


def on_person_deactivated(event) -> None:
    """A person who leaves hands their open tasks back: to their department's queue, or to the
    author when the task has no department. Nothing is lost, and the authors hear about it."""
    if event.workflow.name != "account" or event.to_state != "deactivated":
        return
    request = event.request
    dbsession, registry = request.dbsession, request.registry
    person: User = event.obj
    tasks = list(
        dbsession.scalars(sa.select(Task).where(Task.assignee_id == person.id, Task.state.in_(OPEN_STATES)))
    )
    actor_id = request.identity.user.id if request.identity else None
    for task in tasks:
        task.assignee_id = None
        task.assignee = None
        if task.department_id is None:
            task.assignee_id = task.author_id if task.author_id != person.id else None
        if task.state == "in_progress":
            task.state = "open"
        dbsession.add(log_change(task, actor_id, {"event": "assignee_left", "user": person.id}))
        if task.assignee_id is None and task.department_id is not None:
            tell_assigned(dbsession, registry, task, actor_id=actor_id)
        tell(
            dbsession,
            registry,
            {task.author_id},
            "task_changed",
            _("Task returned: ${title}", mapping={"title": task.title}),
            _(
                "${name} was deactivated; the task went back to ${where}.",
                mapping={
                    "name": person.full_name,
                    "where": _("the queue of ${department}", mapping={"department": task.department.name})
                    if task.department is not None
                    else _("you"),
                },
            ),
            task_url(task),
            exclude=actor_id,
        )
    dbsession.flush()


def on_departments_deleted(dbsession, departments: list[Department]) -> None:
    """Before a department is deleted: its open tasks keep everything but the department,
    say so in their activity, and their authors are asked to choose a new assignee."""
    ids = [d.id for d in departments if d.id is not None]
    if not ids:
        return
    names = {d.id: d.name for d in departments}
    tasks = list(dbsession.scalars(sa.select(Task).where(Task.department_id.in_(ids))))
    for task in tasks:
        name = names.get(task.department_id, "")
        task.department_id = None
        task.department = None
        dbsession.add(
            log_change(task, dbsession.info.get("actor_id"), {"event": "department_deleted", "name": name})
        )
        if task.is_open and task.assignee_id is None:
            tell_session(
                dbsession,
                {task.author_id},
                "task_changed",
                _("Choose a new assignee: ${title}", mapping={"title": task.title}),
                _(
                    "The department “${department}” was deleted while the task waited in its queue.",
                    mapping={"department": name},
                ),
                task_url(task),
            )


def departments_deleted(session: Session, flush_context, instances) -> None:
    """Before every flush (listened to from portal.tasks' includeme): departments about to be
    deleted hand their tasks back first."""
    gone = [obj for obj in session.deleted if isinstance(obj, Department)]
    if gone:
        on_departments_deleted(session, gone)
