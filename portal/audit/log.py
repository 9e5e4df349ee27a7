"""The audit log in words (DESIGN.md §7); undoing a change is in portal/audit/revert.py.

SQLAlchemy-Continuum records every insert, update and delete of the versioned tables in a
version table per model, grouped by `transaction` rows that say who (user_id) and from where
(remote_addr). This module reads those versions back and describes them for people
("Changed person Попова Анна: position “Менеджер” → “Старший менеджер”").

Descriptions are translation strings whose mapping may hold translation strings too (role
titles, permission labels); `Change.text(request)` translates them all, and the value helpers
format dates in the reader's locale and time zone.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from pyramid.i18n import TranslationString
from sqlalchemy.orm import selectinload
from sqlalchemy_continuum import version_class, versioning_manager

from models.people import ApiToken, Department, Membership, User
from models.registry import Registry
from models.roles import LocalRoleGrant, Role, RoleGrant, RolePermission
from portal.core.i18n import LANGUAGES, _, format_date, format_datetime
from portal.security.labels import permission_label

INSERT, UPDATE, DELETE = 0, 1, 2

# Every audited table, in the order their changes are told (and rows re-created on undo).
AUDITED: dict[str, type] = {
    "users": User,
    "departments": Department,
    "roles": Role,
    "role_permissions": RolePermission,
    "memberships": Membership,
    "role_grants": RoleGrant,
    "local_role_grants": LocalRoleGrant,
    "api_tokens": ApiToken,
}

TABLE_LABELS = {
    "users": _("People"),
    "departments": _("Departments"),
    "roles": _("Roles"),
    "role_permissions": _("Role permissions"),
    "memberships": _("Department members"),
    "role_grants": _("Role grants"),
    "local_role_grants": _("Local roles (sharing)"),
    "api_tokens": _("API tokens"),
}

FIELD_LABELS = {
    "users": {
        "login": _("login"), "full_name": _("full name"), "email": _("e-mail"),
        "phone": _("phone"), "position": _("position"), "birthday": _("birthday"),
        "locale": _("language"), "timezone": _("time zone"), "state": _("status"),
        "password_hash": _("password"),
        "must_change_password": _("new password required at next log-in"),
    },
    "departments": {
        "name": _("name"), "description": _("description"), "parent_id": _("parent department"),
        "head_id": _("head"), "block_local_roles": _("local roles of parent departments blocked"),
        "sort_order": _("order in the list"),
    },
    "roles": {
        "name": _("name"), "title": _("title"), "local_only": _("local only"),
        "auto_grant": _("granted to every department"),
    },
    "role_permissions": {"scope": _("scope")},
    "memberships": {"user_id": _("person"), "department_id": _("department")},
    "role_grants": {"role_id": _("role"), "user_id": _("person"), "department_id": _("department")},
    "local_role_grants": {"role_id": _("role"), "user_id": _("person"),
                          "department_id": _("department")},
    "api_tokens": {"name": _("name"), "expires_at": _("expires"), "revoked": _("revoked")},
}

SCOPE_LABELS = {"own": _("Own"), "department": _("Department"), "all": _("All")}
STATE_LABELS = {"active": _("Active"), "deactivated": _("Deactivated")}


def transaction_model():
    """The Continuum `transaction` model (id, issued_at, user_id, remote_addr, user)."""
    return versioning_manager.transaction_cls


def last_change(dbsession, record) -> tuple[User | None, dt.datetime | None]:
    """Who saved `record` last, and when, from its audit versions ((None, None) if never)."""
    tx = transaction_model()
    versions = version_class(type(record))
    row = dbsession.execute(
        sa.select(tx.user_id, tx.issued_at).join(versions, versions.transaction_id == tx.id)
        .where(versions.id == record.id).order_by(tx.id.desc()).limit(1)).first()
    if row is None:
        return None, None
    user = dbsession.get(User, row.user_id) if row.user_id else None
    at = row.issued_at
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return user, at


# --- values and their display ----------------------------------------------------------------

def translate_deep(request, value) -> str:
    """Translate a translation string whose mapping may itself hold translation strings."""
    if isinstance(value, TranslationString):
        mapping = value.mapping and {
            k: translate_deep(request, v) for k, v in value.mapping.items()}
        return request.localizer.translate(TranslationString(
            value, domain=value.domain, mapping=mapping or None))
    return "" if value is None else str(value)


def display_value(request, value, kind: str = "text") -> str:
    """A field's value as people read it: dates in their locale, yes/no, “—” when empty."""
    if value is None or value == "":
        return "—"
    if isinstance(value, TranslationString):
        return translate_deep(request, value)
    if isinstance(value, bool):
        return request.localizer.translate(_("yes") if value else _("no"))
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return format_datetime(request, value, "medium")
    if isinstance(value, dt.date):
        return format_date(request, value, "long")
    if kind == "text":
        return f"“{value}”"
    return str(value)


