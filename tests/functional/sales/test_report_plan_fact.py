"""Plan vs fact (portal/sales/reports/plan_fact.py) against figures computed by hand, on SQLite
and PostgreSQL: completion rounded half up, deviation, empty months as 0, returns deducted, a
fact without a plan, own scope."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from portal.sales.reports.base import Filters
from tests.functional.sales.test_report_annual import YEAR, build_world, year_filters

D = Decimal


@pytest.fixture
def world(dbsession, factory):
    return build_world(dbsession, factory)


def cells(table):
    return {(r["manager"], r["group"], r["month"]): r for r in table.rows}


def test_plan_fact_by_manager_group_and_month(world, request_for):
    from portal.sales.reports.plan_fact import plan_fact

    summary, monthly, detail = plan_fact(request_for(world.director), year_filters()).tables
    rows = cells(detail)
    jan = rows["Anna North", "Pumps", 202501]
    assert (jan["plan"], jan["fact"], jan["completion"], jan["deviation"]) == (
        D("150.00"), D("166.66"), D("111.11"), D("16.66"))
    mar = rows["Anna North", "Valves", 202503]
    assert (mar["completion"], mar["deviation"]) == (D("33.67"), D("-19.90"))  # 10.10 / 30
    south = rows["Boris South", "Valves", 202503]
    assert (south["fact"], south["completion"]) == (D("180.00"), D("100.00"))  # 200 − 20 returned
    dec = rows["Boris South", "Pumps", 202512]
    assert (dec["plan"], dec["fact"], dec["completion"], dec["deviation"]) == (
        D("0.00"), D("1.01"), None, D("1.01"))
    empty = rows["Anna North", "Pumps", 202502]
    assert (empty["plan"], empty["fact"], empty["completion"], empty["deviation"]) == (
        D("0.00"), D("0.00"), None, D("0.00"))
    # Every month of each manager × group pair is there.
    assert len(detail.rows) == 4 * 12
    assert (detail.totals["plan"], detail.totals["fact"]) == (D("360.00"), D("357.77"))
    assert detail.totals["completion"] == D("99.38")  # 357.77 / 360 = 99.3805…
    assert detail.totals["deviation"] == D("-2.23")
    by_manager = {r["manager"]: r for r in summary.rows}
    assert by_manager["Anna North"]["plan"] == D("180.00")
    assert by_manager["Anna North"]["fact"] == D("176.76")
    assert by_manager["Anna North"]["completion"] == D("98.20")  # 176.76 / 180 = 98.2
    months = {r["month"]: r for r in monthly.rows}
    assert months[202503]["plan"] == D("210.00") and months[202503]["fact"] == D("190.10")
    assert months[202506]["plan"] == D("0.00") and months[202506]["fact"] == D("0.00")


def test_plan_fact_own_scope_and_group_filter(world, request_for):
    from portal.sales.reports.plan_fact import plan_fact

    _summary, _monthly, detail = plan_fact(request_for(world.nm), year_filters()).tables
    assert {r["manager"] for r in detail.rows} == {"Anna North"}
    assert (detail.totals["plan"], detail.totals["fact"]) == (D("180.00"), D("176.76"))
    # A child group counts as its top group (plans are per top group).
    child = plan_fact(request_for(world.director), year_filters(group_id=world.a1.id))
    assert child.tables[2].totals["plan"] == D("150.00")
    assert child.tables[2].totals["fact"] == D("167.67")
    quarter = plan_fact(request_for(world.director),
                        Filters(dt.date(YEAR, 1, 1), dt.date(YEAR, 3, 31)))
    assert quarter.tables[2].totals["fact"] == D("356.76")


def test_plan_fact_page(world, testapp, login_as):
    login_as(world.head)
    page = testapp.get(f"/sales/reports/@@plan_fact?year={YEAR}")
    assert "Anna North" in page.text and "Boris South" not in page.text
    assert "111.11" in page.text
