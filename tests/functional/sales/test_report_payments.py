"""Shipment and payment delays, receivables and their turnover (/sales/reports/@@shipment_delays,
@@payment_delays, @@receivables): figures computed by hand, on SQLite and PostgreSQL.

T is today in Moscow (tests/clock.py), the day the reports count "still open" delays up to.
"""
from __future__ import annotations

import datetime as dt

import pytest

from portal.core.i18n import format_date
from portal.sales.reports import payments
from portal.sales.reports.base import Filters
from tests.clock import local_today
from tests.functional.sales.test_report_customers_world import D, SalesBook


@pytest.fixture
def book(dbsession, factory):
    book = SalesBook(dbsession, factory)
    book.today = local_today()
    return book


def ago(book, days: int) -> dt.date:
    return book.today - dt.timedelta(days=days)


# --- shipment delays ----------------------------------------------------------------------------

@pytest.fixture
def shipping(book):
    """Period T−60 … T+30. Алексеев: O1 planned T−50, shipped T−45 (5 days late, 1000);
    O2 planned T−40, shipped that day (on time); O3 planned T−30, 300 of 1000 shipped, still
    open (30 days late, 700 not shipped); O4 planned T+10, open (not due); a cancelled order
    planned T−30 and one planned T−100 (outside) do not count. Васильев: O5 planned T−20,
    shipped T−10 (10 days late, 500)."""
    n, s = book.north_manager, book.south_manager
    a, v = book.client("Альфа", n), book.client("Вега", s)
    on = ago(book, 70)
    book.o1 = book.order(a, ordered_on=on, total="1000.00", planned_ship_on=ago(book, 50),
                         shipped_on=ago(book, 45), shipped_amount=D("1000.00"), state="done")
    book.order(a, ordered_on=on, total="400.00", planned_ship_on=ago(book, 40),
               shipped_on=ago(book, 40), shipped_amount=D("400.00"))
    book.o3 = book.order(a, ordered_on=on, total="1000.00", planned_ship_on=ago(book, 30),
                         shipped_amount=D("300.00"))
    book.order(a, ordered_on=on, total="100.00", planned_ship_on=ago(book, -10))
    book.order(a, ordered_on=on, total="900.00", planned_ship_on=ago(book, 30),
               state="cancelled")
    book.order(a, ordered_on=ago(book, 120), total="900.00", planned_ship_on=ago(book, 100))
    book.o5 = book.order(v, ordered_on=on, total="500.00", planned_ship_on=ago(book, 20),
                         shipped_on=ago(book, 10), shipped_amount=D("500.00"))
    book.filters = Filters(ago(book, 60), ago(book, -30))
    return book


def test_shipment_delays_by_manager(shipping, request_for):
    result = payments.shipment_delays(request_for(shipping.director), shipping.filters)
    summary = result.tables[0]
    got = [(r["manager"], r["orders"], r["on_time"], r["late"], r["late_open"], r["late_share"],
            r["late_amount"], r["late_left"], r["average_days"], r["max_days"])
           for r in summary.rows]
    assert got == [
        ("Алексеев Антон", 4, 1, 2, 1, D("50.00"), D("2000.00"), D("700.00"), D("17.5"), 30),
        ("Васильев Виктор", 1, 0, 1, 0, D("100.00"), D("500.00"), D("0.00"), D("10.0"), 10),
    ]
    t = summary.totals
    assert (t["orders"], t["on_time"], t["late"], t["late_open"], t["late_share"],
            t["late_amount"], t["late_left"], t["average_days"], t["max_days"]) == (
        5, 1, 3, 1, D("60.00"), D("2500.00"), D("700.00"), D("15.0"), 30)


def test_shipment_delays_list_and_chart(shipping, request_for):
    result = payments.shipment_delays(request_for(shipping.director), shipping.filters)
    detail = result.tables[1].rows
    assert [(r["number"], r["days"], r["actual"], r["left"]) for r in detail] == [
        (shipping.o3.number, 30, None, D("700.00")),
        (shipping.o5.number, 10, ago(shipping, 10), D("0.00")),
        (shipping.o1.number, 5, ago(shipping, 45), D("0.00")),
    ]
    assert detail[0]["client"] == "Альфа"
    assert result.chart["datasets"][0]["data"] == [1, 2, 0, 0]


def test_shipment_delays_own_scope(shipping, request_for):
    own = payments.shipment_delays(request_for(shipping.south_manager), shipping.filters)
    assert [r["manager"] for r in own.tables[0].rows] == ["Васильев Виктор"]
    assert [r["number"] for r in own.tables[1].rows] == [shipping.o5.number]
    nobody = payments.shipment_delays(request_for(shipping.employee), shipping.filters)
    assert nobody.tables[0].rows == [] and nobody.tables[1].rows == []


