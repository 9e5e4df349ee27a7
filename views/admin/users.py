"""Administration of people: the list, add/edit forms (departments picked from a searchable
list), the account page, new passwords (typed, or one-time: shown once, to be changed at the
first log-in), delete."""
from __future__ import annotations

import math
from collections import defaultdict

import colander
import deform
import sqlalchemy as sa
from markupsafe import Markup
from pyramid.httpexceptions import HTTPFound, HTTPSeeOther
from pyramid.renderers import render, render_to_response
from pyramid.security import remember
from pyramid.view import view_config, view_defaults
from sqlalchemy.orm import selectinload

from models.people import Department, LoginAttempt, Membership, User
from models.roles import ADMIN_ROLE, LocalRoleGrant, Role, RoleGrant
from portal.audit.log import history_for
from portal.core.i18n import LANGUAGES, _, timezone_choices, timezone_label, timezone_options
from portal.core.parsing import parse_int
from portal.people.handover import holds_anything
from portal.people.rules import (
    UserProblem,
    create_user,
    history_tables,
    new_password,
    set_departments,
    user_field_problems,
)
from portal.resources import AdminUsers
from portal.security.login import one_time_password, password_problem
from portal.security.sessions import open_sessions
from views.admin.departments import department_options, people_search_clause
from views.forms import CSRFSchema, FormView

PAGE_SIZE = 50
LOGIN_LOG_SIZE = 30
STATES = ("active", "deactivated", "all")
SORTS = {
    "name": (User.full_name, User.id),
    "-name": (User.full_name.desc(), User.id.desc()),
    "login": (User.login,),
    "-created": (User.created_at.desc(), User.id.desc()),
}
# Rows in these tables are settings of the person, removed with them; anything else that
# points at a person is history (see deletion_problems).
HISTORY_REASONS = {
    "transaction": _("changes they made are recorded in the audit log"),
    "workflow_history": _("they took workflow actions"),
    "departments": _("they are the head of a department"),
    "notifications": _("they have notifications"),
    "api_tokens": _("they have API tokens"),
}


# --- the list ------------------------------------------------------------------------------------

def roles_by_user(dbsession, user_ids) -> tuple[dict, dict]:
    """({user id: [direct roles]}, {user id: {role: [department names]}}) in two queries."""
    direct: dict[int, list[Role]] = defaultdict(list)
    via: dict[int, dict[Role, list[str]]] = defaultdict(lambda: defaultdict(list))
    if not user_ids:
        return direct, via
    for user_id, role in dbsession.execute(
        sa.select(RoleGrant.user_id, Role).join(Role, Role.id == RoleGrant.role_id)
        .where(RoleGrant.user_id.in_(user_ids)).order_by(Role.title)
    ):
        direct[user_id].append(role)
    for user_id, role, dept_name in dbsession.execute(
        sa.select(Membership.user_id, Role, Department.name)
        .join(RoleGrant, RoleGrant.department_id == Membership.department_id)
        .join(Role, Role.id == RoleGrant.role_id)
        .join(Department, Department.id == Membership.department_id)
        .where(Membership.user_id.in_(user_ids)).order_by(Role.title, Department.name)
    ):
        via[user_id][role].append(dept_name)
    return direct, via


@view_config(context=AdminUsers, renderer="admin/users/list.jinja2", permission="manage")
def user_list(request):
    """People, searchable and filtered in SQL, 50 a page."""
    db = request.dbsession
    params = request.GET
    q = params.get("q", "").strip()[:200]
    state = params.get("state", "active")
    state = state if state in STATES else "active"
    sort = params.get("sort", "name")
    sort = sort if sort in SORTS else "name"
    dept_id = params.get("dept", "")
    dept_id = parse_int(dept_id)

    where = []
    search = people_search_clause(q)
    if search is not None:
        where.append(search)
    if state != "all":
        where.append(User.state == state)
    if dept_id is not None:
        tree = request.department_tree
        ids = sorted(tree.with_descendants([dept_id]))
        where.append(User.id.in_(sa.select(Membership.user_id).where(Membership.department_id.in_(ids))))

    total = db.scalar(sa.select(sa.func.count()).select_from(User).where(*where))
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = params.get("page", "1")
    page = min(max(parse_int(page) or 1, 1), pages)
    users = list(db.scalars(
        sa.select(User).where(*where).order_by(*SORTS[sort])
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
        .options(selectinload(User.memberships).joinedload(Membership.department))
    ))
    direct, via = roles_by_user(db, [u.id for u in users])
    tree = request.department_tree
    counts = dict(db.execute(sa.select(User.state, sa.func.count()).group_by(User.state)).all())

    def url(**changes) -> str:
        query = {"q": q, "state": state, "dept": dept_id or "", "sort": sort, "page": page}
        query.update(changes)
        query = {k: v for k, v in query.items() if v not in ("", None)
                 and not (k == "page" and v == 1) and not (k == "sort" and v == "name")
                 and not (k == "state" and v == "active")}
        return request.resource_url(request.context, query=query)

    return {
        "title": _("Users"),
        "users": users,
        "direct": direct,
        "via": via,
        "q": q,
        "state": state,
        "sort": sort,
        "dept_id": dept_id,
        "departments": [(str(i), "\u00a0\u00a0\u00a0" * depth + tree.names[i])
                        for i, depth in tree.walk()],
        "total": total,
        "page": page,
        "pages": pages,
        "first": (page - 1) * PAGE_SIZE + 1,
        "last": (page - 1) * PAGE_SIZE + len(users),
        "counts": counts,
        "url": url,
    }


