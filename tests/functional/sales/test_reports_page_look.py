"""The report pages look finished (issue 15, review F5 point H): every card of /sales/reports
says what question its report answers, under an icon of its own; the report tables are scroll
regions a keyboard reaches (axe "scrollable-region-focusable"), the pager's disabled arrows
carry no aria-label a span may not have (axe "aria-prohibited-attr"); and plan vs fact's long
detail table is collapsed under its row count while the summaries above it stay open."""
from __future__ import annotations

import pytest

from tests.functional.sales.test_report_annual import YEAR, build_world


@pytest.fixture
def world(dbsession, factory):
    return build_world(dbsession, factory)


def test_every_report_card_has_a_description_and_its_own_icon(world, testapp, login_as):
    login_as(world.director)
    page = testapp.get("/sales/reports")
    cards = page.html.select("#report-list a.report-card")
    assert len(cards) >= 14
    icons = []
    for card in cards:
        description = card.select_one(".card-body .small")
        assert description is not None and description.get_text(strip=True), card["data-report"]
        icon = card.select_one(".report-icon i")["class"]
        assert "bi-bar-chart" not in icon, card["data-report"]  # the generic one
        icons.append(" ".join(icon))
    assert len(set(icons)) == len(icons)
    by_name = {c["data-report"]: c.get_text(" ", strip=True) for c in cards}
    assert "how steadily they buy (XYZ)" in by_name["abc_xyz"]
    assert "aged by days past due" in by_name["receivables"]


def test_report_tables_are_keyboard_scroll_regions(world, testapp, login_as, monkeypatch):
    import views.sales.reports as page_module

    monkeypatch.setattr(page_module, "PAGE_ROWS", 5)  # the detail gets a pager
    login_as(world.director)
    page = testapp.get(f"/sales/reports/@@plan_fact?year={YEAR}")
    wrappers = page.html.select(".table-responsive")
    assert len(wrappers) == 3
    for wrapper in wrappers:
        assert wrapper.get("tabindex") == "0" and wrapper.get("role") == "region"
        assert wrapper.get("aria-label")
    assert [w["aria-label"] for w in wrappers] == [
        "By manager", "By month", "By manager, product group and month"]
    pager = page.html.find(id="report-pager-3")
    assert pager.select("a.page-link[aria-label='Next page']")
    for span in pager.select("span"):  # the disabled "previous" is a span: no aria-label
        assert not span.has_attr("aria-label")


def test_plan_fact_detail_is_collapsed_under_its_row_count(world, testapp, login_as):
    login_as(world.director)
    page = testapp.get(f"/sales/reports/@@plan_fact?year={YEAR}")
    details = page.html.select("details.report-detail")
    assert len(details) == 1
    assert details[0].find(id="report-table-3") is not None  # the detail, 48 rows
    assert not details[0].has_attr("open")
    assert "Show the table (rows: 48)" in details[0].summary.get_text(" ", strip=True)
    for n in (1, 2):  # by manager, by month: open
        assert page.html.find(id=f"report-table-{n}").find_parent("details") is None
    # Asked for a page of it: shown open.
    page = testapp.get(f"/sales/reports/@@plan_fact?year={YEAR}&page3=1")
    assert not page.html.select("details.report-detail")
    assert page.html.find(id="report-table-3") is not None
