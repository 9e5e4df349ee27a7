"""Who may do what with a task: its computed ACL and the same rules as SQL for listings.

The role matrix applies as for any row (portal.security.policy.row_acl), with two differences:

* own scope means, for `view`, the author, the assignee and the watchers; for `edit` and
  `assign` only the author and the assignee (watchers follow a task, they do not change it);
* a task waiting in a department's queue may be seen and taken by every member of that
  department (`dept:<id>` principals): that is how a department receives work.
"""

from __future__ import annotations

import sqlalchemy as sa
from pyramid.authorization import DENY_ALL, Allow
from pyramid.traversal import find_root

from models.roles import SCOPE_RANK
from models.tasks import OPEN_STATES, Task
from portal.security.policy import ADMIN_ACE, sql_filter


def task_acl(task: Task) -> list:
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


def best_scope(request, type_name: str, permission: str) -> str | None:
    """The widest scope of type.permission among the user's roles ("all" for admins)."""
    identity = request.identity
    if identity is None:
        return None
    if identity.is_admin:
        return "all"
    best = None
    for role, scope in request.role_matrix.roles_with(type_name, permission):
        if role in identity.roles and SCOPE_RANK[scope] > SCOPE_RANK[best]:
            best = scope
    return best
