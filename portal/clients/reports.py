"""The /reports section and the client reports (issue 3, point 11).

/reports                 the reports the person may open (a registry other areas add to)
/reports/advertising     advertising effectiveness: new clients by advertising source, count and %
/reports/activity        activity: interactions planned, done and overdue by employee,
                         organization or kind

Who sees whose figures follows the report's permission and its scope (DESIGN §5):
report.advertising own → the clients the person is responsible for, department → their
departments' clients, all → every client; report.activity likewise over interactions (own =
the person is responsible for or wrote them). Each report is one grouped query.
"""
from __future__ import annotations

import datetime as dt
import heapq
from dataclasses import dataclass, field

import sqlalchemy as sa
from pyramid.authorization import DENY_ALL, Allow

from models.clients import INTERACTION_KINDS, Classifier, Interaction, Organization
from models.meta import utcnow
from models.people import Department, User
from models.registry import Registry
from portal.clients.rules import INTERACTION_KIND_LABELS
from portal.core.i18n import _
from portal.resources import Container
from portal.security.acl import ADMIN_ACE
from portal.security.filters import sql_filter

# --- the section and its registry ---------------------------------------------------------------


@dataclass(frozen=True)
class ReportInfo:
    """A report listed on /reports: opened at /reports/<name> by holders of report.<permission>."""

    name: str
    title: object
    description: object
    icon: str
    permission: str
    order: int = 50


REPORTS: Registry[ReportInfo] = Registry("reports")


def register_report(config, info: ReportInfo) -> None:
    """List a report on /reports (from an area's includeme)."""
    config.register(REPORTS, info.name, info)


def includeme(config) -> None:
    register_report(config, ReportInfo(
        "advertising", _("Advertising effectiveness"),
        _("How many new clients each advertising source brought in a period, and how many of "
          "them buy."),
        "megaphone", "advertising", 10))
    register_report(config, ReportInfo(
        "activity", _("Activity"),
        _("Calls, meetings, letters and visits planned and done, by employee, organization or "
          "kind."),
        "activity", "activity", 20))


class Reports(Container):
    """/reports: visible to whoever holds the permission of at least one registered report."""

    def __acl__(self):
        matrix = self.request.role_matrix
        acl = [ADMIN_ACE]
        permissions = {info.permission for info in REPORTS.values()}
        for (type_name, permission), holders in matrix.by_permission.items():
            if type_name != "report" or permission not in permissions:
                continue
            for role, _scope in holders:
                for principal in (f"role:{role}", f"local:{role}"):
                    acl.append((Allow, principal, permission))
                    acl.append((Allow, principal, "view"))
        acl.append(DENY_ALL)
        return acl


class ReportScope:
    """report.<permission> as a filter over `model`'s rows (portal.security.filters.sql_filter's
    protocol): own = the person's rows, department = their departments' rows."""

    security_type = "report"

    def __init__(self, model):
        self.model = model

    def sql_in_departments(self, ids):
        return self.model.sql_in_departments(ids)

    def sql_owned_by(self, user_id: int):
        return self.model.sql_owned_by(user_id)


