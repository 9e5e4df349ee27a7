"""Administration of roles: the list, a new role, one role (rename, holders, delete), the matrix."""
from __future__ import annotations

import json
import re

import colander
import deform
import sqlalchemy as sa
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config, view_defaults
from sqlalchemy.orm import selectinload

from models.people import Department
from models.roles import ADMIN_ROLE, LocalRoleGrant, Role, RoleGrant, RolePermission
from portal.audit.log import SCOPE_LABELS, history_for
from portal.core.i18n import _
from portal.people.rules import role_holders
from portal.resources import AdminRoles
from portal.security.default_roles import load_roles_config, resource_types
from portal.security.labels import SCOPE_HELP, permission_label, type_label
from portal.security.matrix import apply_matrix_changes, cell_key, matrix_changes, matrix_schema
from views.forms import CSRFSchema, FormProblems, FormView, read_form

ROLE_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{1,49}$")

# The rows of the matrix, in people's words (the codes stay visible in small print).
def builtin_role_names() -> set[str]:
    """Roles that come with the portal (config/roles.yaml): workflows refer to their names."""
    return set(load_roles_config()["roles"])


def holder_counts(dbsession) -> dict[int, dict[str, int]]:
    """{role id: {"people": n, "departments": n, "local": n}} in three grouped queries."""
    counts: dict[int, dict[str, int]] = {}
    for key, query in (
        ("people", sa.select(RoleGrant.role_id, sa.func.count())
         .where(RoleGrant.user_id.is_not(None)).group_by(RoleGrant.role_id)),
        ("departments", sa.select(RoleGrant.role_id, sa.func.count())
         .where(RoleGrant.department_id.is_not(None)).group_by(RoleGrant.role_id)),
        ("local", sa.select(LocalRoleGrant.role_id, sa.func.count())
         .group_by(LocalRoleGrant.role_id)),
    ):
        for role_id, n in dbsession.execute(query):
            counts.setdefault(role_id, {})[key] = n
    return counts


def roles_in_order(dbsession, with_permissions: bool = False) -> list[Role]:
    query = sa.select(Role).order_by(Role.id)
    if with_permissions:
        query = query.options(selectinload(Role.permissions))
    return list(dbsession.scalars(query))


# --- the list -----------------------------------------------------------------------------------

@view_config(context=AdminRoles, renderer="admin/roles/index.jinja2", permission="manage")
def role_list(request):
    roles = roles_in_order(request.dbsession)
    counts = holder_counts(request.dbsession)
    permission_counts = dict(request.dbsession.execute(
        sa.select(RolePermission.role_id, sa.func.count()).group_by(RolePermission.role_id)).all())
    return {
        "title": _("Roles"),
        "roles": roles,
        "counts": counts,
        "permission_counts": permission_counts,
        "admin_role": ADMIN_ROLE,
    }


# --- a new role ---------------------------------------------------------------------------------

@colander.deferred
def _copy_from_widget(node, kw):
    request = kw["request"]
    choices = [("", request.localizer.translate(_("— no permissions, I will set them —")))]
    choices += [(r.name, request.localizer.translate(_(r.title)))
                for r in roles_in_order(request.dbsession) if r.name != ADMIN_ROLE]
    return deform.widget.SelectWidget(values=choices)


class RoleAddSchema(CSRFSchema):
    title = colander.SchemaNode(
        colander.String(), title=_("Title"), validator=colander.Length(1, 100),
        description=_("What people see, e.g. “Key account manager”."))
    name = colander.SchemaNode(
        colander.String(), title=_("Name (code)"), validator=colander.Length(2, 50),
        description=_("Lowercase Latin letters, digits and underscores, starting with a letter, "
                      "e.g. key_account."))
    local_only = colander.SchemaNode(
        colander.Boolean(), title=_("Local only"), missing=False,
        description=_("Meant to be given on a Sharing page (a department, a knowledge-base "
                      "folder) rather than everywhere."))
    copy_from = colander.SchemaNode(
        colander.String(), title=_("Start with the permissions of"), missing="",
        widget=_copy_from_widget)


def role_name_problem(dbsession, name: str):
    """Why `name` cannot be a new role's name (None when it can)."""
    if not ROLE_NAME_RE.match(name):
        return _("Use 2–50 lowercase Latin letters, digits and underscores, starting with a "
                 "letter (for example key_account).")
    other = dbsession.scalar(sa.select(Role).where(Role.name == name))
    if other is not None:
        return _("The name “${name}” is already used by the role ${title}.",
                 mapping={"name": name, "title": other.title})
    return None