# --- add / edit forms ----------------------------------------------------------------------------

INDENT = "\u00a0\u00a0\u00a0"


class DepartmentPicker(deform.widget.CheckboxChoiceWidget):
    """Departments as a list of checkboxes in tree order (posted as a `departments` sequence,
    as a multiple select would be); static/js/people-form.js adds the filter box and the chips
    of the chosen ones. Rendered by admin/users/department_picker.jinja2."""

    def __init__(self, request, **kw):
        super().__init__(**kw)
        self.request = request

    def serialize(self, field, cstruct, **kw):
        chosen = set() if cstruct in (colander.null, None) else {str(v) for v in cstruct}
        options, path = [], []
        for value, label in self.values:
            name = label.lstrip("\u00a0")
            depth = (len(label) - len(name)) // len(INDENT)
            path[depth:] = [name]
            options.append({"value": value, "name": name, "depth": min(depth, 5),
                            "path": " › ".join(path), "checked": value in chosen})
        return Markup(render("admin/users/department_picker.jinja2", {
            "oid": field.oid, "name": field.name, "options": options,
            "invalid": field.error is not None}, request=self.request))


@colander.deferred
def _departments_widget(node, kw):
    return DepartmentPicker(kw["request"], values=department_options(kw["request"].dbsession))


@colander.deferred
def _roles_widget(node, kw):
    request = kw["request"]
    roles = request.dbsession.scalars(
        sa.select(Role).where(Role.local_only.is_(False)).order_by(Role.title))
    return deform.widget.CheckboxChoiceWidget(
        values=[(r.name, request.translate(_(r.title))) for r in roles], inline=True)


@colander.deferred
def _locale_widget(node, kw):
    return deform.widget.SelectWidget(
        values=[("", kw["request"].translate(_("Automatic (from the browser)"))), *LANGUAGES.items()],
        item_css_class="half")


@colander.deferred
def _timezone_widget(node, kw):
    return deform.widget.SelectWidget(values=[
        deform.widget.OptGroup(region, *options)
        for region, options in timezone_options(kw["request"], timezone_choices())],
        item_css_class="half")


def _one_of_timezones(node, value):
    if value not in set(timezone_choices()):
        raise colander.Invalid(node, _("Choose a time zone from the list."))


HALF = deform.widget.TextInputWidget(item_css_class="half")
# new-password keeps browsers from filling in the admin's own saved password.
NEW_PASSWORD_WIDGET = deform.widget.CheckedPasswordWidget(
    attributes={"autocomplete": "new-password"}, confirm_attributes={"autocomplete": "new-password"})


