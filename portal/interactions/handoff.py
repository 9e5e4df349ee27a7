"""Handing work to a colleague from a call: a next step of the call form may be a task for a
person or for a department's queue (the secretary's "prepare the documents" for accounting),
made with the tasks' own rules (portal.tasks.service: where a task may go, its due date, who is
told); the task is about the call's client (an "organization" or "contact" link) and names the
call in its description. And the planned call a logged one fulfils (`planned_to_close`), which
the form offers to mark done (`close_planned`).

Everything is checked before anything is written (`check_task_steps`); the call, the planned
step it closes and its tasks are then written in the request's one transaction.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from models.clients import Contact, Interaction, Organization
from models.people import Department, Membership, User
from models.tasks import Task
from portal.core.i18n import _, format_date
from portal.core.parsing import parse_int
from portal.interactions.rules import FieldProblem
from portal.security.filters import sql_filter
from portal.tasks.security import visible_tasks
from portal.tasks.service import (
    Target,
    TaskProblem,
    check_target,
    create_task,
    due_instant,
    parse_target,
)

TASK = "task"  # the step kind that makes a task rather than an interaction
QUEUE_PREFIX = "dept:"


@dataclass
class TaskStep:
    """A task to set for a person or a department's queue, due on a local day (and time)."""

    title: str
    target: Target
    due_on: dt.date
    due_time: dt.time | None = None

    @property
    def to_queue(self) -> bool:
        return self.target.user is None


def read_target(dbsession, value: str) -> Target:
    """A step's "who" for a task: a person ("7") or a department's queue ("dept:3"), as
    portal.tasks.service.parse_target checks them (exists, active, someone to take it)."""
    value = (value or "").strip()
    if not value.startswith(QUEUE_PREFIX):
        value = "user:" + value
    try:
        return parse_target(dbsession, value)
    except TaskProblem as problem:
        raise FieldProblem(problem.message) from None


def check_task_steps(request, steps: list[TaskStep]) -> dict[int, str]:
    """{step position: why} for the tasks the user may not set (tasks.add, and where to: the
    tasks' own rule); empty when all may be set. Nothing is written."""
    refused: dict[int, str] = {}
    for position, step in enumerate(steps):
        try:
            check_target(request, None, step.target)
        except TaskProblem:
            where = step.target.department.name if step.to_queue else step.target.user.full_name
            refused[position] = _(
                "You may not give tasks (to “${where}” or anyone): your roles lack “Give tasks”. "
                "Ask your administrator, or plan a call for a colleague instead.",
                mapping={"where": where})
    return refused


def client_link(item: Interaction) -> tuple[str | None, int | None]:
    """What a task made from the call is about: its organization, else its contact person."""
    if item.organization_id is not None:
        return "organization", item.organization_id
    if item.contact_id is not None:
        return "contact", item.contact_id
    return None, None


def hand_over(request, actor: User, call: Interaction, steps: list[TaskStep]) -> list[Task]:
    """The tasks of a call's next steps, each about its client and naming the call; whoever
    gets one (the person, or the queue's department) is told by the tasks' rules."""
    zone = request.user_timezone
    path = call_path(call)
    made = []
    for step in steps:
        due_at, has_time = due_instant(step.due_on, step.due_time, zone)
        note = f"{call.subject}\n{path}" if call.subject else path
        made.append(create_task(
            request.dbsession, actor, registry=request.registry, title=step.title,
            target=step.target, description=note, due_at=due_at, due_has_time=has_time,
            due_on=step.due_on, link=client_link(call)))
    return made


@dataclass(frozen=True)
class HandedTask:
    """A task made from a call, as the call's page lists it."""

    id: int
    title: str
    to: str  # the person, or the department whose queue holds it
    due_on: dt.date | None
    state: str


ASSIGNEE = aliased(User, name="handed_to")
QUEUE = aliased(Department, name="handed_queue")


def call_path(call: Interaction) -> str:
    return f"/clients/interactions/{call.id}/"


def tasks_of_call(request, call: Interaction) -> list[HandedTask]:
    """The tasks handed over from the call (about its client, naming it) that the user may see;
    one statement on the tasks' link index."""
    link_type, link_id = client_link(call)
    if link_type is None:
        return []
    rows = request.dbsession.execute(
        sa.select(Task.id, Task.title, ASSIGNEE.full_name, QUEUE.name, Task.due_on, Task.state)
        .outerjoin(ASSIGNEE, ASSIGNEE.id == Task.assignee_id)
        .outerjoin(QUEUE, QUEUE.id == Task.department_id)
        .where(Task.link_type == link_type, Task.link_id == link_id,
               Task.description.like(f"%{call_path(call)}"), visible_tasks(request))
        .order_by(Task.id).limit(20))
    return [HandedTask(row[0], row[1], row[2] or row[3] or "", row[4], row[5]) for row in rows]


