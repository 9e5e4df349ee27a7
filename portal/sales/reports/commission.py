"""Managers' commission (issue 15, point 8): a percentage of PAID revenue per product group.

A payment is paid revenue of its order's lines in proportion to their amounts (pro rata): a
payment of 600.00 on an order of 1,000.00 whose lines are 700.00 and 300.00 pays 420.00 of the
first and 180.00 of the second. Each part earns the percent of the rule of its product's group
— the nearest rule up the group tree (a child group's own rule, else its parent's...), else the
rule for "every other group" (group_id NULL) — and goes to the order's manager in the month of
the payment. A refund (a negative payment) takes commission back the same way. Inactive rules
count as none. Amounts are summed unrounded and rounded half up to kopecks per row shown.

Scope: report.sales over the orders (own: the order's manager; department: the order's
department and those below). Three statements: the payments' parts, the rules, the groups.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm

from models.errors import UserError
from models.sales import CommissionRule, Order, OrderLine, Payment, Product, ProductGroup
from portal.core.i18n import _
from portal.sales.reports.base import (
    Column,
    Filters,
    ReportResult,
    Table,
    chart_number,
    department_ids,
    group_names,
    group_where,
    money,
    month_key,
    month_label,
    sales_report,
    user_names,
)
from portal.security.filters import sql_filter

ZERO = Decimal(0)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


class _ReportScope:
    """report.sales as a filter over a table with a department and a responsible person
    (portal.security.filters.sql_filter's protocol)."""

    security_type = "report"

    def __init__(self, department_column, owner_column):
        self.department_column = department_column
        self.owner_column = owner_column

    def sql_in_departments(self, ids):
        return self.department_column.in_(ids)

    def sql_owned_by(self, user_id: int):
        return self.owner_column == user_id


def reportable(request, department_column, owner_column) -> sa.ColumnElement[bool]:
    """WHERE for the rows the user may report on under report.sales: own = `owner_column` is
    the user, department = `department_column` among the user's departments."""
    return sql_filter(request, _ReportScope(department_column, owner_column), "sales")


def rules_by_group(dbsession) -> tuple[dict[int | None, Decimal], dict[int, int | None]]:
    """({group id or None: percent} of the active rules, {group id: parent id})."""
    rules = {group_id: Decimal(percent) for group_id, percent in dbsession.execute(
        sa.select(CommissionRule.group_id, CommissionRule.percent)
        .where(CommissionRule.active.is_(True)))}
    parents = dict(dbsession.execute(sa.select(ProductGroup.id, ProductGroup.parent_id)).all())
    return rules, parents


def percent_for(group_id: int | None, rules: dict, parents: dict) -> Decimal:
    """The percent of the nearest rule up the tree from `group_id`, else the default rule."""
    seen = set()
    while group_id is not None and group_id not in seen:
        if group_id in rules:
            return rules[group_id]
        seen.add(group_id)
        group_id = parents.get(group_id)
    return rules.get(None, ZERO)


def paid_parts(request, filters: Filters) -> list[tuple]:
    """[(manager id, month, group id, paid part, line amount, order total)] for every payment
    in the period on the orders the user may report on, one row per payment × line."""
    where = [reportable(request, Order.department_id, Order.manager_id),
             Payment.paid_on >= filters.period_start, Payment.paid_on <= filters.period_end,
             Order.total != 0]
    if filters.manager_id is not None:
        where.append(Order.manager_id == filters.manager_id)
    if filters.department_id is not None:
        where.append(Order.department_id.in_(department_ids(request, filters.department_id)))
    if filters.organization_id is not None:
        where.append(Order.organization_id == filters.organization_id)
    if filters.group_id is not None:
        where.append(group_where(request, filters.group_id, Product.group_id))
    rows = request.dbsession.execute(
        sa.select(Order.manager_id, Payment.paid_on, Product.group_id, Payment.amount,
                  OrderLine.amount, Order.total)
        .join(Order, Order.id == Payment.order_id)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .join(Product, Product.id == OrderLine.product_id)
        .where(*where)).all()
    return [(manager_id, month_key(paid_on), group_id,
             Decimal(paid) * Decimal(line) / Decimal(total), Decimal(line), Decimal(total))
            for manager_id, paid_on, group_id, paid, line, total in rows]


def commission(request, filters: Filters) -> dict[tuple[int, int, int], list[Decimal]]:
    """{(manager, month, group): [paid revenue, commission, percent]} unrounded."""
    rules, parents = rules_by_group(request.dbsession)
    out: dict[tuple[int, int, int], list[Decimal]] = {}
    for manager_id, month, group_id, part, _line, _total in paid_parts(request, filters):
        rate = percent_for(group_id, rules, parents)
        cell = out.setdefault((manager_id, month, group_id), [ZERO, ZERO, rate])
        cell[0] += part
        cell[1] += part * rate / 100
    return out


@sales_report("commission", _("Managers' commission"), 82,
              filters=("period", "manager", "group", "department", "organization"),
              description=_("A percentage of paid revenue per product group, by manager and "
                            "month of payment."), icon="cash-coin", default_period="month")
def commission_report(request, filters: Filters) -> ReportResult:
    cells = commission(request, filters)
    users = user_names(request, (key[0] for key in cells))
    groups = group_names(request, (key[2] for key in cells))
    by_month: dict[tuple[int, int], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    detail = []
    for (manager_id, month, group_id), (paid, earned, rate) in cells.items():
        by_month[(manager_id, month)][0] += paid
        by_month[(manager_id, month)][1] += earned
        detail.append({"manager": users.get(manager_id, ""), "month": month,
                       "group": groups.get(group_id, ""), "paid": money(paid),
                       "percent": rate, "commission": money(earned)})
    detail.sort(key=lambda r: (r["manager"].lower(), r["month"], r["group"].lower()))
    summary = []
    per_manager: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for (manager_id, month), (paid, earned) in by_month.items():
        name = users.get(manager_id, "")
        summary.append({"manager": name, "month": month, "paid": money(paid),
                        "commission": money(earned)})
        per_manager[name] += money(earned)
    summary.sort(key=lambda r: (r["manager"].lower(), r["month"]))
    totals = {"manager": _("Total"), "paid": sum((r["paid"] for r in summary), ZERO),
              "commission": sum((r["commission"] for r in summary), ZERO)}
    names = sorted(per_manager, key=str.lower)
    return ReportResult(
        [Table([Column("manager", _("Manager")), Column("month", _("Month"), "month"),
                Column("paid", _("Paid revenue"), "money"),
                Column("commission", _("Commission"), "money")], summary, totals,
               _("By manager and month")),
         Table([Column("manager", _("Manager")), Column("month", _("Month"), "month"),
                Column("group", _("Product group")), Column("paid", _("Paid revenue"), "money"),
                Column("percent", _("Rate, %"), "percent"),
                Column("commission", _("Commission"), "money")], detail, None,
               _("By product group"))],
        chart={"type": "bar", "labels": names,
               "datasets": [{"label": request.localizer.translate(_("Commission")),
                             "data": [chart_number(per_manager[n]) for n in names]}]},
        notes=[_("Payments are spread over the order's lines in proportion to their amounts; "
                 "refunds take commission back."),
               _("Months: ${first} to ${last}.",
                 mapping={"first": month_label(request, filters.month_start),
                          "last": month_label(request, filters.month_end)})])


# --- the rules (the admin page at /sales/settings/@@commission) ------------------------------

def rules(dbsession) -> list[CommissionRule]:
    """Every rule, the default one (every other group) first, then by group name."""
    return list(dbsession.scalars(
        sa.select(CommissionRule).outerjoin(ProductGroup, ProductGroup.id == CommissionRule.group_id)
        .order_by(CommissionRule.group_id.is_not(None), ProductGroup.path, CommissionRule.id)
        .options(sa.orm.joinedload(CommissionRule.group))))


def save_rule(dbsession, actor, *, group_id: int | None, percent: Decimal | None,
              active: bool = True) -> CommissionRule:
    """Set the percent of a product group (None: every other group); one rule per group, so
    saving a group's rule again changes it."""
    if percent is None:
        raise UserError(_("Enter the percent."), "percent")
    if not Decimal(0) <= percent <= HUNDRED or percent != percent.quantize(CENT):
        raise UserError(_("Enter a percent from 0 to 100 with at most two decimals."),
                        "percent")
    if group_id is not None and dbsession.get(ProductGroup, group_id) is None:
        raise UserError(_("Choose a product group from the list."), "group")
    rule = dbsession.scalar(sa.select(CommissionRule).where(
        CommissionRule.group_id.is_(None) if group_id is None
        else CommissionRule.group_id == group_id))
    if rule is None:
        rule = CommissionRule(group_id=group_id, percent=percent, active=active)
        dbsession.add(rule)
    else:
        rule.percent, rule.active = percent, active
    dbsession.flush()
    return rule


def delete_rule(dbsession, actor, rule_id: int) -> None:
    rule = dbsession.get(CommissionRule, rule_id)
    if rule is None:
        raise UserError(_("This rule no longer exists."), "id")
    dbsession.delete(rule)
    dbsession.flush()
