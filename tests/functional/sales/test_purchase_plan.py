"""The purchase plan (issue 15, point 8): what to order from which supplier by when, by hand, on
SQLite and PostgreSQL. T = the person's today.

    order  state      line                          planned ship  supplier (lead)    order by
    O1     confirmed  DRILL 10, 4 shipped → 6        T + 5         Альфа-снаб (10 d)  T − 5 (5 days late)
    O2     confirmed  DRILL 3                       T + 5         Альфа-снаб         same row: 9, 2 orders
    O3     confirmed  PAINT 5                       T + 20        Бета-снаб (3 d)    T + 17
    O4     confirmed  DRILL 2                       T + 30        Альфа-снаб         T + 20
    O5     draft      PAINT 100                     T + 1                            (not confirmed: out)
    O6     confirmed  PAINT 2, 2 shipped            T + 1                            (nothing left: out)
    O7     confirmed  GLUE 1.5                      —             none (0 d)         — (last)

    Альфа-снаб first (its most urgent row is overdue), then Бета-снаб, then "No supplier".
"""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from models.clients import Organization
from models.sales import OrderLine
from portal.sales.reports import purchase_plan
from portal.sales.reports.base import Filters
from tests.clock import local_today
from tests.functional.sales.test_report_customers_world import D, SalesBook


@pytest.fixture
def supply(dbsession, factory):
    book = SalesBook(dbsession, factory)
    t = book.today = local_today()
    alfa = Organization(name="Альфа-снаб", kind="supplier")
    beta = Organization(name="Бета-снаб", kind="supplier")
    dbsession.add_all([alfa, beta])
    dbsession.flush()
    book.drill.supplier_id, book.drill.lead_days = alfa.id, 10
    book.paint.supplier_id, book.paint.lead_days = beta.id, 3
    book.glue = book._product("S6-GLUE", book.paint_group)
    client = book.client("Покупатель", book.north_manager)

    def order(product, qty, ship_in, *, shipped=0, state="confirmed"):
        planned = t + dt.timedelta(days=ship_in) if ship_in is not None else None
        o = book.order(client, ordered_on=t, state=state, planned_ship_on=planned,
                       lines=[(product, qty, "10.00", 0)])
        if shipped:
            dbsession.execute(sa.update(OrderLine).where(OrderLine.order_id == o.id)
                              .values(shipped_quantity=D(shipped)))
        return o

    order(book.drill, 10, 5, shipped=4)
    order(book.drill, 3, 5)
    order(book.paint, 5, 20)
    order(book.drill, 2, 30)
    order(book.paint, 100, 1, state="draft")
    order(book.paint, 2, 1, shipped=2)
    order(book.glue, "1.5", None)
    book.filters = Filters(t.replace(month=1, day=1), t)
    return book


def test_the_plan_by_hand(supply, request_for):
    t = supply.today
    rows = purchase_plan.needs(request_for(supply.director), supply.filters, t)
    got = [(r["supplier"], r["code"], r["quantity"], r["orders"], r["planned_ship_on"],
            r["lead_days"], r["order_by"], r["days_late"]) for r in rows]
    day = lambda n: t + dt.timedelta(days=n)  # noqa: E731
    assert got == [
        ("Альфа-снаб", "S5-DRILL", D("9.000"), 2, day(5), 10, day(-5), 5),
        ("Альфа-снаб", "S5-DRILL", D("2.000"), 1, day(30), 10, day(20), 0),
        ("Бета-снаб", "S5-PAINT", D("5.000"), 1, day(20), 3, day(17), 0),
        ("", "S6-GLUE", D("1.500"), 1, None, 0, None, 0),
    ]
    assert [r["overdue"] for r in rows] == [True, False, False, False]


def test_the_report_says_overdue_and_no_supplier(supply, request_for):
    result = purchase_plan.purchase_plan_report(request_for(supply.director), supply.filters)
    rows = result.tables[0].rows
    assert [r["status"] for r in rows] == ["Overdue", "", "", "No planned shipping day"]
    assert rows[-1]["supplier"] == "No supplier"
    assert rows[0]["days_late"] == 5 and rows[1]["days_late"] is None


def test_scope_follows_report_sales(supply, request_for):
    assert purchase_plan.needs(request_for(supply.south_manager), supply.filters,
                               supply.today) == []
    assert len(purchase_plan.needs(request_for(supply.north_manager), supply.filters,
                                   supply.today)) == 4
    assert len(purchase_plan.needs(request_for(supply.north_head), supply.filters,
                                   supply.today)) == 4


def test_the_page(supply, testapp):
    testapp.login(supply.director.login)
    page = testapp.get("/sales/reports/@@purchase_plan", status=200)
    assert "Альфа-снаб" in page.text and "S6-GLUE" in page.text
    testapp.login(supply.employee.login)
    testapp.get("/sales/reports/@@purchase_plan", status=403)