class UserSchema(CSRFSchema):
    login = colander.SchemaNode(
        colander.String(), title=_("Login"), missing="", widget=deform.widget.TextInputWidget(
            item_css_class="half", attributes={"autocomplete": "off", "spellcheck": "false"}),
        description=_("Latin letters, digits, dots, dashes or underscores. The person logs in with it."),
    )
    full_name = colander.SchemaNode(
        colander.String(), title=_("Full name"), missing="", widget=HALF,
        description=_("As colleagues know the person, e.g. “Ivanova Maria Petrovna”."),
    )
    email = colander.SchemaNode(
        colander.String(), title=_("E-mail"), missing="",
        widget=deform.widget.TextInputWidget(item_css_class="half", attributes={"type": "email"}),
    )
    phone = colander.SchemaNode(
        colander.String(), title=_("Phone"), missing="",
        widget=deform.widget.TextInputWidget(item_css_class="half", attributes={"type": "tel"}),
    )
    position = colander.SchemaNode(colander.String(), title=_("Position"), missing="", widget=HALF)
    birthday = colander.SchemaNode(
        colander.Date(), title=_("Birthday"), missing=None,
        widget=deform.widget.TextInputWidget(item_css_class="half", attributes={"type": "date"}),
    )
    locale = colander.SchemaNode(colander.String(), title=_("Language"), missing="",
                                 widget=_locale_widget,
                                 validator=colander.OneOf(["", *LANGUAGES]))
    timezone = colander.SchemaNode(colander.String(), title=_("Time zone"),
                                   missing="Europe/Moscow", widget=_timezone_widget,
                                   validator=_one_of_timezones)
    departments = colander.SchemaNode(
        colander.Set(), title=_("Departments"), missing=(), widget=_departments_widget,
        description=_("Tick every department the person works in; type to find one. Members "
                      "hold the roles granted to their departments."),
    )
    roles = colander.SchemaNode(
        colander.Set(), title=_("Roles granted to the person"), missing=(), widget=_roles_widget,
        description=_("In addition to the roles of their departments. Sharing roles (editor, "
                      "reviewer) are given on a department's Sharing page."),
    )
    must_change_password = colander.SchemaNode(
        colander.Boolean(), title=_("Require a new password at next log-in"), missing=False,
        widget=deform.widget.CheckboxWidget(),
        description=_("Their current password then opens one more session, in which they must "
                      "choose a new one before anything else."),
    )


class NewUserSchema(UserSchema):
    password = colander.SchemaNode(
        colander.String(), title=_("Initial password"), missing="",
        widget=NEW_PASSWORD_WIDGET, insert_before="must_change_password",
        description=_("Leave both empty to generate a one-time password: it is shown once after "
                      "saving, and the person must replace it at their first log-in. Or type one "
                      "(at least 8 characters, letters together with digits or other characters) "
                      "and tell it to the person."),
    )


class ShowsOneTimePassword:
    """A form whose save may give a one-time password: the answer to that POST shows it, once
    (never redirected to, kept in the session or cached), instead of the usual redirect."""

    template_once = "admin/users/one_time.jinja2"
    shown_password: str | None = None

    def __call__(self):
        result = super().__call__()
        if self.shown_password is None or not isinstance(result, HTTPFound):
            return result
        response = render_to_response(self.template_once, {
            "title": _("One-time password for ${name}", mapping={"name": self.person.full_name}),
            "person": self.person, "password": self.shown_password,
            "next_url": result.location}, request=self.request)
        response.headers["Cache-Control"] = "no-store"
        return response


PROFILE_FIELDS = ("login", "full_name", "email", "phone", "position")


class UserForm(FormView):
    template = "admin/users/form.jinja2"

    def departments(self, appstruct) -> list[Department]:
        ids = [parse_int(str(i)) for i in appstruct["departments"]]
        found = list(self.request.dbsession.scalars(sa.select(Department).where(
            Department.id.in_([i for i in ids if i is not None]))))
        if None in ids or len(found) != len(set(ids)):
            raise self.invalid({"departments": _("A chosen department no longer exists.")})
        return found

    def roles(self, appstruct) -> list[Role]:
        names = set(appstruct["roles"])
        found = list(self.request.dbsession.scalars(
            sa.select(Role).where(Role.name.in_(names), Role.local_only.is_(False))))
        if len(found) != len(names):
            raise self.invalid({"roles": _("A chosen role no longer exists.")})
        return found

    def profile(self, appstruct) -> dict:
        values = {k: (appstruct[k] or "").strip() for k in PROFILE_FIELDS}
        values["login"] = values["login"].lower()
        return values


