"""The generic page of the sales reports (views/sales/reports.py): the index lists what the
person may open, 403 without report.sales, refused filters (a 50-year period, junk dates and
ids) answer 400 with the message next to the field, CSV/XLSX of every registered report."""
from __future__ import annotations

import pytest

from tests.functional.sales.test_report_annual import YEAR, build_world


@pytest.fixture
def world(dbsession, factory):
    return build_world(dbsession, factory)


def test_index_lists_the_reports(world, testapp, login_as):
    login_as(world.nm)
    page = testapp.get("/sales/reports")
    for name in ("annual", "plan_fact", "funnel"):
        assert f'data-report="{name}"' in page.text


def test_without_report_sales_403(world, testapp, login_as):
    login_as("employee")
    testapp.get("/sales/reports", status=403)
    testapp.get(f"/sales/reports/@@annual?year={YEAR}", status=403)
    testapp.get(f"/sales/reports/@@annual?year={YEAR}&format=csv", status=403)


@pytest.mark.parametrize("query, field", [
    ("from=1970-01-01&to=2025-12-31", "to"),        # 50 years and more
    ("from=2025-13-01", "from"),
    ("from=2025-12-31&to=2025-01-01", "to"),
    ("year=abc", "year"),
    ("manager=abc", "manager"),
    ("group=-1", "group"),
    ("department=1e9", "department"),
    ("from=%00", None),                             # refused before the view
])
def test_refused_filters(world, testapp, login_as, query, field):
    login_as(world.director)
    page = testapp.get(f"/sales/reports/@@annual?{query}", status=400)
    if field is not None:
        assert f'id="error-{field}"' in page.text
    testapp.get(f"/sales/reports/@@annual?{query}&format=csv", status=400)


def test_fifty_years_message(world, testapp, login_as):
    login_as(world.director)
    page = testapp.get("/sales/reports/@@annual?from=1975-01-01&to=2025-01-01", status=400)
    assert "at most 10 years" in page.text


def test_unknown_format_and_junk_params(world, testapp, login_as):
    login_as(world.director)
    testapp.get(f"/sales/reports/@@annual?year={YEAR}&format=pdf", status=400)
    page = testapp.get(f"/sales/reports/@@annual?year={YEAR}&pipeline=x&foo=<b>")  # not its
    assert page.status_int == 200


def test_every_registered_report_renders_and_exports(world, testapp, login_as):
    from portal.sales.reports.base import SALES_REPORTS

    login_as(world.director)
    for info in SALES_REPORTS.values():
        if info.permission != "sales":
            continue
        testapp.get(f"/sales/reports/@@{info.name}?year={YEAR}")
        for fmt in ("csv", "xlsx"):
            testapp.get(f"/sales/reports/@@{info.name}?year={YEAR}&format={fmt}")
