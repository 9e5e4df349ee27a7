"""Orders (заказы): numbers, new orders (directly or from a won deal), their lines and money,
confirming against the client's terms, and the flags that say where an order breaks them.

Money is Decimal, rounded half up to the kopeck when it is stored: a line's amount is
quantity × price × (1 − discount / 100), rounded; the order's total is the sum of its lines'
amounts (stored). Numbers are "SO-2026-000123", the year's next by one atomic UPDATE …
RETURNING on the year's counter (two orders at the same instant never share one).

An order is made from a deal once: `sales_orders.deal_id` is UNIQUE. A double click or two
people at the same instant make one order; the second lands on it (`order_from_deal`).

Confirming an order copies the client's terms as they are then (maximum discount and payment
deferral of the client card; none given is 0 % and 0 days) and sets the two flags:
`discount_breach` (a line's discount above the maximum) and `deferral_breach` (payment planned
later than the order's date + the deferral days).

Services take `(dbsession, actor, ...)`; the pages check order.add / order.edit first.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from models.clients import Contact, Organization
from models.errors import ConflictError, UserError
from models.meta import insert_ignoring, utcnow
from models.people import Membership, User
from models.sales import (
    Deal,
    DealProduct,
    Order,
    OrderCounter,
    OrderLine,
    Product,
    order_number,
)
from models.workflow import WorkflowHistory
from portal.core.i18n import _

CENT = Decimal("0.01")
QTY_STEP = Decimal("0.001")
HUNDRED = Decimal("100")
MAX_QTY = Decimal("999999999.999")
MAX_MONEY = Decimal("999999999999.99")
MAX_LINES = 200
NOTE_MAX = 5000
EDITABLE = ("draft",)


class OrderProblem(UserError):
    """An order rule the user broke; the message says which, `field` where."""


# --- money ---------------------------------------------------------------------------------------

def money(value: Decimal) -> Decimal:
    """`value` rounded half up to the kopeck."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def line_amount(quantity: Decimal, price: Decimal, discount_percent: Decimal) -> Decimal:
    """quantity × price × (1 − discount / 100), rounded half up to the kopeck (once, at the end)."""
    return money(Decimal(quantity) * Decimal(price) * (HUNDRED - Decimal(discount_percent))
                 / HUNDRED)


def _number(value: object, field_name: str, *, step: Decimal, limit: Decimal) -> Decimal:
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int) and not isinstance(value, bool):
        number = Decimal(value)
    else:
        text = str(value if value is not None else "").strip().replace("\u00a0", "")
        text = text.replace(" ", "").replace(",", ".")
        try:
            number = Decimal(text)
        except (InvalidOperation, ValueError):
            raise OrderProblem(_("Give a number, e.g. 12.5."), field_name) from None
    if not number.is_finite() or abs(number) > limit:
        raise OrderProblem(_("Give a number, e.g. 12.5."), field_name)
    if number != number.quantize(step, rounding=ROUND_HALF_UP):
        raise OrderProblem(_("At most ${places} digits after the point, please.",
                             mapping={"places": -step.as_tuple().exponent}), field_name)
    return number.quantize(step)


def read_quantity(value: object, field_name: str = "quantity") -> Decimal:
    """A quantity: more than zero, at most three decimals."""
    qty = _number(value, field_name, step=QTY_STEP, limit=MAX_QTY)
    if qty <= 0:
        raise OrderProblem(_("The quantity must be more than zero."), field_name)
    return qty


def read_price(value: object, field_name: str = "price") -> Decimal:
    """A price: zero or more, to the kopeck."""
    price = _number(value, field_name, step=CENT, limit=MAX_MONEY)
    if price < 0:
        raise OrderProblem(_("The price cannot be negative."), field_name)
    return price


