"""The purchase plan for supply (issue 15, point 8): what to order from which supplier by when,
from the confirmed orders' quantities not shipped yet.

One row per supplier × product × planned shipping day: the quantity still to ship (ordered
less shipped, over the confirmed orders' lines), the supplier's lead time (the product's
`lead_days`) and the day to order by = planned shipping day − lead days. A row whose day to
order by has passed (before the user's today) is overdue. Suppliers come in the order of their
most urgent row (so those with overdue rows first), and within a supplier the most urgent rows
first; lines without a planned shipping day come last ("as soon as possible" is not a date);
products without a supplier are gathered under "No supplier".

Scope: report.sales over the orders (own: the order's manager; department: the order's
department and those below). Two statements: the lines, the suppliers' names.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from models.clients import Organization
from models.sales import Order, OrderLine, Product
from portal.core.i18n import _, local_today
from portal.sales.products import unit_title
from portal.sales.reports.base import (
    Column,
    Filters,
    ReportResult,
    Table,
    department_ids,
    group_where,
    sales_report,
)
from portal.sales.reports.commission import reportable

QTY = Decimal("0.001")


def needs(request, filters: Filters, today: dt.date) -> list[dict]:
    """The rows of the plan, in the order described above."""
    remaining = OrderLine.quantity - OrderLine.shipped_quantity
    where = [Order.state == "confirmed", remaining > 0,
             reportable(request, Order.department_id, Order.manager_id)]
    if filters.manager_id is not None:
        where.append(Order.manager_id == filters.manager_id)
    if filters.department_id is not None:
        where.append(Order.department_id.in_(department_ids(request, filters.department_id)))
    if filters.group_id is not None:
        where.append(group_where(request, filters.group_id, Product.group_id))
    rows = request.dbsession.execute(
        sa.select(Product.supplier_id, Organization.name, Product.id, Product.code, Product.name,
                  Product.unit, Product.lead_days, Order.planned_ship_on,
                  sa.func.sum(remaining), sa.func.count(sa.distinct(Order.id)))
        .join(Order, Order.id == OrderLine.order_id)
        .join(Product, Product.id == OrderLine.product_id)
        .outerjoin(Organization, Organization.id == Product.supplier_id)
        .where(*where)
        .group_by(Product.supplier_id, Organization.name, Product.id, Product.code, Product.name,
                  Product.unit, Product.lead_days, Order.planned_ship_on)).all()
    out = []
    for (supplier_id, supplier, product_id, code, name, unit, lead, ship_on, qty,
         orders) in rows:
        lead = lead or 0
        order_by = ship_on - dt.timedelta(days=lead) if ship_on is not None else None
        late = (today - order_by).days if order_by is not None and order_by < today else 0
        out.append({"supplier_id": supplier_id, "supplier": supplier or "",
                    "product_id": product_id, "code": code, "product": name, "unit": unit,
                    "quantity": Decimal(qty).quantize(QTY), "orders": orders,
                    "planned_ship_on": ship_on, "lead_days": lead, "order_by": order_by,
                    "days_late": late, "overdue": late > 0})
    far = dt.date.max
    first: dict = {}
    for row in out:
        key = row["supplier_id"]
        first[key] = min(first.get(key, far), row["order_by"] or far)
    out.sort(key=lambda r: (first[r["supplier_id"]], r["supplier_id"] is None,
                            r["supplier"].lower(), r["supplier_id"] or 0,
                            r["order_by"] or far, r["code"]))
    return out


@sales_report("purchase_plan", _("Purchase plan"), 90, filters=("manager", "group", "department"),
              description=_("What to order from suppliers by when, from the confirmed orders' "
                            "quantities not shipped yet."), icon="box-seam")
def purchase_plan_report(request, filters: Filters) -> ReportResult:
    today = local_today(request)
    translate = request.localizer.translate
    no_supplier = translate(_("No supplier"))
    overdue, soon = translate(_("Overdue")), translate(_("No planned shipping day"))
    rows = []
    for need in needs(request, filters, today):
        status = overdue if need["overdue"] else (soon if need["order_by"] is None else "")
        rows.append({"supplier": need["supplier"] or no_supplier, "code": need["code"],
                     "product": need["product"], "unit": translate(unit_title(need["unit"])),
                     "quantity": need["quantity"], "orders": need["orders"],
                     "planned_ship_on": need["planned_ship_on"], "lead_days": need["lead_days"],
                     "order_by": need["order_by"], "days_late": need["days_late"] or None,
                     "status": status})
    late = sum(1 for r in rows if r["days_late"])
    return ReportResult(
        [Table([Column("supplier", _("Supplier")), Column("code", _("Code")),
                Column("product", _("Product")), Column("unit", _("Unit")),
                Column("quantity", _("To order"), "qty"), Column("orders", _("Orders"), "int"),
                Column("planned_ship_on", _("Planned shipping"), "date"),
                Column("lead_days", _("Lead time, days"), "int"),
                Column("order_by", _("Order by"), "date"),
                Column("days_late", _("Days overdue"), "int"),
                Column("status", _("Status"))], rows, None)],
        notes=[_("Order by = planned shipping day − the supplier's lead time. Rows to be "
                 "ordered already: ${n}.", mapping={"n": late})])
