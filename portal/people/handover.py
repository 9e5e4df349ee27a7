"""Hand-over: what a person holds, passed to colleagues in one step (issue 14, point 2).

When someone leaves or changes job, `holdings()` lists, group by group, what is still in their
hands: open tasks assigned to them, clients they are responsible for, future events they
organise, departments they head, ticket queues they work in or lead, open tickets assigned to
them, local roles, and (listed only) their dispatch resource with its open jobs — a resource *is*
the technician, so it is never moved. `hand_over()` passes the chosen groups to the chosen
colleagues in the caller's transaction: one request is one audit change (one Continuum
transaction), so the audit log's undo takes all of it back at once.

Everything is checked before anything is written: an unknown group, a target who is not an
active person, or the person themselves is a `UserError`, and nothing changes.

`change_manager()` is the client list's bulk "change responsible manager": the caller passes the
WHERE clause of what the user may edit (portal/security/filters.py `sql_filter`), so that rows
outside their rights are never touched.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from models.calendar import Event
from models.clients import Contact, Organization
from models.dispatch import OPEN_STATES as OPEN_JOB_STATES
from models.dispatch import Job, JobAssignment, Resource
from models.errors import UserError
from models.meta import utcnow
from models.people import Department, User
from models.roles import LocalRoleGrant
from models.tasks import OPEN_STATES as OPEN_TASK_STATES
from models.tasks import Task
from models.tickets import OPEN_STATES as OPEN_TICKET_STATES
from models.tickets import Queue, QueueAgent, Ticket
from portal.core.i18n import _
from portal.notifications.messages import Joined, ngettext, plural
from portal.notifications.sending import tell

# How many items of each group the page names (the count says how many there are in all).
FIRST = 5
# The notice kind the colleague receives (models.notifications.NOTICE_KINDS).
NOTICE_KIND = "handover"


@dataclass
class Group:
    """One kind of thing a person holds, as the hand-over page lists it."""

    name: str
    title: Any  # a translation string
    count: int = 0
    first: list = field(default_factory=list)  # labels (text or translation strings), FIRST at most
    movable: bool = True  # False: listed only (a dispatch resource is the person)
    note: Any = None  # a translation string said under the group


@dataclass
class GroupSpec:
    name: str
    title: Any
    # rows(dbsession, user_id, now) -> a Select of the rows the person holds, in a stable order
    # (None: clients and queues, read from two tables by _rows)
    rows: Callable[[Any, int, dt.datetime], sa.Select] | None
    label: Callable[[Any], str]
    # move(dbsession, rows, from_id, to_id): pass the rows on (ORM writes, so they are audited)
    move: Callable[[Any, list, int, int], None] | None
    # counted in words in the notice: ngettext(singular, plural, 0) of "${n} …"
    counted: tuple = ("", "", 0)
    note: Any = None


def _set(column: str):
    def move(dbsession, rows, from_id: int, to_id: int) -> None:
        for row in rows:
            if getattr(row, column) == from_id:
                setattr(row, column, to_id)
    return move


def _move_queue_rows(dbsession, rows, from_id: int, to_id: int) -> None:
    """Memberships become the colleague's (dropped where they are a member already); queues the
    person leads get the colleague as their lead."""
    for row in rows:
        if isinstance(row, Queue):
            row.lead_id = to_id
            continue
        already = dbsession.scalar(sa.select(QueueAgent.id).where(
            QueueAgent.queue_id == row.queue_id, QueueAgent.user_id == to_id))
        if already is not None:
            dbsession.delete(row)
        else:
            row.user_id = to_id


def _move_local_roles(dbsession, rows, from_id: int, to_id: int) -> None:
    for grant in rows:
        already = dbsession.scalar(sa.select(LocalRoleGrant.id).where(
            LocalRoleGrant.container_type == grant.container_type,
            LocalRoleGrant.container_id == grant.container_id,
            LocalRoleGrant.role_id == grant.role_id, LocalRoleGrant.user_id == to_id))
        if already is not None:
            dbsession.delete(grant)
        else:
            grant.user_id = to_id


def _move_clients(dbsession, rows, from_id: int, to_id: int) -> None:
    # Organizations first: their contacts follow them on flush (models/clients/interactions.py).
    for row in sorted(rows, key=lambda r: isinstance(r, Contact)):
        if row.manager_id == from_id:
            row.manager_id = to_id


def _tasks(db, uid, now):
    return (sa.select(Task).where(Task.assignee_id == uid, Task.state.in_(OPEN_TASK_STATES))
            .order_by(Task.due_at.is_(None), Task.due_at, Task.id))


def _organizations(uid):
    return sa.select(Organization).where(Organization.manager_id == uid).order_by(
        Organization.name, Organization.id)


def _own_contacts(uid):
    return sa.select(Contact).where(Contact.manager_id == uid,
                                    Contact.organization_id.is_(None)).order_by(
        Contact.full_name, Contact.id)


def _events(db, uid, now):
    return (sa.select(Event).where(Event.organizer_id == uid, Event.series_end_at >= now,
                                   Event.status != "cancelled")
            .order_by(Event.start_at, Event.id))


def _departments(db, uid, now):
    return sa.select(Department).where(Department.head_id == uid).order_by(Department.name)


def _tickets(db, uid, now):
    return (sa.select(Ticket).where(Ticket.assignee_id == uid, Ticket.state.in_(OPEN_TICKET_STATES))
            .order_by(Ticket.id))


def _local_roles(db, uid, now):
    return sa.select(LocalRoleGrant).where(LocalRoleGrant.user_id == uid).order_by(
        LocalRoleGrant.container_type, LocalRoleGrant.container_id, LocalRoleGrant.id)


def _jobs(db, uid, now):
    return (sa.select(Job).join(JobAssignment, JobAssignment.job_id == Job.id)
            .join(Resource, Resource.id == JobAssignment.resource_id)
            .where(Resource.user_id == uid, Job.state.in_(OPEN_JOB_STATES)).order_by(Job.id))


def _label(obj):
    """A row as the page names it: "T-12 Printer jammed", "Ромашка", "Sales"."""
    number = getattr(obj, "number", None)
    for name in ("title", "subject", "name", "full_name"):
        value = getattr(obj, name, None)
        if value:
            return f"{number} {value}" if number else str(value)
    return f"#{obj.id}"


def _grant_label(grant: LocalRoleGrant):
    return _(grant.role.title)


def _place_label(dbsession, grant: LocalRoleGrant):
    """«Editor in “Sales”» for a role shared on a department, «Editor (#12)» elsewhere."""
    dept = dbsession.get(Department, grant.container_id) if grant.container_type == "department" else None
    if dept is not None:
        return _("${role} in “${place}”", mapping={"role": _(grant.role.title), "place": dept.name})
    return _("${role} (${kind} #${id})", mapping={"role": _(grant.role.title),
                                                  "kind": grant.container_type, "id": grant.container_id})


GROUPS: tuple[GroupSpec, ...] = (
    GroupSpec("tasks", _("Open tasks assigned to them"), _tasks, _label, _set("assignee_id"),
              ngettext("${n} open task", "${n} open tasks", 0)),
    # Contacts of an organization follow its manager: only contacts without one count alone.
    GroupSpec("clients", _("Clients they are responsible for"), None, _label, _move_clients,
              ngettext("${n} client", "${n} clients", 0),
              note=_("Contact persons of these organizations follow their organization.")),
    GroupSpec("events", _("Future events they organise"), _events, _label, _set("organizer_id"),
              ngettext("${n} event", "${n} events", 0)),
    GroupSpec("departments", _("Departments they head"), _departments, _label, _set("head_id"),
              ngettext("${n} department to head", "${n} departments to head", 0)),
    GroupSpec("queues", _("Ticket queues they work in or lead"), None, _label, _move_queue_rows,
              ngettext("${n} ticket queue", "${n} ticket queues", 0)),
    GroupSpec("tickets", _("Open tickets assigned to them"), _tickets, _label, _set("assignee_id"),
              ngettext("${n} open ticket", "${n} open tickets", 0)),
    GroupSpec("local_roles", _("Local roles (sharing)"), _local_roles, _grant_label,
              _move_local_roles, ngettext("${n} local role", "${n} local roles", 0)),
    GroupSpec("jobs", _("Open service jobs of their dispatch resource"), _jobs, _label, None,
              note=_("A dispatch resource is the technician: it is not handed over. Reassign "
                     "these jobs on the dispatch board.")),
)
SPECS = {spec.name: spec for spec in GROUPS}
MOVABLE = tuple(spec.name for spec in GROUPS if spec.move is not None)


def _rows(dbsession, spec: GroupSpec, user_id: int, now: dt.datetime, limit: int | None = None) -> list:
    """The rows of one group (all of them, or the first `limit`)."""
    if spec.name == "clients":
        found = []
        for stmt in (_organizations(user_id), _own_contacts(user_id)):
            stmt = stmt.limit(limit - len(found)) if limit is not None else stmt
            if limit is None or len(found) < limit:
                found += list(dbsession.scalars(stmt))
        return found
    if spec.name == "queues":
        agents = sa.select(QueueAgent).where(QueueAgent.user_id == user_id).order_by(QueueAgent.id)
        led = sa.select(Queue).where(Queue.lead_id == user_id).order_by(Queue.id)
        found = list(dbsession.scalars(agents.limit(limit) if limit else agents))
        return found + list(dbsession.scalars(led.limit(limit) if limit else led))
    stmt = spec.rows(dbsession, user_id, now)
    return list(dbsession.scalars(stmt.limit(limit) if limit else stmt))


def _count(dbsession, spec: GroupSpec, user_id: int, now: dt.datetime) -> int:
    def count(stmt):
        return dbsession.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery()))
    if spec.name == "clients":
        return count(_organizations(user_id)) + count(_own_contacts(user_id))
    if spec.name == "queues":
        return (count(sa.select(QueueAgent.id).where(QueueAgent.user_id == user_id))
                + count(sa.select(Queue.id).where(Queue.lead_id == user_id)))
    return count(spec.rows(dbsession, user_id, now))