def test_a_sales_manager_sees_his_own_delays_not_his_departments(shipping, request_for):
    colleague = shipping.order(shipping.client("Бета", shipping.north_manager2),
                               ordered_on=ago(shipping, 70), total="10.00",
                               planned_ship_on=ago(shipping, 5))
    own = payments.shipment_delays(request_for(shipping.north_manager), shipping.filters)
    assert [r["manager"] for r in own.tables[0].rows] == ["Алексеев Антон"]
    assert own.tables[0].totals["orders"] == 4
    head = payments.shipment_delays(request_for(shipping.north_head), shipping.filters)
    assert colleague.number in [r["number"] for r in head.tables[1].rows]
    assert head.tables[0].totals["orders"] == 5


# --- payment delays -----------------------------------------------------------------------------

def test_payment_delays(book, request_for):
    """Q1 planned T−35, paid T−5: 30 days late (1200). Q2 planned T−10, 200 of 800 paid: 10 days
    late and open, 600 not paid. Q3 planned T−5, paid T−6: on time."""
    a = book.client("Альфа", book.north_manager)
    on = ago(book, 40)
    q1 = book.order(a, ordered_on=on, total="1200.00", planned_pay_on=ago(book, 35),
                    paid_on=ago(book, 5), paid_amount=D("1200.00"))
    q2 = book.order(a, ordered_on=on, total="800.00", planned_pay_on=ago(book, 10),
                    paid_amount=D("200.00"))
    book.order(a, ordered_on=on, total="50.00", planned_pay_on=ago(book, 5),
               paid_on=ago(book, 6), paid_amount=D("50.00"))
    result = payments.payment_delays(request_for(book.accountant),
                                     Filters(ago(book, 40), book.today))
    t = result.tables[0].totals
    assert (t["orders"], t["on_time"], t["late"], t["late_open"], t["late_amount"],
            t["late_left"], t["average_days"], t["max_days"]) == (
        3, 1, 2, 1, D("2000.00"), D("600.00"), D("20.0"), 30)
    assert [(r["number"], r["days"]) for r in result.tables[1].rows] == [(q1.number, 30),
                                                                        (q2.number, 10)]
    assert result.chart["datasets"][0]["data"] == [0, 2, 0, 0]


# --- receivables --------------------------------------------------------------------------------

@pytest.fixture
def debts(book):
    """Period T−89 … T (90 days).

    Альфа (Алексеев): R1 shipped 1000 on T−120, paid 400 on T−100, due T−95 → 600, 95 days:
    over 90 (and 600 at the opening); R2 shipped 500 on T−50, returned 100 on T−45, no planned
    date, 10 days' deferral → due T−40, 400, 40 days: 31–60.
    Бета (Алексеев): R3 shipped 300 on T−10, due T+5 → not yet due; R4 shipped 200 on T−20,
    paid 250 → an advance, no debt.
    Вега (Васильев): R5 shipped 800.50 on T−70, due T−60, paid 0.25 on T−3 → 800.25, 60 days:
    31–60; R6 shipped 100 on T−25, due that day → 25 days: 0–30.

    Revenue of the period: Алексеев 400 + 300 + 200 = 900, Васильев 800.50 + 100 = 900.50.
    Receivables at the opening (close of T−90): Алексеев 600; at the close: Алексеев 1300,
    Васильев 900.25."""
    n, s = book.north_manager, book.south_manager
    alpha, beta, vega = (book.client("Альфа", n), book.client("Бета", n),
                         book.client("Вега", s))
    on = ago(book, 130)
    r1 = book.order(alpha, ordered_on=on, planned_pay_on=ago(book, 95))
    book.ship(r1, ago(book, 120), "1000.00")
    book.pay(r1, ago(book, 100), "400.00")
    r2 = book.order(alpha, ordered_on=on, terms_deferral_days=10)
    book.ship(r2, ago(book, 50), "500.00")
    book.ship(r2, ago(book, 45), "-100.00")
    r3 = book.order(beta, ordered_on=on, planned_pay_on=ago(book, -5))
    book.ship(r3, ago(book, 10), "300.00")
    r4 = book.order(beta, ordered_on=on, planned_pay_on=ago(book, 15))
    book.ship(r4, ago(book, 20), "200.00")
    book.pay(r4, ago(book, 15), "250.00")
    r5 = book.order(vega, ordered_on=on, planned_pay_on=ago(book, 60))
    book.ship(r5, ago(book, 70), "800.50")
    book.pay(r5, ago(book, 3), "0.25")
    r6 = book.order(vega, ordered_on=on, planned_pay_on=ago(book, 25))
    book.ship(r6, ago(book, 25), "100.00")
    book.filters = Filters(ago(book, 89), book.today)
    return book


