"""Check access: may this person do this on that object, and which ACL entry decided it?"""
from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

import sqlalchemy as sa
from pyramid.authorization import ALL_PERMISSIONS, Allow
from pyramid.traversal import find_resource
from pyramid.view import view_config

from models.people import Department, User, fold
from models.roles import Role
from portal.audit.log import translate_deep
from portal.core.i18n import _
from portal.resources import Admin
from portal.security.default_roles import resource_types
from portal.security.policy import check_access

PERMISSION_RE = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
COMMON_PERMISSIONS = ("view", "add", "edit", "delete", "manage", "comment", "assign", "dispatch",
                      "report")


def find_user(dbsession, text: str) -> User | None:
    """A person by login, by "Full Name (login)", or by an exact, unique full name."""
    text = text.strip()
    match = re.search(r"\(([^()]+)\)\s*$", text)
    login = (match.group(1) if match else text).strip().lower()
    user = dbsession.scalar(sa.select(User).where(User.login == login))
    if user is None and text:
        found = list(dbsession.scalars(
            sa.select(User).where(User.full_name == text).limit(2)))
        user = found[0] if len(found) == 1 else None
    return user


def resolve_path(request, raw: str):
    """(context, None) for a path (or a portal URL), or (None, message) when nothing is there."""
    raw = raw.strip()
    if not raw:
        return None, _("Enter the path of an object, for example /people/popova or /admin/users/3.")
    parts = urlsplit(raw)
    is_url = parts.scheme or raw.startswith("//")
    path = unquote(parts.path if is_url else raw.split("?")[0].split("#")[0])
    if request.script_name and path.startswith(request.script_name + "/"):
        path = path[len(request.script_name):]
    if not path.startswith("/"):
        path = "/" + path
    try:
        return find_resource(request.root, path), None
    except (KeyError, ValueError):
        return None, _("There is no such object: nothing in the portal lives at “${path}”. Use the "
                       "address of the object's own page, without a view name such as /edit.",
                       mapping={"path": path})


def describe_principals(dbsession, principals) -> list[tuple[str, object]]:
    """[(principal, what it means in words)], system first, then person, departments, roles."""
    dept_ids, user_ids, role_names = set(), set(), set()
    for p in principals:
        for m in re.finditer(r"(dept|user):(\d+)", p):
            (dept_ids if m.group(1) == "dept" else user_ids).add(int(m.group(2)))
        m = re.match(r"(?:role|local):([^@]+)", p)
        if m:
            role_names.add(m.group(1))
    depts = dict(dbsession.execute(
        sa.select(Department.id, Department.name).where(Department.id.in_(dept_ids))).all())
    users = dict(dbsession.execute(
        sa.select(User.id, User.full_name).where(User.id.in_(user_ids))).all())
    roles = dict(dbsession.execute(
        sa.select(Role.name, Role.title).where(Role.name.in_(role_names))).all())

    def role_title(name):
        return _(roles[name]) if name in roles else name

    out = []
    for p in principals:
        if p == "system.Everyone":
            text = _("everyone, logged in or not")
        elif p == "system.Authenticated":
            text = _("anyone who is logged in")
        elif m := re.fullmatch(r"user:(\d+)", p):
            text = _("the person ${name}", mapping={"name": users.get(int(m.group(1)), p)})
        elif m := re.fullmatch(r"dept:(\d+)", p):
            text = _("member of ${name}", mapping={"name": depts.get(int(m.group(1)), p)})
        elif m := re.fullmatch(r"role:([^@]+)", p):
            text = _("holds the role ${role} (scope: all)",
                     mapping={"role": role_title(m.group(1))})
        elif m := re.fullmatch(r"role:([^@]+)@dept:(\d+)", p):
            text = _("holds the role ${role} for records of ${department} (scope: department)",
                     mapping={"role": role_title(m.group(1)),
                              "department": depts.get(int(m.group(2)), m.group(2))})
        elif m := re.fullmatch(r"role:([^@]+)@user:(\d+)", p):
            text = _("holds the role ${role} for their own records (scope: own)",
                     mapping={"role": role_title(m.group(1))})
        elif m := re.fullmatch(r"local:(.+)", p):
            text = _("holds the role ${role} here as a local role (Sharing)",
                     mapping={"role": role_title(m.group(1))})
        else:
            text = p
        out.append((p, text))

    def order(item):
        p = item[0]
        rank = (0 if p.startswith("system.") else 1 if p.startswith("user:") else
                2 if p.startswith("dept:") else 4 if p.startswith("local:") else 3)
        return rank, p
    return sorted(out, key=order)