@view_config(context=AdminUsers, name="add", renderer="admin/users/form.jinja2", permission="manage")
class UserAdd(ShowsOneTimePassword, UserForm):
    schema_factory = NewUserSchema
    title = _("New user")
    buttons = (deform.Button("save", _("Create user"), css_class="btn-primary"),)

    @property
    def cancel_url(self):
        return self.request.resource_url(self.context)

    def appstruct(self) -> dict:
        return {"timezone": "Europe/Moscow", "locale": ""}

    def save(self, appstruct: dict) -> str:
        db = self.request.dbsession
        values = self.profile(appstruct)
        problems = user_field_problems(db, values)
        password = appstruct["password"]
        must_change = appstruct["must_change_password"]
        if password:
            problem = password_problem(password)
            if problem:
                problems["password"] = problem
        else:
            password, must_change = one_time_password(), True
            self.shown_password = password
        if problems:
            raise self.invalid(problems)
        departments, roles = self.departments(appstruct), self.roles(appstruct)
        try:
            user = create_user(
                db, password=password, roles=[r.name for r in roles], departments=departments,
                birthday=appstruct["birthday"], locale=appstruct["locale"],
                timezone=appstruct["timezone"], must_change_password=must_change, **values)
        except UserProblem as problem:
            raise self.invalid({problem.field: problem.message}) from None
        self.person = user
        if self.shown_password is None:
            self.request.session.flash(self.request.translate(_(
                "${name} can now log in as “${login}”.",
                mapping={"name": user.full_name, "login": user.login})))
        return self.request.resource_url(self.context, str(user.id))


@view_config(context=User, containment=AdminUsers, name="edit", renderer="admin/users/form.jinja2",
             permission="manage")
class UserEdit(UserForm):
    schema_factory = UserSchema

    @property
    def title(self):
        return _("Edit ${name}", mapping={"name": self.context.full_name})

    @property
    def cancel_url(self):
        return self.request.resource_url(self.context)

    def direct_grants(self) -> list[RoleGrant]:
        return list(self.request.dbsession.scalars(
            sa.select(RoleGrant).where(RoleGrant.user_id == self.context.id)
            .options(selectinload(RoleGrant.role))))

    def appstruct(self) -> dict:
        u = self.context
        return {**{k: getattr(u, k) or "" for k in PROFILE_FIELDS},
                "birthday": u.birthday, "locale": u.locale or "", "timezone": u.timezone,
                "departments": {str(m.department_id) for m in u.memberships},
                "roles": {g.role.name for g in self.direct_grants() if not g.role.local_only},
                "must_change_password": u.must_change_password}

    def department_roles(self) -> dict:
        """{role: [department names]} the person holds through their departments (read-only)."""
        return roles_by_user(self.request.dbsession, [self.context.id])[1].get(self.context.id, {})

    def save(self, appstruct: dict) -> str:
        db, user = self.request.dbsession, self.context
        values = self.profile(appstruct)
        problems = user_field_problems(db, values, user)
        if problems:
            raise self.invalid(problems)
        departments, roles = self.departments(appstruct), self.roles(appstruct)
        if user.id == self.request.identity.user.id and not self._keeps_admin(departments, roles):
            raise self.invalid({"roles": _(
                "You cannot take the administrator role away from yourself: ask another "
                "administrator to do it.")})
        for name, value in values.items():
            if getattr(user, name) != value:
                setattr(user, name, value)
        user.birthday = appstruct["birthday"]
        user.locale = appstruct["locale"]
        user.timezone = appstruct["timezone"]
        if user.must_change_password != appstruct["must_change_password"]:
            user.must_change_password = appstruct["must_change_password"]
        set_departments(db, user, departments)
        wanted = {r.id: r for r in roles}
        for grant in self.direct_grants():
            if not grant.role.local_only and grant.role_id not in wanted:
                db.delete(grant)
            wanted.pop(grant.role_id, None)
        for role in wanted.values():
            db.add(RoleGrant(role=role, user=user))
        self.request.session.flash(self.request.translate(_("Changes saved.")))
        return self.request.resource_url(user)

    def _keeps_admin(self, departments, roles) -> bool:
        if any(r.name == ADMIN_ROLE for r in roles):
            return True
        return self.request.dbsession.scalar(
            sa.select(RoleGrant.id).join(Role, Role.id == RoleGrant.role_id)
            .where(Role.name == ADMIN_ROLE, RoleGrant.department_id.in_([d.id for d in departments]))
            .limit(1)) is not None


# --- the person's admin page, password reset, delete ---------------------------------------------

def deletion_problems(dbsession, user: User) -> list:
    """Why `user` cannot be deleted, in words: what in the portal refers to them."""
    return [HISTORY_REASONS.get(table) or _("records of “${table}” refer to them", mapping={"table": table})
            for table in history_tables(dbsession, user)]


