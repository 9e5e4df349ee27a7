"""Reports on clients and managers (issue 15, point 5): the average order, sales per manager,
and how much of each client's purchase potential is used.

- average order: confirmed and done orders by the date they were placed, per manager and month:
  how many, for how much, and the average (a draft is not an order yet, a cancelled one is none);
- sales per manager: shipments, returns and net revenue from `sales_facts`, the clients served
  and each manager's share;
- purchase-potential use: each client's revenue in the 12 months up to the end of the period
  against `organizations.purchase_potential` (a year's purchases the client could make with us),
  the largest unused part first; clients with no potential recorded come last, without a share.

The module also holds what the reports of this family share (fact filters, names, shares).
"""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from models.clients import Organization
from models.sales import Order, SalesFact
from portal.clients.reports import ReportScope
from portal.core.i18n import _, format_date
from portal.sales.reports.base import (
    CENT,
    Column,
    Filters,
    ReportResult,
    Table,
    chart_number,
    department_ids,
    fact_where,
    money,
    month_key,
    month_label,
    months_between,
    percent,
    sales_report,
    user_names,
)
from portal.sales.security import visible_facts, visible_orders
from portal.security.filters import sql_filter

# Rows a page shows of a list that can hold every client; CSV and XLSX exports hold them all.
PAGE_ROWS = 500
# The orders that count as sales: a draft is not an order yet, a cancelled one is none.
COUNTED_STATES = ("confirmed", "done")


# --- shared by the reports of this family (S5's) ------------------------------------------------

def row_limit(request) -> int | None:
    """How many rows of a long list to make: all of them for an export, a page's worth else."""
    return None if request.params.get("format") in ("csv", "xlsx") else PAGE_ROWS


class OrderReportScope:
    """report.sales as a filter over orders (portal.security.filters.sql_filter's protocol), as
    `visible_facts` is over the facts: own = the orders one manages, department = the orders of
    one's departments. A sales manager may view his department's orders, but his reports show
    his own figures."""

    security_type = "report"

    @staticmethod
    def sql_in_departments(ids):
        return Order.department_id.in_(ids)

    @staticmethod
    def sql_owned_by(user_id: int):
        return Order.manager_id == user_id


def order_filters(request, filters: Filters, *, permission: str = "view") -> list:
    """WHERE clauses for the orders the viewer may see, within the scope of his report.sales,
    that the filters name (not the period: each report dates its orders by what it
    measures)."""
    where = [visible_orders(request, permission),
             sql_filter(request, OrderReportScope, "sales")]
    if filters.manager_id is not None:
        where.append(Order.manager_id == filters.manager_id)
    if filters.department_id is not None:
        where.append(Order.department_id.in_(department_ids(request, filters.department_id)))
    if filters.organization_id is not None:
        where.append(Order.organization_id == filters.organization_id)
    return where


def more_rows_note(request, shown: int, total: int):
    """The note under a list cut to a page's worth."""
    return request.localizer.translate(_(
        "The list shows the first ${shown} of ${total} rows; the export holds them all.",
        mapping={"shown": shown, "total": total}))


# --- average order ------------------------------------------------------------------------------

def _order_month():
    return sa.cast(sa.extract("year", Order.ordered_on) * 100
                   + sa.extract("month", Order.ordered_on), sa.Integer)


@sales_report("average_order", _("Average order"), order=50,
              filters=("period", "manager", "department"),
              description=_("How many orders each manager placed per month and their average "
                            "amount."), icon="receipt")
