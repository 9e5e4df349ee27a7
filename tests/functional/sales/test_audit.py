"""Deals, orders, products and plans in the audit log, in words: ids become names (stages,
people, clients, product groups), codes become words, bookkeeping stays out."""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy_continuum import versioning_manager

from models.sales import SalesPlan


def commit_point(dbsession) -> None:
    """End the audit transaction, as the end of a request does (tests never commit)."""
    dbsession.flush()
    versioning_manager.clear(dbsession)


def audit_text(testapp, login_as, table: str) -> str:
    if not getattr(testapp, "logged_in_admin", False):
        login_as("admin", full_name="Админов Админ")
        testapp.logged_in_admin = True
    page = testapp.get("/admin/audit", {"table": table})
    return " ".join(page.html.find(id="audit-entries").text.split())


def test_a_deal_moved_and_lost_is_told_in_words(sales_world, testapp, login_as):
    w = sales_world
    commit_point(w.db)
    deal = w.deal(w.north_client, w.north_manager, w.stages["Proposal"], amount="1000.00",
                  title="Котлы для школы")
    commit_point(w.db)
    deal.stage_id = w.stages["Lost"].id
    deal.state = "lost"
    deal.lost_reason_id = w.deal_lost_reasons["price"].id
    deal.amount = Decimal("1500.00")
    commit_point(w.db)
    text = audit_text(testapp, login_as, "sales_deals")
    assert "Created deal “Котлы для школы”" in text
    assert "Changed deal “Котлы для школы”" in text
    assert "stage: Proposal Lost" in text
    assert "status: Open Lost" in text
    assert "lost reason: — Price too high" in text
    assert "amount: 1000.00 1500.00" in text
    assert "version" not in text and "stage_entered_at" not in text


def test_orders_products_and_plans_are_told_in_words(sales_world, testapp, login_as):
    w = sales_world
    commit_point(w.db)
    order = w.order(w.south_client, w.south_manager, [(w.drainage_pump, "2", "12500.00")])
    commit_point(w.db)
    order.state = "confirmed"
    w.gas_boiler.price = Decimal("47000.00")
    plan = SalesPlan(manager_id=w.north_manager.id, group_id=w.boilers.id, month=202612,
                     amount=Decimal("500000.00"))
    w.db.add(plan)
    commit_point(w.db)
    plan.amount = Decimal("550000.00")
    commit_point(w.db)
    orders = audit_text(testapp, login_as, "sales_orders")
    assert f"Changed order {order.number}" in orders
    assert "status: Draft Order confirmed" in orders
    products = audit_text(testapp, login_as, "sales_products")
    assert "Changed product GB-24 “Gas boiler 24 kW” price: 45000.00 47000.00" in products
    plans = audit_text(testapp, login_as, "sales_plans")
    assert "Changed the plan of Нордова Анна for “Boilers”, 2026-12" in plans
    assert "amount: 500000.00 550000.00" in plans
    assert w.db.scalar(sa.select(SalesPlan.version).where(SalesPlan.id == plan.id)) == 2
