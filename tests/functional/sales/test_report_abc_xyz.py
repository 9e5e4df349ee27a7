"""ABC/XYZ of clients (/sales/reports/@@abc_xyz): figures computed by hand on a small year, on
SQLite and PostgreSQL, with returns, empty months, kopecks and who sees whose clients.

The year is last year (Y), whole: 12 months. Facts on the 10th of a month.

    client   manager  monthly revenue                          total   share  cum.   CV %    class
    Альфа    north    500.00 every month (333.33 + 166.67)      6000   60.00  60.00    0.00  AX
             (and 1000.00 in December of Y−1: outside)
    Бета     north    180 Jan–Jun, 220 Jul–Dec                  2400   24.00  84.00   10.00  AX  (X's edge)
    Вега     south    80 odd months, 120 even ones; March:      1200   12.00  96.00   20.00  BY
                      shipped 110, returned 30
    Гамма    north    400 in June only (paint), 11 empty months  400    4.00 100.00  331.66  CZ
    Дельта   north    100 in April, returned in May               0    0.00 100.00       —  CZ
    Эпсилон  north    returned 50 in February (shipped in Y−1)  −50   −0.50 100.00       —  CZ

ABC over the positive revenue, 10,000: Бета starts at 60 % (< 80) → A; Вега at 84 % → B; Гамма at
96 % → C. Гамма's CV: one month of 400 among 12 → σ/mean = √(12 − 1) = 331.66 %.
Matrix: A·X 2 clients 8,400 (84.42 % of 9,950); B·Y 1 client 1,200 (12.06 %); C·Z 3 clients 350
(3.52 %).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from portal.sales.reports import abc_xyz
from portal.sales.reports.base import Filters
from tests.clock import local_today
from tests.functional.sales.test_report_customers_world import D, SalesBook


def test_coefficient_of_variation_and_classes():
    # Months 90 and 110: mean 100, σ 10 → exactly 10 %: still X.
    cv = abc_xyz.coefficient_of_variation(200.0, 90.0 ** 2 + 110.0 ** 2, 2)
    assert cv == pytest.approx(10.0)
    assert abc_xyz.xyz_class(cv) == "X"
    assert abc_xyz.xyz_class(10.01) == "Y"
    assert abc_xyz.xyz_class(25.0) == "Y"
    assert abc_xyz.xyz_class(25.01) == "Z"
    assert abc_xyz.xyz_class(None) == "Z"
    # One purchase among n months: CV = √(n − 1).
    assert abc_xyz.coefficient_of_variation(400.0, 160000.0, 12) == pytest.approx(
        100 * 11 ** 0.5)
    assert abc_xyz.coefficient_of_variation(0.0, 0.0, 12) is None
    assert abc_xyz.coefficient_of_variation(-50.0, 2500.0, 12) is None


@pytest.fixture
def year(dbsession, factory):
    book = SalesBook(dbsession, factory)
    y = local_today().year - 1
    book.year = y

    def day(month, d=10, year=y):
        return dt.date(year, month, d)

    north, south = book.north_manager, book.south_manager
    book.alpha = book.client("Альфа", north)
    book.beta = book.client("Бета", north)
    book.vega = book.client("Вега", south)
    book.gamma = book.client("Гамма", north)
    book.delta = book.client("Дельта", north)
    book.epsilon = book.client("Эпсилон", north)
    orders = {c: book.order(c, ordered_on=day(1, 1)) for c in
              (book.alpha, book.beta, book.vega, book.delta)}
    for m in range(1, 13):
        book.ship(orders[book.alpha], day(m), "333.33")
        book.ship(orders[book.alpha], day(m, 11), "166.67")
        book.ship(orders[book.beta], day(m), "180.00" if m <= 6 else "220.00")
        if m == 3:
            book.ship(orders[book.vega], day(m), "110.00")
            book.ship(orders[book.vega], day(m, 20), "-30.00")
        else:
            book.ship(orders[book.vega], day(m), "80.00" if m % 2 else "120.00")
    old = book.order(book.alpha, ordered_on=day(12, 1, y - 1))
    book.ship(old, day(12, 10, y - 1), "1000.00")
    gamma = book.order(book.gamma, ordered_on=day(6, 1), lines=[(book.paint, 4, "100.00", 0)])
    book.ship(gamma, day(6), "400.00")
    book.ship(orders[book.delta], day(4), "100.00")
    book.ship(orders[book.delta], day(5), "-100.00")
    eps = book.order(book.epsilon, ordered_on=day(11, 1, y - 1))
    book.ship(eps, day(11, 10, y - 1), "50.00")
    book.ship(eps, day(2), "-50.00")
    book.filters = Filters(dt.date(y, 1, 1), dt.date(y, 12, 31))
    return book


def by_client(result):
    return {row["client"]: row for row in result.tables[1].rows}


def test_director_sees_every_client_classified_by_hand(year, request_for):
    result = abc_xyz.build(request_for(year.director), year.filters)
    rows = by_client(result)
    assert list(rows) == ["Альфа", "Бета", "Вега", "Гамма", "Дельта", "Эпсилон"]
    expected = {
        "Альфа": ("6000.00", "60.00", "60.00", 12, "0.00", "AX"),
        "Бета": ("2400.00", "24.00", "84.00", 12, "10.00", "AX"),
        "Вега": ("1200.00", "12.00", "96.00", 12, "20.00", "BY"),
        "Гамма": ("400.00", "4.00", "100.00", 1, "331.66", "CZ"),
        "Дельта": ("0.00", "0.00", "100.00", 1, None, "CZ"),
        "Эпсилон": ("-50.00", "-0.50", "100.00", 0, None, "CZ"),
    }
    for name, (revenue, share, cumulative, months, cv, cls) in expected.items():
        row = rows[name]
        assert row["revenue"] == D(revenue), name
        assert row["share"] == D(share), name
        assert row["cumulative"] == D(cumulative), name
        assert row["months"] == months, name
        assert row["cv"] == (D(cv) if cv is not None else None), name
        assert row["class"] == cls, name
        assert row["abc"] + row["xyz"] == cls


def test_matrix_counts_and_revenue(year, request_for):
    matrix = abc_xyz.build(request_for(year.director), year.filters).tables[0]
    cells = {row["abc"]: row for row in matrix.rows}
    assert (cells["A"]["X_clients"], cells["A"]["X_revenue"]) == (2, D("8400.00"))
    assert (cells["A"]["Y_clients"], cells["A"]["Z_clients"]) == (0, 0)
    assert (cells["B"]["Y_clients"], cells["B"]["Y_revenue"]) == (1, D("1200.00"))
    assert (cells["B"]["X_clients"], cells["B"]["Z_clients"]) == (0, 0)
    assert (cells["C"]["Z_clients"], cells["C"]["Z_revenue"]) == (3, D("350.00"))
    assert [cells[a]["share"] for a in "ABC"] == [D("84.42"), D("12.06"), D("3.52")]
    assert matrix.totals["clients"] == 6
    assert matrix.totals["revenue"] == D("9950.00")
    assert (matrix.totals["X_clients"], matrix.totals["Y_clients"],
            matrix.totals["Z_clients"]) == (2, 1, 3)


def test_chart_and_notes_name_the_thresholds(year, request_for):
    result = abc_xyz.build(request_for(year.director), year.filters)
    assert result.chart["labels"] == ["A", "B", "C"]
    assert [d["label"] for d in result.chart["datasets"]] == ["X", "Y", "Z"]
    assert result.chart["datasets"][0]["data"] == [8400.0, 0.0, 0.0]
    text = " ".join(result.notes)
    for figure in ("80 %", "15 %", "5 %", "10 %", "25 %", "12 months"):
        assert figure in text


def test_two_months_of_the_year(year, request_for):
    y = year.year
    result = abc_xyz.build(request_for(year.director),
                           Filters(dt.date(y, 2, 1), dt.date(y, 3, 31)))
    rows = by_client(result)
    # Альфа 1000 (A, steady), Вега 120 + 80 (CV 20), Бета 180 + 180 (CV 0), Эпсилон −50.
    assert rows["Альфа"]["revenue"] == D("1000.00")
    assert rows["Вега"]["revenue"] == D("200.00")
    assert rows["Вега"]["cv"] == D("20.00")
    assert rows["Бета"]["cv"] == D("0.00")
    assert "Гамма" not in rows and "Дельта" not in rows
    assert rows["Эпсилон"]["revenue"] == D("-50.00")
    # 1000 of 1560: Альфа A (starts at 0 %); Бета starts at 64.10 % → A; Вега at 87.18 % → B.
    assert [rows[n]["abc"] for n in ("Альфа", "Бета", "Вега", "Эпсилон")] == ["A", "A", "B", "C"]


def test_product_group_narrows_the_facts(year, request_for):
    f = year.filters
    tools = Filters(f.period_start, f.period_end, group_id=year.tools.id)
    rows = by_client(abc_xyz.build(request_for(year.director), tools))
    assert "Гамма" not in rows  # paint only
    assert rows["Альфа"]["revenue"] == D("6000.00")


def test_sales_manager_sees_his_own_clients(year, request_for):
    rows = by_client(abc_xyz.build(request_for(year.north_manager), year.filters))
    assert "Вега" not in rows
    # Of 8800: Альфа A, Бета starts at 68.18 % → A, Гамма starts at 95.45 % → C.
    assert rows["Альфа"]["class"] == "AX"
    assert rows["Бета"]["class"] == "AX"
    assert rows["Гамма"]["class"] == "CZ"
    assert rows["Альфа"]["share"] == D("68.18")
    south = by_client(abc_xyz.build(request_for(year.south_manager), year.filters))
    assert list(south) == ["Вега"]
    assert south["Вега"]["class"] == "AY"


def test_department_head_sees_his_department(year, request_for):
    rows = by_client(abc_xyz.build(request_for(year.north_head), year.filters))
    assert set(rows) == {"Альфа", "Бета", "Гамма", "Дельта", "Эпсилон"}


def test_employee_without_the_report_right_sees_nothing(year, request_for):
    result = abc_xyz.build(request_for(year.employee), year.filters)
    assert result.tables[1].rows == []
    assert result.tables[0].totals["clients"] == 0


def test_a_page_shows_a_page_of_clients_the_export_all(year, request_for, monkeypatch):
    from portal.sales.reports import customers

    monkeypatch.setattr(customers, "PAGE_ROWS", 2)
    page = abc_xyz.build(request_for(year.director), year.filters)
    assert len(page.tables[1].rows) == 2
    assert any("2 of 6" in note for note in page.notes)
    export = abc_xyz.build(request_for(year.director, path="/?format=csv"), year.filters)
    assert len(export.tables[1].rows) == 6
    # The matrix counts every client either way.
    assert page.tables[0].totals["clients"] == 6


def test_no_sales_no_rows(year, request_for):
    y = year.year
    result = abc_xyz.build(request_for(year.director),
                           Filters(dt.date(y + 5, 1, 1), dt.date(y + 5, 12, 31)))
    assert result.tables[1].rows == []
    assert result.tables[0].totals["revenue"] == Decimal(0)


def test_registered_with_its_filters(app):
    from portal.sales.reports.base import SALES_REPORTS

    info = SALES_REPORTS["abc_xyz"]
    assert info.build is abc_xyz.build
    assert info.filters == ("period", "manager", "group", "department")


def test_the_page_and_its_export(year, testapp, login_as):
    y = year.year
    url = f"/sales/reports/@@abc_xyz?from={y}-01-01&to={y}-12-31"
    login_as(year.director)
    page = testapp.get(url)
    assert "Альфа" in page.text and "AX" in page.text and "331.66" in page.text
    csv = testapp.get(url + "&format=csv")
    assert "Альфа" in csv.text and "Эпсилон" in csv.text
    login_as(year.employee)
    testapp.get(url, status=403)
