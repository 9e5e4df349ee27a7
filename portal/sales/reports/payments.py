"""Delays and receivables (issue 15, point 5): shipments and payments against their planned dates,
what clients owe for what they received, how old the debt is, and how fast it turns over.

- shipment delays: confirmed and done orders planned to ship in the period; an order is late by
  the days from its planned shipment date to the day it was fully shipped, or to today while it
  is still not;
- payment delays: the same with the planned payment date and the day it was fully paid;
- receivables (дебиторская задолженность) at the end of the period (today if the period ends
  later): per order, what was shipped up to that day less what was paid up to that day, from the
  facts and payments themselves (not today's running sums, so that a past date shows the debt of
  that date); an overpaid order is an advance, not a negative debt. The debt is due on the
  order's planned payment date, else its last shipment day plus the client's deferral days, and
  aged by the days past that: not yet due, 0–30, 31–60, 61–90, over 90;
- receivables turnover for the period: revenue ÷ the average of the receivables at its opening
  and at its close, and the days sales outstanding = days of the period × average receivables ÷
  revenue.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from models.sales import Order, Payment, SalesFact, Shipment, ShipmentLine
from portal.core.i18n import _, format_date, local_today
from portal.sales.reports.base import (
    CENT,
    Column,
    ReportResult,
    Table,
    chart_number,
    fact_where,
    money,
    organization_names,
    percent,
    sales_report,
    user_names,
)
from portal.sales.reports.customers import (
    COUNTED_STATES,
    more_rows_note,
    order_filters,
    row_limit,
)

# Days late as the chart groups them: (title, the most days of the bucket; None = no end).
LATENESS_BUCKETS = ((_("1–7 days"), 7), (_("8–30 days"), 30), (_("31–60 days"), 60),
                    (_("over 60 days"), None))
# Receivables ageing: (key, title, the most days past due; None = no end).
AGEING_BUCKETS = (("current", _("Not yet due"), -1), ("d30", _("0–30 days"), 30),
                  ("d60", _("31–60 days"), 60), ("d90", _("61–90 days"), 90),
                  ("over90", _("Over 90 days"), None))


def bucket_of(days: int, buckets) -> int:
    """The index of the first bucket whose upper bound holds `days`."""
    for i, bucket in enumerate(buckets):
        top = bucket[-1]
        if top is None or days <= top:
            return i
    return len(buckets) - 1


# --- shipment and payment delays ----------------------------------------------------------------

@dataclass(frozen=True)
class DelayKind:
    name: str
    planned: object  # Order column: the planned date
    actual: object  # Order column: the day it was done
    done: object  # Order column: the running sum done so far
    actual_title: object
    left_title: object


SHIPMENT = DelayKind("shipment", Order.planned_ship_on, Order.shipped_on, Order.shipped_amount,
                     _("Shipped on"), _("Not shipped"))
PAYMENT = DelayKind("payment", Order.planned_pay_on, Order.paid_on, Order.paid_amount,
                    _("Paid on"), _("Not paid"))


def delays(request, filters, kind: DelayKind, today: dt.date | None = None) -> dict:
    """The orders planned in the period for `kind`, each with its days late (0 when on time or
    not due yet); per manager the counts and amounts."""
    today = today or local_today(request)
    stmt = (sa.select(Order.id, Order.number, Order.organization_id, Order.manager_id,
                      kind.planned, kind.actual, Order.total, kind.done)
            .where(Order.state.in_(COUNTED_STATES), kind.planned.is_not(None),
                   kind.planned.between(filters.period_start, filters.period_end),
                   *order_filters(request, filters))
            .order_by(kind.planned, Order.id))
    orders = []
    for oid, number, org, manager, planned, actual, total, done in request.dbsession.execute(stmt):
        days = ((actual or today) - planned).days
        orders.append({"id": oid, "number": number, "organization_id": org, "manager_id": manager,
                       "planned": planned, "actual": actual, "days": max(days, 0),
                       "open": actual is None, "amount": money(total),
                       "left": max(money(total) - money(done), Decimal(0))})
    return {"orders": orders, "today": today}


def delay_report(request, filters, kind: DelayKind) -> ReportResult:
    tr = request.localizer.translate
    found = delays(request, filters, kind)
    orders = found["orders"]
    late = [o for o in orders if o["days"] > 0]
    managers = user_names(request, [o["manager_id"] for o in orders])
    nobody = tr(_("No manager"))
    per_manager: dict = {}
    for o in orders:
        m = per_manager.setdefault(o["manager_id"], {
            "manager": managers.get(o["manager_id"], nobody), "orders": 0, "on_time": 0,
            "late": 0, "late_open": 0, "late_amount": Decimal(0), "late_left": Decimal(0),
            "days": 0, "max_days": 0})
        m["orders"] += 1
        if o["days"] > 0:
            m["late"] += 1
            m["late_open"] += o["open"]
            m["late_amount"] += o["amount"]
            m["late_left"] += o["left"]
            m["days"] += o["days"]
            m["max_days"] = max(m["max_days"], o["days"])
        elif not o["open"]:
            m["on_time"] += 1

    def finish(m):
        m["average_days"] = (Decimal(m.pop("days")) / m["late"]).quantize(
            Decimal("0.1"), ROUND_HALF_UP) if m["late"] else None
        m["late_share"] = percent(m["late"], m["orders"])
        return m

    rows = sorted((finish(m) for m in per_manager.values()),
                  key=lambda m: (-m["late_amount"], m["manager"]))
    total = {"manager": tr(_("Total")), "orders": len(orders),
             "on_time": sum(r["on_time"] for r in rows), "late": len(late),
             "late_open": sum(o["open"] for o in late),
             "late_amount": sum((o["amount"] for o in late), Decimal(0)),
             "late_left": sum((o["left"] for o in late), Decimal(0)),
             "days": sum(o["days"] for o in late),
             "max_days": max((o["days"] for o in late), default=0)}
    finish(total)
    summary_columns = [
        Column("manager", tr(_("Manager")), "text"),
        Column("orders", tr(_("Orders due")), "int"),
        Column("on_time", tr(_("Done on time")), "int"),
        Column("late", tr(_("Late")), "int"),
        Column("late_open", tr(_("Late and still open")), "int"),
        Column("late_share", tr(_("Late, %")), "percent"),
        Column("late_amount", tr(_("Amount of late orders")), "money"),
        Column("late_left", tr(kind.left_title), "money"),
        Column("average_days", tr(_("Average days late")), "qty"),
        Column("max_days", tr(_("Most days late")), "int")]
    limit = row_limit(request)
    late.sort(key=lambda o: (-o["days"], o["planned"], o["id"]))
    shown = late if limit is None else late[:limit]
    clients = organization_names(request, [o["organization_id"] for o in shown])
    detail = [{"number": o["number"], "client": clients.get(o["organization_id"], ""),
               "manager": managers.get(o["manager_id"], nobody), "planned": o["planned"],
               "actual": o["actual"], "days": o["days"], "amount": o["amount"],
               "left": o["left"]} for o in shown]
    detail_columns = [
        Column("number", tr(_("Order")), "text"), Column("client", tr(_("Client")), "text"),
        Column("manager", tr(_("Manager")), "text"),
        Column("planned", tr(_("Planned")), "date"),
        Column("actual", tr(kind.actual_title), "date"),
        Column("days", tr(_("Days late")), "int"), Column("amount", tr(_("Amount")), "money"),
        Column("left", tr(kind.left_title), "money")]
    counts = [0] * len(LATENESS_BUCKETS)
    for o in late:
        counts[bucket_of(o["days"], LATENESS_BUCKETS)] += 1
    chart = {"type": "bar", "labels": [tr(b[0]) for b in LATENESS_BUCKETS],
             "datasets": [{"label": tr(_("Late orders")), "data": counts}]}
    notes = [tr(_("Confirmed and done orders planned in the period. An order still open is "
                  "late by the days up to today (${today}).",
                  mapping={"today": format_date(request, found["today"])}))]
    if len(shown) < len(late):
        notes.append(more_rows_note(request, len(shown), len(late)))
    return ReportResult([Table(summary_columns, rows, totals=total, title=tr(_("By manager"))),
                         Table(detail_columns, detail, title=tr(_("Late orders")))],
                        chart=chart, notes=notes)


@sales_report("shipment_delays", _("Shipment delays"), order=70,
              filters=("period", "manager", "department"),
              description=_("Orders shipped after their planned date or not shipped by it "
                            "yet."), icon="truck")
def shipment_delays(request, filters) -> ReportResult:
    """Orders shipped after their planned shipment date, or not shipped by it yet."""
    return delay_report(request, filters, SHIPMENT)


@sales_report("payment_delays", _("Payment delays"), order=75,
              filters=("period", "manager", "department"),
              description=_("Orders paid after their planned date or not paid by it yet."),
              icon="hourglass-split")
def payment_delays(request, filters) -> ReportResult:
    """Orders paid after their planned payment date, or not paid by it yet."""
    return delay_report(request, filters, PAYMENT)


# --- receivables and turnover -------------------------------------------------------------------

@dataclass
class Debt:
    """What a client owes for one order on a day."""

    order_id: int
    organization_id: int
    manager_id: int | None
    due_on: dt.date
    amount: Decimal


def receivables_on(request, filters, day: dt.date) -> list[Debt]:
    """The orders with a debt at the close of `day`: shipped up to it less paid up to it."""
    shipped = (sa.select(Shipment.order_id.label("order_id"),
                         sa.func.sum(SalesFact.amount).label("shipped"),
                         # The last day goods left (a return is no new shipment).
                         sa.func.max(sa.case((SalesFact.amount > 0, SalesFact.shipped_on)))
                         .label("last_shipped_on"))
               .select_from(SalesFact)
               .join(ShipmentLine, ShipmentLine.id == SalesFact.shipment_line_id)
               .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
               .where(SalesFact.shipped_on <= day)
               .group_by(Shipment.order_id).subquery())
    paid = (sa.select(Payment.order_id.label("order_id"), sa.func.sum(Payment.amount).label("paid"))
            .where(Payment.paid_on <= day)
            .group_by(Payment.order_id).subquery())
    stmt = (sa.select(Order.id, Order.organization_id, Order.manager_id, Order.planned_pay_on,
                      Order.terms_deferral_days, shipped.c.last_shipped_on, shipped.c.shipped,
                      paid.c.paid)
            .join(shipped, shipped.c.order_id == Order.id)
            .outerjoin(paid, paid.c.order_id == Order.id)
            .where(*order_filters(request, filters)))
    out = []
    for oid, org, manager, planned, deferral, last_shipped, s, p in request.dbsession.execute(stmt):
        owed = money(s) - money(p)
        if owed <= 0:
            continue
        if isinstance(last_shipped, str):  # SQLite's max() of a date comes back as text
            last_shipped = dt.date.fromisoformat(last_shipped)
        # Only returns and a refund larger than them: owed since the day itself.
        due = planned or (last_shipped or day) + dt.timedelta(days=deferral or 0)
        out.append(Debt(oid, org, manager, due, owed))
    return out


def turnover_row(label, revenue: Decimal, opening: Decimal, closing: Decimal, days: int) -> dict:
    average = ((opening + closing) / 2).quantize(CENT, ROUND_HALF_UP)
    return {"name": label, "revenue": revenue, "opening": opening, "closing": closing,
            "average": average,
            "turnover": (revenue / average).quantize(CENT, ROUND_HALF_UP) if average else None,
            "dso": (Decimal(days) * average / revenue).quantize(Decimal("0.1"), ROUND_HALF_UP)
            if revenue > 0 else None}


@sales_report("receivables", _("Receivables and turnover"), order=80,
              filters=("period", "manager", "department"),
              description=_("Receivables per client aged by days past due, and their "
                            "turnover."), icon="wallet2")
def receivables(request, filters) -> ReportResult:
    """Receivables per client at the end of the period, aged by days past due; and their
    turnover in the period, per manager and in all."""
    tr = request.localizer.translate
    db = request.dbsession
    today = local_today(request)
    as_of = min(filters.period_end, today)
    start = filters.period_start
    closing = receivables_on(request, filters, as_of)
    opening = receivables_on(request, filters, start - dt.timedelta(days=1))
    keys = [b[0] for b in AGEING_BUCKETS]
    per_client: dict = {}
    for debt in closing:
        row = per_client.setdefault(debt.organization_id, {
            "organization_id": debt.organization_id, **{k: Decimal(0) for k in keys},
            "total": Decimal(0), "orders": 0})
        row[keys[bucket_of((as_of - debt.due_on).days, AGEING_BUCKETS)]] += debt.amount
        row["total"] += debt.amount
        row["orders"] += 1
    rows = sorted(per_client.values(), key=lambda r: (-r["total"], r["organization_id"]))
    totals = {"client": tr(_("Total")), "orders": len(closing),
              **{k: sum((r[k] for r in rows), Decimal(0)) for k in keys},
              "total": sum((r["total"] for r in rows), Decimal(0))}
    limit = row_limit(request)
    shown = rows if limit is None else rows[:limit]
    names = organization_names(request, [r["organization_id"] for r in shown])
    for r in shown:
        r["client"] = names.get(r["organization_id"], "")
    ageing_columns = [Column("client", tr(_("Client")), "text"),
                      Column("orders", tr(_("Orders")), "int"),
                      *[Column(k, tr(title), "money") for k, title, _top in AGEING_BUCKETS],
                      Column("total", tr(_("Receivables")), "money")]
    # Turnover: revenue of the period per manager against the debts of its opening and close.
    revenue = dict(db.execute(sa.select(SalesFact.manager_id, sa.func.sum(SalesFact.amount))
                              .where(*fact_where(request, filters))
                              .group_by(SalesFact.manager_id)).all())
    revenue = {m: money(v) for m, v in revenue.items()}
    days = (as_of - start).days + 1
    sums: dict = {}
    for which, debts in (("opening", opening), ("closing", closing)):
        for debt in debts:
            cell = sums.setdefault(debt.manager_id, {"opening": Decimal(0), "closing": Decimal(0)})
            cell[which] += debt.amount
    managers = user_names(request, list(revenue) + list(sums))
    nobody = tr(_("No manager"))
    turnover_rows = []
    for m in set(revenue) | set(sums):
        cell = sums.get(m, {"opening": Decimal(0), "closing": Decimal(0)})
        turnover_rows.append(turnover_row(managers.get(m, nobody), revenue.get(m, Decimal(0)),
                                          cell["opening"], cell["closing"], days))
    turnover_rows.sort(key=lambda r: (-r["revenue"], r["name"]))
    turnover_total = turnover_row(
        tr(_("Total")), sum(revenue.values(), Decimal(0)),
        sum((d.amount for d in opening), Decimal(0)), totals["total"], days)
    turnover_columns = [
        Column("name", tr(_("Manager")), "text"),
        Column("revenue", tr(_("Revenue")), "money"),
        Column("opening", tr(_("Receivables at the start")), "money"),
        Column("closing", tr(_("Receivables at the end")), "money"),
        Column("average", tr(_("Average receivables")), "money"),
        Column("turnover", tr(_("Turnover, times")), "qty"),
        Column("dso", tr(_("Days sales outstanding")), "qty")]
    chart = {"type": "bar", "labels": [tr(title) for _k, title, _top in AGEING_BUCKETS],
             "datasets": [{"label": tr(_("Receivables")),
                           "data": [chart_number(totals[k]) for k in keys]}]}
    notes = [tr(_("Receivables at the close of ${day}: shipped less paid, per order (an "
                  "advance is not counted). Due on the planned payment date, else on the last "
                  "shipment day plus the client's deferral days.",
                  mapping={"day": format_date(request, as_of)})),
             tr(_("Turnover = revenue of the period ÷ average receivables, the average of "
                  "those at the start (${start}) and at the end; days sales outstanding = "
                  "${days} days × average receivables ÷ revenue.",
                  mapping={"start": format_date(request, start - dt.timedelta(days=1)),
                           "days": days}))]
    if len(shown) < len(rows):
        notes.append(more_rows_note(request, len(shown), len(rows)))
    return ReportResult(
        [Table(ageing_columns, shown, totals=totals, title=tr(_("Receivables by age"))),
         Table(turnover_columns, turnover_rows, totals=turnover_total,
               title=tr(_("Receivables turnover")))],
        chart=chart, notes=notes)