@dataclass
class FieldChange:
    """One field of one row: its label, the value before and after."""

    name: str
    label: TranslationString
    old: Any
    new: Any
    kind: str = "text"  # text | ref (a name, no quotes) | secret (never shown)

    def old_text(self, request) -> str:
        return display_value(request, self.old, self.kind)

    def new_text(self, request) -> str:
        return display_value(request, self.new, self.kind)


@dataclass
class Change:
    """What one transaction did to one row, in words."""

    table: str
    row_id: int
    operation: int
    message: TranslationString
    fields: list[FieldChange] = field(default_factory=list)
    # (section, id) of the admin page of the object, e.g. ("users", 3); None when gone.
    target: tuple[str, int] | None = None

    @property
    def kind(self) -> str:
        return {INSERT: "insert", UPDATE: "update", DELETE: "delete"}[self.operation]

    @property
    def icon(self) -> str:
        return {INSERT: "plus-circle", UPDATE: "pencil", DELETE: "trash3"}[self.operation]

    def text(self, request) -> str:
        return translate_deep(request, self.message)


@dataclass
class Entry:
    """One audit transaction: who, when, from where, and what changed."""

    transaction_id: int
    at: dt.datetime
    author: User | None
    remote_addr: str
    changes: list[Change]


# --- names of the people, departments and roles that rows refer to ----------------------------

class Names:
    """Labels for ids, loaded in a few queries; rows deleted since come from their versions."""

    MODELS = {"user": User, "department": Department, "role": Role}

    def __init__(self, dbsession):
        self.db = dbsession
        self.wanted: dict[str, set[int]] = defaultdict(set)
        self.known: dict[str, dict[int, Any]] = defaultdict(dict)

    def want(self, kind: str, id_: int | None) -> None:
        if id_ is not None:
            self.wanted[kind].add(id_)

    def load(self) -> None:
        for kind, ids in self.wanted.items():
            ids = ids - set(self.known[kind])
            if not ids:
                continue
            model = self.MODELS[kind]
            found = {row.id: self._label(kind, row)
                     for row in self.db.scalars(sa.select(model).where(model.id.in_(ids)))}
            missing = ids - set(found)
            if missing:
                version = version_class(model)
                rows = self.db.scalars(
                    sa.select(version).where(version.id.in_(missing))
                    .order_by(version.transaction_id)
                )
                for row in rows:  # the latest version wins
                    found[row.id] = self._label(kind, row)
            self.known[kind].update(found)

    @staticmethod
    def _label(kind: str, row):
        if kind in NAME_LABELS:  # kinds other areas registered (register_name_kind)
            return NAME_LABELS[kind](row)
        if kind == "user":
            return row.full_name
        if kind == "department":
            return row.name
        return _(row.title)

    def user(self, id_: int | None):
        return self._get("user", id_)

    def department(self, id_: int | None):
        return self._get("department", id_)

    def role(self, id_: int | None):
        return self._get("role", id_)

    def _get(self, kind: str, id_: int | None):
        if id_ is None:
            return None
        return self.known[kind].get(id_, f"#{id_}")


