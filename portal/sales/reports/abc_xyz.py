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
squares of the monthly sums, in whole kopecks, read from the index on (organization_id, month,
amount) alone, and ranks the clients; Python then makes one pass over plain tuples of numbers
(ints and floats: σ² = Σm² / n − (Σm / n)², the cumulative share compared in integers) that
counts the matrix and keeps a tuple for each client the page shows (all of them for an export).
Decimals, names and percentages are made for those rows only.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

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
ABC_A_SHARE = 80
ABC_B_SHARE = 15
ABC_C_SHARE = 100 - ABC_A_SHARE - ABC_B_SHARE
# XYZ: the greatest coefficient of variation, in %, of classes X and Y (Z: above Y's).
XYZ_X_MAX_CV = 10.0
XYZ_Y_MAX_CV = 25.0
# A CV computed in floating point as 10.000000000001 % for months of 90 and 110 is still 10 %.
CV_TOLERANCE = 1e-9

ABC_CLASSES = ("A", "B", "C")
XYZ_CLASSES = ("X", "Y", "Z")


class ClientRow(NamedTuple):
    """One client as the list shows it: figures in kopecks (whole numbers, exact)."""

    organization_id: int
    kopecks: int
    months_bought: int
    cv: float | None  # % (None: no positive revenue, no meaningful variation)
    abc: str
    xyz: str
    up_to: int  # kopecks of the clients up to and with this one, in the ranking


@dataclass(slots=True)
class Classification:
    """The outcome of `classify`: the clients counted, the matrix's cells (clients and kopecks
    per ABC × XYZ, indexed abc * 3 + xyz), and the rows kept for the list."""

    months: int  # calendar months of the period
    grand: int  # kopecks the shares are of (revenue of the clients who bought more than returned)
    count: int
    cell_clients: list[int]
    cell_kopecks: list[int]
    rows: list[ClientRow]


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


def narrowing_where(request, filters: Filters) -> list:
    """base.fact_where without the period: who may see which facts, and the narrowing filters."""
    where = [visible_facts(request)]
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


def client_month_sums(request, filters: Filters) -> sa.Subquery:
    """(org, kop): each month of each client in whole kopecks (the sum rounded once: SQLite adds
    floats).

    The whole months of the period are read from the index on (organization_id, month, amount)
    alone, in its order: no sort of a million rows, no look-up of the facts. A month the period
    cuts (a period up to today) needs the shipping day, which that index has not: its facts are
    added up apart, and are few. Given `month BETWEEN`, SQLite walks the index that starts with
    the month instead, then sorts every fact of the period by client (10 s instead of 1 to 3 s
    for 100,000 clients and a million facts on a loaded machine): on SQLite the whole months'
    bounds are written `month + 0`, an expression that keeps it off that index. PostgreSQL
    plans well by itself and misjudges the expression's selectivity: the column as it is."""
    kop = sa.cast(sa.func.round(sa.func.sum(SalesFact.amount) * 100), sa.BigInteger)
    narrowing = narrowing_where(request, filters)
    months = filters.months
    cut = []  # the months the period cuts
    if filters.period_start.day != 1:
        cut.append(months[0])
    if filters.period_end != month_last_day(filters.period_end) and months[-1] not in cut:
        cut.append(months[-1])
    whole = [m for m in months if m not in cut]
    parts = []
    if whole:
        month = SalesFact.month
        if request.dbsession.get_bind().dialect.name == "sqlite":
            month = month + 0
        parts.append(sa.select(SalesFact.organization_id.label("org"), kop.label("kop"))
                     .where(month >= whole[0], month <= whole[-1], *narrowing)
                     .group_by(SalesFact.organization_id, SalesFact.month))
    if cut:
        parts.append(sa.select(SalesFact.organization_id.label("org"), kop.label("kop"))
                     .where(SalesFact.month.in_(cut),
                            SalesFact.shipped_on.between(filters.period_start, filters.period_end),
                            *narrowing)
                     .group_by(SalesFact.organization_id, SalesFact.month))
    # The two parts count different months: each (client, month) comes from one of them.
    return (parts[0] if len(parts) == 1 else sa.union_all(*parts)).subquery()


def client_figures_statement(request, filters: Filters) -> sa.Select:
    """(organization id, kopecks, Σ of the squares of the monthly kopecks, months with a positive
    sum) of every client with facts in the period: the most revenue first, then by id."""
    monthly = client_month_sums(request, filters)
    k = monthly.c.kop
    total = sa.cast(sa.func.sum(k), sa.BigInteger)
    squares = sa.func.sum(sa.cast(k, sa.Float) * sa.cast(k, sa.Float))
    return (sa.select(monthly.c.org, total, squares, sa.func.sum(sa.case((k > 0, 1), else_=0)))
            .group_by(monthly.c.org)
            .order_by(total.desc(), monthly.c.org))


def client_figures(request, filters: Filters) -> Sequence[tuple[int, int, float, int]]:
    """The rows of `client_figures_statement`: up to 100,000 rows of plain numbers, read
    through the connection (no ORM entities)."""
    return request.dbsession.connection().execute(
        client_figures_statement(request, filters)).all()