def task_message(request, task: Task, step: TaskStep):
    """«Task “Prepare the documents” is given to the queue of “Accounting”, due 14 March»."""
    due = format_date(request, step.due_on, "d MMMM")
    if step.due_time is not None:
        due = f"{due}, {step.due_time.strftime('%H:%M')}"
    if step.to_queue:
        return _("Task “${title}” is given to the department “${department}”, due ${due}.",
                 mapping={"title": task.title, "department": step.target.department.name,
                          "due": due})
    return _("Task “${title}” is given to ${name}, due ${due}.",
             mapping={"title": task.title, "name": step.target.user.full_name, "due": due})


# --- the planned step a logged call fulfils ----------------------------------------------------

def about_client(organization_id: int | None, contact_id: int | None):
    """WHERE for what is about the same client: the same contact person, or the organization
    itself with nobody in particular; the organization alone when no person is chosen."""
    if contact_id is not None:
        same = Interaction.contact_id == contact_id
        if organization_id is not None:
            same = sa.or_(same, sa.and_(Interaction.organization_id == organization_id,
                                        Interaction.contact_id.is_(None)))
        return same
    if organization_id is not None:
        return Interaction.organization_id == organization_id
    return None


@dataclass(frozen=True)
class PlannedStep:
    """An open planned interaction the call being logged may fulfil."""

    id: int
    kind: str
    planned_at: dt.datetime
    subject: str
    responsible_id: int | None
    responsible_name: str
    version: int

    def checked_for(self, me: int, end_of_today: dt.datetime) -> bool:
        """Ticked by default: my own, planned for today or overdue."""
        return self.responsible_id == me and self.planned_at < end_of_today


def planned_to_close(request, organization_id: int | None, contact_id: int | None,
                     kind: str | None = None) -> PlannedStep | None:
    """The earliest open planned interaction about the same client (`about_client`) that the
    user may mark done; one of the same kind first (a call for a call)."""
    about = about_client(organization_id, contact_id)
    if about is None:
        return None
    order = [Interaction.planned_at, Interaction.id]
    if kind:
        order.insert(0, sa.case((Interaction.kind == kind, 0), else_=1))
    row = request.dbsession.execute(
        sa.select(Interaction.id, Interaction.kind, Interaction.planned_at, Interaction.subject,
                  Interaction.responsible_id, User.full_name, Interaction.version)
        .outerjoin(User, User.id == Interaction.responsible_id)
        .where(about, Interaction.done_at.is_(None),
               sql_filter(request, Interaction, "edit"))
        .order_by(*order).limit(1)).first()
    return PlannedStep(row[0], row[1], row[2], row[3] or "", row[4], row[5] or "", row[6]) \
        if row else None


def close_planned(request, raw_id, call: Interaction) -> Interaction | None:
    """Mark done the planned step the logged `call` fulfils (the id the form offered), at the
    call's time and with its result; the call follows it. None: nothing to close (it is done
    already, or no longer about this client, or not the user's to change)."""
    key = parse_int(raw_id)
    planned = request.dbsession.get(Interaction, key) if key is not None else None
    if planned is None or planned.done_at is not None or planned.id == call.id:
        return None
    about = about_client(call.organization_id, call.contact_id)
    allowed = request.dbsession.scalar(sa.select(Interaction.id).where(
        Interaction.id == planned.id, about, sql_filter(request, Interaction, "edit")))
    if allowed is None:
        return None
    planned.done_at = call.done_at
    planned.result = call.result
    call.parent = planned
    request.dbsession.flush()
    return planned


# --- who may be given a task: the client's manager first, and the departments' queues ---------

def client_manager(dbsession, organization_id: int | None, contact_id: int | None
                   ) -> User | None:
    """The responsible manager of the organization (else of the contact person)."""
    for model, key in ((Organization, organization_id), (Contact, contact_id)):
        if key is None:
            continue
        manager_id = dbsession.scalar(sa.select(model.manager_id).where(model.id == key))
        if manager_id is not None:
            manager = dbsession.get(User, manager_id)
            if manager is not None and manager.active:
                return manager
    return None


def queues(dbsession) -> list[tuple[int, str]]:
    """(id, name) of the departments whose queue someone may take a task from."""
    staffed = sa.select(Membership.department_id).join(User, User.id == Membership.user_id) \
        .where(User.active)
    return [(row.id, row.name) for row in dbsession.execute(
        sa.select(Department.id, Department.name).where(Department.id.in_(staffed))
        .order_by(Department.name, Department.id))]
