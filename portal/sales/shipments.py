"""Shipments (отгрузки), returns and payments (оплаты) of a confirmed order.

What must never happen twice or too much is refused by the database, whatever the checks in
Python saw:

- a line is never shipped beyond its quantity (nor returned below zero): each line moves by one
  guarded `UPDATE … SET shipped_quantity = shipped_quantity + :q WHERE … <= quantity`, and
  the table's CHECK (shipped_quantity <= quantity) stands behind it;
- a form submitted twice ships or pays once: its one-time `request_key` is UNIQUE; the second
  submit finds the first's shipment (or payment) and answers with it;
- the order's running sums (shipped_amount, paid_amount) move by atomic UPDATEs, so two
  shipments or payments at the same instant both count.

Every shipment line writes its SalesFact row (the reports' table) in the same transaction:
month YYYYMM, the product's group and top group, the order's client, manager and department,
and the quantity and amount — negative for a return. The amount of a part of a line is the
line's amount × shipped quantity / ordered quantity, rounded half up to the kopeck; counted on
what was shipped before and after (round(amount × after / qty) − round(amount × before / qty)),
so that the parts of a fully shipped line always add up to the line's amount exactly.

`shipped_on` is the day everything was shipped, `paid_on` the day the paid amount reached the
total; an order shipped and paid is "done" (a return or a refund opens it again).
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from models.errors import UserError
from models.meta import utcnow
from models.people import User
from models.sales import (
    Order,
    OrderLine,
    Payment,
    Product,
    ProductGroup,
    SalesFact,
    Shipment,
    ShipmentLine,
    fact_month,
)
from portal.core.i18n import _
from portal.sales.orders import (
    OrderProblem,
    money,
    read_price,
    read_quantity,
    set_state,
)

KEY_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
PAYMENT_NOTE_MAX = 300
ZERO = Decimal("0")


def check_key(request_key: str | None) -> str | None:
    """A form's one-time key as the form sent it, or None (none sent); junk is refused."""
    if request_key is None or request_key == "":
        return None
    if not isinstance(request_key, str) or not KEY_RE.match(request_key):
        raise UserError(_("The form is out of date: open it again."), "request_key")
    return request_key


def _is_zero(raw: object) -> bool:
    try:
        return Decimal(str(raw).strip().replace(",", ".")) == 0
    except ArithmeticError:
        return False


# --- shipments and returns ---------------------------------------------------------------------

def _quantities(order_id: int, lines: dict[int, OrderLine],
                quantities: Mapping[int, object]) -> dict[int, Decimal]:
    out: dict[int, Decimal] = {}
    for line_id, raw in quantities.items():
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        line = lines.get(line_id)
        if line is None:
            raise OrderProblem(_("That line is not of this order."), "lines")
        field = f"qty-{line_id}"
        try:
            out[line_id] = read_quantity(raw, field)
        except OrderProblem:
            if _is_zero(raw):
                continue  # a line left at 0 is not shipped
            raise
    if not out:
        raise OrderProblem(_("Give the quantity of at least one line."), "lines")
    return out