def _queue_label(dbsession, row):
    if isinstance(row, Queue):
        return _("${queue} (leads it)", mapping={"queue": row.name})
    queue = dbsession.get(Queue, row.queue_id)
    return queue.name if queue is not None else f"#{row.queue_id}"


def holdings(dbsession, user: User, now: dt.datetime | None = None) -> list[Group]:
    """Every group with what `user` holds in it: how many, and the first few by name."""
    now = now or utcnow()
    out = []
    for spec in GROUPS:
        group = Group(spec.name, spec.title, movable=spec.move is not None, note=spec.note)
        group.count = _count(dbsession, spec, user.id, now)
        if group.count:
            rows = _rows(dbsession, spec, user.id, now, limit=FIRST)
            group.first = [_queue_label(dbsession, r) if spec.name == "queues"
                           else _place_label(dbsession, r) if spec.name == "local_roles"
                           else spec.label(r) for r in rows[:FIRST]]
        out.append(group)
    return out


def holds_anything(dbsession, user: User) -> bool:
    """Whether `user` still holds something that can be handed over (the deactivation warning)."""
    now = utcnow()
    return any(_count(dbsession, SPECS[name], user.id, now) for name in MOVABLE)


def headless_departments(dbsession, department_ids=None) -> list[Department]:
    """Departments without a head, or headed by someone deactivated (`department_ids`: only
    these)."""
    stmt = sa.select(Department).outerjoin(User, User.id == Department.head_id).where(
        sa.or_(Department.head_id.is_(None), User.state != "active"))
    if department_ids is not None:
        stmt = stmt.where(Department.id.in_(sorted(department_ids)))
    return list(dbsession.scalars(stmt.order_by(Department.name)))


