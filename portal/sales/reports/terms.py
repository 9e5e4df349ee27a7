"""Orders that break the client's terms (issue 15, point 5).

An order is flagged when it is confirmed (portal/sales/orders.py): `discount_breach` when a
line's discount is above the client's discount on its card, `deferral_breach` when the planned
payment date is later than the order date plus the client's payment deferral days. The order
keeps the terms of that day (`terms_discount_percent`, `terms_deferral_days`), so the report
shows what the client was entitled to then, and what the order gave: the largest discount of
its lines, the money given beyond the terms (Σ quantity × price × (discount − terms) / 100 over
the lines above the terms, rounded half up per order), and the deferral days granted.
"""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from models.sales import Order, OrderLine
from portal.core.i18n import _
from portal.sales.reports.base import (
    Column,
    ReportResult,
    Table,
    money,
    organization_names,
    sales_report,
    user_names,
)
from portal.sales.reports.customers import (
    COUNTED_STATES,
    more_rows_note,
    order_filters,
    row_limit,
)

CHUNK = 900


def beyond_terms(lines, terms: Decimal | None) -> tuple[Decimal | None, Decimal]:
    """The largest discount of the lines, and the money given beyond `terms` (no terms: every
    discount is beyond them)."""
    allowed = terms or Decimal(0)
    top = None
    given = Decimal(0)
    for quantity, price, discount in lines:
        discount = Decimal(discount or 0)
        top = discount if top is None else max(top, discount)
        if discount > allowed:
            given += Decimal(quantity) * Decimal(price) * (discount - allowed) / 100
    return top, money(given)


def breaches(request, filters) -> list[dict]:
    """The confirmed and done orders placed in the period with a breach flag, the latest first."""
    db = request.dbsession
    stmt = (sa.select(Order.id, Order.number, Order.ordered_on, Order.organization_id,
                      Order.manager_id, Order.total, Order.planned_pay_on,
                      Order.terms_discount_percent, Order.terms_deferral_days,
                      Order.discount_breach, Order.deferral_breach)
            .where(Order.state.in_(COUNTED_STATES),
                   Order.ordered_on.between(filters.period_start, filters.period_end),
                   sa.or_(Order.discount_breach.is_(True), Order.deferral_breach.is_(True)),
                   *order_filters(request, filters))
            .order_by(Order.ordered_on.desc(), Order.id.desc()))
    orders = [dict(r._mapping) for r in db.execute(stmt)]
    discounted = [o["id"] for o in orders if o["discount_breach"]]
    lines: dict[int, list] = {}
    for at in range(0, len(discounted), CHUNK):
        for order_id, quantity, price, discount in db.execute(
                sa.select(OrderLine.order_id, OrderLine.quantity, OrderLine.price,
                          OrderLine.discount_percent)
                .where(OrderLine.order_id.in_(discounted[at:at + CHUNK]))):
            lines.setdefault(order_id, []).append((quantity, price, discount))
    for o in orders:
        o["total"] = money(o["total"])
        o["max_discount"], o["given"] = (
            beyond_terms(lines.get(o["id"], ()), o["terms_discount_percent"])
            if o["discount_breach"] else (None, Decimal("0.00")))
        o["deferral_given"] = ((o["planned_pay_on"] - o["ordered_on"]).days
                               if o["planned_pay_on"] is not None else None)
        o["deferral_excess"] = (max(o["deferral_given"] - (o["terms_deferral_days"] or 0), 0)
                                if o["deferral_breach"] and o["deferral_given"] is not None
                                else None)
    return orders


@sales_report("terms_breaches", _("Orders breaking the client's terms"), order=85,
              filters=("period", "manager", "department", "organization"),
              description=_("Orders that broke the client's terms and how much was given "
                            "beyond them, by manager."), icon="exclamation-triangle")
def terms_breaches(request, filters) -> ReportResult:
    """Per manager: how many orders broke the terms and how much was given beyond them; then
    the orders with the client's terms and what each gave."""
    tr = request.localizer.translate
    orders = breaches(request, filters)
    managers = user_names(request, [o["manager_id"] for o in orders])
    nobody = tr(_("No manager"))
    per_manager: dict = {}
    for o in orders:
        m = per_manager.setdefault(o["manager_id"], {
            "manager": managers.get(o["manager_id"], nobody), "orders": 0, "discount": 0,
            "deferral": 0, "given": Decimal(0), "total": Decimal(0)})
        m["orders"] += 1
        m["discount"] += bool(o["discount_breach"])
        m["deferral"] += bool(o["deferral_breach"])
        m["given"] += o["given"]
        m["total"] += o["total"]
    rows = sorted(per_manager.values(), key=lambda m: (-m["given"], -m["orders"], m["manager"]))
    totals = {"manager": tr(_("Total")), "orders": len(orders),
              **{k: sum(r[k] for r in rows) for k in ("discount", "deferral")},
              **{k: sum((r[k] for r in rows), Decimal(0)) for k in ("given", "total")}}
    summary_columns = [
        Column("manager", tr(_("Manager")), "text"),
        Column("orders", tr(_("Orders breaking the terms")), "int"),
        Column("discount", tr(_("Discount above the terms")), "int"),
        Column("deferral", tr(_("Deferral beyond the terms")), "int"),
        Column("given", tr(_("Discount given beyond the terms")), "money"),
        Column("total", tr(_("Amount of these orders")), "money")]
    limit = row_limit(request)
    shown = orders if limit is None else orders[:limit]
    clients = organization_names(request, [o["organization_id"] for o in shown])
    detail = [{"number": o["number"], "ordered_on": o["ordered_on"],
               "client": clients.get(o["organization_id"], ""),
               "manager": managers.get(o["manager_id"], nobody),
               "terms_discount": o["terms_discount_percent"], "max_discount": o["max_discount"],
               "given": o["given"] if o["discount_breach"] else None,
               "terms_deferral": o["terms_deferral_days"], "deferral": o["deferral_given"],
               "deferral_excess": o["deferral_excess"], "total": o["total"]} for o in shown]
    detail_columns = [
        Column("number", tr(_("Order")), "text"),
        Column("ordered_on", tr(_("Date")), "date"),
        Column("client", tr(_("Client")), "text"),
        Column("manager", tr(_("Manager")), "text"),
        Column("terms_discount", tr(_("Client's discount, %")), "percent"),
        Column("max_discount", tr(_("Largest discount given, %")), "percent"),
        Column("given", tr(_("Discount given beyond the terms")), "money"),
        Column("terms_deferral", tr(_("Client's deferral, days")), "int"),
        Column("deferral", tr(_("Deferral given, days")), "int"),
        Column("deferral_excess", tr(_("Days beyond the terms")), "int"),
        Column("total", tr(_("Amount")), "money")]
    notes = [tr(_("Confirmed and done orders placed in the period whose discount or payment "
                  "deferral goes beyond the client's terms as they were when the order was "
                  "confirmed."))]
    if len(shown) < len(orders):
        notes.append(more_rows_note(request, len(shown), len(orders)))
    chart = {"type": "bar", "labels": [r["manager"] for r in rows],
             "datasets": [{"label": tr(_("Discount above the terms")),
                           "data": [r["discount"] for r in rows]},
                          {"label": tr(_("Deferral beyond the terms")),
                           "data": [r["deferral"] for r in rows]}]}
    return ReportResult([Table(summary_columns, rows, totals=totals, title=tr(_("By manager"))),
                         Table(detail_columns, detail, title=tr(_("Orders")))],
                        chart=chart, notes=notes)