def read_discount(value: object, field_name: str = "discount") -> Decimal:
    """A discount in percent, 0 to 100 (blank is 0)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return Decimal("0.00")
    discount = _number(value, field_name, step=CENT, limit=Decimal("1000000"))
    if not 0 <= discount <= 100:
        raise OrderProblem(_("A discount is from 0 to 100 %."), field_name)
    return discount


# --- numbers -----------------------------------------------------------------------------------

def next_number(dbsession, year: int) -> str:
    """The year's next order number, "SO-2026-000123": one atomic UPDATE … RETURNING on the
    year's counter, so two orders made at the same instant never get one number."""
    table = OrderCounter.__table__
    dbsession.execute(insert_ignoring(dbsession, table, {"year": year, "last": 0}))
    last = dbsession.execute(
        sa.update(table).where(table.c.year == year).values(last=table.c.last + 1)
        .returning(table.c.last)
    ).scalar_one()
    return order_number(year, last)


# --- new orders and their lines ----------------------------------------------------------------

@dataclass
class LineInput:
    product_id: int | None
    quantity: object
    price: object = None  # None: the product's list price
    discount_percent: object = "0"


@dataclass
class OrderInput:
    organization_id: int | None
    ordered_on: dt.date
    contact_id: int | None = None
    manager_id: int | None = None  # None: the actor
    planned_ship_on: dt.date | None = None
    planned_pay_on: dt.date | None = None
    note: str = ""
    lines: Sequence[LineInput] = field(default_factory=list)


def _clean_lines(dbsession, lines: Sequence[LineInput]) -> list[dict]:
    """The lines typed, checked: each product exists and is sold, numbers in their ranges.
    A problem names its row ("lines-2")."""
    wanted = [line for line in lines if line.product_id is not None or str(line.quantity or "").strip()]
    if not wanted:
        raise OrderProblem(_("Add at least one line: a product and its quantity."), "lines")
    if len(wanted) > MAX_LINES:
        raise OrderProblem(_("At most ${max} lines in one order.", mapping={"max": MAX_LINES}),
                           "lines")
    ids = sorted({line.product_id for line in wanted if line.product_id is not None})
    products = {p.id: p for p in dbsession.scalars(
        sa.select(Product).where(Product.id.in_(ids)))} if ids else {}
    out = []
    for i, line in enumerate(wanted):
        where = f"lines-{i}"
        product = products.get(line.product_id) if line.product_id is not None else None
        if product is None or not product.active:
            raise OrderProblem(_("Line ${n}: choose a product from the catalog.",
                                 mapping={"n": i + 1}), where)
        try:
            qty = read_quantity(line.quantity, where)
            price = (product.price if line.price is None or str(line.price).strip() == ""
                     else read_price(line.price, where))
            discount = read_discount(line.discount_percent, where)
        except OrderProblem as problem:
            raise OrderProblem(_("Line ${n}: ${problem}",
                                 mapping={"n": i + 1, "problem": problem.message}), where) from None
        out.append({"product_id": product.id, "quantity": qty, "price": Decimal(price),
                    "discount_percent": discount,
                    "amount": line_amount(qty, Decimal(price), discount)})
    return out


def _check_parties(dbsession, data: OrderInput) -> tuple[Organization, Contact | None]:
    org = (dbsession.get(Organization, data.organization_id)
           if data.organization_id is not None else None)
    if org is None:
        raise OrderProblem(_("Choose the client."), "organization")
    contact = None
    if data.contact_id is not None:
        contact = dbsession.get(Contact, data.contact_id)
        if contact is None or contact.organization_id != org.id:
            raise OrderProblem(_("That contact person is not of this client."), "contact")
    if data.ordered_on is None:
        raise OrderProblem(_("Give the order's date."), "ordered_on")
    for name in ("planned_ship_on", "planned_pay_on"):
        day = getattr(data, name)
        if day is not None and day < data.ordered_on:
            raise OrderProblem(_("A planned date cannot be before the order's date."), name)
    return org, contact


