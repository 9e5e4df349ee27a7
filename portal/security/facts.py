"""Everything a person's identity needs, in one statement: their departments, the roles granted
to them or to one of their departments, and the local roles granted to them or their departments
on any container (DESIGN.md §5). The request's identity is built from it
(portal/security/policy.py); the role matrix and the department tree come from memory
(portal/security/matrix.py)."""
from __future__ import annotations

import sqlalchemy as sa

from models.people import Membership, User
from models.roles import LocalRoleGrant, Role, RoleGrant
from portal.security.matrix import DepartmentTree
from portal.security.principals import Identity


def identity_facts(dbsession, user: User, tree: DepartmentTree) -> Identity:
    """The identity of `user`, local grants included, read in one round trip."""
    my_departments = sa.select(Membership.department_id).where(Membership.user_id == user.id)
    no_id, no_text = sa.cast(sa.null(), sa.Integer), sa.cast(sa.null(), sa.String)
    parts = sa.union_all(
        sa.select(sa.literal("m"), Membership.department_id, no_text, no_text)
        .where(Membership.user_id == user.id),
        sa.select(sa.literal("r"), no_id, no_text, Role.name)
        .join(RoleGrant, RoleGrant.role_id == Role.id)
        .where(sa.or_(RoleGrant.user_id == user.id,
                      RoleGrant.department_id.in_(my_departments))),
        sa.select(sa.literal("l"), LocalRoleGrant.container_id, LocalRoleGrant.container_type,
                  Role.name)
        .join(Role, Role.id == LocalRoleGrant.role_id)
        .where(sa.or_(LocalRoleGrant.user_id == user.id,
                      LocalRoleGrant.department_id.in_(my_departments))),
    )
    departments: set[int] = set()
    roles: set[str] = set()
    local: dict[tuple[str, int], set[str]] = {}
    for kind, number, container_type, name in dbsession.execute(parts):
        if kind == "m":
            departments.add(number)
        elif kind == "r":
            roles.add(name)
        else:
            local.setdefault((container_type, number), set()).add(name)
    return Identity(user, frozenset(roles), frozenset(departments),
                    frozenset(tree.with_descendants(departments)), local_grants=local)
