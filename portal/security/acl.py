"""ACLs computed for every resource, never stored: admin first (always allowed everything),
then for each role that holds type.permission, an entry for its scope (all, the row's
departments, the row's owners) narrowed by the row's workflow state, then the local roles, then
deny all. Containers of a section list and add for whoever holds any scope of it."""
from __future__ import annotations

from pyramid.authorization import ALL_PERMISSIONS, DENY_ALL, Allow
from pyramid.traversal import find_root

from models.roles import ADMIN_ROLE
from portal.security.matrix import RoleMatrix

ADMIN = f"role:{ADMIN_ROLE}"
ADMIN_ACE = (Allow, ADMIN, ALL_PERMISSIONS)


def _request_of(obj):
    return getattr(find_root(obj), "request", None)


def container_acl(obj, type_name: str, permissions=("view", "add")) -> tuple:
    """A section's ACL: whoever holds any scope of type.permission may list (view) or add.
    It depends on the role matrix alone, so it is made once per matrix."""
    matrix: RoleMatrix = _request_of(obj).role_matrix
    key = ("container_acl", type_name, tuple(permissions))
    acl = matrix.derived.get(key)
    if acl is None:
        entries = [ADMIN_ACE]
        for permission in permissions:
            for role, _scope in matrix.roles_with(type_name, permission):
                entries.append((Allow, f"role:{role}", permission))
                entries.append((Allow, f"local:{role}", permission))
        entries.append(DENY_ALL)
        acl = matrix.derived[key] = tuple(entries)
    return acl


def row_acl(obj) -> list:
    """The ACL of one row: the role matrix for its type, narrowed by its workflow state."""
    request = _request_of(obj)
    matrix: RoleMatrix = request.role_matrix
    type_name = obj.security_type
    departments = obj.security_departments()
    owners = obj.security_owners()
    state_rules = _state_rules(obj)
    acl = [ADMIN_ACE]
    for (t, permission), holders in matrix.by_permission.items():
        if t != type_name:
            continue
        rule = state_rules.get(permission)
        for role, scope in holders:
            if rule is not None and role not in rule:
                continue
            if scope == "all":
                acl.append((Allow, f"role:{role}", permission))
            elif scope == "department":
                # Department scope includes one's own rows (scopes nest: own ⊂ department ⊂ all).
                acl.extend((Allow, f"role:{role}@dept:{d}", permission) for d in departments)
                acl.extend((Allow, f"role:{role}@user:{u}", permission) for u in owners)
            else:
                acl.extend((Allow, f"role:{role}@user:{u}", permission) for u in owners)
            acl.append((Allow, f"local:{role}", permission))
    for permission, rule in state_rules.items():
        if rule and "Owner" in rule:
            acl.extend((Allow, f"user:{u}", permission) for u in owners)
    acl.append(DENY_ALL)
    return acl


def _state_rules(obj) -> dict:
    """{permission: allowed role names} of the object's workflow state (absent: matrix as is)."""
    workflow = getattr(obj, "workflow", None)
    if workflow is None:
        return {}
    return workflow.state_permissions(getattr(obj, workflow.state_attr))
