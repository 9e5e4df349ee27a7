"""The small sales world every sales test may start from (`sales_world`).

Two sales departments, North and South, with their people: the head of North, a manager in
each, a director, an accountant, a supply manager and an employee who only sees the catalog;
two top product groups with a child each and four products; the pipeline "direct" with its five
stages; clients of each department with their terms, and a supplier. Rows are made straight in
the database (no service): the tests of each part use their own services on top.

    def test_something(sales_world, request_for):
        w = sales_world
        deal = w.deal(w.north_client, w.north_manager, w.stages["Proposal"], amount="1000.00")
        order = w.order(w.north_client, w.north_manager, [(w.gas_boiler, "2", "500.00")])
"""
from __future__ import annotations

import datetime as dt
import itertools
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from models.clients import Classifier, Organization
from models.sales import (
    Deal,
    DealStageChange,
    Order,
    OrderLine,
    Pipeline,
    Product,
    ProductGroup,
    Stage,
    order_number,
)
from tests.clock import local_today

CENT = Decimal("0.01")
# (name, probability, kind) of the pipeline "direct", in order.
STAGES = (("Qualification", 10, "open"), ("Proposal", 40, "open"), ("Negotiation", 70, "open"),
          ("Won", 100, "won"), ("Lost", 0, "lost"))
_numbers = itertools.count(1)


def line_amount(quantity, price, discount="0") -> Decimal:
    """quantity × price × (1 − discount/100), rounded half up to kopecks (the stored amount)."""
    q, p, d = Decimal(str(quantity)), Decimal(str(price)), Decimal(str(discount))
    return (q * p * (Decimal(100) - d) / Decimal(100)).quantize(CENT, rounding=ROUND_HALF_UP)


class SalesWorld(SimpleNamespace):
    """What `sales_world` returns: the rows below as attributes, and two ways to add rows."""

    def deal(self, organization, owner, stage: Stage | None = None, amount="0.00",
             title: str | None = None, **fields) -> Deal:
        """An open deal (or won / lost, after its stage's kind) of `owner`, in the owner's
        department (the first of theirs), with its first stage history row."""
        stage = stage or self.stages["Qualification"]
        state = {"won": "won", "lost": "lost"}.get(stage.kind, "open")
        deal = Deal(title=title or f"Deal {next(_numbers)}", organization_id=organization.id,
                    pipeline_id=stage.pipeline_id, stage_id=stage.id, amount=Decimal(amount),
                    owner_id=owner.id, department_id=self.department_of(owner), state=state,
                    created_by_id=owner.id,
                    closed_on=local_today() if state != "open" else None, **fields)
        self.db.add(deal)
        self.db.flush()
        self.db.add(DealStageChange(deal_id=deal.id, from_stage_id=None, to_stage_id=stage.id,
                                    from_state="", to_state=state, changed_by_id=owner.id))
        self.db.flush()
        return deal

    def order(self, organization, manager, lines=(), state: str = "draft",
              ordered_on: dt.date | None = None, **fields) -> Order:
        """An order of `manager` (in their department) with `lines`: (product, quantity, price)
        or (product, quantity, price, discount); its total is the sum of the lines."""
        ordered_on = ordered_on or local_today()
        order = Order(number=order_number(ordered_on.year, 900000 + next(_numbers)),
                      organization_id=organization.id, manager_id=manager.id,
                      department_id=self.department_of(manager), state=state,
                      ordered_on=ordered_on, created_by_id=manager.id, **fields)
        total = Decimal("0.00")
        for product, quantity, price, *discount in lines:
            discount = discount[0] if discount else "0"
            amount = line_amount(quantity, price, discount)
            order.lines.append(OrderLine(product_id=product.id, quantity=Decimal(str(quantity)),
                                         price=Decimal(str(price)),
                                         discount_percent=Decimal(str(discount)), amount=amount))
            total += amount
        order.total = total
        self.db.add(order)
        self.db.flush()
        return order

    def department_of(self, user) -> int | None:
        ids = sorted(m.department_id for m in user.memberships)
        return ids[0] if ids else None


def _group(db, name: str, parent: ProductGroup | None = None, position: int = 0) -> ProductGroup:
    group = ProductGroup(name=name, parent_id=parent.id if parent else None, position=position)
    db.add(group)
    db.flush()
    group.set_path(parent)
    db.flush()
    return group


