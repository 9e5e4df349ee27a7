"""The sales reports' framework: what a report is, how its filters are read, and the helpers
every report of /sales/reports shares (issue 15, point 5).

A report is a function `build(request, filters) -> ReportResult`, registered with
`@sales_report(name, title, order, filters=(...))` when its area's includeme scans the module
(models.registry style: nothing is registered at import). The generic page
(views/sales/reports.py) shows /sales/reports/@@<name>: the filters the report names, its chart,
its tables, and ?format=csv|xlsx exports the same tables.

    @sales_report("annual", _("Annual sales"), 10, filters=("period", "manager", "group"))
    def annual(request, filters: Filters) -> ReportResult:
        ...
        return ReportResult([Table([Column("month", _("Month"), "month"), ...], rows, totals)],
                            chart={"type": "bar", "labels": [...],
                                   "datasets": [{"label": "...", "data": [...]}]})

A table's rows are dicts keyed by the columns' keys; values are plain Python (Decimal for money,
quantities and percents, int, date, YYYYMM int for a month, str; None shows as empty). Every
report reads only the rows the viewer may see: `fact_where(request, filters)` starts from
`visible_facts(request)` for SalesFact; `visible_orders` / `visible_deals` for orders and deals.

Query string of every report: from, to (ISO dates; or year=2026), manager, group, department,
pipeline, organization (ids), channel (a code). A malformed date or id, an end before the start
or a period of more than ten years is a UserError naming the field, in the user's language.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
import venusian
from babel import dates as babel_dates

from models.clients import Organization
from models.errors import UserError
from models.people import Department, Membership, User
from models.registry import Registry, add_action
from models.sales import Pipeline, ProductGroup, SalesFact
from portal.core.i18n import _, babel_locale, local_today
from portal.core.parsing import parse_date, parse_int, parse_key
from portal.sales.security import visible_facts
from portal.security.filters import best_scope

KINDS = ("text", "money", "qty", "int", "percent", "date", "month")
FILTERS = ("period", "manager", "group", "department", "pipeline", "channel", "organization")
MAX_YEARS = 10
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


# --- what a report returns ----------------------------------------------------------------------

@dataclass
class Column:
    """A column of a table: `key` in the rows' dicts, its title (translatable) and its kind
    (how it is shown and exported: text, money, qty, int, percent, date, month)."""

    key: str
    title: object
    kind: str = "text"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


@dataclass
class Table:
    """Rows (dicts by column key) and an optional totals row (a dict like a row)."""

    columns: list[Column]
    rows: list[dict]
    totals: dict | None = None
    title: object = None


@dataclass
class ReportResult:
    """The tables of a report, its chart and notes (translatable lines shown under the title).

    chart = {"type": "bar"|"line"|"doughnut", "labels": [...],
             "datasets": [{"label": ..., "data": [...]}, ...]} (numbers as int/float/Decimal)."""

    tables: list[Table]
    chart: dict | None = None
    notes: list = field(default_factory=list)


# --- the registry -------------------------------------------------------------------------------

@dataclass(frozen=True)
class SalesReport:
    """A registered report: opened at /sales/reports/@@<name> by holders of
    report.<permission> (report.sales by default)."""

    name: str
    title: object
    build: Callable[..., ReportResult]
    order: int = 50
    filters: tuple[str, ...] = ("period",)
    description: object = ""
    icon: str = "bar-chart"
    permission: str = "sales"
    default_period: str = "year"  # "year" (this calendar year) or "month" (this month)


SALES_REPORTS: Registry[SalesReport] = Registry("sales reports")


def sales_report(name: str, title, order: int = 50, filters: Sequence[str] = ("period",), *,
                 description="", icon: str = "bar-chart", permission: str = "sales",
                 default_period: str = "year"):
    """Decorator: register `build(request, filters) -> ReportResult` as the report `name` when
    the area's includeme scans the module (`config.scan(..., categories=("portal",))`)."""
    unknown = set(filters) - set(FILTERS)
    if unknown:
        raise ValueError(f"unknown report filters {sorted(unknown)}")

    def decorate(fn):
        info = SalesReport(name, title, fn, order, tuple(filters), description, icon, permission,
                           default_period)

        def callback(scanner, _name, ob):
            add_action(scanner.config, SALES_REPORTS, name, info, order)

        venusian.attach(fn, callback, category="portal")
        fn.sales_report = info
        return fn

    return decorate


