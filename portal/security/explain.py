""""What can this person do?" in words, for administrators: the answer for one person, one
object and one action, naming what grants it, and everything a person may do, by type.

Nothing here decides anything: the answer for one object is Pyramid's verdict on the object's
computed ACL (`policy.check_access`, the same ACL and principals every request uses); this
module only tells the entry that decided it in words — a role and how the person holds it, a
department, a local role and where it was granted, the person as owner or assignee. The
per-person page reads the role matrix the ACLs are built from (`filters.best_scope`, as the
lists' SQL filters do), so the page and the portal cannot drift apart.

Everything is returned translated into the reader's language (strings, not messages): the
sentences are put together from several parts.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from pyramid.authorization import ALL_PERMISSIONS, Allow, Authenticated, Everyone
from pyramid.location import lineage

from models.kb import KbFolder
from models.people import Department, User
from models.roles import ADMIN_ROLE, SCOPE_RANK, Role, RoleGrant
from portal.core.i18n import _
from portal.security.default_roles import resource_types
from portal.security.filters import best_scope
from portal.security.labels import TYPE_LABELS, permission_label
from portal.security.policy import check_access
from portal.security.principals import Identity, identity_for, local_role_containers

# The order of the per-person page: the areas people work in first.
TYPE_ORDER = ("organization", "contact", "interaction", "deal", "order", "product", "plan", "task",
              "event", "room", "article", "kb_folder", "ticket", "job", "resource", "report",
              "person")

# "May …" of the answer's first words, by permission; others say the matrix's words.
ACTION_WORDS = {
    "view": _("May see"),
    "add": _("May add"),
    "edit": _("May edit"),
    "delete": _("May delete"),
    "assign": _("May reassign"),
    "review": _("May publish"),
    "dispatch": _("May dispatch"),
    "report": _("May see the reports"),
    "manage": _("May manage"),
    "book": _("May book"),
    "merge": _("May merge"),
    "import": _("May import"),
    "export": _("May export"),
    "view_terms": _("May see the terms"),
    "share": _("May share"),
    "take": _("May take"),
    "comment": _("May comment"),
    "payment": _("May record payments"),
    "sales": _("May see the sales reports"),
}
# Permissions no role of the matrix gives: the administration's pages.
ADMIN_PERMISSIONS = {"manage": _("Administer (administrators only)")}

# Whose rows "own" means, per type (ROLES.md).
OWNER_WORDS = {
    "organization": _("the responsible manager"),
    "contact": _("the responsible manager"),
    "interaction": _("the author or the responsible person"),
    "deal": _("the responsible manager"),
    "order": _("the responsible manager"),
    "task": _("the author, the assignee or a co-worker"),
    "event": _("the organizer or an attendee"),
    "article": _("the author"),
    "kb_folder": _("the person granted it"),
    "ticket": _("the requester's manager, the creator, the assignee or a watcher"),
    "job": _("the assigned technician"),
    "resource": _("the person themselves"),
    "report": _("the person themselves"),
}

# Who a person is to a record whose ACL names them (`user:<id>`), per type.
PERSONAL_WORDS = {
    "article": _("as the author of this record"),
    "event": _("as the organizer or an attendee of this event"),
    "ticket": _("as an agent of the ticket's queue"),
}


def type_label(type_name: str):
    return TYPE_LABELS.get(type_name, type_name)


def action_label(type_name: str | None, permission: str):
    """The role matrix's words for type.permission (its code when it has none)."""
    if type_name:
        key = f"{type_name}.{permission}"
        label = permission_label(type_name, permission)
        if label != key:
            return label
    return ADMIN_PERMISSIONS.get(permission) or ACTION_WORDS.get(permission) or permission


# --- which actions an object knows ----------------------------------------------------------------

def object_type(context) -> str | None:
    """The matrix type of a row (None for a section of the portal)."""
    type_name = getattr(context, "security_type", None)
    return type_name if isinstance(type_name, str) else None


def _acl_of(location) -> list:
    acl = getattr(location, "__acl__", None)
    if callable(acl):
        acl = acl()
    return list(acl) if isinstance(acl, (list, tuple)) else []


def _permissions_named(acl: Iterable) -> set[str]:
    out: set[str] = set()
    for _action, _principal, permissions in acl:
        if permissions is ALL_PERMISSIONS:
            continue
        out.update([permissions] if isinstance(permissions, str) else permissions)
    return out


