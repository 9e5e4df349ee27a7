"""Managers' commission (issue 15, point 8), figures by hand, on SQLite and PostgreSQL.

Groups: Tools (top) → Drills (child); Paint (top). Rules: Tools 5 % (Drills inherits it),
every other group 2 % (Paint). Year Y = last year; the period is Y.

    order   manager  lines                                   payments
    A       north    DRILL 2 × 350 = 700, PAINT 3 × 100 = 300  Mar 10: 600; Apr 5: 400;
                     (total 1000)                             Apr 20: −100 (refund);
                                                              Dec Y−1: 50 (outside the period)
    B       south    PAINT 3 × 33.33 = 99.99                  Mar 15: 33.33
    C       north    DRILL 1 × 100, PAINT 2 × 100 (total 300)  Mar 25: 100

    A, Mar: 600 → Drills 420 (× 5 % = 21.00), Paint 180 (× 2 % = 3.60)
    A, Apr: 400 → 280 (14.00) and 120 (2.40); −100 → −70 (−3.50) and −30 (−0.60)
    C, Mar: 100 → 33.333… (1.6666…) and 66.666… (1.3333…)
    B, Mar: 33.33 → Paint 33.33 × 2 % = 0.6666 → 0.67

    north, March: paid 700.00, commission 21 + 3.60 + 1.6666… + 1.3333… = 27.60
        Drills 453.33 → 22.67; Paint 246.67 → 4.93 (each row rounded half up)
    north, April: paid 300.00, commission 14 + 2.40 − 3.50 − 0.60 = 12.30
    south, March: paid 33.33, commission 0.67
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from models.sales import CommissionRule
from portal.sales.reports import commission
from portal.sales.reports.base import Filters
from tests.clock import local_today
from tests.functional.sales.test_report_customers_world import D, SalesBook


@pytest.fixture
def paid(dbsession, factory):
    book = SalesBook(dbsession, factory)
    y = book.year = local_today().year - 1
    dbsession.add_all([CommissionRule(group_id=book.tools.id, percent=D("5.00"), active=True),
                       CommissionRule(group_id=None, percent=D("2.00"), active=True)])
    north = book.client("Север-клиент", book.north_manager)
    south = book.client("Юг-клиент", book.south_manager)
    a = book.order(north, ordered_on=dt.date(y, 3, 1),
                   lines=[(book.drill, 2, "350.00", 0), (book.paint, 3, "100.00", 0)])
    b = book.order(south, ordered_on=dt.date(y, 3, 1), lines=[(book.paint, 3, "33.33", 0)])
    c = book.order(north, ordered_on=dt.date(y, 3, 1),
                   lines=[(book.drill, 1, "100.00", 0), (book.paint, 2, "100.00", 0)])
    book.pay(a, dt.date(y, 3, 10), "600.00")
    book.pay(a, dt.date(y, 4, 5), "400.00")
    book.pay(a, dt.date(y, 4, 20), "-100.00")
    book.pay(a, dt.date(y - 1, 12, 20), "50.00")
    book.pay(b, dt.date(y, 3, 15), "33.33")
    book.pay(c, dt.date(y, 3, 25), "100.00")
    book.filters = Filters(dt.date(y, 1, 1), dt.date(y, 12, 31))
    return book


def _summary(result):
    return {(r["manager"], r["month"]): (r["paid"], r["commission"])
            for r in result.tables[0].rows}


def test_the_director_sees_everyones_commission_by_hand(paid, request_for):
    y = paid.year
    result = commission.commission_report(request_for(paid.director), paid.filters)
    north, south = paid.north_manager.full_name, paid.south_manager.full_name
    assert _summary(result) == {
        (north, y * 100 + 3): (D("700.00"), D("27.60")),
        (north, y * 100 + 4): (D("300.00"), D("12.30")),
        (south, y * 100 + 3): (D("33.33"), D("0.67")),
    }
    assert result.tables[0].totals["paid"] == D("1033.33")
    assert result.tables[0].totals["commission"] == D("40.57")
    detail = {(r["manager"], r["month"], r["group"]): (r["paid"], r["percent"], r["commission"])
              for r in result.tables[1].rows}
    assert detail[(north, y * 100 + 3, "Drills (S5)")] == (D("453.33"), D("5.00"), D("22.67"))
    assert detail[(north, y * 100 + 3, "Paint (S5)")] == (D("246.67"), D("2.00"), D("4.93"))
    assert detail[(north, y * 100 + 4, "Drills (S5)")] == (D("210.00"), D("5.00"), D("10.50"))
    assert detail[(north, y * 100 + 4, "Paint (S5)")] == (D("90.00"), D("2.00"), D("1.80"))
    assert result.chart["labels"] == sorted([north, south], key=str.lower)


def test_a_manager_sees_only_their_own_and_a_head_their_department(paid, request_for):
    mine = _summary(commission.commission_report(request_for(paid.south_manager), paid.filters))
    assert list(mine) == [(paid.south_manager.full_name, paid.year * 100 + 3)]
    head = _summary(commission.commission_report(request_for(paid.north_head), paid.filters))
    assert {name for name, _month in head} == {paid.north_manager.full_name}
    nothing = commission.commission_report(request_for(paid.employee), paid.filters)
    assert nothing.tables[0].rows == []


def test_an_inactive_rule_falls_back_to_the_parent_then_the_default(paid, dbsession):
    rules, parents = commission.rules_by_group(dbsession)
    assert commission.percent_for(paid.drills.id, rules, parents) == D("5.00")
    assert commission.percent_for(paid.paint_group.id, rules, parents) == D("2.00")
    dbsession.execute(sa.update(CommissionRule).where(CommissionRule.group_id == paid.tools.id)
                      .values(active=False))
    rules, parents = commission.rules_by_group(dbsession)
    assert commission.percent_for(paid.drills.id, rules, parents) == D("2.00")
    dbsession.execute(sa.update(CommissionRule).values(active=False))
    rules, parents = commission.rules_by_group(dbsession)
    assert commission.percent_for(paid.drills.id, rules, parents) == Decimal(0)


def test_the_report_page_and_its_export(paid, testapp):
    testapp.login(paid.director.login)
    query = {"from": f"{paid.year}-01-01", "to": f"{paid.year}-12-31"}
    page = testapp.get("/sales/reports/@@commission", params=query, status=200)
    assert "27,60" in page.text or "27.60" in page.text
    csv = testapp.get("/sales/reports/@@commission", params=dict(query, format="csv"),
                      status=200)
    assert "27.60" in csv.text or "27,60" in csv.text


# --- the rules page ------------------------------------------------------------------------------

def test_admin_saves_and_changes_a_rule_and_bad_percents_are_refused(paid, testapp, login_as,
                                                                     dbsession):
    login_as("admin")
    url = "/sales/settings/@@commission"
    testapp.post_csrf(url, {"group": str(paid.paint_group.id), "percent": "3,5",
                            "active": "1"}, status=302)
    rule = dbsession.scalar(sa.select(CommissionRule).where(
        CommissionRule.group_id == paid.paint_group.id))
    assert (rule.percent, rule.active) == (D("3.50"), True)
    testapp.post_csrf(url, {"group": str(paid.paint_group.id), "percent": "4"}, status=302)
    dbsession.refresh(rule)
    assert (rule.percent, rule.active) == (D("4.00"), False)
    for bad in ("150", "-1", "abc", "", "1.234", "NaN", "1e400"):
        page = testapp.post_csrf(url, {"group": str(paid.drills.id), "percent": bad},
                                 status=302).follow(status=200)
        assert "alert-danger" in page.text, bad
    page = testapp.post_csrf(url, {"group": "999999999", "percent": "1"},
                             status=302).follow(status=200)
    assert "Choose a product group from the list." in page.text
    assert dbsession.scalar(sa.select(CommissionRule).where(
        CommissionRule.group_id == paid.drills.id)) is None
    page = testapp.get(url, status=200)
    assert "Paint (S5)" in page.text
    testapp.post_csrf(url, {"action": "delete", "id": str(rule.id)}, status=302)
    assert dbsession.get(CommissionRule, rule.id) is None


@pytest.mark.parametrize(("lang", "shown", "active"), [("en", "3.50", "Yes"), ("ru", "3,50", "Да")])
def test_the_rules_page_writes_percents_in_the_readers_language(paid, testapp, login_as, lang,
                                                                shown, active):
    login_as("admin")
    url = "/sales/settings/@@commission"
    testapp.post_csrf(url, {"group": str(paid.paint_group.id), "percent": "3.5", "active": "1"},
                      status=302)
    page = testapp.get(url, headers={"Accept-Language": lang})
    assert f">{shown}</td><td>{active}</td>" in page.text


def test_only_admins_edit_the_rules(paid, testapp):
    testapp.login(paid.director.login)
    testapp.get("/sales/settings/@@commission", status=403)
    testapp.post_csrf("/sales/settings/@@commission", {"percent": "50"}, status=403)