def _manager(dbsession, actor: User | None, manager_id: int | None) -> User:
    manager = dbsession.get(User, manager_id) if manager_id is not None else actor
    if manager is None:
        raise OrderProblem(_("Choose the manager."), "manager")
    return manager


def department_of(dbsession, user: User) -> int | None:
    """The manager's department the order belongs to (department scope): their first (as for
    deals)."""
    return dbsession.scalar(sa.select(Membership.department_id).where(
        Membership.user_id == user.id).order_by(Membership.id).limit(1))


def set_lines(order: Order, lines: list[dict]) -> None:
    """Replace the order's lines and its total (the sum of the lines' amounts)."""
    order.lines = [OrderLine(**values) for values in lines]
    order.total = money(sum((v["amount"] for v in lines), Decimal("0")))


def create_order(dbsession, actor: User | None, data: OrderInput,
                 now: dt.datetime | None = None) -> Order:
    """A new draft order with its lines."""
    now = now or utcnow()
    org, contact = _check_parties(dbsession, data)
    manager = _manager(dbsession, actor, data.manager_id)
    lines = _clean_lines(dbsession, data.lines)
    note = (data.note or "").strip()
    if len(note) > NOTE_MAX:
        raise OrderProblem(_("At most ${max} characters, please.", mapping={"max": NOTE_MAX}),
                           "note")
    order = Order(number=next_number(dbsession, data.ordered_on.year), organization_id=org.id,
                  contact_id=contact.id if contact else None, manager_id=manager.id,
                  department_id=department_of(dbsession, manager), state="draft",
                  ordered_on=data.ordered_on, planned_ship_on=data.planned_ship_on,
                  planned_pay_on=data.planned_pay_on, note=note,
                  created_by_id=actor.id if actor else None, created_at=now, updated_at=now)
    set_lines(order, lines)
    dbsession.add(order)
    dbsession.flush()
    return order


def update_order(dbsession, actor: User | None, order: Order, data: OrderInput,
                 version: int | None = None, now: dt.datetime | None = None) -> Order:
    """A draft order's client, dates, note and lines changed (a confirmed order's lines are
    what was agreed: they are not changed)."""
    if order.state not in EDITABLE:
        raise OrderProblem(_("Only a draft order is changed; this one is “${state}”.",
                             mapping={"state": order.state}), "lines")
    if version is not None and version != order.version:
        raise ConflictError(_("Someone changed this order a moment ago: look at it again."))
    org, contact = _check_parties(dbsession, data)
    lines = _clean_lines(dbsession, data.lines)
    manager = _manager(dbsession, actor, data.manager_id or order.manager_id)
    order.organization_id, order.contact_id = org.id, contact.id if contact else None
    if manager.id != order.manager_id:
        order.manager_id, order.department_id = manager.id, department_of(dbsession, manager)
    order.ordered_on = data.ordered_on
    order.planned_ship_on, order.planned_pay_on = data.planned_ship_on, data.planned_pay_on
    order.note = (data.note or "").strip()[:NOTE_MAX]
    set_lines(order, lines)
    order.updated_at = now or utcnow()
    dbsession.flush()
    return order