def _view_permissions(registry, context) -> set[str]:
    """Permissions that the pages of `context`'s class ask (Pyramid's view introspection)."""
    out: set[str] = set()
    for item in registry.introspector.get_category("permissions") or ():
        for view in item["related"]:
            view_context = view.get("context")
            if isinstance(view_context, type) and isinstance(context, view_context):
                out.add(item["introspectable"]["value"])
                break
    return out


def known_actions(request, context) -> list[tuple[str, str]]:
    """[(permission, label in words)] that mean something on `context`: its type's row of the
    role matrix, the permissions its ACL names and those its pages ask; matrix order first."""
    type_name = object_type(context)
    matrix = list(resource_types().get(type_name, ())) if type_name else []
    named = _permissions_named(_acl_of(context))
    if type_name is None:  # a section: what its ACL and the ones above it name
        for location in lineage(context):
            named |= _permissions_named(_acl_of(location))
    named |= _view_permissions(request.registry, context)
    others = sorted(p for p in named if p not in matrix)
    translate = request.localizer.translate
    return [(p, translate(action_label(type_name, p))) for p in [*matrix, *others]]


# --- the answer for one object ----------------------------------------------------------------------

@dataclass
class Answer:
    allowed: bool
    headline: str  # «May see: yes — role “Sales manager” (department “Sales”)»
    scope: str = ""  # how far it reaches ("everywhere", "records of their departments: …")
    notes: list[str] = field(default_factory=list)  # why not, and what would give it
    granted_by: str = ""  # the principal that decided it ("" when nothing allowed it)
    verdict: object = None  # Pyramid's ACLAllowed / ACLDenied
    principals: set[str] = field(default_factory=set)


def role_holdings(dbsession, user: User, identity: Identity) -> dict[str, list[str | None]]:
    """{role name: [None for "granted to them", or the name of a department granted it]}."""
    rows = dbsession.execute(
        sa.select(Role.name, RoleGrant.user_id, Department.name)
        .join(RoleGrant, RoleGrant.role_id == Role.id)
        .outerjoin(Department, Department.id == RoleGrant.department_id)
        .where(sa.or_(RoleGrant.user_id == user.id,
                      RoleGrant.department_id.in_(sorted(identity.department_ids))))
        .order_by(Role.name, Department.name)).all()
    out: dict[str, list[str | None]] = {}
    for role, user_id, department in rows:
        out.setdefault(role, []).append(None if user_id is not None else department)
    return out


class Words:
    """Sentences about one person, in the reader's language."""

    def __init__(self, request, user: User, identity: Identity):
        self.request = request
        self.t = request.localizer.translate
        self.user = user
        self.identity = identity
        db = request.dbsession
        self.holdings = role_holdings(db, user, identity)
        # Every role's title (a short table): the roles they hold, and those that would give it.
        self.titles = dict(db.execute(sa.select(Role.name, Role.title)).all())
        self.tree = request.department_tree

    def quoted(self, text: str) -> str:
        """A name in the reader's quotation marks (“…” or «…»)."""
        return self.t(_("“${name}”", mapping={"name": text}))

    def role(self, name: str) -> str:
        return self.t(_(self.titles[name])) if name in self.titles else name

    def department(self, department_id: int) -> str:
        return self.tree.names.get(department_id, str(department_id))

    def how_held(self, role: str) -> str:
        """"department “Sales”", "granted to them", or both."""
        parts = []
        for department in self.holdings.get(role, ()):
            parts.append(self.t(_("granted to them")) if department is None else
                         self.t(_("department “${name}”", mapping={"name": department})))
        return ", ".join(dict.fromkeys(parts))

    def role_with_holding(self, role: str) -> str:
        how = self.how_held(role)
        if how:
            return self.t(_("role “${role}” (${how})", mapping={"role": self.role(role), "how": how}))
        return self.t(_("role “${role}”", mapping={"role": self.role(role)}))

    def container(self, kind: str, number: int) -> str:
        if kind == "department":
            return self.t(_("department “${name}”", mapping={"name": self.department(number)}))
        if kind == KbFolder.local_roles_type:
            title = self.request.dbsession.scalar(sa.select(KbFolder.title)
                                                  .where(KbFolder.id == number))
            return self.t(_("folder “${name}”", mapping={"name": title or number}))
        return f"{kind} {number}"

    def departments_scope(self) -> str:
        """"in department “Sales”" (and its sub-departments) for the person's departments."""
        own = sorted(self.identity.department_ids, key=self.department)
        if not own:
            return self.t(_("in no department (they belong to none): own only"))
        names = ", ".join(self.quoted(self.department(d)) for d in own)
        below = set(self.identity.dept_scope_ids) - set(own)
        if below:
            return self.t(_("in department ${names} and its sub-departments",
                            mapping={"names": names}))
        return self.t(_("in department ${names}", mapping={"names": names}))


