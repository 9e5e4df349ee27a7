"""Who the user is, which principals they carry, and the ACLs computed for every resource.

Plone's model on Pyramid 2 with Dynamics-style scopes (DESIGN.md §5):

* a person holds roles granted to them or to one of their departments;
* each role grants, per resource type and permission, a scope: own, department or all;
* principals: ``role:R`` (scope all), ``role:R@dept:<id>`` for each department in the person's
  department scope, ``role:R@user:<id>`` (scope own), and ``local:R`` for each local role
  granted to them on the lineage of the object being checked;
* ACLs are computed from the role matrix, never stored; admin comes first and always wins.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from pyramid.authorization import ALL_PERMISSIONS, DENY_ALL, ACLHelper, Allow, Authenticated, Everyone
from pyramid.location import lineage
from pyramid.request import RequestLocalCache
from pyramid.traversal import find_root

from models.meta import ROW_ACL, utcnow
from models.people import ApiToken, Department, Membership, User
from models.roles import ADMIN_ROLE, SCOPE_RANK, LocalRoleGrant, Role, RoleGrant, RolePermission

ADMIN = f"role:{ADMIN_ROLE}"
ADMIN_ACE = (Allow, ADMIN, ALL_PERMISSIONS)


# --- the role matrix and the department tree, loaded once per request -----------------------

@dataclass
class RoleMatrix:
    """Every role's permissions: ``scopes[role][(type, permission)] = scope``."""

    scopes: dict[str, dict[tuple[str, str], str]]
    by_permission: dict[tuple[str, str], list[tuple[str, str]]]

    @classmethod
    def load(cls, dbsession) -> RoleMatrix:
        rows = dbsession.execute(
            sa.select(Role.name, RolePermission.type, RolePermission.permission, RolePermission.scope)
            .join(RolePermission, RolePermission.role_id == Role.id)
        ).all()
        scopes: dict = defaultdict(dict)
        by_permission: dict = defaultdict(list)
        for role, type_name, permission, scope in rows:
            scopes[role][(type_name, permission)] = scope
            by_permission[(type_name, permission)].append((role, scope))
        return cls(dict(scopes), dict(by_permission))

    def roles_with(self, type_name: str, permission: str) -> list[tuple[str, str]]:
        return self.by_permission.get((type_name, permission), [])


@dataclass
class DepartmentTree:
    parents: dict[int, int | None]
    blocked: set[int]
    children: dict[int, list[int]] = field(default_factory=dict)

    @classmethod
    def load(cls, dbsession) -> DepartmentTree:
        rows = dbsession.execute(
            sa.select(Department.id, Department.parent_id, Department.block_local_roles)
        ).all()
        children: dict = defaultdict(list)
        for id_, parent_id, _ in rows:
            if parent_id is not None:
                children[parent_id].append(id_)
        return cls({r[0]: r[1] for r in rows}, {r[0] for r in rows if r[2]}, dict(children))

    def with_descendants(self, ids) -> set[int]:
        out, stack = set(), list(ids)
        while stack:
            node = stack.pop()
            if node not in out:
                out.add(node)
                stack.extend(self.children.get(node, ()))
        return out

    def local_lineage(self, dept_id: int) -> list[int]:
        """The department and its parents whose local roles reach it (stops at a block)."""
        out: list[int] = []
        node: int | None = dept_id
        while node is not None and node not in out:
            out.append(node)
            if node in self.blocked:
                break
            node = self.parents.get(node)
        return out


def role_matrix(request) -> RoleMatrix:
    return RoleMatrix.load(request.dbsession)


def department_tree(request) -> DepartmentTree:
    return DepartmentTree.load(request.dbsession)


# --- identity and principals --------------------------------------------------------------------

@dataclass
class Identity:
    user: User
    roles: frozenset[str]
    department_ids: frozenset[int]
    dept_scope_ids: frozenset[int]

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


def identity_for(dbsession, user: User, tree: DepartmentTree | None = None) -> Identity:
    """Roles and departments of `user` (used for the request's user and by "Check access")."""
    dept_ids = frozenset(
        dbsession.scalars(sa.select(Membership.department_id).where(Membership.user_id == user.id))
    )
    grant_filter = RoleGrant.user_id == user.id
    if dept_ids:
        grant_filter = sa.or_(grant_filter, RoleGrant.department_id.in_(dept_ids))
    roles = frozenset(
        dbsession.scalars(
            sa.select(Role.name).join(RoleGrant, RoleGrant.role_id == Role.id).where(grant_filter)
        )
    )
    tree = tree or DepartmentTree.load(dbsession)
    return Identity(user, roles, dept_ids, frozenset(tree.with_descendants(dept_ids)))


def local_role_containers(context) -> list[tuple[str, int]]:
    """(container type, id) pairs whose local roles reach `context`, nearest first."""
    for location in lineage(context):
        method = getattr(location, "local_role_containers", None)
        if method is not None:
            return method()
    return []


def local_roles(dbsession, identity: Identity, containers) -> set[str]:
    if not containers:
        return set()
    holder = LocalRoleGrant.user_id == identity.user.id
    if identity.department_ids:
        holder = sa.or_(holder, LocalRoleGrant.department_id.in_(identity.department_ids))
    where = sa.or_(*[
        sa.and_(LocalRoleGrant.container_type == t, LocalRoleGrant.container_id == i)
        for t, i in containers
    ])
    return set(dbsession.scalars(
        sa.select(Role.name).join(LocalRoleGrant, LocalRoleGrant.role_id == Role.id)
        .where(where, holder)
    ))


