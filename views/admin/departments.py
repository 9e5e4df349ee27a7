"""Administration of departments: the tree, add/edit forms, members, roles of the department."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import colander
import deform
import sqlalchemy as sa
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config, view_defaults
from sqlalchemy.orm import selectinload

from models.people import Department, Membership, User, digits, fold
from models.roles import LocalRoleGrant, Role, RoleGrant
from portal.audit.log import history_for
from portal.core.forms import id_field, schema_of, text_field
from portal.core.i18n import _
from portal.core.parsing import parse_int
from portal.people.rules import department_move_problem, set_departments
from portal.resources import AdminDepartments
from portal.security.default_roles import grant_auto_roles
from views.forms import CSRFSchema, FormView, read_form

PICKER_LIMIT = 12


# --- the tree ------------------------------------------------------------------------------------

@dataclass
class TreeNode:
    dept: Department
    depth: int
    members: int = 0
    children: list[TreeNode] = field(default_factory=list)


def department_tree(dbsession, with_heads: bool = False, with_counts: bool = True) -> list[TreeNode]:
    """Every department as a nested tree (roots first), in a few queries whatever the size."""
    query = sa.select(Department).order_by(Department.sort_order, Department.name)
    if with_heads:
        query = query.options(selectinload(Department.head))
    depts = list(dbsession.scalars(query))
    counts = dict(dbsession.execute(
        sa.select(Membership.department_id, sa.func.count()).group_by(Membership.department_id)
    ).all()) if with_counts else {}
    by_parent: dict[int | None, list[Department]] = defaultdict(list)
    ids = {d.id for d in depts}
    for d in depts:
        by_parent[d.parent_id if d.parent_id in ids else None].append(d)

    def build(parent_id, depth, seen) -> list[TreeNode]:
        out = []
        for d in by_parent.get(parent_id, ()):
            if d.id in seen:
                continue
            node = TreeNode(d, depth, counts.get(d.id, 0))
            node.children = build(d.id, depth + 1, seen | {d.id})
            out.append(node)
        return out

    return build(None, 0, frozenset())


def flatten(nodes: list[TreeNode]) -> list[TreeNode]:
    out = []
    for node in nodes:
        out.append(node)
        out.extend(flatten(node.children))
    return out


def department_options(dbsession) -> list[tuple[str, str]]:
    """(id, indented name) for a select, in tree order."""
    return [(str(n.dept.id), "\u00a0\u00a0\u00a0" * n.depth + n.dept.name)
            for n in flatten(department_tree(dbsession, with_counts=False))]


def user_options(dbsession, first: list[User] | None = None, first_label=None, rest_label=None):
    """Active people for a select; `first` (e.g. the department's members) in their own group."""
    people = dbsession.execute(
        sa.select(User.id, User.full_name, User.login).where(User.active)
        .order_by(User.full_name, User.id)
    ).all()
    if not first:
        return [(str(i), f"{name} ({login})") for i, name, login in people]
    first_ids = {u.id for u in first}
    group = [(str(u.id), f"{u.full_name} ({u.login})") for u in sorted(first, key=lambda u: u.full_name)]
    rest = [(str(i), f"{name} ({login})") for i, name, login in people if i not in first_ids]
    return [deform.widget.OptGroup(first_label, *group), deform.widget.OptGroup(rest_label, *rest)]


def find_people(dbsession, query: str, exclude_ids=(), limit: int = PICKER_LIMIT) -> list[User]:
    """Active people whose name, login, e-mail or phone matches `query` (the pickers)."""
    where = people_search_clause(query)
    if where is None:
        return []
    stmt = sa.select(User).where(User.active, where).options(
        selectinload(User.memberships).selectinload(Membership.department))
    if exclude_ids:
        stmt = stmt.where(User.id.not_in(list(exclude_ids)))
    return list(dbsession.scalars(stmt.order_by(User.full_name, User.id).limit(limit)))


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def people_search_clause(query: str):
    """WHERE for a search by name, login, e-mail or phone (case-insensitive, Cyrillic too)."""
    query = (query or "").strip()
    if not query:
        return None
    number = digits(query)
    if len(number) >= 3 and not any(ch.isalpha() for ch in query):
        return User.search_text.like(_like(number), escape="\\")
    return sa.and_(*[User.search_text.like(_like(word), escape="\\") for word in fold(query).split()])


def non_local_roles(dbsession) -> list[Role]:
    return list(dbsession.scalars(
        sa.select(Role).where(Role.local_only.is_(False)).order_by(Role.title)))


# --- the tree page -------------------------------------------------------------------------------

@view_config(context=AdminDepartments, renderer="admin/departments/list.jinja2", permission="manage")
def department_list(request):
    tree = department_tree(request.dbsession, with_heads=True)
    total_people = request.dbsession.scalar(sa.select(sa.func.count()).select_from(User).where(User.active))
    return {"title": _("Departments"), "tree": tree, "count": len(flatten(tree)),
            "total_people": total_people}


# --- add / edit ----------------------------------------------------------------------------------

@colander.deferred
def _parent_widget(node, kw):
    options = [("", kw["request"].localizer.translate(_("— None (a top-level department) —")))]
    return deform.widget.SelectWidget(values=options + department_options(kw["request"].dbsession),
                                      item_css_class="half")


@colander.deferred
def _head_widget(node, kw):
    request, context = kw["request"], kw["context"]
    members = None
    if isinstance(context, Department):
        # The current head stays choosable even when deactivated or not a member.
        members = context.members + ([context.head] if context.head and context.head not in
                                     context.members else [])
    tr = request.localizer.translate
    values = [("", tr(_("— Nobody —"))), *user_options(
        request.dbsession, members, tr(_("Members of this department")), tr(_("Everyone else")))]
    return deform.widget.SelectWidget(values=values, item_css_class="half")


class DepartmentSchema(CSRFSchema):
    name = colander.SchemaNode(
        colander.String(), title=_("Department name"),
        validator=colander.Length(max=200, max_err=_("At most 200 characters, please.")),
        missing="",
    )
    description = colander.SchemaNode(
        colander.String(), title=_("Description"), missing="",
        widget=deform.widget.TextAreaWidget(rows=3),
        validator=colander.Length(max=5000, max_err=_("At most 5000 characters, please.")),
    )
    parent = colander.SchemaNode(
        colander.String(), title=_("Parent department"), missing="", widget=_parent_widget,
        description=_("The department this one belongs to. Its local roles reach this one "
                      "unless inheritance is blocked."),
    )
    head = colander.SchemaNode(colander.String(), title=_("Head"), missing="", widget=_head_widget)
    block_local_roles = colander.SchemaNode(
        colander.Boolean(), title=_("Sharing"), missing=False,
        label=_("Block local roles inherited from parent departments"),
        widget=deform.widget.CheckboxWidget(),
        description=_("Roles shared on a parent department will not reach this one or its "
                      "sub-departments."),
    )


class DepartmentForm(FormView):
    schema_factory = DepartmentSchema
    template = "admin/departments/form.jinja2"


    def _lookup(self, model, value: str):
        if not value:
            return None
        key = parse_int(value)
        row = self.request.dbsession.get(model, key) if key is not None else None
        return row

    def apply(self, dept: Department, appstruct: dict) -> None:
        """Check every field against the database, then set them (raises colander.Invalid)."""
        name = appstruct["name"].strip()
        if not name:
            raise self.invalid({"name": _("Enter the department's name.")})
        parent = self._lookup(Department, appstruct["parent"])
        if appstruct["parent"] and parent is None:
            raise self.invalid({"parent": _("That department no longer exists.")})
        problem = department_move_problem(dept, parent)
        if problem:
            raise self.invalid({"parent": problem})
        head = self._lookup(User, appstruct["head"])
        if appstruct["head"] and head is None:
            raise self.invalid({"head": _("That person no longer exists.")})
        dept.name = name
        dept.description = appstruct["description"].strip()
        dept.parent = parent
        dept.head = head
        dept.block_local_roles = appstruct["block_local_roles"]


@view_config(context=AdminDepartments, name="add", renderer="admin/departments/form.jinja2",
             permission="manage")
class DepartmentAdd(DepartmentForm):
    title = _("New department")
    buttons = (deform.Button("save", _("Create department"), css_class="btn-primary"),)

    @property
    def cancel_url(self):
        return self.request.resource_url(self.context)

    def appstruct(self) -> dict:
        parent = self.request.GET.get("parent", "")
        return {"parent": parent if parse_int(parent) is not None else "", "block_local_roles": False}

    def save(self, appstruct: dict) -> str:
        dept = Department(name="")
        self.apply(dept, appstruct)
        self.request.dbsession.add(dept)
        self.request.dbsession.flush()
        grant_auto_roles(self.request.dbsession, [dept])
        self.request.session.flash(self.request.translate(
            _("Department “${name}” created.", mapping={"name": dept.name})))
        return self.request.resource_url(self.context, str(dept.id))


@view_config(context=Department, containment=AdminDepartments, name="edit",
             renderer="admin/departments/form.jinja2", permission="manage")
class DepartmentEdit(DepartmentForm):
    @property
    def title(self):
        return _("Edit department “${name}”", mapping={"name": self.context.name})

    @property
    def cancel_url(self):
        return self.request.resource_url(self.context)

    def appstruct(self) -> dict:
        d = self.context
        return {"name": d.name, "description": d.description or "",
                "parent": str(d.parent_id) if d.parent_id else "",
                "head": str(d.head_id) if d.head_id else "",
                "block_local_roles": d.block_local_roles}

    def save(self, appstruct: dict) -> str:
        self.apply(self.context, appstruct)
        self.request.session.flash(self.request.translate(_("Changes saved.")))
        return self.request.resource_url(self.context)


# --- the department page: members, sub-departments, roles, delete --------------------------------

@view_defaults(context=Department, containment=AdminDepartments, permission="manage")
class DepartmentPage:
    template = "admin/departments/view.jinja2"

    def __init__(self, context: Department, request):
        self.context = context
        self.request = request
        self.db = request.dbsession

    def data(self, error=None) -> dict:
        dept = self.context
        members = list(self.db.scalars(
            sa.select(User).join(Membership, Membership.user_id == User.id)
            .where(Membership.department_id == dept.id).order_by(User.full_name, User.id)
        ))
        children = [n for n in flatten(department_tree(self.db)) if n.dept.parent_id == dept.id]
        grants = list(self.db.scalars(
            sa.select(RoleGrant).join(Role).where(RoleGrant.department_id == dept.id)
            .options(selectinload(RoleGrant.role)).order_by(Role.title)))
        granted = {g.role_id for g in grants}
        local_count = self.db.scalar(
            sa.select(sa.func.count()).select_from(LocalRoleGrant).where(
                LocalRoleGrant.container_type == "department", LocalRoleGrant.container_id == dept.id))
        find = self.request.GET.get("find", "").strip()
        found = find_people(self.db, find, [m.id for m in members]) if find else []
        return {
            "title": dept.name,
            "dept": dept,
            "path": list(reversed(dept.ancestors())),
            "members": members,
            "children": children,
            "grants": grants,
            "addable_roles": [r for r in non_local_roles(self.db) if r.id not in granted],
            "local_count": local_count,
            "find": find,
            "found": found,
            "picker_limit": PICKER_LIMIT,
            "error": error,
            "history": history_for(self.db, dept, limit=20),
        }

    def refuse(self, message):
        """Show the page again with `message` (HTTP 400: nothing is committed)."""
        response = render_to_response(self.template, self.data(error=message), request=self.request)
        response.status_int = 400
        return response

    def back(self, message=None, anchor: str = ""):
        if message is not None:
            self.request.session.flash(self.request.translate(message))
        return HTTPSeeOther(self.request.resource_url(self.context, anchor=anchor or None))

    def _user(self):
        user_id = read_form(schema_of(id_field("user_id")), self.request.POST)["user_id"]
        return self.db.get(User, user_id) if user_id is not None else None

    @view_config(renderer="admin/departments/view.jinja2")
    def view(self):
        return self.data()

    @view_config(name="add-member", request_method="POST")
    def add_member(self):
        user = self._user()
        if user is None:
            return self.refuse(_("Choose a person to add."))
        if self.context not in user.departments:
            set_departments(self.db, user, [*user.departments, self.context])
        return self.back(_("${name} is now a member of “${dept}”.",
                           mapping={"name": user.full_name, "dept": self.context.name}), "members")

    @view_config(name="remove-member", request_method="POST")
    def remove_member(self):
        user = self._user()
        if user is None:
            return self.refuse(_("Choose a person to remove."))
        set_departments(self.db, user, [d for d in user.departments if d.id != self.context.id])
        return self.back(_("${name} is no longer a member of “${dept}”.",
                           mapping={"name": user.full_name, "dept": self.context.name}), "members")

    @view_config(name="grant-role", request_method="POST")
    def grant_role(self):
        name = read_form(schema_of(text_field("role", 100)), self.request.POST)["role"]
        role = self.db.scalar(sa.select(Role).where(Role.name == name))
        if role is None or role.local_only:
            return self.refuse(_("Choose a role to grant."))
        exists = self.db.scalar(sa.select(RoleGrant.id).where(
            RoleGrant.role_id == role.id, RoleGrant.department_id == self.context.id))
        if exists is None:
            self.db.add(RoleGrant(role=role, department=self.context))
        return self.back(_("Every member of “${dept}” now holds the role “${role}”.",
                           mapping={"dept": self.context.name,
                                    "role": self.request.translate(_(role.title))}), "roles")

    @view_config(name="revoke-role", request_method="POST")
    def revoke_role(self):
        grant_id = read_form(schema_of(id_field("grant_id")), self.request.POST)["grant_id"]
        grant = self.db.get(RoleGrant, grant_id) if grant_id is not None else None
        if grant is None or grant.department_id != self.context.id:
            return self.refuse(_("That role is not granted to this department."))
        title = self.request.translate(_(grant.role.title))
        self.db.delete(grant)
        return self.back(_("The role “${role}” was taken away from “${dept}”.",
                           mapping={"role": title, "dept": self.context.name}), "roles")

    @view_config(name="delete", request_method="POST")
    def delete(self):
        dept = self.context
        member_count = self.db.scalar(sa.select(sa.func.count()).select_from(Membership)
                                      .where(Membership.department_id == dept.id))
        child_count = self.db.scalar(sa.select(sa.func.count()).select_from(Department)
                                     .where(Department.parent_id == dept.id))
        if member_count or child_count:
            return self.refuse(_(
                "“${name}” cannot be deleted: it still has ${members} member(s) and "
                "${children} sub-department(s). Move them to another department first.",
                mapping={"name": dept.name, "members": member_count, "children": child_count}))
        parent = dept.parent
        # Its grants go with it, in the same transaction: roles held by the department,
        # local roles shared on it, and local roles it holds on other containers.
        for grant in self.db.scalars(sa.select(RoleGrant).where(RoleGrant.department_id == dept.id)):
            self.db.delete(grant)
        for grant in self.db.scalars(sa.select(LocalRoleGrant).where(sa.or_(
                LocalRoleGrant.department_id == dept.id,
                sa.and_(LocalRoleGrant.container_type == "department",
                        LocalRoleGrant.container_id == dept.id)))):
            self.db.delete(grant)
        self.db.flush()
        name = dept.name
        # Counted in SQL above; reload the collections so the delete cascades only what exists.
        self.db.expire(dept, ["memberships", "children"])
        self.db.delete(dept)
        self.db.flush()
        self.request.session.flash(self.request.translate(
            _("Department “${name}” deleted.", mapping={"name": name})))
        target = self.request.resource_url(self.context.__parent__)
        if parent is not None:
            target = self.request.resource_url(self.context.__parent__, str(parent.id))
        return HTTPSeeOther(target)