def explain(request, user: User, context, permission: str) -> Answer:
    """May `user` `permission` on `context`? Pyramid's verdict on the object's ACL, told in
    words: the principal of the deciding entry, as a role (and how the person holds it), a
    local role (and where it was granted), a department, or the person themselves."""
    verdict, principals = check_access(request, user, context, permission)
    identity = identity_for(request.dbsession, user, request.department_tree)
    words = Words(request, user, identity)
    t = words.t
    type_name = object_type(context)
    action = t(ACTION_WORDS.get(permission) or action_label(type_name, permission))
    answer = Answer(bool(verdict), "", verdict=verdict, principals=principals)
    ace = verdict.ace if isinstance(verdict.ace, tuple) else None
    if answer.allowed and ace is not None and ace[0] == Allow:
        principal = ace[1]
        answer.granted_by = principal
        reason, answer.scope = _granted(words, principal, context, type_name)
        answer.headline = t(_("${action}: yes — ${reason}",
                              mapping={"action": action, "reason": reason}))
        return answer
    reason = t(_("no role gives this right here") if user.active
               else _("the account is deactivated"))
    answer.headline = t(_("${action}: no — ${reason}", mapping={"action": action, "reason": reason}))
    if user.active and type_name:
        answer.notes = _why_not(words, context, type_name, permission)
    return answer


def _granted(words: Words, principal: str, context, type_name: str | None) -> tuple[str, str]:
    """(who grants it, how far it reaches) for the principal of the deciding Allow entry."""
    t = words.t
    if principal == f"role:{ADMIN_ROLE}":
        return (t(_("role “${role}”: administrators may do everything",
                    mapping={"role": words.role(ADMIN_ROLE)})), t(_("everywhere")))
    if m := re.fullmatch(r"role:([^@]+)", principal):
        return words.role_with_holding(m.group(1)), t(_("everywhere"))
    if m := re.fullmatch(r"role:([^@]+)@dept:(\d+)", principal):
        return (words.role_with_holding(m.group(1)),
                t(_("records of their departments: this one is in “${department}”",
                    mapping={"department": words.department(int(m.group(2)))})))
    if m := re.fullmatch(r"role:([^@]+)@user:(\d+)", principal):
        owner = OWNER_WORDS.get(type_name or "")
        return (words.role_with_holding(m.group(1)),
                t(_("their own records: they are ${who} of this one",
                    mapping={"who": t(owner)})) if owner else
                t(_("their own records: this one is theirs")))
    if m := re.fullmatch(r"local:(.+)", principal):
        role = m.group(1)
        where = [words.container(*c) for c in local_role_containers(context, words.tree)
                 if role in words.identity.local_grants.get(tuple(c), ())]
        return (t(_("local role “${role}” on ${where} (Sharing)",
                    mapping={"role": words.role(role), "where": ", ".join(where) or "—"})),
                t(_("here and below where it was granted")))
    if re.fullmatch(r"user:(\d+)", principal):
        # The state's own grants (a draft to its author), an event's people, a queue's agents.
        return t(PERSONAL_WORDS.get(type_name or "", _("given to them personally on this "
                                                       "record"))), t(_("this record"))
    if m := re.fullmatch(r"dept:(\d+)", principal):
        return (t(_("as a member of department “${name}”",
                    mapping={"name": words.department(int(m.group(1)))})), t(_("this record")))
    if principal == Authenticated:
        return t(_("everyone who is logged in")), t(_("everywhere"))
    if principal == Everyone:
        return t(_("everyone, logged in or not")), t(_("everywhere"))
    return principal, ""