@view_config(context=AdminRoles, name="add", renderer="admin/roles/add.jinja2", permission="manage")
class RoleAdd(FormView):
    schema_factory = RoleAddSchema
    title = _("New role")
    buttons = (deform.Button("save", _("Create role"), css_class="btn-primary"),)

    @property
    def cancel_url(self):
        return self.request.resource_path(self.context)

    def appstruct(self):
        return {"local_only": False, "copy_from": ""}

    def save(self, appstruct):
        db = self.request.dbsession
        name = appstruct["name"].strip()
        problem = role_name_problem(db, name)
        if problem:
            raise self.invalid({"name": problem})
        title = appstruct["title"].strip()
        if not title:
            raise self.invalid({"title": _("Enter a title.")})
        role = Role(name=name, title=title, local_only=appstruct["local_only"])
        source = appstruct.get("copy_from")
        if source:
            template = db.scalar(sa.select(Role).where(Role.name == source))
            if template is not None:
                for p in template.permissions:
                    role.permissions.append(
                        RolePermission(type=p.type, permission=p.permission, scope=p.scope))
        db.add(role)
        db.flush()
        self.request.session.flash(self.request.localizer.translate(_(
            "The role “${title}” has been created. Set its permissions in the matrix.",
            mapping={"title": title})))
        return self.request.resource_url(self.context, "@@matrix", anchor=f"role-{role.id}")


# --- one role -----------------------------------------------------------------------------------

class RoleEditSchema(CSRFSchema):
    title = colander.SchemaNode(colander.String(), title=_("Title"),
                                validator=colander.Length(1, 100))
    name = colander.SchemaNode(
        colander.String(), title=_("Name (code)"), validator=colander.Length(2, 50),
        description=_("Lowercase Latin letters, digits and underscores."))
    local_only = colander.SchemaNode(
        colander.Boolean(), title=_("Local only"), missing=False,
        description=_("Meant to be given on a Sharing page rather than everywhere."))

    def after_bind(self, node, kw):
        super().after_bind(node, kw)
        role = kw["context"]
        if role.name in builtin_role_names():
            # Built-in names are referred to by workflows and the defaults: only the title moves.
            del node["name"]
        if role.name == ADMIN_ROLE:
            del node["local_only"]


def role_holder_rows(dbsession, role: Role) -> dict[str, list]:
    """Who holds `role`: people and departments globally, and local grants, with their rows."""
    grants = list(dbsession.scalars(
        sa.select(RoleGrant).where(RoleGrant.role_id == role.id)
        .options(selectinload(RoleGrant.user), selectinload(RoleGrant.department))))
    local = list(dbsession.scalars(
        sa.select(LocalRoleGrant).where(LocalRoleGrant.role_id == role.id)
        .options(selectinload(LocalRoleGrant.user), selectinload(LocalRoleGrant.department))))

    container_ids = {g.container_id for g in local if g.container_type == "department"}
    containers = {d.id: d for d in dbsession.scalars(
        sa.select(Department).where(Department.id.in_(container_ids)))} if container_ids else {}
    return {
        "people": sorted((g for g in grants if g.user_id), key=lambda g: g.user.full_name),
        "departments": sorted((g for g in grants if g.department_id),
                              key=lambda g: g.department.name),
        "local": sorted(local, key=lambda g: g.holder_label),
        "containers": containers,
    }