# --- filters ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    """What the person chose: the period (both ends included) and the narrowing filters."""

    period_start: dt.date
    period_end: dt.date
    manager_id: int | None = None
    group_id: int | None = None
    department_id: int | None = None
    pipeline_id: int | None = None
    channel: str | None = None
    organization_id: int | None = None

    @property
    def month_start(self) -> int:
        return month_key(self.period_start)

    @property
    def month_end(self) -> int:
        return month_key(self.period_end)

    @property
    def months(self) -> list[int]:
        """Every month of the period as YYYYMM, in order (empty ones too)."""
        return months_between(self.period_start, self.period_end)

    def query(self) -> dict[str, str]:
        """The filters as the query string reads them (for links and the export's URL)."""
        out = {"from": self.period_start.isoformat(), "to": self.period_end.isoformat()}
        for name, attr in QUERY_NAMES.items():
            value = getattr(self, attr)
            if value is not None and value != "":
                out[name] = str(value)
        return out


# query-string name -> Filters attribute (the period is from/to or year)
QUERY_NAMES = {"manager": "manager_id", "group": "group_id", "department": "department_id",
               "pipeline": "pipeline_id", "channel": "channel",
               "organization": "organization_id"}
ID_ERRORS = {
    "manager": _("Choose a manager from the list."),
    "group": _("Choose a product group from the list."),
    "department": _("Choose a department from the list."),
    "pipeline": _("Choose a pipeline from the list."),
    "organization": _("Choose an organization from the list."),
}


def default_period(request, kind: str = "year") -> tuple[dt.date, dt.date]:
    """This calendar year (or this month), in the person's time zone."""
    today = local_today(request)
    if kind == "month":
        return today.replace(day=1), month_last_day(today)
    return today.replace(month=1, day=1), today.replace(month=12, day=31)


def read_filters(request, report: SalesReport | None = None) -> Filters:
    """The report's filters from the query string (see the module's docstring).

    Raises UserError(message, field) for a malformed date, year or id, an end before the start,
    or a period longer than MAX_YEARS years. Filters the report does not take are ignored."""
    get = request.GET
    allowed = set(report.filters) if report is not None else set(FILTERS)
    start, end = default_period(request, report.default_period if report else "year")
    example = local_today(request).isoformat()
    raw_year = (get.get("year") or "").strip()
    if raw_year and not (get.get("from") or get.get("to")):
        year = parse_int(raw_year, 9999)
        if year is None or not 1900 <= year <= 2200:
            raise UserError(_("Enter a year such as ${example}.",
                              mapping={"example": example[:4]}), "year")
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    for name in ("from", "to"):
        text = get.get(name)
        if text is None or not str(text).strip():
            continue
        day = parse_date(str(text))
        if day is None:
            raise UserError(_("Enter a date such as ${example}.", mapping={"example": example}),
                            name)
        if name == "from":
            start = day
        else:
            end = day
    if end < start:
        raise UserError(_("The end of the period is before its start."), "to")
    if _years_after(start, MAX_YEARS) < end:
        raise UserError(_("Choose a period of at most ${years} years.",
                          mapping={"years": MAX_YEARS}), "to")
    values: dict = {}
    for name, attr in QUERY_NAMES.items():
        text = get.get(name)
        if name not in allowed or text is None or not str(text).strip():
            continue
        if name == "channel":
            code = parse_key(str(text).strip(), 40)
            if code is None:
                raise UserError(_("Choose a channel from the list."), name)
            values[attr] = code
            continue
        number = parse_int(text)
        if number is None:
            raise UserError(ID_ERRORS[name], name)
        values[attr] = number
    return Filters(start, end, **values)


def _years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# --- months -------------------------------------------------------------------------------------

def month_key(day: dt.date) -> int:
    """2026-12-07 -> 202612 (SalesFact.month, SalesPlan.month)."""
    return day.year * 100 + day.month