def classify(request, filters: Filters, keep: int | None = None) -> Classification:
    """Every client with sales facts in the period, ranked by revenue (the most first, then by
    id), with its ABC and XYZ class: the matrix counts them all, the first `keep` (all: None)
    are kept as rows."""
    figures = client_figures(request, filters)
    n = len(filters.months)
    grand = sum(kopecks for _org, kopecks, _sq, _bought in figures if kopecks > 0)
    # The cumulative share compared in integers: before / grand < 80 % ⇔ before × 100 < grand × 80.
    a_edge = grand * ABC_A_SHARE
    b_edge = grand * (ABC_A_SHARE + ABC_B_SHARE)
    x_max = XYZ_X_MAX_CV + CV_TOLERANCE
    y_max = XYZ_Y_MAX_CV + CV_TOLERANCE
    sqrt = math.sqrt
    cell_clients = [0] * 9
    cell_kopecks = [0] * 9
    keep = len(figures) if keep is None else keep
    rows = []
    before = 0
    # coefficient_of_variation and xyz_class written out: a call each costs more than the rest.
    for i, (org, kopecks, sq, bought) in enumerate(figures):
        if kopecks > 0:
            mean = kopecks / n
            variance = sq / n - mean * mean  # below 0: equal months, less a rounding error
            cv = sqrt(variance) / mean * 100 if variance > 0 else 0.0
            x = 0 if cv <= x_max else 1 if cv <= y_max else 2
            a = 0 if before * 100 < a_edge else 1 if before * 100 < b_edge else 2
            before += kopecks
        else:
            cv, x, a = None, 2, 2
        cell = a * 3 + x
        cell_clients[cell] += 1
        cell_kopecks[cell] += kopecks
        if i < keep:
            rows.append(ClientRow(org, kopecks, bought or 0, cv, ABC_CLASSES[a], XYZ_CLASSES[x],
                                  before))
    return Classification(n, grand, len(figures), cell_clients, cell_kopecks, rows)


def matrix_table(request, found: Classification) -> Table:
    """The 3 × 3 matrix: clients and revenue per ABC × XYZ cell, with row and column totals."""
    tr = request.localizer.translate
    cells = {(a, x): (found.cell_clients[i * 3 + j], found.cell_kopecks[i * 3 + j])
             for i, a in enumerate(ABC_CLASSES) for j, x in enumerate(XYZ_CLASSES)}
    grand = sum(found.cell_kopecks)
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


def share(part: int, whole: int) -> Decimal | None:
    """part / whole in %, rounded half up (away from 0) to 0.01, of whole kopecks: exact integer
    arithmetic, as base.percent gives it, at a fraction of its cost for a long export."""
    if not whole:
        return None
    hundredths, rest = divmod(abs(part) * 10000, whole)
    if 2 * rest >= whole:
        hundredths += 1
    return Decimal(hundredths if part >= 0 else -hundredths).scaleb(-2)


def clients_table(request, found: Classification) -> Table:
    """The clients kept by `classify`, named, their figures made Decimals for the page."""
    tr = request.localizer.translate
    names = organization_names(request, [c.organization_id for c in found.rows])
    grand = found.grand
    columns = [Column("client", tr(_("Client")), "text"),
               Column("revenue", tr(_("Revenue")), "money"),
               Column("share", tr(_("Share of revenue, %")), "percent"),
               Column("cumulative", tr(_("Cumulative share, %")), "percent"),
               Column("months", tr(_("Months with purchases")), "int"),
               Column("cv", tr(_("Coefficient of variation, %")), "percent"),
               Column("abc", "ABC", "text"), Column("xyz", "XYZ", "text"),
               Column("class", tr(_("Class")), "text")]
    rows = [{"client": names.get(org, f"#{org}"), "organization_id": org,
             "revenue": Decimal(kopecks).scaleb(-2), "share": share(kopecks, grand),
             "cumulative": share(up_to, grand), "months": bought,
             "cv": Decimal(cv).quantize(CENT, ROUND_HALF_UP) if cv is not None else None,
             "abc": abc, "xyz": xyz, "class": abc + xyz}
            for org, kopecks, bought, cv, abc, xyz, up_to in found.rows]
    return Table(columns, rows, title=tr(_("Clients")))


def notes(request, n_months: int, total: int, shown: int) -> list[str]:
    tr = request.localizer.translate
    out = [
        tr(_("ABC by revenue in the period, net of returns: A — the clients making the first "
             "share of revenue (${a} %), B — the next share (${b} %), C — the last share "
             "(${c} %) and the clients whose returns cancel their purchases. A client crossing "
             "a boundary keeps the class it starts in.",
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
              filters=("period", "manager", "group", "department"),
              description=_("Which clients bring most of the revenue (ABC) and how steadily "
                            "they buy (XYZ)."), icon="grid-3x3-gap")
def build(request, filters) -> ReportResult:
    """The matrix, the chart of revenue by class, and the clients with their classes."""
    found = classify(request, filters, keep=row_limit(request))
    matrix = matrix_table(request, found)
    listing = clients_table(request, found)
    chart = {"type": "bar", "labels": list(ABC_CLASSES),
             "datasets": [{"label": x, "data": [chart_number(r[f"{x}_revenue"]) for r in matrix.rows]}
                          for x in XYZ_CLASSES]}
    return ReportResult([matrix, listing], chart=chart,
                        notes=notes(request, found.months, found.count, len(listing.rows)))