def average_order(request, filters) -> ReportResult:
    """Orders placed in the period (confirmed or done), by manager and month: count, total and
    average; the totals per manager and for everyone; the chart follows the monthly average."""
    tr = request.localizer.translate
    month = _order_month().label("month")
    stmt = (sa.select(Order.manager_id, month, sa.func.count(), sa.func.sum(Order.total))
            .where(Order.state.in_(COUNTED_STATES),
                   Order.ordered_on.between(filters.period_start, filters.period_end),
                   *order_filters(request, filters))
            .group_by(Order.manager_id, month))
    cells = [(manager_id, int(m), n, money(total))
             for manager_id, m, n, total in request.dbsession.execute(stmt)]
    names = user_names(request, [c[0] for c in cells])
    nobody = tr(_("No manager"))

    def row(manager, m, n, total):
        return {"manager": manager, "month": m, "orders": n, "total": total,
                "average": (total / n).quantize(CENT, ROUND_HALF_UP) if n else None}

    by_manager: dict = {}
    for manager_id, m, n, total in cells:
        by_manager.setdefault(manager_id, []).append((m, n, total))
    rows = []
    for manager_id in sorted(by_manager, key=lambda i: (i is None, names.get(i, ""), i or 0)):
        label = names.get(manager_id, nobody) if manager_id is not None else nobody
        for m, n, total in sorted(by_manager[manager_id]):
            rows.append(row(label, m, n, total))
    months = months_between(filters.period_start, filters.period_end)
    per_month = {m: [0, Decimal(0)] for m in months}
    for _manager_id, m, n, total in cells:
        per_month.setdefault(m, [0, Decimal(0)])
        per_month[m][0] += n
        per_month[m][1] += total
    monthly = []
    for m, (n, total) in sorted(per_month.items()):
        monthly.append(row(None, m, n, total) | {"label": month_label(request, m)})
    all_n = sum(n for n, _t in per_month.values())
    all_total = sum((t for _n, t in per_month.values()), Decimal(0))
    columns = [Column("manager", tr(_("Manager")), "text"), Column("month", tr(_("Month")), "month"),
               Column("orders", tr(_("Orders")), "int"), Column("total", tr(_("Amount")), "money"),
               Column("average", tr(_("Average order")), "money")]
    month_columns = [Column("label", tr(_("Month")), "text"), *columns[2:]]
    total_row = row(tr(_("Total")), None, all_n, all_total)
    chart = {"type": "line", "labels": [r["label"] for r in monthly],
             "datasets": [{"label": tr(_("Average order")),
                           "data": [chart_number(r["average"]) for r in monthly]}]}
    return ReportResult(
        [Table(columns, rows, totals=total_row, title=tr(_("By manager and month"))),
         Table(month_columns, monthly, totals=total_row | {"label": tr(_("Total"))},
               title=tr(_("By month")))],
        chart=chart,
        notes=[tr(_("Confirmed and done orders, by the day they were placed; drafts and "
                    "cancelled orders are left out."))])


# --- sales per manager --------------------------------------------------------------------------

@sales_report("manager_sales", _("Sales per manager"), order=55,
              filters=("period", "manager", "group", "department"),
              description=_("Each manager's shipments, returns and net revenue, clients served "
                            "and share of the total."), icon="people")
def manager_sales(request, filters) -> ReportResult:
    """Per manager: shipped, returned, net revenue, clients served and share of the net."""
    tr = request.localizer.translate
    shipped = sa.func.sum(sa.case((SalesFact.amount > 0, SalesFact.amount), else_=0))
    returned = sa.func.sum(sa.case((SalesFact.amount < 0, -SalesFact.amount), else_=0))
    stmt = (sa.select(SalesFact.manager_id, shipped, returned, sa.func.sum(SalesFact.amount),
                      sa.func.count(sa.distinct(SalesFact.organization_id)))
            .where(*fact_where(request, filters))
            .group_by(SalesFact.manager_id))
    found = [(m, money(s), money(r), money(net), clients)
             for m, s, r, net, clients in request.dbsession.execute(stmt)]
    names = user_names(request, [f[0] for f in found])
    nobody = tr(_("No manager"))
    grand = sum((f[3] for f in found), Decimal(0))
    rows = [{"manager": names.get(m, nobody) if m is not None else nobody, "manager_id": m,
             "shipped": s, "returned": r, "revenue": net, "clients": clients,
             "share": percent(net, grand)} for m, s, r, net, clients in found]
    rows.sort(key=lambda r: (-r["revenue"], r["manager"]))
    clients_total = request.dbsession.scalar(
        sa.select(sa.func.count(sa.distinct(SalesFact.organization_id)))
        .where(*fact_where(request, filters))) or 0
    totals = {"manager": tr(_("Total")), "shipped": sum((r["shipped"] for r in rows), Decimal(0)),
              "returned": sum((r["returned"] for r in rows), Decimal(0)), "revenue": grand,
              "clients": clients_total, "share": Decimal(100).quantize(CENT) if rows else None}
    columns = [Column("manager", tr(_("Manager")), "text"),
               Column("shipped", tr(_("Shipped")), "money"),
               Column("returned", tr(_("Returned")), "money"),
               Column("revenue", tr(_("Net revenue")), "money"),
               Column("clients", tr(_("Clients")), "int"),
               Column("share", tr(_("Share, %")), "percent")]
    chart = {"type": "bar", "labels": [r["manager"] for r in rows],
             "datasets": [{"label": tr(_("Net revenue")),
                           "data": [chart_number(r["revenue"]) for r in rows]}]}
    return ReportResult([Table(columns, rows, totals=totals, title=tr(_("Sales per manager")))],
                        chart=chart,
                        notes=[tr(_("A client bought from by several managers counts once in "
                                    "the total."))])


