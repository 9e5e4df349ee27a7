"""Who the user is and which principals they carry (DESIGN.md §5): ``user:<id>``,
``dept:<id>``, ``role:R`` (scope all), ``role:R@dept:<id>`` for each department in their
department scope, ``role:R@user:<id>`` (scope own), and ``local:R`` for each local role granted to
them on the lineage of the object being checked."""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from pyramid.authorization import Authenticated, Everyone
from pyramid.location import lineage

from models.meta import joined_strings
from models.people import Department, Membership, User
from models.roles import ADMIN_ROLE, LocalRoleGrant, Role, RoleGrant
from portal.security.matrix import DepartmentTree


@dataclass
class Identity:
    user: User
    roles: frozenset[str]
    department_ids: frozenset[int]
    dept_scope_ids: frozenset[int]
    # (container type, id) -> local role names granted to them or their departments.
    local_grants: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_admin(self) -> bool:
        return ADMIN_ROLE in self.roles

    def base_principals(self) -> set[str]:
        uid = self.user.id
        out = {Everyone, Authenticated, f"user:{uid}"}
        out.update(f"dept:{d}" for d in self.department_ids)
        for role in self.roles:
            out.add(f"role:{role}")
            out.add(f"role:{role}@user:{uid}")
            out.update(f"role:{role}@dept:{d}" for d in self.dept_scope_ids)
        return out


def _identity_statement() -> sa.CompoundSelect:
    """identity_for's statement, for any person (the bound parameter "uid")."""
    uid = sa.bindparam("uid", type_=sa.Integer)
    my_departments = sa.select(Membership.department_id).where(Membership.user_id == uid)
    no_id, no_text = sa.cast(sa.null(), sa.Integer), sa.cast(sa.null(), sa.String)
    return sa.union_all(
        sa.select(sa.literal("m"), Membership.department_id, no_text, no_text)
        .where(Membership.user_id == uid),
        sa.select(sa.literal("r"), no_id, no_text, Role.name)
        .join(RoleGrant, RoleGrant.role_id == Role.id)
        .where(sa.or_(RoleGrant.user_id == uid,
                      RoleGrant.department_id.in_(my_departments))),
        sa.select(sa.literal("l"), LocalRoleGrant.container_id, LocalRoleGrant.container_type,
                  Role.name)
        .join(Role, Role.id == LocalRoleGrant.role_id)
        .where(sa.or_(LocalRoleGrant.user_id == uid,
                      LocalRoleGrant.department_id.in_(my_departments))),
    )


# Built once: every request reads the identity, and building the statement (and its cache key)
# anew each time cost more than running it.
IDENTITY_STATEMENT = _identity_statement()


def identity_for(dbsession, user: User, tree: DepartmentTree | None = None) -> Identity:
    """Roles, departments and local grants of `user` (the request's person, and "Check access"),
    in one statement: their departments, the roles granted to them or to one of their
    departments, and the local roles granted to them or their departments on any container."""
    departments: set[int] = set()
    roles: set[str] = set()
    local: dict[tuple[str, int], set[str]] = {}
    for kind, number, container_type, name in dbsession.execute(IDENTITY_STATEMENT,
                                                                {"uid": user.id}):
        if kind == "m":
            departments.add(number)
        elif kind == "r":
            roles.add(name)
        else:
            local.setdefault((container_type, number), set()).add(name)
    tree = tree or DepartmentTree.load(dbsession)
    return Identity(user, frozenset(roles), frozenset(departments),
                    frozenset(tree.with_descendants(departments)), local_grants=local)


# The identity read with the session (portal/security/sessions.py PREAMBLE): the person's
# departments, roles and local grants as three text columns of the session's statement, so that
# a page's request needs no statement of its own for it. Values are joined by SEP; a local
# grant's container type, container id and role name by FIELD.
IDENTITY_USER, IDENTITY_DEPARTMENTS, IDENTITY_ROLES, IDENTITY_LOCAL = (
    "identity.user", "identity.departments", "identity.roles", "identity.local")
SEP, FIELD = "\x1f", "\x1e"


