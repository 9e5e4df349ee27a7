"""Plan vs fact by manager, product group and month (issue 15, point 5).

Plans (SalesPlan: manager × top product group × month) against the facts of the same cells
(SalesFact summed by month, top group and manager, returns deducted). Completion = fact / plan
in %, rounded half up to 0.01 (empty when the plan is 0); deviation = fact − plan.

Whose rows: facts through `visible_facts` (report.sales scope); plans by the same scope over
the plan's manager (own: one's own plans; department: the plans of the members of one's
departments). A product group below the top is counted as its top group: plans are set per top
group.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import sqlalchemy as sa

from models.sales import ProductGroup, SalesPlan
from portal.core.i18n import _
from portal.sales.reports.annual import annual_sums
from portal.sales.reports.base import (
    ZERO,
    Column,
    Filters,
    ManagerScope,
    ReportResult,
    Table,
    chart_number,
    department_ids,
    group_names,
    money,
    month_label,
    percent,
    sales_report,
    user_names,
)
from portal.security.filters import sql_filter


def top_group_of(request, group_id: int) -> int | None:
    group = request.dbsession.get(ProductGroup, group_id)
    return group.top_id if group is not None else None


def plan_sums(request, filters: Filters, top_group_id: int | None) -> dict[tuple, Decimal]:
    """{(month, top group, manager): planned amount} the viewer may see."""
    scope = ManagerScope(SalesPlan.manager_id)
    stmt = (sa.select(SalesPlan.month, SalesPlan.group_id, SalesPlan.manager_id, SalesPlan.amount)
            .where(SalesPlan.month >= filters.month_start, SalesPlan.month <= filters.month_end,
                   sql_filter(request, scope, "sales")))
    if filters.manager_id is not None:
        stmt = stmt.where(SalesPlan.manager_id == filters.manager_id)
    if top_group_id is not None:
        stmt = stmt.where(SalesPlan.group_id == top_group_id)
    if filters.department_id is not None:
        stmt = stmt.where(scope.sql_in_departments(department_ids(request,
                                                                  filters.department_id)))
    return {(m, g, u): money(a) for m, g, u, a in request.dbsession.execute(stmt)}


def completion_row(plan: Decimal, fact: Decimal) -> dict:
    return {"plan": plan, "fact": fact, "completion": percent(fact, plan),
            "deviation": fact - plan}


@sales_report("plan_fact", _("Plan vs fact"), 20,
              filters=("period", "manager", "group", "department"),
              description=_("Sales plans against shipments by manager, product group and month: "
                            "completion and deviation."),
              icon="bullseye")
def plan_fact(request, filters: Filters) -> ReportResult:
    top = top_group_of(request, filters.group_id) if filters.group_id is not None else None
    if filters.group_id is not None and top is None:
        plans, facts = {}, {}
    else:
        plans = plan_sums(request, filters, top)
        facts = annual_sums(request, Filters(
            filters.period_start, filters.period_end, manager_id=filters.manager_id,
            group_id=top, department_id=filters.department_id))
    months = filters.months
    cells = set(plans) | set(facts)
    pairs = {(u, g) for _m, g, u in cells}
    managers = user_names(request, {u for u, _g in pairs})
    groups = group_names(request, {g for _u, g in pairs})
    ordered = sorted(pairs, key=lambda p: (managers.get(p[0], ""), p[0],
                                           groups.get(p[1], ""), p[1]))
    value_columns = [Column("plan", _("Plan"), "money"), Column("fact", _("Fact"), "money"),
                     Column("completion", _("Completion, %"), "percent"),
                     Column("deviation", _("Deviation"), "money")]

    # 1. Every manager × group × month of the period (empty months as 0).
    rows = []
    for u, g in ordered:
        for m in months:
            rows.append({"manager": managers.get(u, ""), "group": groups.get(g, ""), "month": m,
                         **completion_row(plans.get((m, g, u), ZERO),
                                          facts.get((m, g, u), ZERO))})
    plan_total = sum(plans.values(), ZERO)
    fact_total = sum(facts.values(), ZERO)
    totals = {"manager": _("Total"), **completion_row(plan_total, fact_total)}
    detail = Table([Column("manager", _("Manager")), Column("group", _("Product group")),
                    Column("month", _("Month"), "month"), *value_columns],
                   rows, totals, _("By manager, product group and month"))

    # 2. Managers over the period.
    by_manager: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    by_month: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for (m, _g, u), amount in plans.items():
        by_manager[u][0] += amount
        by_month[m][0] += amount
    for (m, _g, u), amount in facts.items():
        by_manager[u][1] += amount
        by_month[m][1] += amount
    manager_rows = [{"manager": managers.get(u, ""), **completion_row(*by_manager[u])}
                    for u in sorted(by_manager, key=lambda u: (managers.get(u, ""), u))]
    summary = Table([Column("manager", _("Manager")), *value_columns], manager_rows,
                    dict(totals), _("By manager"))

    # 3. Months.
    month_rows = [{"month": m, **completion_row(*by_month[m])} for m in months]
    monthly = Table([Column("month", _("Month"), "month"), *value_columns], month_rows,
                    {"month": _("Total"), **completion_row(plan_total, fact_total)},
                    _("By month"))
    chart = {"type": "bar", "labels": [month_label(request, m) for m in months],
             "datasets": [{"label": _("Plan"), "data": [chart_number(by_month[m][0])
                                                        for m in months]},
                          {"label": _("Fact"), "data": [chart_number(by_month[m][1])
                                                        for m in months]}]}
    return ReportResult([summary, monthly, detail], chart)