@view_defaults(context=Role, permission="manage", renderer="admin/roles/edit.jinja2")
class RoleEdit(FormView):
    schema_factory = RoleEditSchema

    @property
    def title(self):
        return _("Role: ${title}", mapping={
            "title": self.request.localizer.translate(_(self.context.title))})

    @property
    def cancel_url(self):
        return self.request.resource_path(self.context.__parent__)

    def appstruct(self):
        role = self.context
        return {"title": role.title, "name": role.name, "local_only": role.local_only}

    def render(self, form, **extra):
        role = self.context
        db = self.request.dbsession
        types = resource_types()
        granted = sorted(
            role.permissions,
            key=lambda p: (list(types).index(p.type) if p.type in types else 99,
                           types.get(p.type, []).index(p.permission)
                           if p.permission in types.get(p.type, []) else 99))
        data = super().render(form, **extra)
        data.update({
            "role": role,
            "is_admin_role": role.name == ADMIN_ROLE,
            "builtin": role.name in builtin_role_names(),
            "holders": role_holder_rows(db, role),
            "granted": granted,
            "history": history_for(db, role, limit=20),
            "permission_label": permission_label,
            "type_label": type_label,
            "scope_labels": SCOPE_LABELS,
        })
        data.setdefault("delete_problem", None)
        data.setdefault("delete_holders", [])
        return data

    @view_config(name="")
    def __call__(self):
        return super().__call__()

    def save(self, appstruct):
        role = self.context
        db = self.request.dbsession
        title = appstruct["title"].strip()
        if not title:
            raise self.invalid({"title": _("Enter a title.")})
        role.title = title
        if "name" in appstruct and appstruct["name"].strip() != role.name:
            name = appstruct["name"].strip()
            problem = role_name_problem(db, name)
            if problem:
                raise self.invalid({"name": problem})
            role.name = name
        if "local_only" in appstruct and role.name != ADMIN_ROLE:
            role.local_only = appstruct["local_only"]
        db.flush()
        self.request.session.flash(self.request.localizer.translate(
            _("The role “${title}” has been saved.", mapping={"title": title})))
        return self.request.resource_url(self.context.__parent__, role.name)

    @view_config(name="delete", request_method="POST")
    def delete(self):
        role = self.context
        db = self.request.dbsession
        translate = self.request.localizer.translate
        problem = None
        holders: list[str] = []
        if role.name == ADMIN_ROLE:
            problem = _("The administrator role cannot be deleted: someone must always be able "
                        "to manage the portal.")
        else:
            holders = role_holders(db, role)
            if holders:
                problem = _("The role “${title}” is still granted, so it cannot be deleted. "
                            "Withdraw it from these holders first:",
                            mapping={"title": translate(_(role.title))})
        if problem:
            self.request.response.status_int = 400
            return self.render(self.form().render(self.appstruct()), delete_problem=problem,
                               delete_holders=holders)
        title = translate(_(role.title))
        db.delete(role)  # its permissions go with it (cascade)
        db.flush()
        self.request.session.flash(translate(_("The role “${title}” has been deleted.",
                                               mapping={"title": title})))
        return HTTPSeeOther(self.request.resource_url(self.context.__parent__))


# --- the matrix ---------------------------------------------------------------------------------

def matrix_rows() -> list[dict]:
    """[{type, label, permissions: [(permission, label)]}] from config/roles.yaml's types."""
    return [
        {"type": t, "label": type_label(t),
         "permissions": [(p, permission_label(t, p)) for p in perms]}
        for t, perms in resource_types().items()
    ]


@view_config(context=AdminRoles, name="matrix", renderer="admin/roles/matrix.jinja2",
             permission="manage")
def role_matrix(request):
    """type.permission × role → none/own/department/all, saved in one POST (changed cells only).

    Each select posts `s:<role id>:<type>.<permission>`; the hidden `shown` field holds what the
    page showed (JSON of the non-empty cells). Only cells whose value differs from what was
    shown are written, so two admins working at once only overwrite each other's cells if they
    changed the same ones.
    """
    db = request.dbsession
    roles = [r for r in roles_in_order(db, with_permissions=True) if r.name != ADMIN_ROLE]
    rows = matrix_rows()
    known = {(t, p) for t, perms in resource_types().items() for p in perms}
    error = None
    if request.method == "POST":
        try:
            changes = matrix_changes(roles, read_form(matrix_schema(roles, known), request.POST))
        except FormProblems as problems:
            error = problems.message
        else:
            apply_matrix_changes(db, changes)
            translate = request.localizer.translate
            request.session.flash(translate(
                _("Saved ${n} changed permissions.", mapping={"n": len(changes)}) if changes
                else _("Nothing changed.")))
            return HTTPSeeOther(request.resource_url(request.context, "@@matrix"))
        request.response.status_int = 400
    scopes = {r.id: {(p.type, p.permission): p.scope for p in r.permissions} for r in roles}
    shown = json.dumps({cell_key(r.id, t, p): scope for r in roles
                        for (t, p), scope in scopes[r.id].items()}, separators=(",", ":"))
    return {
        "title": _("Permissions of roles"),
        "roles": roles,
        "rows": rows,
        "scopes": scopes,
        "scope_labels": SCOPE_LABELS,
        "scope_help": SCOPE_HELP,
        "error": error,
        "cell_key": cell_key,
        "shown": shown,
    }
