"""Annual sales: month × top product group × manager, from SalesFact (issue 15, point 5).

One GROUP BY (month, top_group_id, manager_id) over the covering index
ix_sales_facts_month_group_manager (month, top_group_id, manager_id, amount): the figures are
read from the index alone. Returns (negative facts) reduce the sums. Every month of the period
is shown, an empty one as 0; each table has totals per row and per column.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import sqlalchemy as sa

from models.sales import SalesFact
from portal.core.i18n import _
from portal.sales.reports.base import (
    ZERO,
    Column,
    Filters,
    ReportResult,
    Table,
    chart_number,
    fact_where,
    group_names,
    money,
    month_label,
    sales_report,
    user_names,
)

CHART_GROUPS = 10


def annual_sums(request, filters: Filters) -> dict[tuple[int, int, int], Decimal]:
    """{(month, top group, manager): amount} of the facts the viewer may see."""
    total = sa.func.sum(SalesFact.amount)
    stmt = (sa.select(SalesFact.month, SalesFact.top_group_id, SalesFact.manager_id, total)
            .where(*fact_where(request, filters))
            .group_by(SalesFact.month, SalesFact.top_group_id, SalesFact.manager_id))
    return {(m, g, u): money(a) for m, g, u, a in request.dbsession.execute(stmt)}


@sales_report("annual", _("Annual sales"), 10,
              filters=("period", "manager", "group", "department", "organization"),
              description=_("Shipments by month, product group and manager, returns deducted."),
              icon="calendar3")
def annual(request, filters: Filters) -> ReportResult:
    sums = annual_sums(request, filters)
    months = filters.months
    groups = group_names(request, {g for _m, g, _u in sums})
    managers = user_names(request, {u for _m, _g, u in sums})
    group_ids = sorted(groups, key=lambda g: (groups[g], g))
    manager_ids = sorted(managers, key=lambda u: (managers[u], u))
    by_month_group: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    by_manager_month: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    by_manager_group: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    for (m, g, u), amount in sums.items():
        by_month_group[m, g] += amount
        by_manager_month[u, m] += amount
        by_manager_group[u, g] += amount
    total_key = "total"

    # 1. Months × product groups.
    columns = [Column("month", _("Month"), "month")]
    columns += [Column(f"g{g}", groups[g], "money") for g in group_ids]
    columns.append(Column(total_key, _("Total"), "money"))
    rows = []
    for m in months:
        row = {"month": m}
        for g in group_ids:
            row[f"g{g}"] = by_month_group[m, g]
        row[total_key] = sum((by_month_group[m, g] for g in group_ids), ZERO)
        rows.append(row)
    totals = {"month": _("Total")}
    for g in group_ids:
        totals[f"g{g}"] = sum((by_month_group[m, g] for m in months), ZERO)
    totals[total_key] = sum((r[total_key] for r in rows), ZERO)
    by_group = Table(columns, rows, totals, _("By month and product group"))

    # 2. Managers × months.
    columns = [Column("manager", _("Manager"), "text")]
    columns += [Column(f"m{m}", month_label(request, m), "money") for m in months]
    columns.append(Column(total_key, _("Total"), "money"))
    rows = []
    for u in manager_ids:
        row = {"manager": managers[u]}
        for m in months:
            row[f"m{m}"] = by_manager_month[u, m]
        row[total_key] = sum((by_manager_month[u, m] for m in months), ZERO)
        rows.append(row)
    totals = {"manager": _("Total")}
    for m in months:
        totals[f"m{m}"] = sum((by_manager_month[u, m] for u in manager_ids), ZERO)
    totals[total_key] = sum((r[total_key] for r in rows), ZERO)
    by_manager = Table(columns, rows, totals, _("By manager and month"))

    # 3. Managers × product groups.
    columns = [Column("manager", _("Manager"), "text")]
    columns += [Column(f"g{g}", groups[g], "money") for g in group_ids]
    columns.append(Column(total_key, _("Total"), "money"))
    rows = []
    for u in manager_ids:
        row = {"manager": managers[u]}
        for g in group_ids:
            row[f"g{g}"] = by_manager_group[u, g]
        row[total_key] = sum((by_manager_group[u, g] for g in group_ids), ZERO)
        rows.append(row)
    totals = {"manager": _("Total")}
    for g in group_ids:
        totals[f"g{g}"] = sum((by_manager_group[u, g] for u in manager_ids), ZERO)
    totals[total_key] = sum((r[total_key] for r in rows), ZERO)
    manager_group = Table(columns, rows, totals, _("By manager and product group"))

    chart = {"type": "bar", "stacked": True,
             "labels": [month_label(request, m) for m in months],
             "datasets": [{"label": groups[g],
                           "data": [chart_number(by_month_group[m, g]) for m in months]}
                          for g in group_ids[:CHART_GROUPS]]}
    return ReportResult([by_group, by_manager, manager_group], chart,
                        [_("Amounts of shipments less returns, by the month of shipment.")])
