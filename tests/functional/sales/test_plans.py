"""Sales plans (portal/sales/plans.py, views/sales/plans.py): the grid, one cell saved by the
script, the whole grid without it, past months refused, corrections kept, who may edit whose
plans; on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from models.errors import UserError
from models.sales import ProductGroup, SalesPlan, SalesPlanChange
from portal.sales.plans import parse_amount, save_plan
from portal.sales.reports.base import month_key
from tests.clock import local_today

D = Decimal


def next_month(day: dt.date) -> int:
    first = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return month_key(first)


def last_month(day: dt.date) -> int:
    return month_key(day.replace(day=1) - dt.timedelta(days=1))


@pytest.fixture
def plans_world(dbsession, factory):
    north = factory.department("Plans North")
    south = factory.department("Plans South")
    ns = type("W", (), {})()
    ns.north, ns.south = north, south
    ns.nm = factory.user(login="plan-nm", roles=["sales"], departments=[north], full_name="Anna Plan")
    ns.sm = factory.user(login="plan-sm", roles=["sales"], departments=[south], full_name="Boris Plan")
    ns.head = factory.user(login="plan-head", roles=["dept_head"], departments=[north],
                           full_name="Clara Plan")
    ns.group = ProductGroup(name="Plan pumps")
    dbsession.add(ns.group)
    dbsession.flush()
    ns.group.set_path(None)
    ns.child = ProductGroup(name="Plan pump parts", parent_id=ns.group.id)
    dbsession.add(ns.child)
    dbsession.flush()
    ns.child.set_path(ns.group)
    dbsession.flush()
    ns.today = local_today()
    ns.month = next_month(ns.today)
    return ns


def test_parse_amount():
    assert parse_amount("1 234,5") == D("1234.50")
    assert parse_amount("") == D("0.00")
    for bad in ("-5", "abc", "1.234", "1e5", "99999999999999"):
        with pytest.raises(UserError):
            parse_amount(bad)


def test_save_keeps_one_row_and_every_correction(dbsession, plans_world):
    w = plans_world
    first = save_plan(dbsession, w.head, w.nm.id, w.group.id, w.month, D("100.00"), w.today)
    again = save_plan(dbsession, w.head, w.nm.id, w.group.id, w.month, D("150.00"), w.today)
    save_plan(dbsession, w.head, w.nm.id, w.group.id, w.month, D("150.00"), w.today)  # no change
    assert first.id == again.id and again.amount == D("150.00")
    changes = dbsession.execute(sa.select(SalesPlanChange.old_amount, SalesPlanChange.new_amount)
                                .where(SalesPlanChange.plan_id == first.id)
                                .order_by(SalesPlanChange.id)).all()
    assert changes == [(None, D("100.00")), (D("100.00"), D("150.00"))]


def test_past_month_child_group_and_negative_refused(dbsession, plans_world):
    w = plans_world
    with pytest.raises(UserError) as past:
        save_plan(dbsession, w.head, w.nm.id, w.group.id, last_month(w.today), D("1"), w.today)
    assert past.value.status == 409 and "past months" in str(past.value)
    with pytest.raises(UserError):
        save_plan(dbsession, w.head, w.nm.id, w.child.id, w.month, D("1"), w.today)
    with pytest.raises(UserError):
        save_plan(dbsession, w.head, w.nm.id, w.group.id, 202513, D("1"), w.today)
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(SalesPlan)
                            .where(SalesPlan.manager_id == w.nm.id)) == 0


def cell(w, manager, amount, month=None):
    return {"manager": str(manager.id), "group": str(w.group.id),
            "month": str(month or w.month), "amount": amount}


def test_head_edits_own_department_cells(plans_world, testapp, login_as, dbsession):
    w = plans_world
    login_as(w.head)
    page = testapp.get(f"/sales/plans?year={w.month // 100}")
    assert "Anna Plan" in page.text and "Boris Plan" not in page.text
    assert f'name="c-{w.nm.id}-{w.group.id}-{w.month}"' in page.text
    answer = testapp.post_csrf("/sales/plans/@@cell", cell(w, w.nm, "1 500,5"),
                               headers={"Accept": "application/json"})
    assert answer.json["ok"] and answer.json["amount"] == "1500.50"
    testapp.post_csrf("/sales/plans/@@cell", cell(w, w.nm, "2000"),
                      headers={"Accept": "application/json"})
    plan = dbsession.scalar(sa.select(SalesPlan).where(SalesPlan.manager_id == w.nm.id))
    assert plan.amount == D("2000.00")
    history = testapp.get(f"/sales/plans/@@history?manager={w.nm.id}&group={w.group.id}"
                          f"&month={w.month}&part=1")
    assert history.text.count("plan-change") == 2
    # Another department's manager: refused.
    refused = testapp.post_csrf("/sales/plans/@@cell", cell(w, w.sm, "10"),
                                headers={"Accept": "application/json"}, status=403)
    assert not refused.json["ok"]
    # A past month: refused with a message; nothing stored.
    past = testapp.post_csrf("/sales/plans/@@cell", cell(w, w.nm, "10", last_month(w.today)),
                             headers={"Accept": "application/json"}, status=409)
    assert "past months" in past.json["message"]
    bad = testapp.post_csrf("/sales/plans/@@cell", cell(w, w.nm, "-10"),
                            headers={"Accept": "application/json"}, status=400)
    assert bad.json["field"] == "amount"
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(SalesPlan)
                            .where(SalesPlan.manager_id == w.nm.id)) == 1


def test_whole_grid_without_script(plans_world, testapp, login_as, dbsession):
    w = plans_world
    login_as(w.head)
    name = f"c-{w.nm.id}-{w.group.id}-{w.month}"
    testapp.post_csrf("/sales/plans/@@save", {"year": str(w.month // 100), name: "700"},
                      status=303)
    assert dbsession.scalar(sa.select(SalesPlan.amount).where(
        SalesPlan.manager_id == w.nm.id)) == D("700.00")
    past = f"c-{w.nm.id}-{w.group.id}-{last_month(w.today)}"
    page = testapp.post_csrf("/sales/plans/@@save", {"year": str(w.month // 100), name: "800",
                                                     past: "5"}, status=400)
    assert f'id="error-{past}"' in page.text
    # All or none: the good cell of a refused grid is not stored.
    assert dbsession.scalar(sa.select(SalesPlan.amount).where(
        SalesPlan.manager_id == w.nm.id, SalesPlan.month == w.month)) == D("700.00")


def test_manager_sees_own_row_only_and_may_not_edit(plans_world, testapp, login_as, dbsession):
    w = plans_world
    save_plan(dbsession, w.head, w.sm.id, w.group.id, w.month, D("5.00"), w.today)
    login_as(w.nm)
    page = testapp.get(f"/sales/plans?year={w.month // 100}")
    assert "Anna Plan" in page.text and "Boris Plan" not in page.text
    assert 'class="form-control form-control-sm text-end plan-input' not in page.text
    testapp.post_csrf("/sales/plans/@@cell", cell(w, w.nm, "10"),
                      headers={"Accept": "application/json"}, status=403)
    history = testapp.get(f"/sales/plans/@@history?manager={w.sm.id}&group={w.group.id}"
                          f"&month={w.month}&part=1")
    assert "plan-change" not in history.text


def test_no_plan_rights_403(plans_world, testapp, login_as):
    login_as("employee")
    testapp.get("/sales/plans", status=403)


def test_grid_fits_a_phone_and_names_its_buttons(plans_world, testapp, login_as, dbsession):
    """At 390 px the grid scrolls sideways inside a focusable region with a narrow sticky manager
    column; the year buttons' names contain the visible year (axe label-content-name-mismatch)."""
    w = plans_world
    save_plan(dbsession, w.head, w.nm.id, w.group.id, w.month, D("5.00"), w.today)
    login_as(w.head)
    year = w.month // 100
    page = testapp.get(f"/sales/plans?year={year}")
    region = page.html.select_one("#plans-form .plans-scroll")
    assert region["tabindex"] == "0" and region["role"] == "region" and region["aria-label"]
    assert page.html.select_one("#plans-grid tbody th.plan-manager").get_text(strip=True) == "Anna Plan"
    prev, nxt = page.html.select_one("#plans-prev"), page.html.select_one("#plans-next")
    assert not prev.has_attr("aria-label") and not nxt.has_attr("aria-label")
    assert " ".join(prev.get_text().split()) == f"Previous year: {year - 1}"
    assert " ".join(nxt.get_text().split()) == f"Next year: {year + 1}"
    assert page.html.select(".plan-history i[aria-hidden=true]")
