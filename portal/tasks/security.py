"""Who may do what with a task or a series of recurring tasks: their computed ACLs (bound to
the models by portal.tasks' includeme), the same rules as SQL for listings, and where a person
may send a task.

The role matrix applies as for any row (portal.security.acl.row_acl), with two differences:

* own scope means the author and the assignee, for `view`, `edit` and `assign` alike (watching
  grants nothing: a watcher hears of a task only while some rule lets them see it);
* a task waiting in a department's queue may be seen and taken by every member of that
  department (`dept:<id>` principals): that is how a department receives work.

A series is its author's; its assignee may look at it; tasks' `edit` rule holds for it too.

Anyone adds a task for anyone (task.add: all); the author re-sends their own task anywhere;
`assign` with department scope (a department head) reassigns within their departments and those
below; with scope all, anywhere.
"""

from __future__ import annotations

import sqlalchemy as sa
from pyramid.authorization import DENY_ALL, Allow
from pyramid.traversal import find_root

from models.people import Membership
from models.tasks import OPEN_STATES, Task, TaskRecurrence
from portal.security.acl import ADMIN_ACE
from portal.security.filters import best_scope, sql_filter


def task_acl(task: Task) -> list:
    """The task's ACL: the role matrix for its department and people, narrowed by its workflow
    state, and its department's members while it waits in their queue."""
    request = find_root(task).request
    matrix = request.role_matrix
    departments = task.security_departments()
    owners = {"view": task.security_owners()}
    editors = task.editor_ids()
    workflow = getattr(task, "workflow", None)
    state_rules = workflow.state_permissions(task.state) if workflow is not None else {}
    acl = [ADMIN_ACE]
    for (type_name, permission), holders in matrix.by_permission.items():
        if type_name != Task.security_type:
            continue
        rule = state_rules.get(permission)
        who = owners.get(permission, editors)
        for role, scope in holders:
            if rule is not None and role not in rule:
                continue
            if scope == "all":
                acl.append((Allow, f"role:{role}", permission))
            elif scope == "department":
                acl.extend((Allow, f"role:{role}@dept:{d}", permission) for d in departments)
                acl.extend((Allow, f"role:{role}@user:{u}", permission) for u in who)
            else:
                acl.extend((Allow, f"role:{role}@user:{u}", permission) for u in who)
            acl.append((Allow, f"local:{role}", permission))
    if task.in_queue and task.is_open:
        acl.append((Allow, f"dept:{task.department_id}", "view"))
        acl.append((Allow, f"dept:{task.department_id}", "take"))
    acl.append(DENY_ALL)
    return acl


def queue_clause(department_ids):
    """Open tasks waiting in the queues of these departments."""
    return sa.and_(
        Task.assignee_id.is_(None),
        Task.department_id.in_(sorted(department_ids)),
        Task.state.in_(OPEN_STATES),
    )


def visible_tasks(request):
    """WHERE for the tasks the user may view: the role matrix, plus their departments' queues."""
    identity = request.identity
    clause = sql_filter(request, Task, "view")
    if identity is not None and identity.department_ids and not identity.is_admin:
        clause = sa.or_(clause, queue_clause(identity.department_ids))
    return clause


def recurrence_acl(rec: TaskRecurrence) -> list:
    """A series is its author's; whoever it is assigned to may look at it. Tasks' edit rule
    holds too: whoever edits tasks with scope all, or of the series' department queue with
    scope department (a department head), views and edits the series."""
    acl = [ADMIN_ACE, (Allow, f"user:{rec.author_id}", ("view", "edit"))]
    if rec.assignee_id:
        acl.append((Allow, f"user:{rec.assignee_id}", "view"))
    parent = getattr(rec, "__parent__", None)
    if parent is not None:
        for role, scope in parent.request.role_matrix.roles_with(Task.security_type, "edit"):
            if scope == "all":
                acl.append((Allow, f"role:{role}", ("view", "edit")))
            elif scope == "department" and rec.department_id:
                acl.append((Allow, f"role:{role}@dept:{rec.department_id}", ("view", "edit")))
    acl.append(DENY_ALL)
    return acl


def visible_series(request):
    """WHERE for the series the user may see: their own, those assigned to them, and those they
    edit as tasks' edit rule says (`recurrence_acl` as SQL)."""
    me = request.identity.user.id
    scope = best_scope(request, "task", "edit")
    if request.identity.is_admin or scope == "all":
        return sa.true()
    mine = [TaskRecurrence.author_id == me, TaskRecurrence.assignee_id == me]
    if scope == "department" and request.identity.dept_scope_ids:
        mine.append(TaskRecurrence.department_id.in_(sorted(request.identity.dept_scope_ids)))
    return sa.or_(*mine)


# --- where a task may be sent ----------------------------------------------------------------------


def may_reassign(request, task: Task) -> bool:
    """Whether the user may send the task to someone else at all: its author, an admin, or
    whoever holds `assign` on it."""
    identity = request.identity
    return bool(
        identity
        and (
            identity.is_admin or task.author_id == identity.user.id or request.has_permission("assign", task)
        )
    )


def reassign_within(request, task: Task) -> set[int] | None:
    """The departments (and their members) the user may send `task` to; None: anywhere (its
    author, an admin, or `assign` with scope all)."""
    identity = request.identity
    if identity.is_admin or task.author_id == identity.user.id:
        return None
    if best_scope(request, "task", "assign") == "all":
        return None
    return set(identity.dept_scope_ids)


def series_within(request, rec: TaskRecurrence) -> set[int] | None:
    """The departments (and their members) a series may be sent to by the user; None: anywhere
    (its author, an admin, or whoever edits tasks everywhere)."""
    identity = request.identity
    if identity.is_admin or rec.author_id == identity.user.id:
        return None
    if best_scope(request, "task", "edit") == "all":
        return None
    return set(identity.dept_scope_ids)


def target_within(dbsession, target, allowed: set[int] | None) -> bool:
    """Whether `target` (a person or a queue, portal.tasks.service.Target) is within the
    `allowed` departments: the queue is one of them, or the person is a member of one."""
    if allowed is None:
        return True
    if target.user is None:
        return target.department is not None and target.department.id in allowed
    depts = set(
        dbsession.scalars(sa.select(Membership.department_id).where(Membership.user_id == target.user.id))
    )
    return bool(depts & allowed)


def may_send_to(request, task: Task | None, target) -> bool:
    """Whether the user may send `task` (None: a new one) to `target`."""
    identity = request.identity
    if task is None:
        return request.has_permission("add", request.root["tasks"])
    if identity.is_admin or task.author_id == identity.user.id:
        return True
    if not request.has_permission("assign", task):
        return False
    scope = best_scope(request, "task", "assign")
    if scope == "all":
        return True
    allowed = set(identity.dept_scope_ids)
    if target.department is not None and target.user is None:
        return target.department.id in allowed
    if target.user is not None:
        user_depts = set(
            request.dbsession.scalars(
                sa.select(Membership.department_id).where(Membership.user_id == target.user.id)
            )
        )
        return bool(user_depts & allowed)
    return False
