"""Orders at the same instant, in real transactions on SQLite and PostgreSQL (one session per
thread, real commits; the rows are removed afterwards). Every thread passes the checks in
Python first and waits for the others before writing, so only the database stands between them:

- N orders made at once get N distinct numbers;
- N people making the order of one won deal at once make one order, and all land on it;
- N shipments of one unit of a line ordered N − 2 times: N − 2 pass, nothing is shipped beyond
  the order, and the facts and the order's running sum agree;
- one form submitted N times at once ships once;
- N payments at once never pay more than the total.
"""
from __future__ import annotations

import datetime as dt
import threading
import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa
import transaction
from zope.sqlalchemy import mark_changed

import models
import portal.sales.orders as orders
import portal.sales.shipments as shipments
from models.clients import Organization
from models.errors import UserError
from models.roles import RoleGrant
from models.sales import (
    Deal,
    DealProduct,
    Order,
    OrderCounter,
    OrderLine,
    Payment,
    Pipeline,
    Product,
    ProductGroup,
    SalesFact,
    Shipment,
    ShipmentLine,
    Stage,
)
from models.workflow import WorkflowHistory
from tests.clock import local_today
from tests.conftest import Factory

THREADS = 8
D = Decimal


def session(app, tm):
    return models.get_tm_session(app.registry["dbsession_factory"], tm)


@pytest.fixture
def shop(app, dbengine):
    """A manager, a group, a product, a client and a won deal with a product; committed,
    removed afterwards with every order of the client."""
    tag = uuid.uuid4().hex[:8]
    with transaction.manager:
        db = session(app, transaction.manager)
        people = Factory(db)
        dept = people.department(f"Sales {tag}")
        manager = people.user(login=f"mgr-{tag}", roles=["sales"], departments=[dept])
        group = ProductGroup(name=f"Group {tag}", path="/new/")
        db.add(group)
        db.flush()
        group.set_path(None)
        product = Product(group_id=group.id, code=f"R-{tag}", name="Race pump",
                          price=D("10.00"))
        client = Organization(name=f"Race client {tag}", department_id=dept.id)
        pipeline = Pipeline(code=f"race-{tag}", name="Race", channel=f"race-{tag}")
        db.add_all([product, client, pipeline])
        db.flush()
        won = Stage(pipeline_id=pipeline.id, name="Won", position=1, probability=100, kind="won")
        db.add(won)
        db.flush()
        deal = Deal(title="Race deal", organization_id=client.id, pipeline_id=pipeline.id,
                    stage_id=won.id, amount=D("30"), owner_id=manager.id,
                    department_id=dept.id, state="won")
        db.add(deal)
        db.flush()
        db.add(DealProduct(deal_id=deal.id, product_id=product.id, quantity=D("3"),
                           price=D("10"), discount_percent=D("0"), amount=D("30")))
        ids = {"manager": manager.id, "product": product.id, "client": client.id,
               "deal": deal.id, "group": group.id, "pipeline": pipeline.id}
    yield ids
    with dbengine.begin() as conn:
        order_ids = conn.scalars(sa.select(Order.id).where(
            Order.organization_id == ids["client"])).all()
        shipment_ids = sa.select(Shipment.id).where(Shipment.order_id.in_(order_ids))
        line_ids = sa.select(ShipmentLine.id).where(ShipmentLine.shipment_id.in_(shipment_ids))
        conn.execute(sa.delete(SalesFact.__table__).where(
            SalesFact.shipment_line_id.in_(line_ids)))
        conn.execute(sa.delete(ShipmentLine.__table__).where(
            ShipmentLine.shipment_id.in_(shipment_ids)))
        conn.execute(sa.delete(Shipment.__table__).where(Shipment.order_id.in_(order_ids)))
        conn.execute(sa.delete(Payment.__table__).where(Payment.order_id.in_(order_ids)))
        conn.execute(sa.delete(WorkflowHistory.__table__).where(
            WorkflowHistory.object_type == "order", WorkflowHistory.object_id.in_(order_ids)))
        conn.execute(sa.delete(OrderLine.__table__).where(OrderLine.order_id.in_(order_ids)))
        conn.execute(sa.delete(Order.__table__).where(Order.id.in_(order_ids)))
        conn.execute(sa.delete(DealProduct.__table__).where(DealProduct.deal_id == ids["deal"]))
        conn.execute(sa.delete(Deal.__table__).where(Deal.id == ids["deal"]))
        conn.execute(sa.delete(Stage.__table__).where(Stage.pipeline_id == ids["pipeline"]))
        conn.execute(sa.delete(Pipeline.__table__).where(Pipeline.id == ids["pipeline"]))
        conn.execute(sa.delete(Product.__table__).where(Product.id == ids["product"]))
        conn.execute(sa.delete(ProductGroup.__table__).where(ProductGroup.id == ids["group"]))
        conn.execute(sa.delete(Organization.__table__).where(Organization.id == ids["client"]))
        # The manager's role stays no one's: later tests delete the role "sales".
        conn.execute(sa.delete(RoleGrant.__table__).where(RoleGrant.user_id == ids["manager"]))


def run(app, work) -> tuple[list, list, list]:
    """Each of `work` (a function of a session) in its own thread and transaction at once:
    (results, refusals, other errors)."""
    done, refused, errors = [], [], []

    def go(fn):
        try:
            try:
                tm = transaction.TransactionManager()
                with tm:
                    done.append(fn(session(app, tm)))
            except UserError as refusal:
                refused.append(refusal)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=go, args=(fn,)) for fn in work]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    return done, refused, errors


