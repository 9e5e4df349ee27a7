"""Check access: may this person do this on that object — in words, naming what grants it —
and a person's page of everything they may do, by type (issue 14, point 5).

/admin/access                    the pickers: a person, an object found by search, an action in
                                 the role matrix's words; ?user=&path=&permission= answers
                                 (a path, a portal URL or a picked "Name (/path)")
/admin/access/people/{id}        what the person may do, by type, from the role matrix
/admin/access-people?user=       <option>s of people for the person picker
/admin/access-objects?path=      <option>s of objects (the header search's groups, departments)
/admin/access-actions?path=      <option>s of the actions the chosen object knows

The answer is Pyramid's verdict on the object's computed ACL (portal/security/explain.py); the
entry that decided it, the ACL and the principals stay below it for those who want them.
"""
from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

import sqlalchemy as sa
from pyramid.authorization import ALL_PERMISSIONS, Allow
from pyramid.httpexceptions import HTTPNotFound
from pyramid.traversal import find_resource
from pyramid.view import view_config

from models.people import Department, User, fold
from models.roles import Role
from portal.audit.log import translate_deep
from portal.core.i18n import _
from portal.core.parsing import parse_int
from portal.resources import Admin
from portal.security.explain import abilities, explain, known_actions, object_type, type_label
from views.search.header import SEARCH_PROVIDERS, SearchGroup

PERMISSION_RE = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
# What the action picker offers before an object is chosen.
COMMON_PERMISSIONS = ("view", "add", "edit", "delete", "assign", "manage")
OBJECTS_PER_KIND = 8


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


def object_path(raw: str) -> str:
    """The path in what the object picker sent: "Name (/clients/5)", a path or a portal URL."""
    raw = raw.strip()
    match = re.search(r"\((/[^()\s]*|https?://[^()\s]+)\)\s*$", raw)
    return match.group(1) if match else raw


def resolve_path(request, raw: str):
    """(context, None) for a path (or a portal URL), or (None, message) when nothing is there."""
    raw = object_path(raw)
    if not raw:
        return None, _("Choose an object: type a client's, a task's or an article's name (or "
                       "paste its address) and pick from the list.")
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
    for attr in ("full_name", "name", "title", "subject"):
        value = getattr(obj, attr, None)
        if isinstance(value, str) and value:
            return value
    return ""


def object_kind(request, obj) -> str:
    """What the object is, in words: its type in the role matrix, else its class."""
    type_name = object_type(obj)
    if type_name:
        return request.localizer.translate(type_label(type_name))
    return type(obj).__name__


def picked(request, context) -> str:
    """The object picker's value for `context`: "Name (/path)" (its path alone if unnamed)."""
    path = request.resource_path(context)
    label = object_label(context)
    return f"{label} ({path})" if label else path


def action_choices(request, context) -> list[tuple[str, str]]:
    """The action picker's (permission, words) for the object (common ones before one is chosen)."""
    if context is not None:
        return known_actions(request, context)
    translate = request.localizer.translate
    words = {"view": _("View"), "add": _("Add"), "edit": _("Edit"), "delete": _("Delete"),
             "assign": _("Reassign"), "manage": _("Administer (administrators only)")}
    return [(p, translate(words[p])) for p in COMMON_PERMISSIONS]


def person_url(request, user: User) -> str:
    return request.resource_path(request.root["admin"], "access", "people", str(user.id))