AGES = ("current", "d30", "d60", "d90", "over90", "total")


def test_receivables_by_age(debts, request_for):
    result = payments.receivables(request_for(debts.director), debts.filters)
    ageing = result.tables[0]
    got = [(r["client"], r["orders"], *(r[k] for k in AGES)) for r in ageing.rows]
    zero = D("0.00")
    assert got == [
        ("Альфа", 2, zero, zero, D("400.00"), zero, D("600.00"), D("1000.00")),
        ("Вега", 2, zero, D("100.00"), D("800.25"), zero, zero, D("900.25")),
        ("Бета", 1, D("300.00"), zero, zero, zero, zero, D("300.00")),
    ]
    assert [ageing.totals[k] for k in AGES] == [D("300.00"), D("100.00"), D("1200.25"), zero,
                                                D("600.00"), D("2200.25")]
    assert ageing.totals["orders"] == 5
    assert result.chart["datasets"][0]["data"] == [300.0, 100.0, 1200.25, 0.0, 600.0]


def test_receivables_turnover(debts, request_for):
    turnover = payments.receivables(request_for(debts.director), debts.filters).tables[1]
    got = [(r["name"], r["revenue"], r["opening"], r["closing"], r["average"], r["turnover"],
            r["dso"]) for r in turnover.rows]
    assert got == [
        # 900 ÷ ((600 + 1300) / 2 = 950) = 0.947; 90 × 950 ÷ 900 = 95 days.
        ("Васильев Виктор", D("900.50"), D("0.00"), D("900.25"), D("450.13"), D("2.00"),
         D("45.0")),
        ("Алексеев Антон", D("900.00"), D("600.00"), D("1300.00"), D("950.00"), D("0.95"),
         D("95.0")),
    ]
    t = turnover.totals
    # 1800.50 ÷ 1400.13 = 1.286; 90 × 1400.13 ÷ 1800.50 = 69.99 days.
    assert (t["revenue"], t["opening"], t["closing"], t["average"], t["turnover"], t["dso"]) == (
        D("1800.50"), D("600.00"), D("2200.25"), D("1400.13"), D("1.29"), D("70.0"))


def test_receivables_of_a_past_day(debts, request_for):
    """At the close of T−60: R1 600 (due T−95: 35 days), R5 800.50 (due that day: 0 days; the
    0.25 came later); R2, R3, R6 not shipped yet."""
    f = Filters(ago(debts, 89), ago(debts, 60))
    ageing = payments.receivables(request_for(debts.director), f).tables[0]
    got = {r["client"]: (r["d30"], r["d60"], r["total"]) for r in ageing.rows}
    assert got == {"Вега": (D("800.50"), D("0.00"), D("800.50")),
                   "Альфа": (D("0.00"), D("600.00"), D("600.00"))}


def test_receivables_own_scope(debts, request_for):
    own = payments.receivables(request_for(debts.north_manager), debts.filters)
    assert [r["client"] for r in own.tables[0].rows] == ["Альфа", "Бета"]
    assert [r["name"] for r in own.tables[1].rows] == ["Алексеев Антон"]
    assert own.tables[1].totals["revenue"] == D("900.00")
    nobody = payments.receivables(request_for(debts.employee), debts.filters)
    assert nobody.tables[0].rows == [] and nobody.tables[1].rows == []


def test_a_period_ending_later_counts_up_to_today(debts, request_for):
    f = Filters(ago(debts, 89), ago(debts, -30))
    request = request_for(debts.director)
    result = payments.receivables(request, f)
    assert result.tables[0].totals["total"] == D("2200.25")
    assert format_date(request, debts.today) in result.notes[0]


@pytest.mark.parametrize("name", ["shipment_delays", "payment_delays", "receivables"])
def test_the_pages_and_their_exports(debts, testapp, login_as, name):
    url = f"/sales/reports/@@{name}?from={ago(debts, 89)}&to={debts.today}"
    login_as(debts.accountant)
    page = testapp.get(url)
    assert page.status_int == 200
    if name == "receivables":
        assert "Альфа" in page.text and "Вега" in page.text
        assert "Альфа" in testapp.get(url + "&format=csv").text
    login_as(debts.employee)
    testapp.get(url, status=403)