def _want_names(names: Names, table: str, row) -> None:
    if table in EXTRA_TABLES:
        EXTRA_TABLES[table].want_names(names, row)
        return
    if table == "departments":
        names.want("department", row.parent_id)
        names.want("user", row.head_id)
    elif table == "role_permissions":
        names.want("role", row.role_id)
    elif table in ("memberships", "role_grants", "local_role_grants", "api_tokens"):
        names.want("user", row.user_id)
        if table != "api_tokens":
            names.want("department", row.department_id)
        if table in ("role_grants", "local_role_grants"):
            names.want("role", row.role_id)
        if table == "local_role_grants" and row.container_type == "department":
            names.want("department", row.container_id)
        elif table == "local_role_grants" and row.container_type in CONTAINER_KINDS:
            names.want(CONTAINER_KINDS[row.container_type][0], row.container_id)


# --- describing one version in words -----------------------------------------------------------

HIDDEN_COLUMNS = {"id", "search_text", "birth_md", "created_at", "token_hash", "last_used_at",
                  "transaction_id", "end_transaction_id", "operation_type"}


def _columns(version) -> list[str]:
    return [c for c in sa.inspect(version.__class__).columns.keys() if c not in HIDDEN_COLUMNS]


def _field_value(table: str, column: str, value, names: Names):
    """(value, kind) to show for a column: ids become names, codes become words."""
    if table in EXTRA_TABLES:
        shown = EXTRA_TABLES[table].field_value(column, value, names)
        if shown is not None:
            return shown
    if column in ("parent_id", "department_id") and table != "local_role_grants":
        return names.department(value), "ref"
    if column == "head_id" or column == "user_id":
        return names.user(value), "ref"
    if column == "role_id":
        return names.role(value), "ref"
    if column == "scope":
        return SCOPE_LABELS.get(value, value), "ref"
    if column == "state":
        return STATE_LABELS.get(value, value), "ref"
    if column == "locale":
        return LANGUAGES.get(value, value or None), "ref"
    if column == "title" and table == "roles":
        return value, "text"
    return value, "text"


def _field_changes(table: str, old, new, names: Names) -> list[FieldChange]:
    labels = FIELD_LABELS.get(table, {})
    out = []
    for column in _columns(new):
        before = getattr(old, column) if old is not None else None
        after = getattr(new, column)
        if before == after or (before in (None, "") and after in (None, "")):
            continue
        label = labels.get(column, column)
        if column == "password_hash":
            out.append(FieldChange(column, label, None, None, "secret"))
            continue
        b, kind = _field_value(table, column, before, names)
        a, _kind = _field_value(table, column, after, names)
        out.append(FieldChange(column, label, b, a, kind))
    return out


def _holder(names: Names, row):
    if row.user_id is not None:
        return names.user(row.user_id)
    return _("department ${name}", mapping={"name": names.department(row.department_id)})


def _container(names: Names, row):
    if row.container_type == "department":
        return _("department ${name}", mapping={"name": names.department(row.container_id)})
    if row.container_type in CONTAINER_KINDS:
        kind, label = CONTAINER_KINDS[row.container_type]
        return label(names._get(kind, row.container_id))
    return f"{row.container_type} #{row.container_id}"