@view_defaults(context=User, containment=AdminUsers, permission="manage")
class UserPage:
    template = "admin/users/view.jinja2"

    def __init__(self, context: User, request):
        self.context = context
        self.request = request
        self.db = request.dbsession

    def data(self, error=None, reasons=()) -> dict:
        user = self.context
        direct, via = roles_by_user(self.db, [user.id])
        local = list(self.db.scalars(
            sa.select(LocalRoleGrant).where(LocalRoleGrant.user_id == user.id)
            .options(selectinload(LocalRoleGrant.role))))
        local_depts = {d.id: d for d in self.db.scalars(sa.select(Department).where(
            Department.id.in_([g.container_id for g in local if g.container_type == "department"])))}
        is_me = user.id == self.request.identity.user.id
        blockers = deletion_problems(self.db, user)
        headed = list(self.db.scalars(sa.select(Department).where(Department.head_id == user.id)))
        return {
            "title": user.full_name,
            "user": user,
            "zone_label": timezone_label(self.request, user.timezone),
            "direct": direct.get(user.id, []),
            "via": via.get(user.id, {}),
            "local": local,
            "local_depts": local_depts,
            "headed": headed,
            "holds_work": user.active and holds_anything(self.db, user),
            "is_me": is_me,
            "can_delete": not blockers and not is_me,
            "blockers": blockers,
            "error": error,
            "reasons": reasons,
            "history": history_for(self.db, user, limit=20),
            # The log of log-ins and failures (who, when, from where, with what result).
            "logins": list(self.db.scalars(
                sa.select(LoginAttempt).where(LoginAttempt.login == user.login)
                .order_by(LoginAttempt.at.desc(), LoginAttempt.id.desc()).limit(LOGIN_LOG_SIZE))),
            "open_session_count": len(open_sessions(
                self.db, user.id, int(self.request.registry.settings.get("session.timeout", 12 * 3600)))),
        }

    @view_config(renderer="admin/users/view.jinja2")
    def view(self):
        return self.data()

    @view_config(name="delete", request_method="POST")
    def delete(self):
        user = self.context
        if user.id == self.request.identity.user.id:
            return self.refuse(_("You cannot delete your own account."))
        reasons = deletion_problems(self.db, user)
        if reasons:
            return self.refuse(_(
                "${name} cannot be deleted because they have history in the portal. Deactivate "
                "the account instead: they will no longer be able to log in, and their history "
                "stays.", mapping={"name": user.full_name}), reasons)
        name = user.full_name
        for model in (RoleGrant, LocalRoleGrant):
            for grant in self.db.scalars(sa.select(model).where(model.user_id == user.id)):
                self.db.delete(grant)
        self.db.delete(user)
        self.db.flush()
        self.request.session.flash(self.request.translate(
            _("${name} was deleted.", mapping={"name": name})))
        return HTTPSeeOther(self.request.resource_url(user.__parent__))

    def refuse(self, message, reasons=()):
        response = render_to_response(self.template, self.data(message, reasons), request=self.request)
        response.status_int = 400
        return response


class PasswordSchema(CSRFSchema):
    password = colander.SchemaNode(
        colander.String(), title=_("New password"), missing="",
        widget=NEW_PASSWORD_WIDGET,
        description=_("Leave both empty to generate a one-time password: it is shown once after "
                      "saving, and the person must replace it at their next log-in. Or type one: "
                      "at least 8 characters, letters together with digits or other characters."),
    )
    must_change_password = colander.SchemaNode(
        colander.Boolean(), title=_("Require a new password at next log-in"), missing=False,
        widget=deform.widget.CheckboxWidget(),
        description=_("Always so with a one-time password."),
    )


@view_config(context=User, containment=AdminUsers, name="password",
             renderer="admin/users/form.jinja2", permission="manage")
class PasswordReset(ShowsOneTimePassword, UserForm):
    schema_factory = PasswordSchema
    buttons = (deform.Button("save", _("Set the new password"), css_class="btn-primary"),)

    @property
    def title(self):
        return _("New password for ${name}", mapping={"name": self.context.full_name})

    @property
    def cancel_url(self):
        return self.request.resource_url(self.context)

    def save(self, appstruct: dict) -> str:
        user, typed = self.context, appstruct["password"] or None
        try:
            # The way out of the log-in throttle; it ends the person's sessions.
            password = new_password(self.request.dbsession, user, typed,
                                    must_change=appstruct["must_change_password"])
        except UserProblem as problem:
            raise self.invalid({problem.field: problem.message}) from None
        if user.id == self.request.identity.user.id:
            remember(self.request, user.id)  # keep the admin's own session (under a new id)
        if typed is None:
            self.shown_password, self.person = password, user
            return self.request.resource_url(user)
        self.request.session.flash(self.request.translate(_(
            "The password of ${name} has been changed. Their open sessions have ended.",
            mapping={"name": user.full_name})))
        return self.request.resource_url(user)