def wait_before(monkeypatch, module, name: str, threads: int) -> None:
    """`module.name` waits for every thread before doing its work."""
    barrier = threading.Barrier(threads, timeout=30)
    original = getattr(module, name)

    def waiting(*args, **kw):
        barrier.wait()
        return original(*args, **kw)

    monkeypatch.setattr(module, name, waiting)


def confirmed_order(app, shop, quantity: str, price: str = "10.00") -> int:
    with transaction.manager:
        db = session(app, transaction.manager)
        manager = db.get(models.User, shop["manager"])
        order = orders.create_order(db, manager, orders.OrderInput(
            organization_id=shop["client"], ordered_on=local_today(),
            lines=[orders.LineInput(shop["product"], quantity, price)]))
        orders.confirm_order(db, manager, order)
        return order.id


def test_orders_made_at_once_get_distinct_numbers(app, dbengine, shop, monkeypatch):
    year = 2091
    wait_before(monkeypatch, orders, "insert_ignoring", THREADS)

    def number(db):
        taken = orders.next_number(db, year)
        mark_changed(db)  # core statements only: the transaction must still commit
        return taken

    done, refused, errors = run(app, [number] * THREADS)
    with dbengine.begin() as conn:
        conn.execute(sa.delete(OrderCounter.__table__).where(OrderCounter.year == year))
    assert not errors and not refused, errors
    assert sorted(done) == [f"SO-{year}-{n:06d}" for n in range(1, THREADS + 1)]


def test_one_won_deal_makes_one_order_however_many_click(app, dbengine, shop, monkeypatch):
    wait_before(monkeypatch, orders, "next_number", THREADS)

    def make(db):
        deal = db.get(Deal, shop["deal"])
        manager = db.get(models.User, shop["manager"])
        order, made = orders.order_from_deal(db, manager, deal, local_today())
        return order.id, made

    done, refused, errors = run(app, [make] * THREADS)
    assert not errors and not refused, errors
    assert len({order_id for order_id, _made in done}) == 1
    assert sum(made for _id, made in done) == 1
    with dbengine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(Order)
                           .where(Order.deal_id == shop["deal"])) == 1


def test_shipping_at_once_never_ships_more_than_ordered(app, dbengine, shop, monkeypatch):
    order_id = confirmed_order(app, shop, str(THREADS - 2), "3.33")
    with dbengine.connect() as conn:
        line_id = conn.scalar(sa.select(OrderLine.id).where(OrderLine.order_id == order_id))
    wait_before(monkeypatch, shipments, "_quantities", THREADS)

    def one(db):
        order = db.get(Order, order_id)
        shipment, _made = shipments.ship(db, None, order, {line_id: "1"}, local_today())
        return shipment.id

    done, refused, errors = run(app, [one] * THREADS)
    assert not errors, errors
    assert len(done) == THREADS - 2 and len(refused) == 2
    with dbengine.connect() as conn:
        shipped = conn.scalar(sa.select(OrderLine.shipped_quantity).where(OrderLine.id == line_id))
        facts = conn.execute(sa.select(sa.func.count(), sa.func.sum(SalesFact.amount))
                             .join(ShipmentLine, ShipmentLine.id == SalesFact.shipment_line_id)
                             .where(ShipmentLine.order_line_id == line_id)).one()
        order = conn.execute(sa.select(Order.shipped_amount, Order.total, Order.shipped_on)
                             .where(Order.id == order_id)).one()
    assert D(shipped) == THREADS - 2
    assert facts[0] == THREADS - 2
    assert D(facts[1]).quantize(D("0.01")) == order.shipped_amount == order.total
    assert order.shipped_on == local_today()


def test_one_form_submitted_at_once_ships_once(app, dbengine, shop, monkeypatch):
    order_id = confirmed_order(app, shop, "100")
    with dbengine.connect() as conn:
        line_id = conn.scalar(sa.select(OrderLine.id).where(OrderLine.order_id == order_id))
    key = uuid.uuid4().hex
    wait_before(monkeypatch, shipments, "_quantities", THREADS)

    def submit(db):
        order = db.get(Order, order_id)
        shipment, _made = shipments.ship(db, None, order, {line_id: "1"}, local_today(),
                                         request_key=key)
        return shipment.id

    done, refused, errors = run(app, [submit] * THREADS)
    assert not errors and not refused, errors
    assert len(set(done)) == 1
    with dbengine.connect() as conn:
        shipped = conn.scalar(sa.select(OrderLine.shipped_quantity).where(OrderLine.id == line_id))
    assert D(shipped) == 1


def test_payments_at_once_never_pay_more_than_the_total(app, dbengine, shop, monkeypatch):
    order_id = confirmed_order(app, shop, "10")  # 100.00
    wait_before(monkeypatch, shipments, "read_price", THREADS)

    def payment(db):
        order = db.get(Order, order_id)
        paid, _made = shipments.pay(db, None, order, "20", local_today() + dt.timedelta(days=0))
        return paid.id

    done, refused, errors = run(app, [payment] * THREADS)
    assert not errors, errors
    assert len(done) == 5 and len(refused) == THREADS - 5
    with dbengine.connect() as conn:
        paid = conn.execute(sa.select(Order.paid_amount, Order.paid_on).where(
            Order.id == order_id)).one()
    assert paid.paid_amount == D("100.00") and paid.paid_on == local_today()