def ship(dbsession, actor: User | None, order: Order, quantities: Mapping[int, object],
         shipped_on: dt.date, *, kind: str = "shipment", request_key: str | None = None,
         now: dt.datetime | None = None) -> tuple[Shipment, bool]:
    """Ship (or, kind="return", take back) `quantities` {order line id: quantity} of `order`
    on `shipped_on`: (the shipment, made now). A key already used answers with its shipment."""
    key = check_key(request_key)
    if key is not None:
        done = dbsession.scalar(sa.select(Shipment).where(Shipment.request_key == key))
        if done is not None:
            if done.order_id != order.id:
                raise UserError(_("The form is out of date: open it again."), "request_key")
            return done, False
    if kind not in ("shipment", "return"):
        raise OrderProblem(_("Choose a shipment or a return."), "kind")
    if kind == "shipment" and order.state != "confirmed":
        raise OrderProblem(_("Goods are shipped on a confirmed order."), "state")
    if kind == "return" and order.state not in ("confirmed", "done"):
        raise OrderProblem(_("Goods are returned on a confirmed or done order."), "state")
    if shipped_on is None:
        raise OrderProblem(_("Give the day of the shipment."), "shipped_on")
    if shipped_on < order.ordered_on:
        raise OrderProblem(_("A shipment cannot be before the order's date."), "shipped_on")
    lines = {line.id: line for line in dbsession.scalars(
        sa.select(OrderLine).where(OrderLine.order_id == order.id))}
    wanted = _quantities(order.id, lines, quantities)
    now = now or utcnow()
    sign = 1 if kind == "shipment" else -1
    products = {row.id: row for row in dbsession.execute(
        sa.select(Product.id, Product.group_id, ProductGroup.path)
        .join(ProductGroup, ProductGroup.id == Product.group_id)
        .where(Product.id.in_(sorted({lines[i].product_id for i in wanted}))))}
    table = OrderLine.__table__
    try:
        # A savepoint: a second submit of the form finds the first one's shipment.
        with dbsession.begin_nested():
            shipment = Shipment(order_id=order.id, shipped_on=shipped_on, kind=kind,
                                created_by_id=actor.id if actor else None, created_at=now,
                                request_key=key)
            dbsession.add(shipment)
            dbsession.flush()
            delta = ZERO
            for line_id in sorted(wanted):
                qty = wanted[line_id]
                moved = sa.func.round(table.c.shipped_quantity + sa.literal(sign * qty,
                                                                            sa.Numeric(12, 3)), 3)
                guard = moved <= table.c.quantity if sign > 0 else moved >= 0
                row = dbsession.execute(
                    sa.update(table).where(table.c.id == line_id, table.c.order_id == order.id,
                                           guard)
                    .values(shipped_quantity=moved)
                    .returning(table.c.shipped_quantity, table.c.quantity, table.c.amount),
                    execution_options={"synchronize_session": False}).first()
                line = lines[line_id]
                if row is None:
                    raise OrderProblem(_(
                        "Line ${n}: that is more than ${what}.",
                        mapping={"n": _line_number(lines, line_id),
                                 "what": _("was ordered and not yet shipped") if sign > 0
                                 else _("was shipped")}), f"qty-{line_id}")
                after = Decimal(row.shipped_quantity)
                before = after - sign * qty
                line_total = Decimal(row.amount)
                ordered = Decimal(row.quantity)
                amount = (money(line_total * after / ordered)
                          - money(line_total * before / ordered))
                set_committed_value(line, "shipped_quantity", after)
                item = ShipmentLine(shipment_id=shipment.id, order_line_id=line_id, quantity=qty)
                dbsession.add(item)
                dbsession.flush()
                product = products[line.product_id]
                group_ids = [int(p) for p in product.path.strip("/").split("/") if p]
                dbsession.add(SalesFact(
                    shipment_line_id=item.id, shipped_on=shipped_on,
                    month=fact_month(shipped_on), organization_id=order.organization_id,
                    manager_id=order.manager_id, department_id=order.department_id,
                    product_id=line.product_id, group_id=product.group_id,
                    top_group_id=group_ids[0] if group_ids else product.group_id,
                    quantity=sign * qty, amount=amount))
                delta += amount
            dbsession.flush()
            _add_to_order(dbsession, order, "shipped_amount", delta)
            _settle(dbsession, actor, order, shipped_on)
    except sa.exc.IntegrityError:
        _forget(dbsession, order, lines.values())
        if key is None:
            raise
        done = dbsession.scalar(sa.select(Shipment).where(Shipment.request_key == key))
        if done is None:
            raise
        return done, False
    except UserError:
        _forget(dbsession, order, lines.values())
        raise
    return shipment, True


def _forget(dbsession, order: Order, lines) -> None:
    """What the rolled-back savepoint had changed is read again from the database."""
    dbsession.expire(order)
    for line in lines:
        dbsession.expire(line)


def _line_number(lines: dict[int, OrderLine], line_id: int) -> int:
    return sorted(lines).index(line_id) + 1


def _add_to_order(dbsession, order: Order, column: str, delta: Decimal) -> Decimal:
    """order.<column> += delta by one atomic UPDATE (two at once both count); the new sum."""
    table = Order.__table__
    value = dbsession.execute(
        sa.update(table).where(table.c.id == order.id)
        .values({column: sa.func.round(table.c[column] + sa.literal(delta, sa.Numeric(14, 2)), 2)})
        .returning(table.c[column]),
        execution_options={"synchronize_session": False}).scalar_one()
    set_committed_value(order, column, Decimal(value))
    return Decimal(value)


