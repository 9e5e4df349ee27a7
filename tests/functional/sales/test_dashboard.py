"""The director's dashboard (issue 15, point 6), on SQLite and PostgreSQL: each KPI by hand,
its traffic light by the named thresholds, who sees which figures, the page's statements.

T = the person's today, M = this month.

- Plan: north's plan for M 1000.00 (and, before M in this year, 500.00 in January when M is not
  January); shipped in M 400.00 on T (and 500.00 on January 10th): this month 40.00 %, the
  year (400 + 500) ÷ (1000 + 500) = 60.00 % (or 40.00 % in January).
- Funnel: open deals 1000.00 at 40 % and 300.00 at 70 % → weighted 610.00; closed in the last
  90 days: 3 won, 1 lost → 75.00 %; one won 100 days ago is out.
- Overdue: O1 confirmed 1000.00, paid 400.00, due T−1 → 600.00 overdue; O2 confirmed 500.00
  unpaid, due T+10 (not yet); O3 done and paid; O4 a draft due long ago (not an order yet):
  600.00 in 1 order, 600 ÷ 1100 = 54.5 % of what is unpaid → red.
"""
from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal

import pytest

from models.sales import Deal, Pipeline, SalesPlan, Stage
from portal.sales import dashboard
from tests.clock import local_today
from tests.functional.sales.test_report_customers_world import D, SalesBook
from tests.querycount import counting


@pytest.fixture
def world(dbsession, factory):
    book = SalesBook(dbsession, factory)
    t = book.today = local_today()
    month = t.year * 100 + t.month
    north = book.north_manager
    client = book.client("Клиент-дашборд", north)
    dbsession.add(SalesPlan(manager_id=north.id, group_id=book.tools.id, month=month,
                            amount=D("1000.00")))
    order = book.order(client, ordered_on=t.replace(day=1))
    book.ship(order, t, "400.00")
    if t.month > 1:
        dbsession.add(SalesPlan(manager_id=north.id, group_id=book.tools.id,
                                month=t.year * 100 + 1, amount=D("500.00")))
        book.ship(order, dt.date(t.year, 1, 10), "500.00")
    pipeline = Pipeline(code="s6-direct", name="Direct (S6)", channel="s6-direct", position=1)
    dbsession.add(pipeline)
    dbsession.flush()
    stages = {}
    for position, (name, probability, kind) in enumerate(
            (("Proposal", 40, "open"), ("Negotiation", 70, "open"), ("Won", 100, "won"),
             ("Lost", 0, "lost")), 1):
        stages[name] = Stage(pipeline_id=pipeline.id, name=name, position=position,
                             probability=probability, kind=kind)
        dbsession.add(stages[name])
    dbsession.flush()

    def deal(amount, stage, state="open", closed_ago=None):
        dbsession.add(Deal(title=f"Deal {amount}", organization_id=client.id,
                           pipeline_id=pipeline.id, stage_id=stages[stage].id,
                           amount=D(amount), owner_id=north.id,
                           department_id=book.north.id, state=state,
                           closed_on=t - dt.timedelta(days=closed_ago)
                           if closed_ago is not None else None))

    deal("1000.00", "Proposal")
    deal("300.00", "Negotiation")
    for ago in (10, 20, 89):
        deal("100.00", "Won", "won", ago)
    deal("100.00", "Lost", "lost", 30)
    deal("100.00", "Won", "won", 100)
    book.order(client, ordered_on=t, total="1000.00", paid_amount=D("400.00"),
               planned_pay_on=t - dt.timedelta(days=1))
    book.order(client, ordered_on=t, total="500.00", planned_pay_on=t + dt.timedelta(days=10))
    book.order(client, ordered_on=t, state="done", total="200.00", paid_amount=D("200.00"),
               planned_pay_on=t - dt.timedelta(days=40))
    book.order(client, ordered_on=t, state="draft", total="999.00",
               planned_pay_on=t - dt.timedelta(days=400))
    dbsession.flush()
    return book


def _kpis(request):
    return {kpi.key: kpi for kpi in dashboard.dashboard(request)}


