"""Average order, sales per manager and purchase-potential use (/sales/reports/@@average_order,
@@manager_sales, @@potential_use): figures computed by hand, on SQLite and PostgreSQL, with
kopecks, returns, empty months, a client without a potential, and whose figures one sees.

Y is last year. Managers: Алексеев (north), Борисов (north), Васильев (south).
"""
from __future__ import annotations

import datetime as dt

import pytest

from portal.sales.reports import customers
from portal.sales.reports.base import Filters
from tests.clock import local_today
from tests.functional.sales.test_report_customers_world import D, SalesBook


@pytest.fixture
def book(dbsession, factory):
    book = SalesBook(dbsession, factory)
    book.year = local_today().year - 1
    book.filters = Filters(dt.date(book.year, 1, 1), dt.date(book.year, 12, 31))
    return book


def day(book, month, d=10, shift=0):
    return dt.date(book.year + shift, month, d)


# --- average order ------------------------------------------------------------------------------

@pytest.fixture
def orders(book):
    """Алексеев: January 100.00 + 200.01 (average 150.005 → 150.01), March 99.99 (done); a
    draft (1000) and a cancelled order (500) that do not count; one in December of Y−1.
    Борисов (north too): February 60.00. Васильев: February 400.00. Total: 5 orders, 860.00,
    average 172.00."""
    north, south = book.north_manager, book.south_manager
    a = book.client("Альфа", north)
    v = book.client("Вега", south)
    book.order(a, ordered_on=day(book, 1, 5), total="100.00")
    book.order(a, ordered_on=day(book, 1, 31), total="200.01")
    book.order(a, ordered_on=day(book, 3, 1), total="99.99", state="done")
    book.order(a, ordered_on=day(book, 1, 7), total="1000.00", state="draft")
    book.order(a, ordered_on=day(book, 2, 7), total="500.00", state="cancelled")
    book.order(a, ordered_on=day(book, 12, 31, shift=-1), total="700.00")
    book.order(v, ordered_on=day(book, 2, 14), total="400.00")
    book.order(book.client("Бета", book.north_manager2), ordered_on=day(book, 2, 28),
               total="60.00")
    return book


def test_average_order_by_manager_and_month(orders, request_for):
    result = customers.average_order(request_for(orders.director), orders.filters)
    by_manager = result.tables[0]
    got = [(r["manager"], r["month"], r["orders"], r["total"], r["average"])
           for r in by_manager.rows]
    y = orders.year
    assert got == [
        ("Алексеев Антон", y * 100 + 1, 2, D("300.01"), D("150.01")),
        ("Алексеев Антон", y * 100 + 3, 1, D("99.99"), D("99.99")),
        ("Борисов Борис", y * 100 + 2, 1, D("60.00"), D("60.00")),
        ("Васильев Виктор", y * 100 + 2, 1, D("400.00"), D("400.00")),
    ]
    assert (by_manager.totals["orders"], by_manager.totals["total"],
            by_manager.totals["average"]) == (5, D("860.00"), D("172.00"))


def test_average_order_shows_empty_months(orders, request_for):
    by_month = customers.average_order(request_for(orders.director), orders.filters).tables[1]
    assert len(by_month.rows) == 12
    assert [r["orders"] for r in by_month.rows] == [2, 2, 1] + [0] * 9
    assert by_month.rows[3]["average"] is None
    assert by_month.rows[3]["total"] == D("0")
    assert by_month.totals["label"] == "Total"


def test_average_order_own_and_department_scope(orders, request_for):
    # A sales manager may view his department's orders (Борисов's), but his report shows his
    # own figures.
    own = customers.average_order(request_for(orders.north_manager), orders.filters).tables[0]
    assert {r["manager"] for r in own.rows} == {"Алексеев Антон"}
    assert own.totals["orders"] == 3
    south = customers.average_order(request_for(orders.south_manager), orders.filters).tables[0]
    assert south.totals["orders"] == 1
    head = customers.average_order(request_for(orders.north_head), orders.filters).tables[0]
    assert head.totals["orders"] == 4
    nobody = customers.average_order(request_for(orders.employee), orders.filters).tables[0]
    assert nobody.rows == [] and nobody.totals["orders"] == 0


def test_average_order_filters(orders, request_for):
    f = orders.filters
    only = Filters(f.period_start, f.period_end, manager_id=orders.south_manager.id)
    table = customers.average_order(request_for(orders.director), only).tables[0]
    assert table.totals["orders"] == 1
    dept = Filters(f.period_start, f.period_end, department_id=orders.north.id)
    assert customers.average_order(request_for(orders.director), dept).tables[0] \
        .totals["total"] == D("460.00")


# --- sales per manager --------------------------------------------------------------------------

@pytest.fixture
def sales(book):
    """Алексеев: Альфа shipped 1000, returned 200; Бета 300.33 → net 1100.33, 2 clients.
    Борисов: Гамма 500, Бета 100 → 600, 2 clients. Васильев: Вега 899.67. Net 2600.00; four
    clients (Бета counted once). A shipment of Y−1 does not count."""
    n1, n2, s = book.north_manager, book.north_manager2, book.south_manager
    alpha, beta = book.client("Альфа", n1), book.client("Бета", n1)
    gamma, vega = book.client("Гамма", n2), book.client("Вега", s)
    o = book.order(alpha, ordered_on=day(book, 1, 1))
    book.ship(o, day(book, 2), "1000.00")
    book.ship(o, day(book, 3), "-200.00")
    book.ship(book.order(beta, ordered_on=day(book, 1, 1)), day(book, 4), "300.33")
    book.ship(book.order(gamma, ordered_on=day(book, 1, 1)), day(book, 5), "500.00")
    book.ship(book.order(beta, n2, ordered_on=day(book, 1, 1)), day(book, 6), "100.00")
    book.ship(book.order(vega, ordered_on=day(book, 1, 1)), day(book, 7), "899.67")
    book.ship(book.order(vega, ordered_on=day(book, 1, 1, shift=-1)), day(book, 12, shift=-1),
              "5000.00")
    return book