def describe(table: str, version, previous, names: Names) -> Change | None:
    """The change that `version` (with the version before it) records, in words."""
    op = version.operation_type
    row = version
    fields: list[FieldChange] = []
    if op == UPDATE:
        fields = _field_changes(table, previous, version, names)
        if not fields:
            return None  # only bookkeeping columns changed (search text, last use of a token)
    if table in EXTRA_TABLES:
        message, target, fields = EXTRA_TABLES[table].describe(version, op, fields, names)
        if message is None:  # bookkeeping rows an area leaves out of the log
            return None
        return Change(table, version.id, op, message, fields, target)
    target = None
    m: dict[str, Any] = {}

    if table == "users":
        m = {"name": row.full_name, "login": row.login}
        target = ("users", row.id)
        if op == INSERT:
            msg = _("Created person ${name} (login ${login})", mapping=m)
            fields = [f for f in _field_changes(table, None, version, names)
                      if f.name in ("position", "email", "phone", "birthday")]
        elif op == DELETE:
            msg = _("Deleted person ${name} (login ${login})", mapping=m)
        else:
            names_changed = {f.name for f in fields}
            if names_changed == {"state"}:
                msg = (_("Reactivated person ${name}", mapping=m) if row.state == "active"
                       else _("Deactivated person ${name}", mapping=m))
                fields = []
            elif names_changed == {"password_hash"}:
                msg = _("Changed the password of ${name}", mapping=m)
                fields = []
            else:
                msg = _("Changed person ${name}", mapping=m)
    elif table == "departments":
        m = {"name": row.name}
        target = ("departments", row.id)
        if op == INSERT:
            msg = _("Created department ${name}", mapping=m)
            fields = [f for f in _field_changes(table, None, version, names)
                      if f.name in ("parent_id", "head_id")]
        elif op == DELETE:
            msg = _("Deleted department ${name}", mapping=m)
        else:
            msg = _("Changed department ${name}", mapping=m)
    elif table == "roles":
        m = {"title": _(row.title), "name": row.name}
        target = ("roles", row.name)
        if op == INSERT:
            msg = _("Created role ${title} (${name})", mapping=m)
        elif op == DELETE:
            msg = _("Deleted role ${title} (${name})", mapping=m)
        else:
            msg = _("Changed role ${title}", mapping=m)
    elif table == "role_permissions":
        m = {"role": names.role(row.role_id),
             "permission": permission_label(row.type, row.permission),
             "scope": SCOPE_LABELS.get(row.scope, row.scope)}
        if op == INSERT:
            msg = _("Gave role ${role} the permission “${permission}” with scope ${scope}",
                    mapping=m)
        elif op == DELETE:
            msg = _("Took the permission “${permission}” away from role ${role}", mapping=m)
        else:
            msg = _("Changed the scope of “${permission}” for role ${role}", mapping=m)
            fields = [f for f in fields if f.name == "scope"] or fields
    elif table == "memberships":
        m = {"person": names.user(row.user_id), "department": names.department(row.department_id)}
        target = ("users", row.user_id)
        if op == INSERT:
            msg = _("Added member ${person} to ${department}", mapping=m)
        elif op == DELETE:
            msg = _("Removed member ${person} from ${department}", mapping=m)
        else:
            msg = _("Changed the membership of ${person} in ${department}", mapping=m)
    elif table == "role_grants":
        m = {"role": names.role(row.role_id), "holder": _holder(names, row)}
        target = ("users", row.user_id) if row.user_id else ("departments", row.department_id)
        if op == INSERT:
            msg = _("Granted role ${role} to ${holder}", mapping=m)
        elif op == DELETE:
            msg = _("Withdrew role ${role} from ${holder}", mapping=m)
        else:
            msg = _("Changed the grant of role ${role} to ${holder}", mapping=m)
    elif table == "local_role_grants":
        m = {"role": names.role(row.role_id), "holder": _holder(names, row),
             "container": _container(names, row)}
        if row.container_type == "department":
            target = ("departments", row.container_id)
        if op == INSERT:
            msg = _("Granted local role ${role} on ${container} to ${holder}", mapping=m)
        elif op == DELETE:
            msg = _("Withdrew local role ${role} on ${container} from ${holder}", mapping=m)
        else:
            msg = _("Changed local role ${role} on ${container} of ${holder}", mapping=m)
    elif table == "api_tokens":
        m = {"name": row.name, "person": names.user(row.user_id)}
        target = ("users", row.user_id)
        if op == INSERT:
            msg = _("Issued API token “${name}” to ${person}", mapping=m)
        elif op == DELETE:
            msg = _("Deleted API token “${name}” of ${person}", mapping=m)
        elif {f.name for f in fields} == {"revoked"} and row.revoked:
            msg = _("Revoked API token “${name}” of ${person}", mapping=m)
            fields = []
        else:
            msg = _("Changed API token “${name}” of ${person}", mapping=m)
    else:  # pragma: no cover - every audited table is handled above
        msg = _("Changed ${table} #${id}", mapping={"table": table, "id": row.id})
    return Change(table, row.id, op, msg, fields, target)