@dataclass
class HandoverResult:
    moved: dict[str, int]  # group -> how many rows were passed on
    to: dict[str, User]  # group -> the colleague who got it
    departments_without_head: list[Department]


def _check_target(dbsession, from_user: User, target) -> User:
    if not isinstance(target, User) or dbsession.get(User, target.id) is None:
        raise UserError(_("Choose a colleague from the list."), "to")
    if target.id == from_user.id:
        raise UserError(_("Choose someone other than ${name}: they are the one handing over.",
                          mapping={"name": from_user.full_name}), "to")
    if not target.active:
        raise UserError(_("${name} is deactivated: choose an active colleague.",
                          mapping={"name": target.full_name}), "to")
    return target


def hand_over(dbsession, actor: User, from_user: User, targets: dict[str, User | None],
              *, registry=None, now: dt.datetime | None = None) -> HandoverResult:
    """Pass what `from_user` holds to colleagues: `targets` maps a group name (MOVABLE) to the
    colleague who takes it (None or absent: the group stays). One call, one audit change.

    Raises UserError, before anything is written, for an unknown group, a target who is not an
    active person other than `from_user`, or when nothing is chosen.
    """
    now = now or utcnow()
    chosen: dict[str, User] = {}
    for name, target in targets.items():
        if name not in SPECS or SPECS[name].move is None:
            raise UserError(_("“${name}” cannot be handed over.", mapping={"name": name}), name)
        if target is not None:
            chosen[name] = _check_target(dbsession, from_user, target)
    if not chosen:
        raise UserError(_("Choose a colleague for at least one group."), "to")
    moved: dict[str, int] = {}
    headed: set[int] = set()
    for name, target in chosen.items():
        spec = SPECS[name]
        rows = _rows(dbsession, spec, from_user.id, now)
        if name == "departments":
            headed.update(d.id for d in rows)
        if rows:
            spec.move(dbsession, rows, from_user.id, target.id)
        moved[name] = len(rows)
    if "departments" not in chosen:
        headed.update(d.id for d in _rows(dbsession, SPECS["departments"], from_user.id, now))
    dbsession.flush()
    _tell(dbsession, registry, actor, from_user, chosen, moved)
    # A department still headed by a deactivated person has nobody to ask for one.
    return HandoverResult(moved, chosen, headless_departments(dbsession, headed))