def test_sales_per_manager(sales, request_for):
    result = customers.manager_sales(request_for(sales.director), sales.filters)
    table = result.tables[0]
    got = [(r["manager"], r["shipped"], r["returned"], r["revenue"], r["clients"], r["share"])
           for r in table.rows]
    assert got == [
        ("Алексеев Антон", D("1300.33"), D("200.00"), D("1100.33"), 2, D("42.32")),
        ("Васильев Виктор", D("899.67"), D("0.00"), D("899.67"), 1, D("34.60")),
        ("Борисов Борис", D("600.00"), D("0.00"), D("600.00"), 2, D("23.08")),
    ]
    assert table.totals["revenue"] == D("2600.00")
    assert table.totals["returned"] == D("200.00")
    assert table.totals["clients"] == 4
    assert result.chart["datasets"][0]["data"] == [1100.33, 899.67, 600.0]


def test_sales_per_manager_scope(sales, request_for):
    own = customers.manager_sales(request_for(sales.north_manager2), sales.filters).tables[0]
    assert [r["manager"] for r in own.rows] == ["Борисов Борис"]
    assert own.rows[0]["share"] == D("100.00")
    head = customers.manager_sales(request_for(sales.north_head), sales.filters).tables[0]
    assert {r["manager"] for r in head.rows} == {"Алексеев Антон", "Борисов Борис"}
    assert head.totals["revenue"] == D("1700.33")
    assert head.totals["clients"] == 3


# --- purchase-potential use ---------------------------------------------------------------------

@pytest.fixture
def potential(book):
    """Window: the 12 months of Y (period Y). П1 potential 10000, bought 2500 (and 999 in Y−1:
    outside) → 25 %, unused 7500; П2 1000, bought 1200 → 120 %, unused 0; П3 (south) 3000, bought
    nothing → 0 %, unused 3000; П4 no potential, bought 700 → last, no share; П5 no potential,
    nothing bought → not listed. Totals over П1–П3: 14000, 3700, 26.43 %, unused 10500."""
    n, s = book.north_manager, book.south_manager
    p1 = book.client("П1", n, purchase_potential=D("10000.00"))
    p2 = book.client("П2", n, purchase_potential=D("1000.00"))
    book.client("П3", s, purchase_potential=D("3000.00"))
    p4 = book.client("П4", n)
    book.client("П5", n)
    o1 = book.order(p1, ordered_on=day(book, 1, 1))
    book.ship(o1, day(book, 3), "2000.00")
    book.ship(o1, day(book, 12, 31), "600.00")
    book.ship(o1, day(book, 12, 31), "-100.00")
    book.ship(o1, day(book, 12, 31, shift=-1), "999.00")
    book.ship(book.order(p2, ordered_on=day(book, 1, 1)), day(book, 1, 1), "1200.00")
    book.ship(book.order(p4, ordered_on=day(book, 1, 1)), day(book, 6), "700.00")
    return book


def test_potential_use_sorted_by_unused_part(potential, request_for):
    result = customers.potential_use(request_for(potential.director), potential.filters)
    table = result.tables[0]
    got = [(r["client"], r["potential"], r["revenue"], r["use"], r["unused"]) for r in table.rows]
    assert got == [
        ("П1", D("10000.00"), D("2500.00"), D("25.00"), D("7500.00")),
        ("П3", D("3000.00"), D("0.00"), D("0.00"), D("3000.00")),
        ("П2", D("1000.00"), D("1200.00"), D("120.00"), D("0.00")),
        ("П4", None, D("700.00"), None, None),
    ]
    assert (table.totals["potential"], table.totals["revenue"], table.totals["use"],
            table.totals["unused"]) == (D("14000.00"), D("3700.00"), D("26.43"), D("10500.00"))
    assert table.rows[0]["manager"] == "Алексеев Антон"


def test_potential_window_is_the_twelve_months_to_the_period_end(potential, request_for):
    y = potential.year
    # Period ending 30 December: the window starts 31 December of Y−1 and holds the 999.
    f = Filters(dt.date(y, 6, 1), dt.date(y, 12, 30))
    rows = {r["client"]: r for r in customers.potential_use(
        request_for(potential.director), f).tables[0].rows}
    assert rows["П1"]["revenue"] == D("2999.00")
    assert customers.potential_window(dt.date(2028, 2, 29)) == (dt.date(2027, 3, 1),
                                                                dt.date(2028, 2, 29))


def test_potential_use_scope(potential, request_for):
    own = customers.potential_use(request_for(potential.north_manager), potential.filters)
    assert [r["client"] for r in own.tables[0].rows] == ["П1", "П2", "П4"]
    south = customers.potential_use(request_for(potential.south_manager), potential.filters)
    assert [r["client"] for r in south.tables[0].rows] == ["П3"]
    nobody = customers.potential_use(request_for(potential.employee), potential.filters)
    assert nobody.tables[0].rows == []


@pytest.mark.parametrize("name", ["average_order", "manager_sales", "potential_use"])
def test_the_pages_and_their_exports(potential, testapp, login_as, name):
    y = potential.year
    url = f"/sales/reports/@@{name}?from={y}-01-01&to={y}-12-31"
    login_as(potential.north_manager)
    page = testapp.get(url)
    assert "Алексеев Антон" in page.text or "П1" in page.text
    assert testapp.get(url + "&format=xlsx").content_type.endswith("sheet")
    login_as(potential.employee)
    testapp.get(url, status=403)