# --- reading the log ---------------------------------------------------------------------------

def _versions_for(dbsession, where_by_table: dict[str, Any]):
    """[(table, version, previous)] for each table's WHERE on its version class."""
    out = []
    for table, clause in where_by_table.items():
        version_cls = version_class(AUDITED[table])
        versions = list(dbsession.scalars(sa.select(version_cls).where(clause(version_cls))))
        if not versions:
            continue
        # The version before an update is the one whose validity ended with it.
        wanted = {(v.id, v.transaction_id) for v in versions if v.operation_type == UPDATE}
        previous = {}
        if wanted:
            rows = dbsession.scalars(sa.select(version_cls).where(
                version_cls.end_transaction_id.in_({t for _i, t in wanted}),
                version_cls.id.in_({i for i, _t in wanted}),
            ))
            previous = {(p.id, p.end_transaction_id): p for p in rows}
        out.extend((table, v, previous.get((v.id, v.transaction_id))) for v in versions)
    return out


def _entries(dbsession, transactions, triples) -> list[Entry]:
    names = Names(dbsession)
    for table, version, previous in triples:
        _want_names(names, table, version)
        if previous is not None:
            _want_names(names, table, previous)
    names.load()
    order = {t: i for i, t in enumerate(AUDITED)}
    by_tx: dict[int, list] = defaultdict(list)
    for table, version, previous in sorted(
            triples, key=lambda t: (order[t[0]], t[1].operation_type, t[1].id)):
        change = describe(table, version, previous, names)
        if change is not None:
            by_tx[version.transaction_id].append(change)
    return [
        Entry(tx.id, _aware(tx.issued_at), tx.user, tx.remote_addr or "", by_tx.get(tx.id, []))
        for tx in transactions
    ]


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    # Continuum stores issued_at as naive UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def transactions_query(table: str | None = None, author: str | None = None,
                       row_id: int | None = None):
    """SELECT of audit transactions, newest first, filtered by table (and row) and author.

    `author` is a user id as text, or "system" for changes made by scripts (no user).
    """
    tx = transaction_model()
    query = sa.select(tx)
    if table in AUDITED:
        version_cls = version_class(AUDITED[table])
        sub = sa.select(version_cls.transaction_id)
        if row_id is not None:
            sub = sub.where(version_cls.id == row_id)
        query = query.where(tx.id.in_(sub))
    if author == "system":
        query = query.where(tx.user_id.is_(None))
    elif author and author.isdigit():
        query = query.where(tx.user_id == int(author))
    return query.order_by(tx.id.desc())