def principals_for(dbsession, identity: Identity | None, context) -> set[str]:
    if identity is None:
        return {Everyone}
    out = identity.base_principals()
    containers = local_role_containers(context) if context is not None else []
    out.update(f"local:{r}" for r in local_roles(dbsession, identity, containers))
    return out


# --- ACLs ---------------------------------------------------------------------------------------

def _request_of(obj):
    return getattr(find_root(obj), "request", None)


def container_acl(obj, type_name: str, permissions=("view", "add")) -> list:
    """A section's ACL: whoever holds any scope of type.permission may list (view) or add."""
    request = _request_of(obj)
    acl = [ADMIN_ACE]
    for permission in permissions:
        for role, _scope in request.role_matrix.roles_with(type_name, permission):
            acl.append((Allow, f"role:{role}", permission))
            acl.append((Allow, f"local:{role}", permission))
    acl.append(DENY_ALL)
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


# --- SQL filtering for listings -----------------------------------------------------------------

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
    matrix: RoleMatrix = request.role_matrix
    best: dict[str, str] = {}
    for role, scope in matrix.roles_with(model.security_type, permission):
        if role in identity.roles and SCOPE_RANK[scope] > SCOPE_RANK[best.get("scope")]:
            best["scope"] = scope
    clauses = []
    scope = best.get("scope")
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
    holder = LocalRoleGrant.user_id == identity.user.id
    if identity.department_ids:
        holder = sa.or_(holder, LocalRoleGrant.department_id.in_(identity.department_ids))
    granted = set(request.dbsession.scalars(
        sa.select(LocalRoleGrant.container_id)
        .join(Role, Role.id == LocalRoleGrant.role_id)
        .where(LocalRoleGrant.container_type == "department", Role.name.in_(roles), holder)
    ))
    if not granted:
        return set()
    tree: DepartmentTree = request.department_tree
    # A local grant reaches a sub-department unless the sub-department (or one between) blocks.
    return {d for d in tree.parents if granted & set(tree.local_lineage(d))}


# --- the security policy ------------------------------------------------------------------------

class SecurityPolicy:
    def __init__(self):
        self.identity_cache = RequestLocalCache(self.load_identity)
        self.helper = ACLHelper()

    def load_identity(self, request) -> Identity | None:
        user = self._user_from_bearer(request) or self._user_from_session(request)
        if user is None or not user.active:
            return None
        request.dbsession.info["actor_id"] = user.id
        request.dbsession.info["remote_addr"] = (request.remote_addr or "")[:50]
        return identity_for(request.dbsession, user, request.department_tree)

    def _user_from_session(self, request) -> User | None:
        uid = request.session.get("uid")
        if uid is None:
            return None
        user = request.dbsession.get(User, uid)
        # A password change elsewhere ends the other sessions.
        if user is not None and request.session.get("pwd") != user.password_hash[-16:]:
            return None
        return user

    def _user_from_bearer(self, request) -> User | None:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return None
        token = request.dbsession.scalar(
            sa.select(ApiToken).where(ApiToken.token_hash == ApiToken.hash(auth[7:].strip()))
        )
        now = utcnow()
        if token is None or token.revoked or (token.expires_at and token.expires_at < now):
            return None
        if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
            token.last_used_at = now
        request.environ["portal.api_token"] = True
        return token.user

    def identity(self, request) -> Identity | None:
        return self.identity_cache.get_or_create(request)

    def authenticated_userid(self, request):
        identity = self.identity(request)
        return identity.user.id if identity else None

    def permits(self, request, context, permission):
        principals = principals_for(request.dbsession, self.identity(request), context)
        return self.helper.permits(context, principals, permission)

    def remember(self, request, userid, **kw):
        user = request.dbsession.get(User, userid)
        request.session.invalidate()
        request.session["uid"] = userid
        request.session["pwd"] = user.password_hash[-16:]
        return []

    def forget(self, request, **kw):
        request.session.invalidate()
        return []


def check_access(request, user: User, context, permission: str):
    """Why `user` may or may not `permission` on `context`: Pyramid's ACLAllowed/ACLDenied."""
    identity = identity_for(request.dbsession, user, request.department_tree)
    principals = principals_for(request.dbsession, identity if user.active else None, context)
    return ACLHelper().permits(context, principals, permission), principals


def includeme(config) -> None:
    from pyramid.csrf import SessionCSRFStoragePolicy
    from pyramid.session import SignedCookieSessionFactory
    from pyramid.settings import asbool

    settings = config.get_settings()
    config.set_session_factory(SignedCookieSessionFactory(
        settings["session.secret"],
        cookie_name="portal",
        httponly=True,
        samesite="Lax",
        secure=asbool(settings.get("session.secure", False)),
        max_age=int(settings.get("session.max_age", 12 * 3600)),
        timeout=int(settings.get("session.timeout", 12 * 3600)),
        reissue_time=600,
    ))
    config.set_csrf_storage_policy(SessionCSRFStoragePolicy())
    config.set_default_csrf_options(require_csrf=True)
    config.set_security_policy(SecurityPolicy())
    config.add_request_method(role_matrix, reify=True)
    config.add_request_method(department_tree, reify=True)
    # People and departments: the role matrix as it is (their area is the administration's).
    config.register(ROW_ACL, User, row_acl)
    config.register(ROW_ACL, Department, row_acl)
