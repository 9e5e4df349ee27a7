"""Listings and search filter in SQL by the same rules as the rows' ACLs (DESIGN.md §5): scope
all → no filter; department → the row's department among the user's; own → the user owns the
row; plus the departments where a local role of theirs grants the permission."""
from __future__ import annotations

import threading

import sqlalchemy as sa

from models.roles import SCOPE_RANK
from portal.security.matrix import DepartmentTree, security_token
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


def filter_key(request, model, permission: str, identity: Identity | None = None) -> tuple:
    """What decides `sql_filter(request, model, permission)`: ("none",), ("all",) or (scope,
    the departments of the department scope, the owner's id, the departments of local grants).
    Two viewers with the same key get the same clause; callers keep statements built on a
    filter by this key (cheap: no SQL is compiled to tell two filters apart)."""
    identity = identity or request.identity
    if identity is None:
        return ("none",)
    if identity.is_admin:
        return ("all",)
    scope = best_scope(request, model.security_type, permission, identity)
    if scope == "all":
        return ("all",)
    departments = (tuple(sorted(identity.dept_scope_ids))
                   if scope == "department" and identity.dept_scope_ids else ())
    owner = identity.user.id if scope in ("department", "own") else None
    local = tuple(sorted(_local_grant_departments(request, identity, model.security_type,
                                                  permission)))
    return (scope, departments, owner, local)


class Kept:
    """What is made from a key alone (a clause, a statement), made once and shared by every
    request with that key: SQL expressions are immutable. Bounded: cleared when full."""

    def __init__(self, size: int):
        self.size = size
        self._made: dict = {}
        self._lock = threading.Lock()

    def get(self, key, make):
        found = self._made.get(key)
        if found is None:
            found = make()
            with self._lock:
                if len(self._made) >= self.size:
                    self._made.clear()
                self._made[key] = found
        return found

    def __len__(self) -> int:
        return len(self._made)


def rights_key(request) -> tuple:
    """What decides every clause of the person's rights: the generation of roles and
    departments (the role matrix, the tree), who they are, their roles, the departments their
    department scope reaches and their local grants. Worked out once per identity."""
    identity = request.identity
    found = request.__dict__.get("_portal_rights_key")
    if found is not None and found[0] is identity:
        return found[1]
    key = ("anonymous",) if identity is None else (
        security_token(request), identity.user.id, identity.roles, identity.dept_scope_ids,
        frozenset((place, frozenset(names)) for place, names in identity.local_grants.items()))
    request.__dict__["_portal_rights_key"] = (identity, key)
    return key


# The clauses of sql_filter by (model, permission, filter_key): a clause is made from its key
# alone, so viewers with the same rights share one (made once, not on every page).
_CLAUSES = Kept(4096)


def sql_filter(request, model, permission: str, identity: Identity | None = None):
    """A WHERE clause for rows of `model` the user may `permission`: the ACL rules as SQL.

    `model` provides ``security_type``, ``sql_in_departments(ids)`` and ``sql_owned_by(user_id)``.
    Types whose rows follow a workflow in shared containers build their own (knowledge-base
    articles: portal/kb/security.py's `article_filter`).
    """
    key = filter_key(request, model, permission, identity)
    return _CLAUSES.get((model, key), lambda: clause_of(model, key))


def clause_of(model, key: tuple):
    """The clause of `filter_key`'s `key` for rows of `model`."""
    if key == ("none",):
        return sa.false()
    if key == ("all",):
        return sa.true()
    _scope, departments, owner, local = key
    clauses = []
    if departments:
        clauses.append(model.sql_in_departments(list(departments)))
    if owner is not None:
        clauses.append(model.sql_owned_by(owner))
    if local:
        clauses.append(model.sql_in_departments(list(local)))
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