def _settle(dbsession, actor: User | None, order: Order, day: dt.date) -> None:
    """After a shipment, return, payment or refund: shipped_on, paid_on and the state."""
    lines = OrderLine.__table__
    short = dbsession.scalar(
        sa.select(sa.func.count()).select_from(lines)
        .where(lines.c.order_id == order.id,
               sa.func.round(lines.c.shipped_quantity * 1000) < sa.func.round(lines.c.quantity * 1000)))
    table = Order.__table__
    current = dbsession.execute(
        sa.select(table.c.shipped_on, table.c.paid_on, table.c.paid_amount, table.c.total,
                  table.c.state).where(table.c.id == order.id)).one()
    shipped = short == 0
    paid = money(Decimal(current.paid_amount)) >= money(Decimal(current.total))
    changes = {}
    if shipped and current.shipped_on is None:
        changes["shipped_on"] = day
    elif not shipped and current.shipped_on is not None:
        changes["shipped_on"] = None
    if paid and current.paid_on is None:
        changes["paid_on"] = day
    elif not paid and current.paid_on is not None:
        changes["paid_on"] = None
    if changes:
        dbsession.execute(sa.update(table).where(table.c.id == order.id).values(changes),
                          execution_options={"synchronize_session": False})
        for name, value in changes.items():
            set_committed_value(order, name, value)
    if current.state == "confirmed" and shipped and paid:
        set_state(dbsession, order, actor, "complete", "confirmed", "done")
    elif current.state == "done" and not (shipped and paid):
        set_state(dbsession, order, actor, "reopen", "done", "confirmed")


# --- payments and refunds ----------------------------------------------------------------------

def pay(dbsession, actor: User | None, order: Order, amount: object, paid_on: dt.date, *,
        refund: bool = False, request_key: str | None = None, note: str = "",
        now: dt.datetime | None = None) -> tuple[Payment, bool]:
    """Record a payment of `amount` (refund=True: money given back) on `paid_on`: (the payment,
    made now). Never more than the order still owes, never a refund of more than was paid.
    A key already used answers with its payment."""
    key = check_key(request_key)
    if key is not None:
        done = dbsession.scalar(sa.select(Payment).where(Payment.request_key == key))
        if done is not None:
            if done.order_id != order.id:
                raise UserError(_("The form is out of date: open it again."), "request_key")
            return done, False
    value = read_price(amount, "amount")
    if value == 0:
        raise OrderProblem(_("Give the amount paid."), "amount")
    if not refund and order.state != "confirmed":
        raise OrderProblem(_("Payments are recorded on a confirmed order."), "state")
    if refund and order.state not in ("confirmed", "done", "cancelled"):
        raise OrderProblem(_("There is nothing to refund on this order."), "state")
    if paid_on is None:
        raise OrderProblem(_("Give the day of the payment."), "paid_on")
    note = " ".join((note or "").split())
    if len(note) > PAYMENT_NOTE_MAX:
        raise OrderProblem(_("At most ${max} characters, please.",
                             mapping={"max": PAYMENT_NOTE_MAX}), "note")
    signed = -value if refund else value
    now = now or utcnow()
    table = Order.__table__
    try:
        with dbsession.begin_nested():
            payment = Payment(order_id=order.id, paid_on=paid_on, amount=signed, request_key=key,
                              note=note, created_by_id=actor.id if actor else None,
                              created_at=now)
            dbsession.add(payment)
            dbsession.flush()
            moved = sa.func.round(table.c.paid_amount + sa.literal(signed, sa.Numeric(14, 2)), 2)
            guard = (sa.func.round(moved * 100) <= sa.func.round(table.c.total * 100)
                     if not refund else moved >= 0)
            row = dbsession.execute(
                sa.update(table).where(table.c.id == order.id, guard)
                .values(paid_amount=moved).returning(table.c.paid_amount),
                execution_options={"synchronize_session": False}).first()
            if row is None:
                if refund:
                    raise OrderProblem(_("That is more than was paid."), "amount")
                raise OrderProblem(_("That is more than the order still owes (${owed}).",
                                     mapping={"owed": _owed(dbsession, order)}), "amount")
            set_committed_value(order, "paid_amount", Decimal(row.paid_amount))
            _settle(dbsession, actor, order, paid_on)
    except UserError:
        _forget(dbsession, order, ())
        raise
    except sa.exc.IntegrityError:
        _forget(dbsession, order, ())
        if key is None:
            raise
        done = dbsession.scalar(sa.select(Payment).where(Payment.request_key == key))
        if done is None:
            raise
        return done, False
    return payment, True


def _owed(dbsession, order: Order) -> str:
    table = Order.__table__
    row = dbsession.execute(sa.select(table.c.total, table.c.paid_amount)
                            .where(table.c.id == order.id)).one()
    return f"{money(Decimal(row.total) - Decimal(row.paid_amount)):.2f}"
