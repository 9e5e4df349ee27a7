"""ABC/XYZ analysis of clients (issue 15, point 5): how much each client brings and how regularly.

ABC ranks the clients by their revenue in the period (net of returns, from `sales_facts`) and
cuts the list where the cumulative share of revenue passes the boundaries below: class A is the
clients that make the first 80 % of revenue, B the next 15 %, C the last 5 %. A client that
crosses a boundary belongs to the class it starts in (two clients of 50 % each are both A; one
client of 90 % is A, not B). Clients whose returns cancel or exceed their shipments bring
nothing: they are C.

XYZ measures regularity by the coefficient of variation of the client's monthly revenue over the
calendar months of the period, a month without purchases counting as 0: CV = σ / mean × 100 %
with σ the population standard deviation (÷ n, the number of months). X: CV ≤ 10 % (steady),
Y: ≤ 25 %, Z: above, or no positive revenue at all.

Speed (100,000 clients ≤ 2 s): the database adds up, per client, the monthly sums and the
squares of the monthly sums (one GROUP BY over the client's month totals); Python then makes one
pass: σ² = Σm² / n − (Σm / n)², then one sort by revenue for the cumulative shares. Only the
clients the page shows are named.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from models.sales import SalesFact
from portal.core.i18n import _
from portal.sales.reports.base import (
    CENT,
    Column,
    Filters,
    ReportResult,
    Table,
    chart_number,
    department_ids,
    group_where,
    month_last_day,
    organization_names,
    percent,
    sales_report,
)
from portal.sales.reports.customers import more_rows_note, row_limit
from portal.sales.security import visible_facts

# ABC: the shares of revenue, in %, of classes A, B and C (they add up to 100).
ABC_A_SHARE = Decimal(80)
ABC_B_SHARE = Decimal(15)
ABC_C_SHARE = Decimal(100) - ABC_A_SHARE - ABC_B_SHARE
# XYZ: the greatest coefficient of variation, in %, of classes X and Y (Z: above Y's).
XYZ_X_MAX_CV = 10.0
XYZ_Y_MAX_CV = 25.0
# A CV computed in floating point as 10.000000000001 % for months of 90 and 110 is still 10 %.
CV_TOLERANCE = 1e-9

ABC_CLASSES = ("A", "B", "C")
XYZ_CLASSES = ("X", "Y", "Z")


@dataclass(slots=True)
class ClientClass:
    """One client's figures (in kopecks: whole numbers, exact and quick for 100,000 clients) and
    classes."""

    organization_id: int
    kopecks: int
    months_bought: int
    cv: float | None  # % (None: no positive revenue, no meaningful variation)
    xyz: str = "Z"
    abc: str = "C"
    up_to: int = 0  # kopecks of the clients up to and with this one, in the ranking

    @property
    def revenue(self) -> Decimal:
        return Decimal(self.kopecks).scaleb(-2)


def xyz_class(cv: float | None) -> str:
    """X, Y or Z for a coefficient of variation in % (None: Z)."""
    if cv is None:
        return "Z"
    if cv <= XYZ_X_MAX_CV + CV_TOLERANCE:
        return "X"
    if cv <= XYZ_Y_MAX_CV + CV_TOLERANCE:
        return "Y"
    return "Z"


def coefficient_of_variation(total: float, sum_of_squares: float, months: int) -> float | None:
    """σ / mean × 100 of `months` monthly sums adding up to `total`, whose squares add up to
    `sum_of_squares` (months without purchases are zeros: they add nothing to either sum)."""
    if months <= 0 or total <= 0:
        return None
    mean = total / months
    variance = sum_of_squares / months - mean * mean
    if variance < 0:  # equal months, less a rounding error
        variance = 0.0
    return math.sqrt(variance) / mean * 100


def client_month_where(request, filters: Filters) -> list:
    """base.fact_where, but on SQLite with the month bounds written as `month + 0`.

    Grouped by client and month, the facts are best read in the order of the index on
    (organization_id, month): no sort of a million rows. Given `month BETWEEN`, SQLite walks the
    index that starts with the month instead, then sorts every fact of the period by client
    (10 s where the client index takes 1.5 to 2.8 s, for 100,000 clients and a million facts,
    on a loaded machine); an expression on the column keeps it off that index. PostgreSQL
    plans well by itself and misjudges the expression's selectivity: the column as it is."""
    month = SalesFact.month
    if request.dbsession.get_bind().dialect.name == "sqlite":
        month = month + 0
    where = [visible_facts(request), month >= filters.month_start, month <= filters.month_end]
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


def classify(request, filters: Filters) -> tuple[list[ClientClass], int, int]:
    """Every client with sales facts in the period, ranked by revenue (the most first, then by
    id), with its ABC and XYZ class; the number of calendar months of the period; and the
    kopecks the shares are of (the revenue of the clients who bought more than they returned).
    """
    # Each month of each client in whole kopecks (the sum rounded once: SQLite adds floats).
    kop = sa.cast(sa.func.round(sa.func.sum(SalesFact.amount) * 100), sa.BigInteger)
    monthly = (sa.select(SalesFact.organization_id.label("org"), kop.label("kop"))
               .where(*client_month_where(request, filters))
               .group_by(SalesFact.organization_id, SalesFact.month)
               .subquery())
    k = monthly.c.kop
    total = sa.cast(sa.func.sum(k), sa.BigInteger)
    stmt = (sa.select(monthly.c.org, total, sa.func.sum(sa.cast(k, sa.Float) * sa.cast(k, sa.Float)),
                      sa.func.sum(sa.case((k > 0, 1), else_=0)))
            .group_by(monthly.c.org)
            .order_by(total.desc(), monthly.c.org))
    # Up to 100,000 plain tuples of numbers: read through the connection.
    rows = request.dbsession.connection().execute(stmt).all()
    n = len(filters.months)
    clients = []
    for org, kopecks, squares, bought in rows:
        cv = coefficient_of_variation(kopecks, squares or 0.0, n)
        clients.append(ClientClass(org, kopecks, bought or 0, cv, xyz_class(cv)))
    grand = sum(c.kopecks for c in clients if c.kopecks > 0)
    a_edge = grand * ABC_A_SHARE / 100
    b_edge = grand * (ABC_A_SHARE + ABC_B_SHARE) / 100
    before = 0
    for c in clients:
        if c.kopecks > 0:
            c.abc = "A" if before < a_edge else "B" if before < b_edge else "C"
            before += c.kopecks
        c.up_to = before
    return clients, n, grand


