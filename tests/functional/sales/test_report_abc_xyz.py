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
import tracemalloc
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.sales.reports import abc_xyz
from portal.sales.reports.base import Filters, percent
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


def test_a_period_that_cuts_months(year, request_for):
    """15 March – 10 June: March counts only what was shipped from the 15th (Вега's return of
    −30 on the 20th; Альфа's and Бета's facts of the 10th and 11th are out), June up to the 10th
    (Альфа's 333.33 of the 10th in, its 166.67 of the 11th out); April and May whole. 4 months.

        client   Mar   Apr   May   Jun      total   share  starts at  CV %             class
        Альфа      0   500   500  333.33  1333.33   52.02      0      61.24            AZ
        Бета       0   180   180  180      540.00   21.07     52.02   57.74 (√3 / 3)   AZ
        Гамма      0     0     0  400      400.00   15.60     73.08  173.21 (√3)       AZ
        Вега     −30   120    80  120      290.00   11.31     88.69   84.68            BZ
        Дельта     0   100  −100    0        0.00    0.00               —              CZ
    of 2563.33; Эпсилон (a return in February) is not in the period."""
    y = year.year
    rows = by_client(abc_xyz.build(request_for(year.director),
                                   Filters(dt.date(y, 3, 15), dt.date(y, 6, 10))))
    assert list(rows) == ["Альфа", "Бета", "Гамма", "Вега", "Дельта"]
    expected = {"Альфа": ("1333.33", "52.02", 3, "61.24", "AZ"),
                "Бета": ("540.00", "21.07", 3, "57.74", "AZ"),
                "Гамма": ("400.00", "15.60", 1, "173.21", "AZ"),
                "Вега": ("290.00", "11.31", 3, "84.68", "BZ"),
                "Дельта": ("0.00", "0.00", 1, None, "CZ")}
    for name, (revenue, share, months, cv, cls) in expected.items():
        row = rows[name]
        assert (row["revenue"], row["share"], row["months"], row["class"]) == (
            D(revenue), D(share), months, cls), name
        assert row["cv"] == (D(cv) if cv is not None else None), name


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


# --- speed (issue 15: 100,000 clients within 2 s): what keeps the work small -------------------

def test_the_client_index_holds_the_amount(dbengine, year, request_for):
    """The facts are read from ix_sales_facts_organization_month alone: (organization_id, month,
    amount), in the migration as in the model; SQLite's plan says so."""
    indexes = {i["name"]: i["column_names"]
               for i in sa.inspect(dbengine).get_indexes("sales_facts")}
    assert indexes["ix_sales_facts_organization_month"] == ["organization_id", "month", "amount"]
    if dbengine.dialect.name == "sqlite":
        request = request_for(year.director)
        conn = request.dbsession.connection()
        compiled = abc_xyz.client_figures_statement(request, year.filters).compile(
            dialect=conn.dialect)
        params = tuple(compiled.params[name] for name in compiled.positiontup)
        plan = " ".join(row[3] for row in conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + str(compiled), params))
        assert "COVERING INDEX ix_sales_facts_organization_month" in plan, plan


def test_classify_keeps_rows_for_the_page_only(year, request_for):
    found = abc_xyz.classify(request_for(year.director), year.filters, keep=2)
    assert found.count == 6 and found.months == 12
    assert found.grand == 1_000_000  # kopecks of the clients with a positive revenue
    assert sum(found.cell_clients) == 6 and sum(found.cell_kopecks) == 995_000
    assert found.rows == [
        abc_xyz.ClientRow(year.alpha.id, 600_000, 12, 0.0, "A", "X", 600_000),
        abc_xyz.ClientRow(year.beta.id, 240_000, 12, pytest.approx(10.0), "A", "X", 840_000)]
    everyone = abc_xyz.classify(request_for(year.director), year.filters)
    assert [r.organization_id for r in everyone.rows] == [
        c.id for c in (year.alpha, year.beta, year.vega, year.gamma, year.delta, year.epsilon)]
    assert [r.up_to for r in everyone.rows][-3:] == [1_000_000] * 3


def test_the_python_pass_keeps_no_object_per_client(monkeypatch):
    """100,000 clients' figures (as the database gives them) classified for a page of 500 rows:
    no object per client is kept beyond the rows shown (a dataclass per client was 20 MB)."""
    figures = [(i, 10_000_000 - i * 97, float(10_000_000 - i * 97) ** 2 / 3, 3)
               for i in range(1, 100_001)]
    monkeypatch.setattr(abc_xyz, "client_figures", lambda request, filters: figures)
    filters = Filters(dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    tracemalloc.start()
    try:
        found = abc_xyz.classify(None, filters, keep=500)
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000, peak
    assert found.count == 100_000 and len(found.rows) == 500
    # Months of equal sums: CV 0 → X for everyone; the matrix counts all of them.
    assert sum(found.cell_clients[i * 3] for i in range(3)) == 100_000


@pytest.mark.parametrize("whole", [7, 8, 999, 200_000, 1_000_000])
def test_share_is_percent_rounded_half_up(whole):
    for part in range(-300, 301):
        assert abc_xyz.share(part, whole) == percent(part, whole), (part, whole)
    assert abc_xyz.share(50, 1_000_000) == D("0.01")  # 0.005 % → up
    assert abc_xyz.share(-50, 1_000_000) == D("-0.01")  # away from 0, as ROUND_HALF_UP
    assert abc_xyz.share(49, 1_000_000) == D("0.00")
    assert abc_xyz.share(1, 0) is None