def audit_page(dbsession, *, table: str | None = None, author: str | None = None,
               row_id: int | None = None, page: int = 1, per_page: int = 25
               ) -> tuple[list[Entry], int]:
    """One page of the log, described, and the number of transactions matching the filters."""
    query = transactions_query(table, author, row_id)
    total = dbsession.scalar(
        sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    tx = transaction_model()
    transactions = list(dbsession.scalars(
        query.options(selectinload(tx.user)).limit(per_page).offset((page - 1) * per_page)
    ))
    return entries_for(dbsession, transactions), total


def entries_for(dbsession, transactions) -> list[Entry]:
    """The described changes of these audit transactions, in the order given."""
    ids = [t.id for t in transactions]
    if not ids:
        return []
    triples = _versions_for(dbsession, {
        table: (lambda v: v.transaction_id.in_(ids)) for table in AUDITED
    })
    return _entries(dbsession, transactions, triples)


def authors(dbsession) -> list[User]:
    """People who made at least one recorded change, by name."""
    tx = transaction_model()
    return list(dbsession.scalars(
        sa.select(User).where(User.id.in_(sa.select(tx.user_id).where(tx.user_id.is_not(None))))
        .order_by(User.full_name)
    ))


def _related(obj) -> dict[str, Any]:
    """WHERE clauses (per table) of the rows whose history belongs on `obj`'s page."""
    for related in EXTRA_RELATED:
        clauses = related(obj)
        if clauses:
            return clauses
    oid = obj.id
    if isinstance(obj, User):
        return {
            "users": lambda v: v.id == oid,
            "memberships": lambda v: v.user_id == oid,
            "role_grants": lambda v: v.user_id == oid,
            "local_role_grants": lambda v: v.user_id == oid,
            "api_tokens": lambda v: v.user_id == oid,
        }
    if isinstance(obj, Department):
        return {
            "departments": lambda v: v.id == oid,
            "memberships": lambda v: v.department_id == oid,
            "role_grants": lambda v: v.department_id == oid,
            "local_role_grants": lambda v: sa.or_(
                v.department_id == oid,
                sa.and_(v.container_type == "department", v.container_id == oid)),
        }
    if isinstance(obj, Role):
        return {
            "roles": lambda v: v.id == oid,
            "role_permissions": lambda v: v.role_id == oid,
            "role_grants": lambda v: v.role_id == oid,
            "local_role_grants": lambda v: v.role_id == oid,
        }
    for table, model in AUDITED.items():
        if isinstance(obj, model):
            return {table: lambda v: v.id == oid}
    raise TypeError(f"{type(obj).__name__} is not audited")


def history_for(dbsession, obj, limit: int = 50) -> list[Entry]:
    """The changes of one person, department or role (and of what hangs on it), newest first.

    For a person: their record, memberships, role grants, local roles and API tokens; for a
    department: its record, members, role grants and local roles; for a role: its record,
    permissions and grants. Render with ``admin/audit/object_history.jinja2``.
    """
    triples = _versions_for(dbsession, _related(obj))
    if not triples:
        return []
    ids = sorted({v.transaction_id for _t, v, _p in triples}, reverse=True)[:limit]
    keep = set(ids)
    triples = [t for t in triples if t[1].transaction_id in keep]
    tx = transaction_model()
    transactions = list(dbsession.scalars(
        sa.select(tx).where(tx.id.in_(ids)).options(selectinload(tx.user)).order_by(tx.id.desc())
    ))
    return [e for e in _entries(dbsession, transactions, triples) if e.changes]


ROW_LABELS = {
    "users": _("person ${name}"),
    "departments": _("department ${name}"),
    "roles": _("role ${title}"),
    "role_permissions": _("permission “${permission}” of role ${role}"),
    "memberships": _("membership of ${person} in ${department}"),
    "role_grants": _("grant of role ${role} to ${holder}"),
    "local_role_grants": _("local role ${role} of ${holder} on ${container}"),
    "api_tokens": _("API token “${name}” of ${person}"),
}


def row_label(names: Names, table: str, row) -> TranslationString:
    """A row named in words, e.g. “person Попова Анна”, “grant of role Sales manager to …”."""
    if table in EXTRA_TABLES:
        return EXTRA_TABLES[table].row_label(names, row)
    if table == "users":
        m = {"name": row.full_name}
    elif table == "departments":
        m = {"name": row.name}
    elif table == "roles":
        m = {"title": _(row.title)}
    elif table == "role_permissions":
        m = {"permission": permission_label(row.type, row.permission),
             "role": names.role(row.role_id)}
    elif table == "memberships":
        m = {"person": names.user(row.user_id), "department": names.department(row.department_id)}
    elif table == "role_grants":
        m = {"role": names.role(row.role_id), "holder": _holder(names, row)}
    elif table == "local_role_grants":
        m = {"role": names.role(row.role_id), "holder": _holder(names, row),
             "container": _container(names, row)}
    else:
        m = {"name": row.name, "person": names.user(row.user_id)}
    return _(ROW_LABELS[table], mapping=m)


def want_names(names: Names, table: str, row) -> None:
    """Ask `names` to load the people, departments and roles that `row` refers to."""
    _want_names(names, table, row)


def versions_of_transaction(dbsession, transaction_id: int):
    """[(table, version, previous version or None)] of every row the transaction touched."""
    return _versions_for(dbsession, {
        table: (lambda v: v.transaction_id == transaction_id) for table in AUDITED
    })


# --- tables of other areas -----------------------------------------------------------------------
# An area registers its audited tables here (e.g. portal/clients/audit.py), so that the audit log,
# undo and `history_for` describe them in words like the tables above.

@dataclass
class AuditedTable:
    """How to tell one area table's changes.

    describe(version, op, fields, names) -> (message, target, fields): the sentence, the admin
    page to link (or None) and the field changes to list; field_value(column, value, names) ->
    (value, kind) or None for the default; want_names(names, row) asks for the names of the ids
    the row holds; row_label(names, row) names the row ("organization «Ромашка»").
    """

    model: type
    label: TranslationString
    fields: dict[str, TranslationString]
    describe: Any
    row_label: Any
    field_value: Any = lambda column, value, names: None
    want_names: Any = lambda names, row: None


# What the areas register from their includeme (register_* below).
EXTRA_TABLES: Registry[AuditedTable] = Registry("audited tables")
EXTRA_RELATED: Registry = Registry("audit history of related rows")
NAME_LABELS: Registry = Registry("audit name kinds")
# Local-role container types of other areas: container_type -> (name kind, label(name)).
CONTAINER_KINDS: Registry[tuple[str, Any]] = Registry("local-role container kinds")


def register_table(config, table: str, spec: AuditedTable, hidden: tuple[str, ...] = ()) -> None:
    """Audit `table` in words; `hidden` columns are bookkeeping, never listed as changes.
    Called from an area's includeme; a table registered twice refuses to start."""
    def apply():
        AUDITED[table] = spec.model
        TABLE_LABELS[table] = spec.label
        FIELD_LABELS[table] = spec.fields
        EXTRA_TABLES.add(table, spec)
        HIDDEN_COLUMNS.update(hidden)

    config.action(("portal.audit.table", table), apply, order=-100)


def register_related(config, fn) -> None:
    """`fn(obj)` -> {table: clause(version_class)} for `history_for(obj)`, or None if not its kind."""
    config.register(EXTRA_RELATED, f"{fn.__module__}.{fn.__qualname__}", fn)


def register_name_kind(config, kind: str, model: type, label) -> None:
    """Let `Names.want(kind, id)` load labels of `model` rows (label(row) -> str)."""
    def apply():
        Names.MODELS[kind] = model
        NAME_LABELS.add(kind, label)

    config.action(("portal.audit.name_kind", kind), apply, order=-100)


def register_container_kind(config, container_type: str, kind: str, label) -> None:
    """Name local roles shared on `container_type` containers (a KB folder): `kind` is a
    registered name kind, `label(name)` the words ("folder «IT»")."""
    config.register(CONTAINER_KINDS, container_type, (kind, label))


def name_of(names: Names, kind: str, id_: int | None):
    """The label of a row of a registered kind (after `names.load()`), or None."""
    return names._get(kind, id_)