def month_date(key: int) -> dt.date:
    """202612 -> 2026-12-01."""
    return dt.date(key // 100, key % 100, 1)


def month_last_day(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def months_between(start: dt.date, end: dt.date) -> list[int]:
    """YYYYMM of every month from start's to end's, both included."""
    out, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        out.append(year * 100 + month)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def month_label(request, key: int, fmt: str = "LLL yyyy") -> str:
    """202612 -> "Dec 2026" / «дек. 2026» in the person's language."""
    return babel_dates.format_date(month_date(key), fmt, locale=babel_locale(request.locale_name))


# --- numbers ------------------------------------------------------------------------------------

def money(value) -> Decimal:
    """A sum as Decimal rounded half up to kopecks (None -> 0.00; floats go through str)."""
    if value is None:
        return ZERO
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def percent(part, whole) -> Decimal | None:
    """part / whole as a percent rounded half up to 0.01; None when whole is 0 or None."""
    if whole is None or part is None:
        return None
    whole = Decimal(str(whole)) if not isinstance(whole, Decimal) else whole
    if whole == 0:
        return None
    part = Decimal(str(part)) if not isinstance(part, Decimal) else part
    return (part * 100 / whole).quantize(CENT, rounding=ROUND_HALF_UP)


def chart_number(value):
    """A figure for the chart's JSON: Decimal -> float, None -> 0."""
    if value is None:
        return 0
    return float(value) if isinstance(value, Decimal) else value


# --- narrowing the rows -------------------------------------------------------------------------

def department_ids(request, department_id: int) -> list[int]:
    """The department and every department below it."""
    return sorted(request.department_tree.with_descendants([department_id]))


def group_where(request, group_id: int, group_column, top_column=None) -> sa.ColumnElement:
    """Rows of the product group `group_id` and the groups below it. With `top_column` (the
    root group's id on the row, like SalesFact.top_group_id) a top group is one equality."""
    group = request.dbsession.get(ProductGroup, group_id)
    if group is None:
        return sa.false()
    if top_column is not None and group.parent_id is None:
        return top_column == group_id
    below = sa.select(ProductGroup.id).where(ProductGroup.path.startswith(group.path))
    return group_column.in_(below)


def fact_where(request, filters: Filters) -> list[sa.ColumnElement]:
    """WHERE clauses over SalesFact: the rows the viewer may see, in the period, narrowed by
    manager, product group, department and organization. The period goes by `month` (the
    covering index's first column) and by shipped_on only at a partial month's end."""
    where = [visible_facts(request),
             SalesFact.month >= filters.month_start, SalesFact.month <= filters.month_end]
    if filters.period_start.day != 1:
        where.append(SalesFact.shipped_on >= filters.period_start)
    if filters.period_end != month_last_day(filters.period_end):
        where.append(SalesFact.shipped_on <= filters.period_end)
    if filters.manager_id is not None:
        where.append(SalesFact.manager_id == filters.manager_id)
    if filters.group_id is not None:
        where.append(group_where(request, filters.group_id, SalesFact.group_id,
                                 SalesFact.top_group_id))
    if filters.department_id is not None:
        where.append(SalesFact.department_id.in_(department_ids(request, filters.department_id)))
    if filters.organization_id is not None:
        where.append(SalesFact.organization_id == filters.organization_id)
    return where


def period_instants(request, filters: Filters) -> tuple[dt.datetime, dt.datetime]:
    """[period start 00:00, the day after its end 00:00) in the person's zone, as UTC: for
    UTCDateTime columns (a deal's stage changes)."""
    zone = request.user_timezone
    lo = dt.datetime.combine(filters.period_start, dt.time(0), zone).astimezone(dt.UTC)
    hi = dt.datetime.combine(filters.period_end + dt.timedelta(days=1), dt.time(0),
                             zone).astimezone(dt.UTC)
    return lo, hi


# --- names --------------------------------------------------------------------------------------

def _names(request, id_column, name_column, ids: Iterable) -> dict[int, str]:
    wanted = sorted({i for i in ids if i is not None})
    out: dict[int, str] = {}
    for lo in range(0, len(wanted), 900):
        chunk = wanted[lo:lo + 900]
        out.update(request.dbsession.execute(
            sa.select(id_column, name_column).where(id_column.in_(chunk))).all())
    return out


def user_names(request, ids: Iterable) -> dict[int, str]:
    return _names(request, User.id, User.full_name, ids)


def group_names(request, ids: Iterable) -> dict[int, str]:
    return _names(request, ProductGroup.id, ProductGroup.name, ids)


def organization_names(request, ids: Iterable) -> dict[int, str]:
    return _names(request, Organization.id, Organization.name, ids)


def department_names(request, ids: Iterable) -> dict[int, str]:
    return _names(request, Department.id, Department.name, ids)


# --- export -------------------------------------------------------------------------------------

def export_value(column: Column, value):
    """A cell for CSV / XLSX: numbers stay numbers (Decimal for money), a month as YYYY-MM,
    None as an empty cell."""
    if value is None:
        return ""
    if column.kind == "month" and isinstance(value, int):
        return f"{value // 100:04d}-{value % 100:02d}"
    if column.kind == "text" and not isinstance(value, str):
        return str(value)
    return value



# --- what the filters offer ---------------------------------------------------------------------

CHOICE_LIMIT = 500


class ManagerScope:
    """A permission of `type_name` as a filter over a column of users' ids (sql_filter's
    protocol): own = the person, department = the members of their departments."""

    def __init__(self, column, type_name: str = "report"):
        self.column = column
        self.security_type = type_name

    def sql_in_departments(self, ids):
        return self.column.in_(sa.select(Membership.user_id)
                               .where(Membership.department_id.in_(ids)))

    def sql_owned_by(self, user_id: int):
        return self.column == user_id


def manager_choices(request, permission: str = "sales",
                    type_name: str = "report") -> list[tuple[int, str]]:
    """The people a report (or the plans grid) may be narrowed to: oneself for scope own, the
    members of one's departments for department, every active person for all."""
    scope = best_scope(request, type_name, permission)
    if scope is None:
        return []
    me = request.identity.user
    if scope == "own":
        return [(me.id, me.full_name)]
    stmt = sa.select(User.id, User.full_name).where(User.state == "active")
    if scope == "department":
        stmt = stmt.where(ManagerScope(User.id, type_name).sql_in_departments(
            sorted(request.identity.dept_scope_ids) or [-1]) | (User.id == me.id))
    return [tuple(r) for r in request.dbsession.execute(
        stmt.order_by(User.full_name).limit(CHOICE_LIMIT))]


def group_choices(request, top_only: bool = False) -> list[tuple[int, str]]:
    """Product groups as (id, name), children indented under their parents (by path)."""
    stmt = sa.select(ProductGroup.id, ProductGroup.name, ProductGroup.path,
                     ProductGroup.parent_id, ProductGroup.position)
    if top_only:
        stmt = stmt.where(ProductGroup.parent_id.is_(None))
    rows = list(request.dbsession.execute(stmt))
    by_id = {r.id: r for r in rows}

    def key(r):
        ids = [int(p) for p in (r.path or "").strip("/").split("/") if p] or [r.id]
        return [(by_id[i].position, by_id[i].name) if i in by_id else (0, "") for i in ids]

    out = []
    for r in sorted(rows, key=key):
        depth = max(len((r.path or "").strip("/").split("/")) - 1, 0)
        out.append((r.id, "\u2003" * depth + r.name))
    return out


def department_choices(request, permission: str = "sales") -> list[tuple[int, str]]:
    """Departments to narrow to: all for scope all, one's own (and below) for department."""
    scope = best_scope(request, "report", permission)
    if scope not in ("department", "all"):
        return []
    stmt = sa.select(Department.id, Department.name).order_by(Department.sort_order,
                                                              Department.name)
    if scope == "department":
        stmt = stmt.where(Department.id.in_(sorted(request.identity.dept_scope_ids) or [-1]))
    return [tuple(r) for r in request.dbsession.execute(stmt)]


def pipeline_choices(request) -> list[tuple[int, str]]:
    return [tuple(r) for r in request.dbsession.execute(
        sa.select(Pipeline.id, Pipeline.name).order_by(Pipeline.position, Pipeline.name))]


def channel_choices(request) -> list[tuple[str, str]]:
    return [tuple(r) for r in request.dbsession.execute(
        sa.select(Pipeline.channel, Pipeline.name).order_by(Pipeline.position, Pipeline.name))]


def filter_choices(request, report: SalesReport) -> dict[str, list]:
    """The options of each select the report's filters show (organization: none, an id)."""
    makers = {"manager": lambda: manager_choices(request, report.permission),
              "group": lambda: group_choices(request),
              "department": lambda: department_choices(request, report.permission),
              "pipeline": lambda: pipeline_choices(request),
              "channel": lambda: channel_choices(request)}
    return {name: makers[name]() for name in report.filters if name in makers}