def matrix_table(request, clients: list[ClientClass]) -> Table:
    """The 3 × 3 matrix: clients and revenue per ABC × XYZ cell, with row and column totals."""
    tr = request.localizer.translate
    cells = {(a, x): [0, 0] for a in ABC_CLASSES for x in XYZ_CLASSES}  # clients, kopecks
    for c in clients:
        cell = cells[(c.abc, c.xyz)]
        cell[0] += 1
        cell[1] += c.kopecks
    grand = sum(c.kopecks for c in clients)
    columns = [Column("abc", tr(_("Class")), "text")]
    for x in XYZ_CLASSES:
        columns.append(Column(f"{x}_clients", tr(_("${cls}: clients", mapping={"cls": x})),
                              "int"))
        columns.append(Column(f"{x}_revenue", tr(_("${cls}: revenue", mapping={"cls": x})),
                              "money"))
    columns += [Column("clients", tr(_("Clients")), "int"),
                Column("revenue", tr(_("Revenue")), "money"),
                Column("share", tr(_("Share of revenue, %")), "percent")]

    def line(label, keys):
        row = {"abc": label, "clients": 0}
        kopecks = 0
        for x in XYZ_CLASSES:
            n = sum(cells[(a, x)][0] for a in keys)
            amount = sum(cells[(a, x)][1] for a in keys)
            row[f"{x}_clients"], row[f"{x}_revenue"] = n, Decimal(amount).scaleb(-2)
            row["clients"] += n
            kopecks += amount
        row["revenue"] = Decimal(kopecks).scaleb(-2)
        row["share"] = percent(kopecks, grand)
        return row

    rows = [line(a, (a,)) for a in ABC_CLASSES]
    return Table(columns, rows, totals=line(tr(_("Total")), ABC_CLASSES),
                 title=tr(_("ABC/XYZ matrix")))


def clients_table(request, clients: list[ClientClass], grand: int,
                  limit: int | None) -> Table:
    tr = request.localizer.translate
    shown = clients if limit is None else clients[:limit]
    names = organization_names(request, [c.organization_id for c in shown])
    columns = [Column("client", tr(_("Client")), "text"),
               Column("revenue", tr(_("Revenue")), "money"),
               Column("share", tr(_("Share of revenue, %")), "percent"),
               Column("cumulative", tr(_("Cumulative share, %")), "percent"),
               Column("months", tr(_("Months with purchases")), "int"),
               Column("cv", tr(_("Coefficient of variation, %")), "percent"),
               Column("abc", "ABC", "text"), Column("xyz", "XYZ", "text"),
               Column("class", tr(_("Class")), "text")]
    rows = [{"client": names.get(c.organization_id, f"#{c.organization_id}"),
             "organization_id": c.organization_id,
             "revenue": c.revenue, "share": percent(c.kopecks, grand),
             "cumulative": percent(c.up_to, grand),
             "months": c.months_bought,
             "cv": Decimal(c.cv).quantize(CENT, ROUND_HALF_UP) if c.cv is not None else None,
             "abc": c.abc, "xyz": c.xyz, "class": c.abc + c.xyz} for c in shown]
    return Table(columns, rows, title=tr(_("Clients")))


def notes(request, n_months: int, total: int, shown: int) -> list[str]:
    tr = request.localizer.translate
    out = [
        tr(_("ABC by revenue in the period, net of returns: A — the clients making the first "
             "${a} % of revenue, B — the next ${b} %, C — the last ${c} % and the clients "
             "whose returns cancel their purchases. A client crossing a boundary keeps the "
             "class it starts in.",
             mapping={"a": ABC_A_SHARE, "b": ABC_B_SHARE, "c": ABC_C_SHARE})),
        tr(_("XYZ by the coefficient of variation of monthly revenue over the ${n} months of "
             "the period (a month without purchases counts as 0): X — up to ${x} %, "
             "Y — up to ${y} %, Z — above ${y} %.",
             mapping={"n": n_months, "x": f"{XYZ_X_MAX_CV:g}", "y": f"{XYZ_Y_MAX_CV:g}"})),
    ]
    if shown < total:
        out.append(more_rows_note(request, shown, total))
    return out


@sales_report("abc_xyz", _("ABC/XYZ analysis of clients"), order=40,
              filters=("period", "manager", "group", "department"))
def build(request, filters) -> ReportResult:
    """The matrix, the chart of revenue by class, and the clients with their classes."""
    clients, n_months, grand = classify(request, filters)
    limit = row_limit(request)
    matrix = matrix_table(request, clients)
    listing = clients_table(request, clients, grand, limit)
    chart = {"type": "bar", "labels": list(ABC_CLASSES),
             "datasets": [{"label": x, "data": [chart_number(r[f"{x}_revenue"]) for r in matrix.rows]}
                          for x in XYZ_CLASSES]}
    return ReportResult([matrix, listing], chart=chart,
                        notes=notes(request, n_months, len(clients), len(listing.rows)))