@view_config(context=Admin, name="access", renderer="admin/access.jinja2", permission="manage")
def check_access_page(request):
    """GET ?user=&path=&permission= → the answer in words, then the deciding ACE and principals."""
    if request.subpath:
        return person_page(request)
    db = request.dbsession
    params = request.GET
    form = {k: params.get(k, "").strip() for k in ("user", "path", "permission")}
    errors: dict[str, object] = {}
    result = None
    user = context = None
    asked = any(params.get(k) is not None for k in form)
    if form["path"]:
        context, problem = resolve_path(request, form["path"])
        if problem and asked:
            errors["path"] = problem
    elif asked:
        errors["path"] = resolve_path(request, "")[1]
    if context is not None:
        form["path"] = picked(request, context)
    if form["user"]:
        user = find_user(db, form["user"])
        if user is None:
            errors["user"] = _("There is nobody with the login “${login}”.",
                               mapping={"login": form["user"]})
        else:
            form["user"] = f"{user.full_name} ({user.login})"
    elif asked:
        errors["user"] = _("Choose a person: type a login or a name and pick from the list.")
    choices = action_choices(request, context)
    permission = form["permission"].lower()
    if asked:
        if not permission:
            errors["permission"] = _("Choose an action, for example View or Edit.")
        elif not PERMISSION_RE.match(permission):
            errors["permission"] = _("A permission is one lowercase word, for example view, "
                                     "edit or manage.")
        elif context is not None and permission not in dict(choices):
            errors["permission"] = _(
                "“${permission}” is not an action on ${what}. Choose one of: ${actions}.",
                mapping={"permission": permission, "what": object_kind(request, context),
                         "actions": ", ".join(label for _p, label in choices)})
    if asked and not errors:
        answer = explain(request, user, context, permission)
        verdict = answer.verdict
        default_deny = verdict.ace == "<default deny>"
        acl = verdict.acl if isinstance(verdict.acl, (list, tuple)) else []
        result = {
            "allowed": answer.allowed,
            "answer": answer,
            "user": user,
            "person_url": person_url(request, user),
            "permission": permission,
            "action_label": dict(choices).get(permission, permission),
            "context": context,
            "context_path": request.resource_path(context),
            "context_kind": object_kind(request, context),
            "context_label": object_label(context),
            "default_deny": default_deny,
            "ace": None if default_deny else ace_text(verdict.ace),
            "location": verdict.context,
            "location_path": request.resource_path(verdict.context),
            "location_class": type(verdict.context).__name__,
            "location_label": object_label(verdict.context),
            "acl": [ace_text(a) for a in acl],
            "hit_index": next((i for i, a in enumerate(acl) if a == verdict.ace), None),
            "principals": describe_principals(db, answer.principals),
            "inactive": not user.active,
        }
    elif errors:
        request.response.status_int = 400
    return {
        "title": _("Check access"),
        "form": form,
        "permission": permission,
        "errors": errors,
        "result": result,
        "actions": choices,
        "user": user if "user" not in errors else None,
        "person_url": person_url(request, user) if user is not None else None,
        "tr": lambda value: translate_deep(request, value),
    }


def person_page(request):
    """/admin/access/people/{id}: everything the person may do, by type, in words."""
    subpath = request.subpath
    user_id = parse_int(subpath[1]) if len(subpath) == 2 and subpath[0] == "people" else None
    user = request.dbsession.get(User, user_id) if user_id is not None else None
    if user is None:
        raise HTTPNotFound()
    request.override_renderer = "admin/access_person.jinja2"
    return {
        "title": _("What ${name} may do", mapping={"name": user.full_name}),
        "person": user,
        "types": abilities(request, user),
        "check_url": request.resource_path(request.root["admin"], "access",
                                           query={"user": user.login}),
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


def _path_of(request, url: str) -> str:
    path = urlsplit(url).path
    if request.script_name and path.startswith(request.script_name + "/"):
        path = path[len(request.script_name):]
    return path


@view_config(context=Admin, name="access-objects", renderer="admin/access_objects.jinja2",
             permission="manage")
def object_suggestions(request):
    """<option>s for the object field: what the header search finds (clients, contacts, tasks,
    events, articles, tickets, jobs, people) and departments by name."""
    q = request.GET.get("path", "").strip()[:200]
    groups = []
    if len(q) >= 2 and not q.startswith("/"):
        translate = request.localizer.translate
        for provider in SEARCH_PROVIDERS:
            found = provider(request, q, OBJECTS_PER_KIND)
            if found is None:
                continue
            group = SearchGroup(*found)
            groups.append((translate(group.title), [
                (f"{item.title} ({_path_of(request, item.url)})", item.detail)
                for item in group.items]))
        departments = request.dbsession.execute(
            sa.select(Department.id, Department.name)
            .where(sa.or_(*(Department.name.contains(v, autoescape=True)
                            for v in {q, q.lower(), q.capitalize()})))
            .order_by(Department.name).limit(OBJECTS_PER_KIND)).all()
        if departments:
            groups.append((translate(_("Departments")), [
                (f"{name} (/admin/departments/{id_})", "") for id_, name in departments]))
    return {"groups": [g for g in groups if g[1]]}


@view_config(context=Admin, name="access-actions", renderer="admin/access_actions.jinja2",
             permission="manage")
def action_suggestions(request):
    """<option>s for the action picker: the actions the chosen object knows."""
    context, _problem = resolve_path(request, request.GET.get("path", ""))
    return {"actions": action_choices(request, context),
            "permission": request.GET.get("permission", "")}