def identity_columns(user_id) -> dict[str, sa.ColumnElement]:
    """The columns of the session's statement that carry the identity of `user_id` (a column)."""
    # Correlated with the session's row two levels up (else SQLAlchemy would read the
    # sessions table anew inside).
    my_departments = (sa.select(Membership.department_id).where(Membership.user_id == user_id)
                      .correlate_except(Membership))
    local = (LocalRoleGrant.container_type + FIELD + sa.cast(LocalRoleGrant.container_id, sa.String)
             + FIELD + Role.name)
    return {
        IDENTITY_USER: user_id,
        IDENTITY_DEPARTMENTS: sa.select(joined_strings(
            sa.cast(Membership.department_id, sa.String), SEP))
        .where(Membership.user_id == user_id).scalar_subquery(),
        IDENTITY_ROLES: sa.select(joined_strings(Role.name, SEP))
        .select_from(RoleGrant).join(Role, Role.id == RoleGrant.role_id)
        .where(sa.or_(RoleGrant.user_id == user_id,
                      RoleGrant.department_id.in_(my_departments))).scalar_subquery(),
        IDENTITY_LOCAL: sa.select(joined_strings(local, SEP))
        .select_from(LocalRoleGrant).join(Role, Role.id == LocalRoleGrant.role_id)
        .where(sa.or_(LocalRoleGrant.user_id == user_id,
                      LocalRoleGrant.department_id.in_(my_departments))).scalar_subquery(),
    }


def identity_from_columns(user: User, known: dict, tree: DepartmentTree) -> Identity | None:
    """`user`'s identity from what the session's statement read (`identity_columns`), or None
    when it did not read it for this person."""
    if known.get(IDENTITY_USER) != user.id or not all(
            key in known for key in (IDENTITY_DEPARTMENTS, IDENTITY_ROLES, IDENTITY_LOCAL)):
        return None
    departments = {int(n) for n in (known[IDENTITY_DEPARTMENTS] or "").split(SEP) if n}
    roles = {name for name in (known[IDENTITY_ROLES] or "").split(SEP) if name}
    local: dict[tuple[str, int], set[str]] = {}
    for entry in (known[IDENTITY_LOCAL] or "").split(SEP):
        if entry:
            container_type, number, name = entry.split(FIELD)
            local.setdefault((container_type, int(number)), set()).add(name)
    return Identity(user, frozenset(roles), frozenset(departments),
                    frozenset(tree.with_descendants(departments)), local_grants=local)


def local_role_containers(context, tree: DepartmentTree | None = None) -> list[tuple[str, int]]:
    """(container type, id) pairs whose local roles reach `context`, nearest first.

    A row that names its own containers (a KB folder, a person, a department) says so; any
    other row with departments is reached by local roles on its departments and their parents
    (up to one that blocks inheritance) — the same departments the SQL filter of lists counts
    (portal/security/filters.py), so that what a list shows, the record opens — and, as
    before, by whatever the containers above it name."""
    out: list[tuple[str, int]] = []
    for location in lineage(context):
        if tree is not None and isinstance(location, (User, Department)):
            # People and departments: their departments' lineage, from the request's tree
            # (the rows' own walk up `parent` would read one department at a time).
            ids = location.security_departments() if isinstance(location, User) \
                else [location.id]
            return out + [c for d in ids for c in (("department", n)
                                                   for n in tree.local_lineage(d))
                          if c not in out]
        method = getattr(location, "local_role_containers", None)
        if method is not None:
            return out + [c for c in method() if c not in out]
        departments = getattr(location, "security_departments", None)
        if departments is not None and tree is not None:
            for department_id in departments():
                for node in tree.local_lineage(department_id):
                    if ("department", node) not in out:
                        out.append(("department", node))
    return out


def local_roles(dbsession, identity: Identity, containers) -> set[str]:
    """Names of the roles granted locally to the person (or their departments) on any of
    `containers` (their local grants were read with the identity)."""
    if not containers:
        return set()
    out: set[str] = set()
    for container in containers:
        out |= identity.local_grants.get(tuple(container), set())
    return out


def principals_for(dbsession, identity: Identity | None, context,
                   tree: DepartmentTree | None = None) -> set[str]:
    if identity is None:
        return {Everyone}
    out = identity.base_principals()
    containers = local_role_containers(context, tree) if context is not None else []
    out.update(f"local:{r}" for r in local_roles(dbsession, identity, containers))
    return out