def order_from_deal(dbsession, actor: User | None, deal: Deal, ordered_on: dt.date,
                    now: dt.datetime | None = None) -> tuple[Order, bool]:
    """The order of a won deal, its products as lines: (order, made now). Made once: if the
    deal has its order already (a double click, two people at once) that order is the answer;
    the UNIQUE deal_id decides between two made at the same instant."""
    existing = dbsession.scalar(sa.select(Order).where(Order.deal_id == deal.id))
    if existing is not None:
        return existing, False
    if deal.state != "won":
        raise OrderProblem(_("An order is made from a won deal."), "deal")
    products = list(dbsession.scalars(sa.select(DealProduct).where(DealProduct.deal_id == deal.id)
                                      .order_by(DealProduct.id)))
    if not products:
        raise OrderProblem(_("The deal has no products: add them to the deal, or make the order "
                             "directly."), "deal")
    now = now or utcnow()
    manager = dbsession.get(User, deal.owner_id) or actor
    lines = [{"product_id": p.product_id, "quantity": p.quantity, "price": p.price,
              "discount_percent": p.discount_percent,
              "amount": line_amount(p.quantity, p.price, p.discount_percent)} for p in products]
    try:
        # A savepoint: the loser of a race keeps its transaction (and its number is not spent).
        with dbsession.begin_nested():
            order = Order(number=next_number(dbsession, ordered_on.year),
                          organization_id=deal.organization_id, contact_id=deal.contact_id,
                          deal_id=deal.id, manager_id=manager.id,
                          department_id=deal.department_id or department_of(dbsession, manager),
                          state="draft", ordered_on=ordered_on,
                          created_by_id=actor.id if actor else None, created_at=now,
                          updated_at=now)
            set_lines(order, lines)
            dbsession.add(order)
            dbsession.flush()
    except sa.exc.IntegrityError:
        existing = dbsession.scalar(sa.select(Order).where(Order.deal_id == deal.id)
                                    .execution_options(populate_existing=True))
        if existing is None:
            raise
        return existing, False
    return order, True


# --- confirming: the client's terms ----------------------------------------------------------

def terms_flags(order: Order, lines: Sequence[OrderLine], discount_max: Decimal | None,
                deferral_days: int | None) -> tuple[bool, bool]:
    """(discount_breach, deferral_breach) of an order under terms (none given: 0 % and 0 days)."""
    cap = Decimal(discount_max) if discount_max is not None else Decimal("0")
    discount = any(Decimal(line.discount_percent or 0) > cap for line in lines)
    days = deferral_days or 0
    deferral = (order.planned_pay_on is not None and order.ordered_on is not None
                and order.planned_pay_on > order.ordered_on + dt.timedelta(days=days))
    return discount, deferral


def apply_terms(dbsession, order: Order) -> Order:
    """Copy the client's terms as they are now onto the order and set the breach flags."""
    org = dbsession.get(Organization, order.organization_id)
    order.terms_discount_percent = org.discount_percent
    order.terms_deferral_days = org.payment_deferral_days
    order.discount_breach, order.deferral_breach = terms_flags(
        order, list(order.lines), org.discount_percent, org.payment_deferral_days)
    dbsession.flush()
    return order


def confirm_order(dbsession, actor: User | None, order: Order,
                  now: dt.datetime | None = None) -> Order:
    """Draft → confirmed: the client's terms copied as they are now, the breach flags set, the
    step written to the workflow history. Taken once (a guarded UPDATE on the state)."""
    if order.state != "draft":
        raise OrderProblem(_("Only a draft order is confirmed."), "state")
    if not order.lines:
        raise OrderProblem(_("Add at least one line: a product and its quantity."), "lines")
    apply_terms(dbsession, order)
    set_state(dbsession, order, actor, "confirm", "draft", "confirmed", now=now)
    return order


def set_state(dbsession, order: Order, actor: User | None, transition: str, from_state: str,
              to_state: str, comment: str = "", now: dt.datetime | None = None) -> None:
    """A step the service takes itself, claimed by one guarded UPDATE (… WHERE state = the one
    left: of two at the same instant the second is told) and written to the workflow history."""
    dbsession.flush()
    table = Order.__table__
    done = dbsession.execute(
        sa.update(table).where(table.c.id == order.id, table.c.state == from_state)
        .values(state=to_state, updated_at=now or utcnow()))
    if done.rowcount != 1:
        raise ConflictError(_("Someone changed this order a moment ago: look at it again."))
    set_committed_value(order, "state", to_state)
    dbsession.add(WorkflowHistory(object_type="order", object_id=order.id, transition=transition,
                                  from_state=from_state, to_state=to_state,
                                  comment=comment[:2000], actor_id=actor.id if actor else None))
    dbsession.flush()