def period_bounds(start: dt.date, end: dt.date, zone) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, the day after end 00:00) in `zone`, as UTC."""
    lo = dt.datetime.combine(start, dt.time(0), zone).astimezone(dt.UTC)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), zone).astimezone(dt.UTC)
    return lo, hi


# --- advertising effectiveness ------------------------------------------------------------------

BUYING_STAGES = ("purchase", "loyalty")
# Who advertising brings: clients and prospects (suppliers and partners come by other ways).
CLIENT_KINDS = ("client", "prospect")


@dataclass
class SourceRow:
    source_id: int | None
    title: str
    code: str = ""
    clients: int = 0
    buying: int = 0
    share: float = 0.0  # of all new clients in the period, %

    @property
    def conversion(self) -> float | None:
        """Of the clients it brought, the % that buy (stage purchase or loyalty)."""
        return 100 * self.buying / self.clients if self.clients else None


def advertising(request, start: dt.date, end: dt.date, *, kind: str = "",
                department_id: int | None = None,
                manager_id: int | None = None) -> tuple[list[SourceRow], SourceRow]:
    """Organizations created in the period, by advertising source (every active source, even
    with none; retired ones only when they have clients), and the total.

    `kind`: "" = clients and prospects, "all" = every kind, else one kind."""
    lo, hi = period_bounds(start, end, request.user_timezone)
    buying = sa.func.sum(sa.case((Organization.stage.in_(BUYING_STAGES), 1), else_=0))
    stmt = (sa.select(Organization.source_id, sa.func.count(), buying)
            .where(Organization.created_at >= lo, Organization.created_at < hi,
                   sql_filter(request, ReportScope(Organization), "advertising"))
            .group_by(Organization.source_id))
    if not kind:
        stmt = stmt.where(Organization.kind.in_(CLIENT_KINDS))
    elif kind != "all":
        stmt = stmt.where(Organization.kind == kind)
    if department_id is not None:
        ids = request.department_tree.with_descendants([department_id])
        stmt = stmt.where(Organization.department_id.in_(sorted(ids)))
    if manager_id is not None:
        stmt = stmt.where(Organization.manager_id == manager_id)
    counts = {source: (n, b or 0) for source, n, b in request.dbsession.execute(stmt)}
    tr = request.localizer.translate
    rows = []
    for entry in request.dbsession.scalars(
            sa.select(Classifier).where(Classifier.list == "source")
            .order_by(Classifier.sort_order, Classifier.title)):
        n, b = counts.pop(entry.id, (0, 0))
        if entry.active or n:
            rows.append(SourceRow(entry.id, tr(_(entry.title)) if entry.code else entry.title,
                                  entry.code, n, b))
    n, b = counts.pop(None, (0, 0))
    rows.append(SourceRow(None, tr(_("Not specified")), "", n, b))
    total = SourceRow(None, tr(_("Total")), "", sum(r.clients for r in rows),
                      sum(r.buying for r in rows))
    for row in rows:
        row.share = 100 * row.clients / total.clients if total.clients else 0.0
    total.share = 100.0 if total.clients else 0.0
    rows.sort(key=lambda r: (r.source_id is None, -r.clients, r.title))
    return rows, total


# --- activity -----------------------------------------------------------------------------------

GROUPS = ("employee", "organization", "kind")
ORGANIZATION_ROWS = 100


@dataclass
class ActivityRow:
    key: object
    name: str
    planned: int = 0  # planned in the period
    done: int = 0  # of those, done
    overdue: int = 0  # of those, not done and past their time
    kinds: dict[str, int] = field(default_factory=dict)
    # Done in the period, whenever they were planned (an overdue call done today counts today).
    done_in_period: int = 0

    @property
    def open(self) -> int:
        """Not done yet and not overdue (still ahead)."""
        return self.planned - self.done - self.overdue

    @property
    def done_share(self) -> float | None:
        return 100 * self.done / self.planned if self.planned else None

    def add(self, other: ActivityRow) -> None:
        self.planned += other.planned
        self.done += other.done
        self.overdue += other.overdue
        self.done_in_period += other.done_in_period
        for kind, n in other.kinds.items():
            self.kinds[kind] = self.kinds.get(kind, 0) + n


def activity(request, start: dt.date, end: dt.date, group: str = "employee", *,
             kind: str = "", department_id: int | None = None, employee_id: int | None = None,
             now: dt.datetime | None = None,
             limit: int | None = None) -> tuple[list[ActivityRow], ActivityRow, int]:
    """Interactions planned in the period, grouped; each row counts them by kind too, and
    counts what was done in the period whenever it had been planned.

    Returns the rows (the most planned first, by name; the row without a key last), the
    total and how many rows there are. With `limit`, only the first `limit` rows are made:
    a month of a big company's interactions concerns tens of thousands of organizations, and
    naming and sorting them all for a page that shows a hundred is most of the work.
    """
    now = now or utcnow()
    lo, hi = period_bounds(start, end, request.user_timezone)
    key = {"employee": Interaction.responsible_id, "organization": Interaction.organization_id,
           "kind": Interaction.kind}[group]
    done = sa.func.sum(sa.case((Interaction.done_at.is_not(None), 1), else_=0))
    overdue = sa.func.sum(sa.case((sa.and_(Interaction.done_at.is_(None),
                                           Interaction.planned_at < now), 1), else_=0))
    which = [sql_filter(request, ReportScope(Interaction), "activity")]
    if kind:
        which.append(Interaction.kind == kind)
    if department_id is not None:
        ids = request.department_tree.with_descendants([department_id])
        which.append(Interaction.department_id.in_(sorted(ids)))
    if employee_id is not None:
        which.append(Interaction.responsible_id == employee_id)
    # One row per group, its kinds counted side by side.
    by_kind = [sa.func.sum(sa.case((Interaction.kind == k, 1), else_=0)) for k in INTERACTION_KINDS]
    stmt = (sa.select(key, sa.func.count(), done, overdue, *by_kind)
            .where(Interaction.planned_at >= lo, Interaction.planned_at < hi, *which)
            .group_by(key))
    db = request.dbsession
    # Tens of thousands of plain tuples: read through the session's connection, without the
    # ORM's result processing. Each group: planned, done, overdue, done in the period, kinds.
    conn = db.connection()
    sums: dict[object, list] = {}
    for group_key, n, d, o, *counts in conn.execute(stmt):
        sums[group_key] = [n, d or 0, o or 0, 0,
                           {k: c for k, c in zip(INTERACTION_KINDS, counts, strict=True) if c}]
    for group_key, n in conn.execute(
            sa.select(key, sa.func.count())
            .where(Interaction.done_at >= lo, Interaction.done_at < hi, *which)
            .group_by(key)):
        sums.setdefault(group_key, [0, 0, 0, 0, {}])[3] = n
    tr = request.localizer.translate
    total = ActivityRow(None, tr(_("Total")))
    for planned_n, done_n, overdue_n, in_period, kinds in sums.values():
        total.planned += planned_n
        total.done += done_n
        total.overdue += overdue_n
        total.done_in_period += in_period
        for k, n in kinds.items():
            total.kinds[k] = total.kinds.get(k, 0) + n
    keys = list(sums)
    keyed = [k for k in keys if k is not None]
    if limit is not None and group != "kind" and len(keyed) > limit:
        # The first `limit` rows are among those planned at least as often as the limit-th
        # most planned (ties go by name): only those are named and sorted. The row without
        # a key comes after all of them.
        edge = heapq.nlargest(limit, (sums[k][0] for k in keyed))[-1]
        keys = [k for k in keyed if sums[k][0] >= edge]
    ids = [k for k in keys if k is not None]
    if group == "employee":
        names = dict(db.execute(sa.select(User.id, User.full_name).where(User.id.in_(ids))).all()) \
            if ids else {}
        missing = tr(_("Nobody responsible"))
    elif group == "organization":
        names = {}
        for chunk_start in range(0, len(ids), 900):
            chunk = ids[chunk_start:chunk_start + 900]
            names.update(db.execute(sa.select(Organization.id, Organization.name)
                                    .where(Organization.id.in_(chunk))).all())
        missing = tr(_("No organization (private persons and internal)"))
    else:
        names = {k: tr(INTERACTION_KIND_LABELS.get(k, k)) for k in ids}
        missing = ""
    rows = []
    for k in keys:
        planned_n, done_n, overdue_n, in_period, kinds = sums[k]
        rows.append(ActivityRow(k, names.get(k, missing) if k is not None else missing,
                                planned_n, done_n, overdue_n, kinds, in_period))
    if group == "kind":
        ordered = sorted(rows, key=lambda r: INTERACTION_KINDS.index(r.key)
                         if r.key in INTERACTION_KINDS else 99)
    else:
        ordered = sorted(rows, key=lambda r: (r.key is None, -r.planned, r.name))
    return (ordered[:limit] if limit is not None else ordered), total, len(sums)


def department_choices(request, scope: str | None) -> list[Department]:
    """Departments a report can be narrowed to: all for scope all, one's own for department."""
    if scope not in ("department", "all"):
        return []
    stmt = sa.select(Department).order_by(Department.sort_order, Department.name)
    if scope == "department":
        stmt = stmt.where(Department.id.in_(sorted(request.identity.dept_scope_ids) or [-1]))
    return list(request.dbsession.scalars(stmt))
