"""A small sales world written straight into the tables, for the reports of S5 (ABC/XYZ,
customers, delays and receivables, terms): the figures of each test are computed by hand from
what is written here, so every order, shipment, return, payment and fact is explicit.

No tests here: the report tests import `SalesBook` and build on it. Rows are written as the
services would leave them (a fact per shipment line, amounts negative for a return), without
going through the services, so that a test states exactly the rows it counts.
"""
from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from models.clients import Organization
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

_numbers = itertools.count(1)


def D(value) -> Decimal:
    return Decimal(str(value))


class SalesBook:
    """Two departments, their sales managers, a head of North, a director, an accountant, an
    employee without report rights; product groups Tools (child Drills) and Paint; products
    DRILL (in Drills) and PAINT (in Paint). Clients and orders are added by the tests."""

    def __init__(self, dbsession, factory):
        self.db = dbsession
        self.north = factory.department("Sales North (S5)")
        self.south = factory.department("Sales South (S5)")
        self.north_manager = factory.user(roles=["sales"], departments=[self.north],
                                          full_name="Алексеев Антон")
        self.north_manager2 = factory.user(roles=["sales"], departments=[self.north],
                                           full_name="Борисов Борис")
        self.south_manager = factory.user(roles=["sales"], departments=[self.south],
                                          full_name="Васильев Виктор")
        self.north_head = factory.user(roles=["dept_head"], departments=[self.north],
                                       full_name="Григорьев Глеб")
        self.director = factory.user(roles=["director"], full_name="Дмитриев Денис")
        self.accountant = factory.user(roles=["accountant"], full_name="Егорова Елена")
        self.employee = factory.user(full_name="Жуков Жан")
        self.tools = self._group("Tools (S5)")
        self.drills = self._group("Drills (S5)", self.tools)
        self.paint_group = self._group("Paint (S5)")
        self.drill = self._product("S5-DRILL", self.drills)
        self.paint = self._product("S5-PAINT", self.paint_group)

    def _group(self, name, parent=None):
        group = ProductGroup(name=name, parent_id=parent.id if parent else None)
        self.db.add(group)
        self.db.flush()
        group.set_path(parent)
        self.db.flush()
        return group

    def _product(self, code, group):
        product = Product(group_id=group.id, code=code, name=code, unit="pcs",
                          price=D("100.00"), active=True)
        self.db.add(product)
        self.db.flush()
        return product

    def department_of(self, user):
        return {self.north_manager.id: self.north, self.north_manager2.id: self.north,
                self.south_manager.id: self.south}.get(user.id)

    def client(self, name, manager, **fields) -> Organization:
        dept = self.department_of(manager)
        org = Organization(name=name, manager_id=manager.id,
                           department_id=dept.id if dept else None, **fields)
        self.db.add(org)
        self.db.flush()
        return org

    def order(self, client, manager=None, *, ordered_on, state="confirmed", lines=(),
              total=None, **fields) -> Order:
        """An order of `client` with `lines` = [(product, quantity, price, discount %)]."""
        manager_id = manager.id if manager else client.manager_id
        n = next(_numbers)
        order = Order(number=f"SO-T5-{n:06d}", organization_id=client.id,
                      manager_id=manager_id, department_id=client.department_id, state=state,
                      ordered_on=ordered_on, **fields)
        self.db.add(order)
        self.db.flush()
        amount = Decimal("0.00")
        for product, quantity, price, discount in lines or [(self.drill, 1, "100.00", 0)]:
            line_amount = (D(quantity) * D(price) * (1 - D(discount) / 100)).quantize(
                Decimal("0.01"))
            self.db.add(OrderLine(order_id=order.id, product_id=product.id,
                                  quantity=D(quantity), price=D(price),
                                  discount_percent=D(discount), amount=line_amount))
            amount += line_amount
        order.total = D(total) if total is not None else amount
        self.db.flush()
        return order

    def ship(self, order, day: dt.date, amount, *, product=None, returned=False) -> SalesFact:
        """A shipment (or a return: `amount` negative) of the order's first line on `day`, and
        its fact."""
        line = self.db.query(OrderLine).filter_by(order_id=order.id).order_by(OrderLine.id).first()
        product = product or self.db.get(Product, line.product_id)
        group = self.db.get(ProductGroup, product.group_id)
        shipment = Shipment(order_id=order.id, shipped_on=day,
                            kind="return" if returned or D(amount) < 0 else "shipment")
        self.db.add(shipment)
        self.db.flush()
        sline = ShipmentLine(shipment_id=shipment.id, order_line_id=line.id, quantity=D(1))
        self.db.add(sline)
        self.db.flush()
        order_row = self.db.get(Order, order.id)
        fact = SalesFact(shipment_line_id=sline.id, shipped_on=day, month=fact_month(day),
                         organization_id=order_row.organization_id,
                         manager_id=order_row.manager_id,
                         department_id=order_row.department_id, product_id=product.id,
                         group_id=group.id, top_group_id=group.top_id,
                         quantity=D(-1) if D(amount) < 0 else D(1), amount=D(amount))
        self.db.add(fact)
        order_row.shipped_amount = (order_row.shipped_amount or 0) + D(amount)
        self.db.flush()
        return fact

    def pay(self, order, day: dt.date, amount) -> Payment:
        payment = Payment(order_id=order.id, paid_on=day, amount=D(amount))
        self.db.add(payment)
        order.paid_amount = (order.paid_amount or 0) + D(amount)
        self.db.flush()
        return payment