# --- purchase-potential use ---------------------------------------------------------------------

def potential_window(end: dt.date) -> tuple[dt.date, dt.date]:
    """The 12 months up to and with `end`: from the day after the same day a year before."""
    try:
        year_before = end.replace(year=end.year - 1)
    except ValueError:  # 29 February
        year_before = end.replace(year=end.year - 1, day=28)
    return year_before + dt.timedelta(days=1), end


@sales_report("potential_use", _("Use of purchase potential"), order=60,
              filters=("period", "manager", "department"),
              description=_("How much of each client's purchase potential its last twelve "
                            "months of purchases used."), icon="speedometer2")
def potential_use(request, filters) -> ReportResult:
    """Each client's revenue in the 12 months up to the end of the period against its
    purchase potential, the largest unused part first."""
    tr = request.localizer.translate
    start, end = potential_window(filters.period_end)
    revenue = (sa.select(SalesFact.organization_id.label("org"),
                         sa.func.sum(SalesFact.amount).label("revenue"))
               .where(visible_facts(request),
                      SalesFact.month.between(month_key(start), month_key(end)),
                      SalesFact.shipped_on.between(start, end))
               .group_by(SalesFact.organization_id).subquery())
    stmt = (sa.select(Organization.id, Organization.name, Organization.manager_id,
                      Organization.purchase_potential, revenue.c.revenue)
            .outerjoin(revenue, revenue.c.org == Organization.id)
            .where(sql_filter(request, ReportScope(Organization), "sales"),
                   sa.or_(Organization.purchase_potential.is_not(None),
                          revenue.c.revenue.is_not(None))))
    if filters.manager_id is not None:
        stmt = stmt.where(Organization.manager_id == filters.manager_id)
    if filters.department_id is not None:
        stmt = stmt.where(Organization.department_id.in_(
            department_ids(request, filters.department_id)))
    if filters.organization_id is not None:
        stmt = stmt.where(Organization.id == filters.organization_id)
    found = request.dbsession.execute(stmt).all()
    rows = []
    for org_id, name, manager_id, potential, bought in found:
        bought = money(bought)
        if potential:
            potential = money(potential)
            unused = max(potential - bought, Decimal(0))
            use = percent(bought, potential)
        else:
            potential = unused = use = None
        rows.append({"client": name, "organization_id": org_id, "manager_id": manager_id,
                     "potential": potential, "revenue": bought, "use": use, "unused": unused})
    # The largest unused part first; clients without a potential last, by revenue.
    rows.sort(key=lambda r: (r["potential"] is None, -(r["unused"] or 0), -r["revenue"],
                             r["client"], r["organization_id"]))
    limit = row_limit(request)
    shown = rows if limit is None else rows[:limit]
    names = user_names(request, [r["manager_id"] for r in shown])
    for r in shown:
        r["manager"] = names.get(r["manager_id"], "")
    with_potential = [r for r in rows if r["potential"] is not None]
    sum_potential = sum((r["potential"] for r in with_potential), Decimal(0))
    sum_bought = sum((r["revenue"] for r in with_potential), Decimal(0))
    totals = {"client": tr(_("Total (clients with a potential)")), "potential": sum_potential,
              "revenue": sum_bought, "use": percent(sum_bought, sum_potential),
              "unused": sum((r["unused"] for r in with_potential), Decimal(0))}
    columns = [Column("client", tr(_("Client")), "text"),
               Column("manager", tr(_("Manager")), "text"),
               Column("potential", tr(_("Purchase potential")), "money"),
               Column("revenue", tr(_("Revenue in 12 months")), "money"),
               Column("use", tr(_("Used, %")), "percent"),
               Column("unused", tr(_("Unused")), "money")]
    notes = [tr(_("Revenue from ${start} to ${end}, net of returns, against the purchase "
                  "potential on the client's card. Clients with no potential recorded come "
                  "last.", mapping={"start": format_date(request, start),
                                    "end": format_date(request, end)}))]
    if len(shown) < len(rows):
        notes.append(more_rows_note(request, len(shown), len(rows)))
    top = [r for r in shown if r["potential"] is not None][:20]
    chart = {"type": "bar", "labels": [r["client"] for r in top],
             "datasets": [{"label": tr(_("Revenue in 12 months")),
                           "data": [chart_number(r["revenue"]) for r in top]},
                          {"label": tr(_("Unused")),
                           "data": [chart_number(r["unused"]) for r in top]}]}
    return ReportResult([Table(columns, shown, totals=totals,
                               title=tr(_("Use of purchase potential")))],
                        chart=chart, notes=notes)