def build_sales_world(db, factory) -> SalesWorld:
    w = SalesWorld(db=db)
    w.north = factory.department("Sales North")
    w.south = factory.department("Sales South")
    w.management = factory.department("Management")
    w.accounting = factory.department("Accounting")
    w.supply_dept = factory.department("Supply")
    w.north_head = factory.user("north_head", roles=["dept_head"], departments=[w.north],
                                full_name="Северов Иван")
    w.north_manager = factory.user("north_manager", roles=["sales"], departments=[w.north],
                                   full_name="Нордова Анна")
    w.north_manager2 = factory.user("north_manager2", roles=["sales"], departments=[w.north],
                                    full_name="Полярный Олег")
    w.south_manager = factory.user("south_manager", roles=["sales"], departments=[w.south],
                                   full_name="Южный Пётр")
    w.director = factory.user("director", roles=["director"], departments=[w.management],
                              full_name="Директоров Михаил")
    w.accountant = factory.user("accountant", roles=["accountant"], departments=[w.accounting],
                                full_name="Счётова Мария")
    w.supply = factory.user("supply", roles=["supply"], departments=[w.supply_dept],
                            full_name="Снабженцев Игорь")
    w.employee = factory.user("plain_employee", departments=[w.supply_dept],
                              full_name="Простов Егор")

    w.boilers = _group(db, "Boilers", position=1)
    w.gas_boilers = _group(db, "Gas boilers", w.boilers)
    w.pumps = _group(db, "Pumps", position=2)
    w.circulation_pumps = _group(db, "Circulation pumps", w.pumps)
    w.supplier = Organization(name="ООО «ТеплоПоставка»", kind="supplier")
    db.add(w.supplier)
    db.flush()
    w.gas_boiler = Product(group_id=w.gas_boilers.id, code="GB-24", name="Gas boiler 24 kW",
                           price=Decimal("45000.00"), supplier_id=w.supplier.id, lead_days=14,
                           manager_id=w.north_manager.id)
    w.boiler_kit = Product(group_id=w.boilers.id, code="BK-1", name="Boiler mounting kit",
                           unit="set", price=Decimal("3500.50"), supplier_id=w.supplier.id,
                           lead_days=5)
    w.circulation_pump = Product(group_id=w.circulation_pumps.id, code="CP-25",
                                 name="Circulation pump 25-60", price=Decimal("7999.99"),
                                 supplier_id=w.supplier.id, lead_days=7)
    w.drainage_pump = Product(group_id=w.pumps.id, code="DP-1", name="Drainage pump",
                              price=Decimal("12500.00"), lead_days=0)
    w.products = [w.gas_boiler, w.boiler_kit, w.circulation_pump, w.drainage_pump]
    db.add_all(w.products)

    w.pipeline = Pipeline(code="direct", name="Direct sales", channel="direct", position=1)
    w.pipeline.stages = [Stage(name=name, position=n, probability=p, kind=kind)
                         for n, (name, p, kind) in enumerate(STAGES, start=1)]
    db.add(w.pipeline)
    db.flush()
    w.stages = {s.name: s for s in w.pipeline.stages}

    # Clients with their terms: North's gets 5 % and 14 days, South's 0 % and no deferral.
    w.north_client = Organization(name="ООО «Северный дом»", kind="client",
                                  department_id=w.north.id, manager_id=w.north_manager.id,
                                  discount_percent=Decimal("5.00"), payment_deferral_days=14,
                                  credit_limit=Decimal("500000.00"),
                                  purchase_potential=Decimal("1200000.00"))
    w.north_client2 = Organization(name="АО «Полярная звезда»", kind="client",
                                   department_id=w.north.id, manager_id=w.north_manager2.id,
                                   discount_percent=Decimal("10.00"), payment_deferral_days=30)
    w.south_client = Organization(name="ИП Южанин", kind="client", department_id=w.south.id,
                                  manager_id=w.south_manager.id,
                                  discount_percent=Decimal("0.00"), payment_deferral_days=0)
    db.add_all([w.north_client, w.north_client2, w.south_client])
    db.flush()
    w.deal_lost_reasons = {c.code: c for c in db.scalars(
        sa.select(Classifier).where(Classifier.list == "deal_lost_reason"))}
    w.client_lost_reasons = {c.code: c for c in db.scalars(
        sa.select(Classifier).where(Classifier.list == "client_lost_reason"))}
    return w


@pytest.fixture
def sales_world(dbsession, factory) -> SalesWorld:
    """Two sales departments with their people, a catalog, the pipeline "direct" and clients
    with terms (module docstring)."""
    return build_sales_world(dbsession, factory)
