"""The funnel (portal/sales/reports/funnel.py) against figures computed by hand, on SQLite and
PostgreSQL: deals entering each stage in the period, conversion to the next stage and to won,
average days in a stage, lost reasons with counts and amounts, and the rights."""
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


def test_funnel_stages_conversion_and_days(world, request_for):
    from portal.sales.reports.funnel import funnel

    result = funnel(request_for(world.director), year_filters(pipeline_id=world.pipeline.id))
    stages, lost = result.tables
    rows = {r["stage"]: r for r in stages.rows}
    q = rows["Qualification"]
    # D1, D2, D3 entered in 2025 (D4 in 2024); D1 and D2 moved on; D1 won.
    assert (q["entered"], q["moved_on"], q["to_next"], q["won"], q["to_won"]) == (
        3, 2, D("66.67"), 1, D("33.33"))
    assert q["days"] == D("6.0")  # (10 + 2) / 2; D3 is still there
    p = rows["Proposal"]
    assert (p["entered"], p["moved_on"], p["won"]) == (3, 2, 1)  # D1 won, D4 went on
    assert p["days"] == D("3.7")  # (5 + 1 + 5) / 3
    n = rows["Negotiation"]
    assert (n["entered"], n["moved_on"], n["to_next"], n["to_won"], n["days"]) == (
        1, 0, D("0.00"), D("0.00"), D("2.0"))
    assert rows["Won"]["entered"] == 1 and rows["Lost"]["entered"] == 2
    reasons = {r["reason"]: r for r in lost.rows}
    assert (reasons[world.price.title]["deals"], reasons[world.price.title]["amount"]) == (
        1, D("500.00"))
    assert reasons["Not specified"]["amount"] == D("100.00")
    assert reasons["Not specified"]["share"] == D("50.00")
    assert (lost.totals["deals"], lost.totals["amount"]) == (2, D("600.00"))
    assert result.chart["labels"] == ["Qualification", "Proposal", "Negotiation", "Won"]
    assert result.chart["datasets"][0]["data"] == [3, 3, 1, 1]


def test_funnel_period_and_channel(world, request_for):
    from portal.sales.reports.funnel import funnel

    request = request_for(world.director)
    february = funnel(request, Filters(dt.date(YEAR, 2, 1), dt.date(YEAR, 2, 28),
                                       channel=world.pipeline.channel))
    rows = {r["stage"]: r for r in february.tables[0].rows}
    assert rows["Qualification"]["entered"] == 1 and rows["Proposal"]["entered"] == 1
    assert rows["Qualification"]["to_won"] == D("100.00")
    assert february.tables[-1].totals["deals"] == 0


def test_funnel_sees_only_visible_deals(world, request_for):
    from portal.sales.reports.funnel import funnel

    # The deals are Anna North's in North: Boris South sees none of them.
    south = funnel(request_for(world.sm), year_filters(pipeline_id=world.pipeline.id))
    assert all(r["entered"] == 0 for r in south.tables[0].rows)
    assert south.tables[-1].totals["deals"] == 0


def test_funnel_page(world, testapp, login_as):
    login_as(world.director)
    page = testapp.get(f"/sales/reports/@@funnel?year={YEAR}&pipeline={world.pipeline.id}")
    assert "Qualification" in page.text and "66.67" in page.text