def ace_text(ace) -> dict:
    """An ACE as its three parts, with ALL_PERMISSIONS said in words."""
    action, principal, permissions = ace
    if permissions is ALL_PERMISSIONS:
        perms = _("all permissions")
    elif isinstance(permissions, (list, tuple, set, frozenset)):
        perms = ", ".join(sorted(permissions))
    else:
        perms = permissions
    return {"action": action, "allow": action == Allow, "principal": principal, "permission": perms}


def object_label(obj) -> str:
    for attr in ("full_name", "name", "title"):
        value = getattr(obj, attr, None)
        if isinstance(value, str) and value:
            return value
    return ""


def permission_suggestions() -> list[str]:
    perms = list(COMMON_PERMISSIONS)
    for type_perms in resource_types().values():
        perms.extend(p for p in type_perms if p not in perms)
    return perms


@view_config(context=Admin, name="access", renderer="admin/access.jinja2", permission="manage")
def check_access_page(request):
    """GET ?user=&path=&permission= → Allowed/Denied, the deciding ACE and the principals."""
    db = request.dbsession
    params = request.GET
    form = {k: params.get(k, "").strip() for k in ("user", "path", "permission")}
    errors: dict[str, object] = {}
    result = None
    user = None
    if any(params.get(k) is not None for k in form):
        if not form["user"]:
            errors["user"] = _("Choose a person: type a login or a name and pick from the list.")
        else:
            user = find_user(db, form["user"])
            if user is None:
                errors["user"] = _("There is nobody with the login “${login}”.",
                                   mapping={"login": form["user"]})
        context, problem = resolve_path(request, form["path"])
        if problem:
            errors["path"] = problem
        permission = form["permission"].lower()
        if not permission:
            errors["permission"] = _("Enter a permission, for example view, edit or manage.")
        elif not PERMISSION_RE.match(permission):
            errors["permission"] = _("A permission is one lowercase word, for example view, "
                                     "edit or manage.")
        if not errors:
            verdict, principals = check_access(request, user, context, permission)
            default_deny = verdict.ace == "<default deny>"
            acl = verdict.acl if isinstance(verdict.acl, (list, tuple)) else []
            result = {
                "allowed": bool(verdict),
                "user": user,
                "permission": permission,
                "context": context,
                "context_path": request.resource_path(context),
                "context_class": type(context).__name__,
                "context_label": object_label(context),
                "default_deny": default_deny,
                "ace": None if default_deny else ace_text(verdict.ace),
                "location": verdict.context,
                "location_path": request.resource_path(verdict.context),
                "location_class": type(verdict.context).__name__,
                "location_label": object_label(verdict.context),
                "acl": [ace_text(a) for a in acl],
                "hit_index": next((i for i, a in enumerate(acl) if a == verdict.ace), None),
                "principals": describe_principals(db, principals),
                "inactive": not user.active,
            }
        else:
            request.response.status_int = 400
    path_hints = ["/", "/people", "/admin", "/admin/users", "/admin/departments", "/admin/roles"]
    if user is not None:
        path_hints[2:2] = [f"/people/{user.login}", f"/admin/users/{user.id}"]
    departments = db.execute(
        sa.select(Department.id, Department.name).order_by(Department.name).limit(200)).all()
    return {
        "title": _("Check access"),
        "form": form,
        "errors": errors,
        "result": result,
        "path_hints": path_hints,
        "departments": departments,
        "permissions": permission_suggestions(),
        "tr": lambda value: translate_deep(request, value),
    }


@view_config(context=Admin, name="access-people", renderer="admin/access_people.jinja2",
             permission="manage")
def people_suggestions(request):
    """<option>s for the person field: people whose name, login, e-mail or phone match."""
    q = fold(request.GET.get("user", "")).strip()
    people = []
    if q:
        people = list(request.dbsession.scalars(
            sa.select(User).where(User.search_text.contains(q, autoescape=True))
            .order_by(User.full_name).limit(15)))
    return {"people": people}