def _why_not(words: Words, context, type_name: str, permission: str) -> list[str]:
    """What the person's roles give of type.permission, and why that does not reach here."""
    t = words.t
    matrix = words.request.role_matrix
    notes = []
    for role, scope in sorted(matrix.roles_with(type_name, permission)):
        if role not in words.identity.roles:
            continue
        held = words.role_with_holding(role)
        if scope == "department":
            departments = [words.department(d) for d in
                           (context.security_departments() if hasattr(context, "security_departments")
                            else [])]
            notes.append(t(_("${role} gives it for records of their departments only; this one "
                             "is in ${where}.",
                             mapping={"role": held, "where": ", ".join(
                                 words.quoted(d) for d in departments) or t(_("no department"))})))
        elif scope == "own":
            owner = OWNER_WORDS.get(type_name)
            notes.append(t(_("${role} gives it for their own records only: they are not ${who} "
                             "of this one.", mapping={"role": held, "who": t(owner)})) if owner
                         else t(_("${role} gives it for their own records only.",
                                  mapping={"role": held})))
        else:
            notes.append(t(_("${role} gives it everywhere, but not in this record's present "
                             "state.", mapping={"role": held})))
    if not notes:
        givers = sorted({words.role(r) for r, _scope in matrix.roles_with(type_name, permission)})
        if givers:
            notes.append(t(_("Roles that give it: ${roles}.",
                             mapping={"roles": ", ".join(words.quoted(g) for g in givers)})))
    return [note[:1].upper() + note[1:] for note in notes]


# --- everything a person may do --------------------------------------------------------------------

@dataclass
class Ability:
    permission: str
    label: str  # the matrix's words
    scope: str | None  # "all", "department", "own" or None
    where: str  # in words: "everywhere", "in department “Sales”", "own only", "no"
    roles: str = ""  # the roles that give it, in words
    local: list[str] = field(default_factory=list)  # "folder “Support” (local role “Editor”)"


@dataclass
class TypeAbilities:
    type_name: str
    label: str
    abilities: list[Ability]


def abilities(request, user: User) -> list[TypeAbilities]:
    """What `user` may do, per type and permission of the role matrix, with its reach in words:
    the widest scope among their roles (as the SQL filters of the lists take it), and the local
    roles granted to them or their departments."""
    identity = identity_for(request.dbsession, user, request.department_tree)
    words = Words(request, user, identity)
    t = words.t
    matrix = request.role_matrix
    types = resource_types()
    order = [n for n in TYPE_ORDER if n in types] + sorted(n for n in types if n not in TYPE_ORDER)
    out = []
    for type_name in order:
        rows = []
        for permission in types[type_name]:
            label = t(action_label(type_name, permission))
            if not user.active:
                rows.append(Ability(permission, label, None, t(_("no (deactivated)"))))
                continue
            scope = best_scope(request, type_name, permission, identity)
            givers = [r for r, s in matrix.roles_with(type_name, permission)
                      if r in identity.roles and s == scope]
            if identity.is_admin:
                givers = [ADMIN_ROLE]
            where = {"all": t(_("everywhere")), "department": words.departments_scope(),
                     "own": t(_("own only")), None: t(_("no"))}[scope]
            if scope == "own" and OWNER_WORDS.get(type_name):
                where = t(_("own only (${who})", mapping={"who": t(OWNER_WORDS[type_name])}))
            local = []
            if not identity.is_admin and SCOPE_RANK[scope] < SCOPE_RANK["all"]:
                local_roles = {r for r, _s in matrix.roles_with(type_name, permission)}
                for (kind, number), names in sorted(identity.local_grants.items()):
                    for name in sorted(names & local_roles):
                        local.append(t(_("${where} (local role “${role}”)", mapping={
                            "where": words.container(kind, number), "role": words.role(name)})))
            if scope is None and local:
                where = t(_("only where it was shared with them:"))
            rows.append(Ability(permission, label, scope, where,
                                ", ".join(words.role_with_holding(r) for r in sorted(givers)),
                                local))
        out.append(TypeAbilities(type_name, t(type_label(type_name)), rows))
    admin_where = t(_("everything")) if user.active and identity.is_admin else t(_("no"))
    out.append(TypeAbilities("admin", t(_("Administration")), [Ability(
        "manage", t(_("People, departments, roles and settings")),
        "all" if user.active and identity.is_admin else None, admin_where,
        words.role_with_holding(ADMIN_ROLE) if identity.is_admin else "")]))
    return out
