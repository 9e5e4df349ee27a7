"""Orders breaking the client's terms (/sales/reports/@@terms_breaches): figures computed by hand,
on SQLite and PostgreSQL, with the rounding of the discount given beyond the terms.

Y is last year; D is 15 June of Y.

    T1 (Алексеев, D−3) terms 5 %, 10 days: drill 10 × 100.00 at 8 % → 3 % beyond = 30.00;
       paint 3 × 33.33 at 7.5 % → 2.5 % beyond = 2.49975; beyond in all 32.49975 → 32.50;
       largest discount 8 %; paid in 10 days (no deferral breach). Total 920.00 + 92.49.
    T2 (Алексеев, D−2) terms 5 %, 10 days: planned payment D−2 + 30 → 20 days beyond. 500.00.
    T3 (Васильев, D−1) no terms: 1 × 1000.00 at 2 % → 20.00 beyond; paid in 15 days → 15
       beyond. Total 980.00.
    Not counted: an order without flags, a cancelled one and a draft with flags, a flagged
    order of Y−1.
"""
from __future__ import annotations

import datetime as dt

import pytest

from portal.sales.reports import terms
from portal.sales.reports.base import Filters
from tests.clock import local_today
from tests.functional.sales.test_report_customers_world import D, SalesBook


@pytest.fixture
def book(dbsession, factory):
    book = SalesBook(dbsession, factory)
    y = local_today().year - 1
    d = dt.date(y, 6, 15)
    n, s = book.north_manager, book.south_manager
    alpha = book.client("Альфа", n, discount_percent=D("5.00"), payment_deferral_days=10)
    vega = book.client("Вега", s)
    on_terms = {"terms_discount_percent": D("5.00"), "terms_deferral_days": 10}

    def ago(days):
        return d - dt.timedelta(days=days)

    book.t1 = book.order(alpha, ordered_on=ago(3), discount_breach=True,
                         planned_pay_on=ago(3) + dt.timedelta(days=10),
                         lines=[(book.drill, 10, "100.00", "8"),
                                (book.paint, 3, "33.33", "7.5")], **on_terms)
    book.t2 = book.order(alpha, ordered_on=ago(2), total="500.00", deferral_breach=True,
                         planned_pay_on=ago(2) + dt.timedelta(days=30), **on_terms)
    book.t3 = book.order(vega, ordered_on=ago(1), discount_breach=True, deferral_breach=True,
                         planned_pay_on=ago(1) + dt.timedelta(days=15),
                         lines=[(book.drill, 1, "1000.00", "2")])
    book.order(alpha, ordered_on=ago(4), **on_terms)
    book.order(alpha, ordered_on=ago(5), state="cancelled", discount_breach=True,
               lines=[(book.drill, 1, "100.00", "50")], **on_terms)
    book.order(alpha, ordered_on=ago(6), state="draft", discount_breach=True,
               lines=[(book.drill, 1, "100.00", "50")], **on_terms)
    book.order(alpha, ordered_on=dt.date(y - 1, 6, 1), deferral_breach=True, **on_terms)
    book.filters = Filters(dt.date(y, 1, 1), dt.date(y, 12, 31))
    return book


def test_breaches_by_manager(book, request_for):
    result = terms.terms_breaches(request_for(book.director), book.filters)
    summary = result.tables[0]
    got = [(r["manager"], r["orders"], r["discount"], r["deferral"], r["given"], r["total"])
           for r in summary.rows]
    assert got == [
        ("Алексеев Антон", 2, 1, 1, D("32.50"), D("1512.49")),
        ("Васильев Виктор", 1, 1, 1, D("20.00"), D("980.00")),
    ]
    t = summary.totals
    assert (t["orders"], t["discount"], t["deferral"], t["given"], t["total"]) == (
        3, 2, 2, D("52.50"), D("2492.49"))


def test_each_order_with_the_terms_and_what_it_gave(book, request_for):
    rows = terms.terms_breaches(request_for(book.director), book.filters).tables[1].rows
    assert [r["number"] for r in rows] == [book.t3.number, book.t2.number, book.t1.number]
    t3, t2, t1 = rows
    assert (t1["client"], t1["terms_discount"], t1["max_discount"], t1["given"],
            t1["terms_deferral"], t1["deferral"], t1["deferral_excess"]) == (
        "Альфа", D("5.00"), D("8.00"), D("32.50"), 10, 10, None)
    assert (t2["max_discount"], t2["given"], t2["deferral"], t2["deferral_excess"]) == (
        None, None, 30, 20)
    assert (t3["terms_discount"], t3["max_discount"], t3["given"], t3["terms_deferral"],
            t3["deferral"], t3["deferral_excess"]) == (None, D("2.00"), D("20.00"), None, 15, 15)


def test_beyond_terms_rounds_once_per_order():
    lines = [(D("10"), D("100.00"), D("8")), (D("3"), D("33.33"), D("7.5")),
             (D("1"), D("10.00"), D("5"))]
    assert terms.beyond_terms(lines, D("5.00")) == (D("8"), D("32.50"))
    assert terms.beyond_terms([], D("5")) == (None, D("0.00"))


def test_own_scope_and_no_right(book, request_for):
    own = terms.terms_breaches(request_for(book.south_manager), book.filters)
    assert [r["number"] for r in own.tables[1].rows] == [book.t3.number]
    head = terms.terms_breaches(request_for(book.north_head), book.filters)
    assert [r["number"] for r in head.tables[1].rows] == [book.t2.number, book.t1.number]
    nobody = terms.terms_breaches(request_for(book.employee), book.filters)
    assert nobody.tables[0].rows == [] and nobody.tables[1].rows == []


def test_organization_filter(book, request_for):
    f = book.filters
    only = Filters(f.period_start, f.period_end, organization_id=book.t3.organization_id)
    rows = terms.terms_breaches(request_for(book.director), only).tables[1].rows
    assert [r["number"] for r in rows] == [book.t3.number]


def test_sales_manager_sees_his_own_orders_not_his_departments(book, request_for):
    colleague = book.order(book.client("Бета", book.north_manager2),
                           ordered_on=book.t1.ordered_on, deferral_breach=True)
    own = terms.terms_breaches(request_for(book.north_manager), book.filters)
    assert [r["number"] for r in own.tables[1].rows] == [book.t2.number, book.t1.number]
    head = terms.terms_breaches(request_for(book.north_head), book.filters)
    assert colleague.number in [r["number"] for r in head.tables[1].rows]


def test_the_page_and_its_export(book, testapp, login_as):
    f = book.filters
    url = f"/sales/reports/@@terms_breaches?from={f.period_start}&to={f.period_end}"
    login_as(book.director)
    page = testapp.get(url)
    assert book.t1.number in page.text and "32.50" in page.text
    assert book.t3.number in testapp.get(url + "&format=csv").text
    login_as(book.employee)
    testapp.get(url, status=403)