def _tell(dbsession, registry, actor: User, from_user: User, chosen: dict[str, User],
          moved: dict[str, int]) -> None:
    """One notice to each colleague, naming what they got (counts per group)."""
    by_target: dict[int, list] = {}
    for name, target in chosen.items():
        n = moved.get(name, 0)
        singular, plural_, _n = SPECS[name].counted
        if n and singular:
            by_target.setdefault(target.id, []).append(plural(ngettext(singular, plural_, n)))
    for target_id, parts in by_target.items():
        tell(dbsession, registry, [target_id], NOTICE_KIND,
             _("${actor} handed ${name}'s work over to you",
               mapping={"actor": actor.full_name, "name": from_user.full_name}),
             Joined(tuple(parts)), exclude=actor.id)


# --- bulk "change responsible manager" on the client list ----------------------------------------

def change_manager(dbsession, actor: User, manager: User, ids: list[int] | None,
                   allowed: sa.ColumnElement[bool], matching: sa.Select | None = None) -> int:
    """Make `manager` responsible for the organizations `ids` (or all of `matching`, a select of
    organization ids) among those `allowed` (the SQL filter of organization.edit); returns how
    many changed. Rows outside `allowed` are left as they are; a deactivated or unknown manager
    is a UserError, and nothing changes."""
    if not isinstance(manager, User) or dbsession.get(User, manager.id) is None:
        raise UserError(_("Choose a manager from the list."), "manager")
    if not manager.active:
        raise UserError(_("${name} is deactivated: choose an active colleague.",
                          mapping={"name": manager.full_name}), "manager")
    stmt = sa.select(Organization).where(allowed, Organization.manager_id.is_distinct_from(manager.id))
    if matching is not None:
        stmt = stmt.where(Organization.id.in_(matching.with_only_columns(Organization.id)
                                              .order_by(None).scalar_subquery()))
    elif ids:
        stmt = stmt.where(Organization.id.in_(sorted(set(ids))))
    else:
        raise UserError(_("Tick the organizations whose manager you want to change."), "ids")
    changed = 0
    for org in dbsession.scalars(stmt.order_by(Organization.id)):
        org.manager_id = manager.id
        changed += 1
    dbsession.flush()
    return changed
