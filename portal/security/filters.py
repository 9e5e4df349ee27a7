"""Listings and search filter in SQL by the same rules as the rows' ACLs (DESIGN.md §5): scope
all → no filter; department → the row's department among the user's; own → the user owns the
row; plus the departments where a local role of theirs grants the permission."""
from __future__ import annotations

import sqlalchemy as sa

from models.roles import SCOPE_RANK
from portal.security.matrix import DepartmentTree
from portal.security.principals import Identity


def best_scope(request, type_name: str, permission: str, identity: Identity | None = None) -> str | None:
    """The widest scope of type.permission among the user's roles ("all" for admins; None: no
    role of theirs grants it)."""
    identity = identity or request.identity
    if identity is None:
        return None
    if identity.is_admin:
        return "all"
    best = None
    for role, scope in request.role_matrix.roles_with(type_name, permission):
        if role in identity.roles and SCOPE_RANK[scope] > SCOPE_RANK[best]:
            best = scope
    return best


def sql_filter(request, model, permission: str, identity: Identity | None = None):
    """A WHERE clause for rows of `model` the user may `permission`: the ACL rules as SQL.

    `model` provides ``security_type``, ``sql_in_departments(ids)`` and ``sql_owned_by(user_id)``.
    Types whose rows follow a workflow in shared containers build their own (knowledge-base
    articles: portal/kb/security.py's `article_filter`).
    """
    identity = identity or request.identity
    if identity is None:
        return sa.false()
    if identity.is_admin:
        return sa.true()
    clauses = []
    scope = best_scope(request, model.security_type, permission, identity)
    if scope == "all":
        return sa.true()
    if scope == "department" and identity.dept_scope_ids:
        clauses.append(model.sql_in_departments(sorted(identity.dept_scope_ids)))
    if scope in ("department", "own"):
        clauses.append(model.sql_owned_by(identity.user.id))
    local_depts = _local_grant_departments(request, identity, model.security_type, permission)
    if local_depts:
        clauses.append(model.sql_in_departments(sorted(local_depts)))
    return sa.or_(*clauses) if clauses else sa.false()


def _local_grant_departments(request, identity, type_name, permission) -> set[int]:
    """Departments where a local role of the user grants type.permission (and below them)."""
    roles = {role for role, _ in request.role_matrix.roles_with(type_name, permission)}
    if not roles:
        return set()
    granted = {container_id for (container_type, container_id), names
               in identity.local_grants.items()
               if container_type == "department" and names & roles}
    if not granted:
        return set()
    tree: DepartmentTree = request.department_tree
    # A local grant reaches a sub-department unless the sub-department (or one between) blocks.
    return {d for d in tree.parents if granted & set(tree.local_lineage(d))}
