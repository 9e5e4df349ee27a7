"""Orders, shipments, returns and payments through the services, on SQLite and PostgreSQL:
numbers, lines and their money, the client's terms when confirmed, the database refusing to ship
more than ordered, the facts written with each shipment line (signed for returns), payments and
refunds, and the order done when shipped and paid."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from models.clients import Organization
from models.errors import UserError
from models.sales import (
    Deal,
    DealProduct,
    Order,
    OrderLine,
    Payment,
    Pipeline,
    Product,
    SalesFact,
    Shipment,
    ShipmentLine,
    Stage,
)
from models.workflow import WorkflowHistory
from portal.sales.orders import (
    LineInput,
    OrderInput,
    cancel_order,
    confirm_order,
    create_order,
    order_from_deal,
    update_order,
)
from portal.sales.products import ProductInput, create_group, save_product
from portal.sales.shipments import pay, ship
from tests.clock import local_today

D = Decimal


def build_world(db, factory, tag: str = "") -> SimpleNamespace:
    """Two departments with a manager each, an accountant, a supply officer; groups A > A1 and
    B; products in A1 and B; a client with terms (10 %, 30 days) and one without."""
    north = factory.department(f"Sales North{tag}")
    south = factory.department(f"Sales South{tag}")
    w = SimpleNamespace(north=north, south=south)
    w.north_manager = factory.user(roles=["sales"], departments=[north])
    w.south_manager = factory.user(roles=["sales"], departments=[south])
    w.accountant = factory.user(roles=["accountant"], departments=[factory.department()])
    w.supply = factory.user(roles=["supply"], departments=[factory.department()])
    w.a = create_group(db, w.supply, f"Pumps{tag}")
    w.a1 = create_group(db, w.supply, "Small pumps", w.a.id)
    w.b = create_group(db, w.supply, f"Valves{tag}")
    w.pump = save_product(db, w.supply, ProductInput(code=f"P-1{tag}", name="Pump 1",
                                                      group_id=w.a1.id, price="1000.00"))
    w.valve = save_product(db, w.supply, ProductInput(code=f"V-1{tag}", name="Valve 1",
                                                       group_id=w.b.id, price="10.05"))
    w.client = Organization(name=f"ООО Ромашка{tag}", department_id=north.id,
                            discount_percent=D("10"), payment_deferral_days=30)
    w.bare = Organization(name=f"ООО Лютик{tag}", department_id=south.id)
    db.add_all([w.client, w.bare])
    db.flush()
    return w


@pytest.fixture
def w(dbsession, factory):
    return build_world(dbsession, factory)


def new_order(db, w, *lines, org=None, manager=None, day=None, pay_on=None):
    day = day or local_today()
    data = OrderInput(organization_id=(org or w.client).id, ordered_on=day,
                      planned_ship_on=day + dt.timedelta(days=5), planned_pay_on=pay_on,
                      lines=list(lines) or [LineInput(w.pump.id, "2", None, "5"),
                                            LineInput(w.valve.id, "3", "10.05", "15")])
    return create_order(db, manager or w.north_manager, data)


def test_new_order_gets_a_number_lines_and_a_total(dbsession, w):
    order = new_order(dbsession, w)
    assert order.number.startswith(f"SO-{local_today().year}-")
    assert len(order.number) == len("SO-2026-000001")
    amounts = [line.amount for line in order.lines]
    # 2 × 1000 × 0.95 = 1900; 3 × 10.05 × 0.85 = 25.6275 → 25.63
    assert amounts == [D("1900.00"), D("25.63")]
    assert order.total == D("1925.63")
    assert order.department_id == w.north.id
    assert order.state == "draft"
    second = new_order(dbsession, w)
    assert int(second.number[-6:]) == int(order.number[-6:]) + 1


@pytest.mark.parametrize(("line", "field"), [
    (("qty", "-1"), "lines-0"), (("qty", "0"), "lines-0"), (("discount", "150"), "lines-0"),
    (("price", "-5"), "lines-0"), (("product", 10**9), "lines-0"),
])
def test_hostile_lines_store_nothing(dbsession, w, line, field):
    values = {"product": w.pump.id, "qty": "1", "price": "", "discount": "0"}
    values[line[0]] = line[1]
    before = dbsession.scalar(sa.select(sa.func.count()).select_from(Order))
    with pytest.raises(UserError) as refused:
        new_order(dbsession, w, LineInput(values["product"], values["qty"], values["price"],
                                          values["discount"]))
    assert refused.value.field == field
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Order)) == before


def test_inactive_product_and_foreign_contact_are_refused(dbsession, w):
    w.valve.active = False
    with pytest.raises(UserError):
        new_order(dbsession, w, LineInput(w.valve.id, "1"))
    with pytest.raises(UserError):
        create_order(dbsession, w.north_manager, OrderInput(
            organization_id=None, ordered_on=local_today(), lines=[LineInput(w.pump.id, "1")]))


def test_confirm_snapshots_terms_and_flags_breaches(dbsession, w):
    day = local_today()
    ok = new_order(dbsession, w, LineInput(w.pump.id, "1", None, "10"),
                   pay_on=day + dt.timedelta(days=30))
    confirm_order(dbsession, w.north_manager, ok)
    assert (ok.state, ok.discount_breach, ok.deferral_breach) == ("confirmed", False, False)
    assert ok.terms_discount_percent == D("10") and ok.terms_deferral_days == 30
    bad = new_order(dbsession, w, LineInput(w.pump.id, "1", None, "10.5"),
                    pay_on=day + dt.timedelta(days=31))
    confirm_order(dbsession, w.north_manager, bad)
    assert (bad.discount_breach, bad.deferral_breach) == (True, True)
    # The terms change later: the confirmed order keeps what held when it was confirmed.
    w.client.discount_percent = D("50")
    dbsession.flush()
    dbsession.expire(bad)
    assert bad.terms_discount_percent == D("10") and bad.discount_breach
    history = dbsession.scalars(sa.select(WorkflowHistory).where(
        WorkflowHistory.object_type == "order", WorkflowHistory.object_id == bad.id)).all()
    assert [(h.transition, h.to_state) for h in history] == [("confirm", "confirmed")]


def test_client_without_terms_means_zero_discount_and_zero_days(dbsession, w):
    day = local_today()
    order = new_order(dbsession, w, LineInput(w.pump.id, "1", None, "1"), org=w.bare,
                      pay_on=day + dt.timedelta(days=1))
    confirm_order(dbsession, w.north_manager, order)
    assert (order.discount_breach, order.deferral_breach) == (True, True)
    assert order.terms_discount_percent is None and order.terms_deferral_days is None
    with pytest.raises(UserError):
        confirm_order(dbsession, w.north_manager, order)  # once


def test_confirmed_lines_are_not_edited(dbsession, w):
    order = new_order(dbsession, w)
    data = OrderInput(organization_id=w.client.id, ordered_on=order.ordered_on,
                      lines=[LineInput(w.pump.id, "5")])
    update_order(dbsession, w.north_manager, order, data)
    assert order.total == D("5000.00") and len(order.lines) == 1
    confirm_order(dbsession, w.north_manager, order)
    with pytest.raises(UserError):
        update_order(dbsession, w.north_manager, order, data)


def facts_of(db, order):
    return db.execute(
        sa.select(SalesFact.quantity, SalesFact.amount, SalesFact.month, SalesFact.group_id,
                  SalesFact.top_group_id, SalesFact.manager_id, SalesFact.department_id,
                  SalesFact.organization_id)
        .join(ShipmentLine, ShipmentLine.id == SalesFact.shipment_line_id)
        .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
        .where(Shipment.order_id == order.id)
        .order_by(SalesFact.id)).all()


def confirmed(db, w, *lines, **kw):
    order = new_order(db, w, *lines, **kw)
    confirm_order(db, w.north_manager, order)
    return order


def test_shipments_write_facts_and_never_exceed_the_order(dbsession, w):
    order = confirmed(dbsession, w, LineInput(w.pump.id, "3", "100.00", "0"))
    line = order.lines[0]
    day = dt.date(2026, 11, 30) if order.ordered_on <= dt.date(2026, 11, 30) else order.ordered_on
    ship(dbsession, w.north_manager, order, {line.id: "1"}, day)
    ship(dbsession, w.north_manager, order, {line.id: "1"}, day)
    with pytest.raises(UserError):
        ship(dbsession, w.north_manager, order, {line.id: "1.001"}, day)
    ship(dbsession, w.north_manager, order, {line.id: "1"}, day)
    facts = facts_of(dbsession, order)
    # 300.00 in thirds: 100.00 each, the parts add up to the line exactly.
    assert [f.amount for f in facts] == [D("100.00")] * 3
    assert sum(f.amount for f in facts) == line.amount
    f = facts[0]
    assert f.month == day.year * 100 + day.month
    assert (f.group_id, f.top_group_id) == (w.a1.id, w.a.id)
    assert (f.manager_id, f.department_id, f.organization_id) == (
        w.north_manager.id, w.north.id, w.client.id)
    assert order.shipped_on == day and order.shipped_amount == D("300.00")
    assert order.state == "confirmed"  # not paid yet
    with pytest.raises(UserError):
        ship(dbsession, w.north_manager, order, {line.id: "1"}, day)


def test_parts_of_an_odd_amount_add_up_to_the_line(dbsession, w):
    order = confirmed(dbsession, w, LineInput(w.pump.id, "3", "33.33", "0"))  # 99.99
    line = order.lines[0]
    for _ in range(3):
        ship(dbsession, w.north_manager, order, {line.id: "1"}, order.ordered_on)
    amounts = [f.amount for f in facts_of(dbsession, order)]
    assert amounts == [D("33.33"), D("33.33"), D("33.33")]
    order2 = confirmed(dbsession, w, LineInput(w.pump.id, "3", "100.00", "0"))
    line2 = order2.lines[0]
    ship(dbsession, w.north_manager, order2, {line2.id: "2"}, order2.ordered_on)  # 66.67
    ship(dbsession, w.north_manager, order2, {line2.id: "1"}, order2.ordered_on)  # 33.33
    assert [f.amount for f in facts_of(dbsession, order2)] == [D("200.00"), D("100.00")]


def test_the_database_refuses_shipping_more_than_ordered(dbsession, w):
    order = confirmed(dbsession, w, LineInput(w.pump.id, "2"))
    line_id = order.lines[0].id
    with pytest.raises(sa.exc.IntegrityError), dbsession.begin_nested():
        dbsession.execute(sa.update(OrderLine).where(OrderLine.id == line_id)
                          .values(shipped_quantity=D("2.001")))


def test_returns_write_negative_facts_and_reopen_shipped_on(dbsession, w):
    order = confirmed(dbsession, w, LineInput(w.valve.id, "2", "10.05", "15"))  # 17.09
    line = order.lines[0]
    day = order.ordered_on
    ship(dbsession, w.north_manager, order, {line.id: "2"}, day)
    assert order.shipped_on == day
    with pytest.raises(UserError):
        ship(dbsession, w.north_manager, order, {line.id: "3"}, day, kind="return")
    ship(dbsession, w.north_manager, order, {line.id: "1"}, day, kind="return")
    facts = facts_of(dbsession, order)
    # 17.09 shipped; one back: round(17.09 × 1/2) − 17.09 = 8.55 − 17.09 = −8.54
    assert [(f.quantity, f.amount) for f in facts] == [(D("2"), D("17.09")),
                                                       (D("-1"), D("-8.54"))]
    assert order.shipped_amount == D("8.55")
    assert order.shipped_on is None
    dbsession.expire(line)
    assert line.shipped_quantity == D("1")


def test_hostile_shipments(dbsession, w):
    order = confirmed(dbsession, w, LineInput(w.pump.id, "2"))
    other = confirmed(dbsession, w, LineInput(w.pump.id, "2"))
    day = order.ordered_on
    for quantities in ({order.lines[0].id: "-1"}, {other.lines[0].id: "1"}, {}, {10**9: "1"},
                       {order.lines[0].id: "abc"}, {order.lines[0].id: "1e9999"}):
        with pytest.raises(UserError):
            ship(dbsession, w.north_manager, order, quantities, day)
    with pytest.raises(UserError):
        ship(dbsession, w.north_manager, order, {order.lines[0].id: "1"}, day,
             request_key="'; drop table --")
    draft = new_order(dbsession, w)
    with pytest.raises(UserError):
        ship(dbsession, w.north_manager, draft, {draft.lines[0].id: "1"}, day)
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Shipment)
                            .where(Shipment.order_id.in_([order.id, other.id, draft.id]))) == 0


def test_a_double_submit_ships_once(dbsession, w):
    order = confirmed(dbsession, w, LineInput(w.pump.id, "5"))
    line = order.lines[0]
    key = "k" * 32
    first, made = ship(dbsession, w.north_manager, order, {line.id: "1"}, order.ordered_on,
                       request_key=key)
    again, made_again = ship(dbsession, w.north_manager, order, {line.id: "1"},
                             order.ordered_on, request_key=key)
    assert made and not made_again and again.id == first.id
    dbsession.expire(line)
    assert line.shipped_quantity == D("1")


def test_payments_refunds_and_done(dbsession, w):
    order = confirmed(dbsession, w, LineInput(w.pump.id, "1", "100.00", "0"))
    day = order.ordered_on
    with pytest.raises(UserError):
        pay(dbsession, w.accountant, order, "100.01", day)  # more than owed
    for bad in ("0", "-5", "abc", "1e30"):
        with pytest.raises(UserError):
            pay(dbsession, w.accountant, order, bad, day)
    pay(dbsession, w.accountant, order, "60", day, request_key="a" * 20)
    pay(dbsession, w.accountant, order, "60", day, request_key="a" * 20)  # the same form again
    assert order.paid_amount == D("60.00") and order.paid_on is None
    with pytest.raises(UserError):
        pay(dbsession, w.accountant, order, "60.01", day, refund=True)
    pay(dbsession, w.accountant, order, "40", day)
    assert order.paid_on == day and order.state == "confirmed"  # paid, not shipped
    ship(dbsession, w.north_manager, order, {order.lines[0].id: "1"}, day)
    assert order.state == "done" and order.shipped_on == day
    pay(dbsession, w.accountant, order, "10", day, refund=True)
    assert order.state == "confirmed" and order.paid_on is None
    assert order.paid_amount == D("90.00")
    amounts = dbsession.scalars(sa.select(Payment.amount).where(Payment.order_id == order.id)
                                .order_by(Payment.id)).all()
    assert amounts == [D("60.00"), D("40.00"), D("-10.00")]


def test_cancel_needs_a_reason_and_nothing_shipped(dbsession, w):
    order = confirmed(dbsession, w, LineInput(w.pump.id, "2"))
    with pytest.raises(UserError):
        cancel_order(dbsession, w.north_manager, order, "")
    ship(dbsession, w.north_manager, order, {order.lines[0].id: "1"}, order.ordered_on)
    with pytest.raises(UserError):
        cancel_order(dbsession, w.north_manager, order, "client changed their mind")
    draft = new_order(dbsession, w)
    cancel_order(dbsession, w.north_manager, draft, "client changed their mind")
    assert draft.state == "cancelled"


def won_deal(db, w, tag=""):
    pipeline = Pipeline(code=f"direct{tag}", name="Direct", channel=f"direct{tag}")
    db.add(pipeline)
    db.flush()
    won = Stage(pipeline_id=pipeline.id, name="Won", position=1, probability=100, kind="won")
    db.add(won)
    db.flush()
    deal = Deal(title="Pumps for the plant", organization_id=w.client.id, pipeline_id=pipeline.id,
                stage_id=won.id, amount=D("2850"), owner_id=w.north_manager.id,
                department_id=w.north.id, state="won")
    db.add(deal)
    db.flush()
    db.add(DealProduct(deal_id=deal.id, product_id=w.pump.id, quantity=D("3"),
                       price=D("1000"), discount_percent=D("5"), amount=D("2850")))
    db.flush()
    return deal


def test_order_from_a_won_deal_is_made_once(dbsession, w):
    deal = won_deal(dbsession, w)
    order, made = order_from_deal(dbsession, w.north_manager, deal, local_today())
    again, made_again = order_from_deal(dbsession, w.north_manager, deal, local_today())
    assert made and not made_again and again.id == order.id
    assert order.deal_id == deal.id and order.total == D("2850.00")
    assert [(line.product_id, line.quantity) for line in order.lines] == [(w.pump.id, D("3"))]
    deal.state = "open"
    dbsession.flush()
    other = won_deal(dbsession, w, "2")
    other.state = "lost"
    dbsession.flush()
    with pytest.raises(UserError):
        order_from_deal(dbsession, w.north_manager, other, local_today())


def test_product_codes_are_unique_and_prices_checked(dbsession, w):
    with pytest.raises(UserError):
        save_product(dbsession, w.supply, ProductInput(code="p-1", name="Copy",
                                                       group_id=w.a.id))
    for bad in ({"price": "-1"}, {"lead_days": "-3"}, {"group_id": 10**9}, {"code": ""}):
        data = {"code": "NEW-1", "name": "New", "group_id": w.a.id, **bad}
        with pytest.raises(UserError):
            save_product(dbsession, w.supply, ProductInput(**data))
    assert dbsession.scalar(sa.select(Product.id).where(Product.code == "NEW-1")) is None