def test_each_kpi_by_hand(world, request_for):
    t = world.today
    kpis = _kpis(request_for(world.director))
    month = kpis["plan_month"]
    assert month.value == D("40.00")
    elapsed = Decimal(t.day) / calendar.monthrange(t.year, t.month)[1]
    due_share = D("400") * 100 / (D("1000") * elapsed)
    assert month.status == ("green" if due_share >= 100 else "yellow" if due_share >= 90
                            else "red")
    assert kpis["plan_year"].value == (D("60.00") if t.month > 1 else D("40.00"))
    assert kpis["funnel"].value == D("610.00")
    assert kpis["win_rate"].value == D("75.00") and kpis["win_rate"].status == "green"
    assert kpis["win_rate"].extra == {"won": 3, "lost": 1}
    assert kpis["overdue"].value == D("600.00") and kpis["overdue"].extra == {"count": 1}
    assert kpis["overdue"].status == "red"
    # The director reports on tickets and service jobs too.
    assert {"sla", "tickets", "utilization"} <= set(kpis)
    assert kpis["plan_month"].url.startswith("/sales/reports/@@plan_fact")
    assert kpis["overdue"].url == "/sales/reports/@@payment_delays"


def test_traffic_lights_follow_the_named_thresholds():
    assert dashboard.light(dashboard.PLAN_GREEN, dashboard.PLAN_GREEN,
                           dashboard.PLAN_YELLOW) == "green"
    assert dashboard.light(dashboard.PLAN_YELLOW, dashboard.PLAN_GREEN,
                           dashboard.PLAN_YELLOW) == "yellow"
    assert dashboard.light(D("89.99"), dashboard.PLAN_GREEN, dashboard.PLAN_YELLOW) == "red"
    assert dashboard.light(None, dashboard.PLAN_GREEN, dashboard.PLAN_YELLOW) == "none"
    assert dashboard.light(D("5"), dashboard.OVERDUE_GREEN, dashboard.OVERDUE_YELLOW,
                           lower_is_better=True) == "green"
    assert dashboard.light(D("15.01"), dashboard.OVERDUE_GREEN, dashboard.OVERDUE_YELLOW,
                           lower_is_better=True) == "red"


def test_a_manager_sees_their_own_figures_and_no_support_ones(world, request_for):
    kpis = _kpis(request_for(world.south_manager))
    assert kpis["plan_month"].value is None and kpis["overdue"].value == D("0.00")
    assert kpis["funnel"].value == D("0.00")
    assert not {"sla", "tickets", "utilization"} & set(kpis)
    mine = _kpis(request_for(world.north_manager))
    assert mine["plan_month"].value == D("40.00") and mine["overdue"].value == D("600.00")


def test_the_page_is_few_statements_and_each_kpi_opens_its_report(world, testapp, dbengine):
    testapp.login(world.director.login)
    ru = {"Accept-Language": "ru"}
    testapp.get("/sales/dashboard", headers=ru, status=200)  # warm the per-process caches
    with counting(dbengine) as counts:
        page = testapp.get("/sales/dashboard", headers=ru, status=200)
    assert counts.queries <= 15, str(counts)
    cards = page.html.select("a.kpi")
    assert {card["id"] for card in cards} >= {"kpi-plan_month", "kpi-plan_year", "kpi-funnel",
                                              "kpi-win_rate", "kpi-overdue"}
    overdue = page.html.find(id="kpi-overdue")
    assert overdue["href"].endswith("/sales/reports/@@payment_delays")
    assert overdue["data-status"] == "red"
    assert "600,00" in overdue.get_text()


@pytest.mark.parametrize(("lang", "sum_", "rate"), [("en", "600.00", "75%"),
                                                   ("ru", "600,00", "75\u00a0%")])
def test_the_figures_are_written_in_the_readers_language(world, testapp, lang, sum_, rate):
    testapp.login(world.director.login)
    page = testapp.get("/sales/dashboard", headers={"Accept-Language": lang}, status=200)
    assert sum_ in page.html.find(id="kpi-overdue").get_text()
    assert rate in page.html.find(id="kpi-win_rate").get_text()
    other = "600,00" if lang == "en" else "600.00"
    assert other not in page.text


def test_who_may_not_report_on_sales_does_not_see_the_dashboard(world, testapp):
    testapp.login(world.employee.login)
    testapp.get("/sales/dashboard", status=403)