def cancel_order(dbsession, actor: User | None, order: Order, comment: str) -> Order:
    """A draft or confirmed order nothing was shipped or paid of is cancelled."""
    if order.state not in ("draft", "confirmed"):
        raise OrderProblem(_("Only a draft or confirmed order is cancelled."), "state")
    if order.shipped_amount or order.paid_amount or any(
            line.shipped_quantity for line in order.lines):
        raise OrderProblem(_("Goods were shipped or money paid on this order: return or refund "
                             "them first."), "state")
    if not (comment or "").strip():
        raise OrderProblem(_("Please say why in the comment."), "comment")
    set_state(dbsession, order, actor, "cancel", order.state, "cancelled", comment.strip())
    return order


def overdue_shipment(order: Order, today: dt.date) -> bool:
    return (order.state == "confirmed" and order.shipped_on is None
            and order.planned_ship_on is not None and order.planned_ship_on < today)


def overdue_payment(order: Order, today: dt.date) -> bool:
    return (order.state == "confirmed" and order.paid_on is None
            and order.planned_pay_on is not None and order.planned_pay_on < today)


# --- the list ------------------------------------------------------------------------------------

PAGE_SIZE = 50
COUNT_CAP = 10_000
FLAGS = ("breach", "late_ship", "late_pay")


@dataclass
class OrderFilters:
    """The order list's filters (none: every order the reader may see, newest first)."""

    state: str = ""
    manager_id: int | None = None
    organization_id: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    flags: tuple[str, ...] = ()
    q: str = ""
    page: int = 1

    def params(self, **changes) -> dict:
        values = {"state": self.state, "manager": self.manager_id,
                  "organization": self.organization_id,
                  "start": self.start.isoformat() if self.start else None,
                  "end": self.end.isoformat() if self.end else None,
                  "flag": list(self.flags), "q": self.q, "page": self.page}
        values.update(changes)
        return {k: v for k, v in values.items() if v not in (None, "", [], ()) and
                not (k == "page" and v == 1)}


def order_query(f: OrderFilters, visible, today: dt.date) -> sa.Select:
    """The orders matching `f` among those `visible` (the reader's SQL filter), newest first.
    "Overdue" is as of `today` (the reader's day): confirmed, not yet shipped (paid) and the
    planned day has passed."""
    stmt = sa.select(Order).where(visible)
    if f.state:
        stmt = stmt.where(Order.state == f.state)
    if f.manager_id is not None:
        stmt = stmt.where(Order.manager_id == f.manager_id)
    if f.organization_id is not None:
        stmt = stmt.where(Order.organization_id == f.organization_id)
    if f.start is not None:
        stmt = stmt.where(Order.ordered_on >= f.start)
    if f.end is not None:
        stmt = stmt.where(Order.ordered_on <= f.end)
    if "breach" in f.flags:
        stmt = stmt.where(sa.or_(Order.discount_breach, Order.deferral_breach))
    if "late_ship" in f.flags:
        stmt = stmt.where(Order.state == "confirmed", Order.shipped_on.is_(None),
                          Order.planned_ship_on < today)
    if "late_pay" in f.flags:
        stmt = stmt.where(Order.state == "confirmed", Order.paid_on.is_(None),
                          Order.planned_pay_on < today)
    q = " ".join((f.q or "").split())[:40].upper()
    if q:
        stmt = stmt.where(Order.number.contains(q, autoescape=True))
    return stmt.order_by(Order.ordered_on.desc(), Order.id.desc())


def count_of(dbsession, stmt: sa.Select, cap: int = COUNT_CAP) -> int:
    """Rows of `stmt`, counting at most `cap` + 1."""
    inner = stmt.with_only_columns(Order.id).order_by(None).limit(cap + 1).subquery()
    return dbsession.scalar(sa.select(sa.func.count()).select_from(inner))
