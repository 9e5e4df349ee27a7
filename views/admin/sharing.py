"""The Sharing page of a department (Plone's Sharing tab): global, inherited and local roles."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config, view_defaults
from sqlalchemy.orm import selectinload

from models.people import Department, Membership, User
from models.roles import ADMIN_ROLE, LocalRoleGrant, Role, RoleGrant
from portal.core.forms import flag_field, id_field, schema_of, text_field
from portal.core.i18n import _
from portal.resources import AdminDepartments
from views.admin.departments import PICKER_LIMIT, department_tree, find_people, flatten
from views.forms import read_form

# --- Sharing: global, inherited and local roles on a department ----------------------------------

GLOBAL, INHERITED, LOCAL = "global", "inherited", "local"
KINDS = (GLOBAL, INHERITED, LOCAL)


@dataclass
class Badge:
    """How a holder holds one role here, of one kind (global, inherited or local)."""

    kind: str
    sources: list = field(default_factory=list)  # explanations (TranslationStrings) for a tooltip
    direct: bool = False  # held by the row's holder itself, not only through one of their departments
    grant_id: int | None = None  # the holder's own local grant on this department (removable)


@dataclass
class SharingRow:
    kind: str  # "user" or "department"
    holder: object
    cells: dict[int, dict[str, Badge]] = field(default_factory=dict)
    member: bool = False

    def add(self, role_id: int, kind: str, source, direct: bool, grant_id: int | None = None) -> None:
        badge = self.cells.setdefault(role_id, {}).setdefault(kind, Badge(kind))
        if source not in badge.sources:
            badge.sources.append(source)
        badge.direct = badge.direct or direct
        badge.grant_id = badge.grant_id or grant_id

    def badges(self, role_id: int) -> list[Badge]:
        cell = self.cells.get(role_id, {})
        return [cell[k] for k in KINDS if k in cell]

    @property
    def has_local(self) -> bool:
        return any(k in (LOCAL, INHERITED) for cell in self.cells.values() for k in cell)


def sharing_table(dbsession, dept: Department, extra_user_ids=()) -> tuple[list[Role], list[SharingRow]]:
    """The Sharing table of `dept`: role columns and one row per person or department.

    Rows: everyone holding a local role shared here or inherited from a parent department
    (respecting blocked inheritance), the department's members and head, and `extra_user_ids`.
    A person's cell counts what they hold themselves and through their departments.
    """
    lineage = [cid for ctype, cid in dept.local_role_containers() if ctype == "department"]
    grants = list(dbsession.scalars(
        sa.select(LocalRoleGrant)
        .where(LocalRoleGrant.container_type == "department", LocalRoleGrant.container_id.in_(lineage))
        .options(selectinload(LocalRoleGrant.user), selectinload(LocalRoleGrant.department))
    ))
    member_ids = set(dbsession.scalars(sa.select(Membership.user_id)
                                       .where(Membership.department_id == dept.id)))
    user_ids = member_ids | {g.user_id for g in grants if g.user_id} | set(extra_user_ids)
    if dept.head_id:
        user_ids.add(dept.head_id)
    dept_ids = {g.department_id for g in grants if g.department_id}

    users = {u.id: u for u in dbsession.scalars(sa.select(User).where(User.id.in_(user_ids)))}
    depts = {d.id: d for d in dbsession.scalars(sa.select(Department).where(Department.id.in_(dept_ids)))}
    memberships: dict[int, set[int]] = defaultdict(set)
    for uid, did in dbsession.execute(sa.select(Membership.user_id, Membership.department_id)
                                      .where(Membership.user_id.in_(user_ids))):
        memberships[uid].add(did)
    all_dept_ids = dept_ids | set(lineage) | {d for ds in memberships.values() for d in ds}
    name = dict(dbsession.execute(sa.select(Department.id, Department.name)
                                  .where(Department.id.in_(all_dept_ids))).all())

    rows: dict[tuple[str, int], SharingRow] = {}
    for uid in user_ids:
        if uid in users:
            rows[("user", uid)] = SharingRow("user", users[uid], member=uid in member_ids)
    for did in dept_ids:
        rows[("department", did)] = SharingRow("department", depts[did])

    def members_of(did):
        return [rows[("user", uid)] for uid, ds in memberships.items() if did in ds and ("user", uid) in rows]

    # Global: roles granted to the person, or to one of their departments, everywhere.
    for uid, rid in dbsession.execute(sa.select(RoleGrant.user_id, RoleGrant.role_id)
                                      .where(RoleGrant.user_id.in_(user_ids))):
        rows[("user", uid)].add(rid, GLOBAL, _("Granted to them everywhere"), True)
    for did, rid in dbsession.execute(sa.select(RoleGrant.department_id, RoleGrant.role_id)
                                      .where(RoleGrant.department_id.in_(all_dept_ids))):
        if ("department", did) in rows:
            rows[("department", did)].add(rid, GLOBAL, _("Granted to them everywhere"), True)
        for row in members_of(did):
            row.add(rid, GLOBAL, _("Granted everywhere to the department “${dept}”",
                                   mapping={"dept": name.get(did, "")}), False)

    # Local and inherited: grants on this department or on a parent whose roles reach it.
    for g in grants:
        local = g.container_id == dept.id
        kind = LOCAL if local else INHERITED
        on = name.get(g.container_id, "")
        grant_id = g.id if local else None
        if g.user_id:
            source = (_("Shared on this department") if local else
                      _("Shared on the parent department “${on}”", mapping={"on": on}))
            rows[("user", g.user_id)].add(g.role_id, kind, source, True, grant_id)
            continue
        source = (_("Shared on this department") if local else
                  _("Shared on the parent department “${on}”", mapping={"on": on}))
        rows[("department", g.department_id)].add(g.role_id, kind, source, True, grant_id)
        holder = name.get(g.department_id, "")
        source = (_("Shared on this department with the department “${dept}”", mapping={"dept": holder})
                  if local else
                  _("Shared on the parent department “${on}” with the department “${dept}”",
                    mapping={"on": on, "dept": holder}))
        for row in members_of(g.department_id):
            row.add(g.role_id, kind, source, False)

    used = {rid for row in rows.values() for rid in row.cells}
    roles = [r for r in dbsession.scalars(sa.select(Role).order_by(Role.local_only.desc(), Role.title))
             if r.local_only or r.id in used]
    ordered = sorted(rows.values(), key=lambda r: (
        r.kind != "department", not r.has_local, not r.member,
        (r.holder.name if r.kind == "department" else r.holder.full_name).casefold()))
    return roles, ordered


SHARE_FORM = schema_of(text_field("role", 100), id_field("user_id"), id_field("department_id"))


@view_defaults(context=Department, containment=AdminDepartments, permission="manage")
class SharingPage:
    template = "admin/departments/sharing.jinja2"

    def __init__(self, context: Department, request):
        self.context = context
        self.request = request
        self.db = request.dbsession

    def data(self, error=None) -> dict:
        dept = self.context
        find = self.request.GET.get("find", "").strip()
        found = find_people(self.db, find) if find else []
        roles, rows = sharing_table(self.db, dept)
        return {
            "title": _("Sharing: ${name}", mapping={"name": dept.name}),
            "dept": dept,
            "path": list(reversed(dept.ancestors())),
            "roles": roles,
            "rows": rows,
            "grantable": list(self.db.scalars(sa.select(Role).where(Role.name != ADMIN_ROLE)
                                              .order_by(Role.local_only.desc(), Role.title))),
            "departments": flatten(department_tree(self.db, with_counts=False)),
            "find": find,
            "found": found,
            "picker_limit": PICKER_LIMIT,
            "blocked_by_parent": dept.parent is not None and dept.block_local_roles,
            "error": error,
        }

    def refuse(self, message):
        response = render_to_response(self.template, self.data(error=message), request=self.request)
        response.status_int = 400
        return response

    def back(self, message):
        self.request.session.flash(self.request.translate(message))
        return HTTPSeeOther(self.request.resource_url(self.context, "sharing"))

    @view_config(name="sharing", renderer="admin/departments/sharing.jinja2")
    def view(self):
        return self.data()

    @view_config(name="share", request_method="POST")
    def share(self):
        form = read_form(SHARE_FORM, self.request.POST)
        role = self.db.scalar(sa.select(Role).where(Role.name == form["role"]))
        if role is None or role.name == ADMIN_ROLE:
            return self.refuse(_("Choose a role to share."))
        user_id, dept_id = form["user_id"], form["department_id"]
        user = self.db.get(User, user_id) if user_id is not None else None
        holder_dept = self.db.get(Department, dept_id) if dept_id is not None else None
        if (user is None) == (holder_dept is None):
            return self.refuse(_("Choose a person or a department to share with."))
        holder = LocalRoleGrant.user_id == user.id if user else LocalRoleGrant.department_id == holder_dept.id
        exists = self.db.scalar(sa.select(LocalRoleGrant.id).where(
            LocalRoleGrant.container_type == "department",
            LocalRoleGrant.container_id == self.context.id,
            LocalRoleGrant.role_id == role.id, holder))
        if exists is None:
            self.db.add(LocalRoleGrant(container_type="department", container_id=self.context.id,
                                       role=role, user=user, department=holder_dept))
        return self.back(_("${holder} now holds the role “${role}” in “${dept}”.", mapping={
            "holder": user.full_name if user else holder_dept.name,
            "role": self.request.translate(_(role.title)), "dept": self.context.name}))

    @view_config(name="unshare", request_method="POST")
    def unshare(self):
        grant_id = read_form(schema_of(id_field("grant_id")), self.request.POST)["grant_id"]
        grant = self.db.get(LocalRoleGrant, grant_id) if grant_id is not None else None
        if grant is None or grant.container_type != "department" or grant.container_id != self.context.id:
            return self.refuse(_("That role is not shared on this department."))
        message = _("${holder} no longer holds the role “${role}” in “${dept}”.", mapping={
            "holder": grant.holder_label, "role": self.request.translate(_(grant.role.title)),
            "dept": self.context.name})
        self.db.delete(grant)
        return self.back(message)

    @view_config(name="block-inheritance", request_method="POST")
    def block_inheritance(self):
        block = read_form(schema_of(flag_field("block")), self.request.POST)["block"]
        self.context.block_local_roles = block
        return self.back(_("Local roles of parent departments no longer reach “${dept}”.",
                           mapping={"dept": self.context.name}) if block else
                         _("Local roles of parent departments reach “${dept}” again.",
                           mapping={"dept": self.context.name}))
