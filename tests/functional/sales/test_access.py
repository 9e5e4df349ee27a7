"""Who may see, add and change deals and orders, record payments and read the sales reports
(config/roles.yaml, ROLES.md "The coming areas"), for each role of the matrix: the row ACL
through the real security policy, and the SQL clauses every list and report filters with
(`visible_deals`, `visible_orders`, `visible_facts`) saying exactly the same."""
from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from models.errors import UserError
from models.sales import Deal, Order, SalesFact, Shipment, ShipmentLine, fact_month
from portal.sales.security import visible_deals, visible_facts, visible_orders
from tests.clock import local_today
from workflows.deal import DEAL
from workflows.engine import State, Workflow
from workflows.order import ORDER

# Who is who in `sales_world`: north_manager and north_manager2 sell in North (north_head is
# its head), south_manager in South; director, accountant, supply and a plain employee are in
# departments of their own.
PEOPLE = ("north_manager", "north_manager2", "north_head", "south_manager", "director",
          "accountant", "supply", "employee")


@pytest.fixture
def rows(sales_world):
    """A deal and an order of each manager (North: north_manager and north_manager2, South:
    south_manager), and a cancelled order of north_manager."""
    w = sales_world
    out = {}
    for who, client in (("north_manager", w.north_client), ("north_manager2", w.north_client2),
                        ("south_manager", w.south_client)):
        user = getattr(w, who)
        out[f"deal:{who}"] = w.deal(client, user, w.stages["Proposal"], amount="1000.00")
        out[f"order:{who}"] = w.order(client, user, [(w.gas_boiler, "1", "45000.00")],
                                      state="confirmed")
    out["order:cancelled"] = w.order(w.north_client, w.north_manager,
                                     [(w.boiler_kit, "2", "3500.50")], state="cancelled")
    return out


def names(rows, kind: str, *owners: str) -> set[str]:
    return {f"{kind}:{o}" for o in owners} & set(rows)


ALL_DEALS = ("north_manager", "north_manager2", "south_manager")
ALL_ORDERS = (*ALL_DEALS, "cancelled")
NORTH = ("north_manager", "north_manager2")

# person: (deals seen, deals changed, orders seen, orders changed, orders paid)
EXPECTED = {
    # sales: dept view, own edit; no payments.
    "north_manager": (NORTH, ("north_manager",), (*NORTH, "cancelled"), ("north_manager",), ()),
    "north_manager2": (NORTH, ("north_manager2",), (*NORTH, "cancelled"), ("north_manager2",), ()),
    "south_manager": (("south_manager",), ("south_manager",), ("south_manager",),
                      ("south_manager",), ()),
    # dept_head: view and edit the department's; a cancelled order is nobody's to change.
    "north_head": (NORTH, NORTH, (*NORTH, "cancelled"), NORTH, ()),
    # director: everything (but a cancelled order).
    "director": (ALL_DEALS, ALL_DEALS, ALL_ORDERS, ALL_DEALS, ALL_DEALS),
    # accountant: sees all, records payments, changes nothing.
    "accountant": (ALL_DEALS, (), ALL_ORDERS, (), ALL_DEALS),
    # supply: sees all (what to buy), changes nothing.
    "supply": (ALL_DEALS, (), ALL_ORDERS, (), ()),
    "employee": ((), (), (), (), ()),
}


def page(request, row):
    if isinstance(row, Deal):
        return request.root["sales"]["deals"][str(row.id)]
    return request.root["sales"]["orders"][row.number]


@pytest.mark.parametrize("who", PEOPLE)
def test_each_role_sees_and_changes_the_rows_the_matrix_gives(who, sales_world, rows, request_for):
    request = request_for(getattr(sales_world, who))
    deals_seen, deals_changed, orders_seen, orders_changed, orders_paid = EXPECTED[who]
    expected = {
        ("deal", "view"): names(rows, "deal", *deals_seen),
        ("deal", "edit"): names(rows, "deal", *deals_changed),
        ("order", "view"): names(rows, "order", *orders_seen),
        ("order", "edit"): names(rows, "order", *orders_changed),
        ("order", "payment"): names(rows, "order", *orders_paid),
    }
    clauses = {"deal": (Deal, visible_deals), "order": (Order, visible_orders)}
    for (kind, permission), want in expected.items():
        model, visible = clauses[kind]
        mine = {k: r for k, r in rows.items() if k.startswith(kind)}
        by_acl = {k for k, r in mine.items() if request.has_permission(permission, page(request, r))}
        ids = {r.id: k for k, r in mine.items()}
        by_sql = {ids[i] for i in request.dbsession.scalars(
            sa.select(model.id).where(visible(request, permission), model.id.in_(ids)))}
        assert by_acl == want, (who, kind, permission, by_acl)
        assert by_sql == want, (who, kind, permission, by_sql)


# person: may list deals, add deals, list orders, add orders
CONTAINERS = {
    "north_manager": (True, True, True, True),
    "north_head": (True, True, True, True),
    "director": (True, True, True, True),
    "accountant": (True, False, True, False),
    "supply": (True, False, True, False),
    "employee": (False, False, False, False),
}


@pytest.mark.parametrize("who", sorted(CONTAINERS))
def test_who_may_list_and_add_deals_and_orders(who, sales_world, request_for):
    request = request_for(getattr(sales_world, who))
    sales = request.root["sales"]
    found = tuple(bool(request.has_permission(permission, sales[name]))
                  for name, permission in (("deals", "view"), ("deals", "add"),
                                           ("orders", "view"), ("orders", "add")))
    assert found == CONTAINERS[who]


@pytest.mark.parametrize("who, catalog, manage, plans, plan_edit, reports", [
    ("employee", True, False, False, False, False),
    ("north_manager", True, False, True, False, True),
    ("north_head", True, False, True, True, True),
    ("director", True, True, True, True, True),
    ("accountant", True, False, False, False, True),
    ("supply", True, True, False, False, False),
])
def test_catalog_plans_and_reports(who, catalog, manage, plans, plan_edit, reports, sales_world,
                                   request_for):
    request = request_for(getattr(sales_world, who))
    sales = request.root["sales"]
    assert bool(request.has_permission("view", sales["products"])) is catalog
    assert bool(request.has_permission("manage", sales["products"])) is manage
    assert bool(request.has_permission("view", sales["plans"])) is plans
    assert bool(request.has_permission("edit", sales["plans"])) is plan_edit
    assert bool(request.has_permission("sales", sales["reports"])) is reports
    assert bool(request.has_permission("sales", sales["dashboard"])) is reports
    # Settings (pipelines, templates, commission rules) are the administrators'.
    assert not request.has_permission("view", sales["settings"])


def add_fact(w, order, quantity="1"):
    """A shipment of the order's first line and its fact, as the shipment service writes them."""
    line = order.lines[0]
    shipment = Shipment(order_id=order.id, shipped_on=local_today(), kind="shipment")
    shipment.lines.append(ShipmentLine(order_line_id=line.id, quantity=Decimal(quantity)))
    w.db.add(shipment)
    w.db.flush()
    product = next(p for p in w.products if p.id == line.product_id)
    group = next(g for g in (w.boilers, w.gas_boilers, w.pumps, w.circulation_pumps)
                 if g.id == product.group_id)
    fact = SalesFact(shipment_line_id=shipment.lines[0].id, shipped_on=shipment.shipped_on,
                     month=fact_month(shipment.shipped_on), organization_id=order.organization_id,
                     manager_id=order.manager_id, department_id=order.department_id,
                     product_id=product.id, group_id=group.id, top_group_id=group.top_id,
                     quantity=Decimal(quantity), amount=line.amount)
    w.db.add(fact)
    w.db.flush()
    return fact


@pytest.mark.parametrize("who, expected", [
    ("north_manager", {"north_manager"}),
    ("north_head", {"north_manager", "north_manager2"}),
    ("south_manager", {"south_manager"}),
    ("director", {"north_manager", "north_manager2", "south_manager"}),
    ("accountant", {"north_manager", "north_manager2", "south_manager"}),
    ("supply", set()),
    ("employee", set()),
])
def test_reports_count_the_facts_of_the_report_scope(who, expected, sales_world, rows,
                                                      request_for):
    w = sales_world
    facts = {owner: add_fact(w, rows[f"order:{owner}"]) for owner in ALL_DEALS}
    request = request_for(getattr(w, who))
    found = set(w.db.scalars(sa.select(SalesFact.id).where(
        visible_facts(request), SalesFact.id.in_([f.id for f in facts.values()]))))
    assert found == {facts[o].id for o in expected}


def test_a_marketing_specialist_reads_every_sale(sales_world, factory, request_for, rows):
    w = sales_world
    fact = add_fact(w, rows["order:south_manager"])
    marketer = factory.user("marketer", roles=["marketing"])
    request = request_for(marketer)
    assert w.db.scalar(sa.select(SalesFact.id).where(visible_facts(request),
                                                     SalesFact.id == fact.id)) == fact.id
    assert not request.has_permission("view", request.root["sales"]["deals"])


@pytest.mark.parametrize("who, target", [
    ("director", "/sales/dashboard/"),
    ("accountant", "/sales/dashboard/"),
    ("north_head", "/sales/deals/@@board"),
    ("north_manager", "/sales/deals/@@board"),
    ("supply", "/sales/deals/@@board"),
    ("employee", "/sales/products/"),
])
def test_the_sales_section_sends_each_person_where_their_work_is(who, target, sales_world,
                                                                  testapp):
    testapp.login(getattr(sales_world, who).login)
    response = testapp.get("/sales", status=302)
    assert response.location.endswith(target), response.location


def test_the_sales_section_is_in_the_navigation_of_those_who_see_it(sales_world, request_for):
    assert "sales" in [s.name for s in request_for(sales_world.employee).root.visible_sections()]


def test_a_stranger_is_sent_to_log_in(testapp):
    response = testapp.get("/sales", status=(302, 303))
    assert "login" in response.location


def test_deal_steps_follow_deal_edit_and_losing_needs_a_reason(sales_world, rows, request_for):
    w = sales_world
    mine, colleagues = rows["deal:north_manager"], rows["deal:north_manager2"]
    request = request_for(w.north_manager)
    assert [t.name for t in DEAL.available(request, page(request, mine))] == ["win"]
    assert DEAL.available(request, page(request, colleagues)) == []
    with pytest.raises(UserError):
        DEAL.transition(request, page(request, colleagues), "win")
    with pytest.raises(UserError):
        DEAL.transition(request, page(request, mine), "lose")
    assert mine.state == "open"
    mine.lost_reason_id = w.deal_lost_reasons["price"].id
    DEAL.transition(request, page(request, mine), "lose")
    assert w.db.scalar(sa.select(Deal.state).where(Deal.id == mine.id)) == "lost"
    # The head of the department closes and reopens the deals of the department.
    head = request_for(w.north_head)
    DEAL.transition(head, page(head, colleagues), "win")
    DEAL.transition(head, page(head, colleagues), "reopen")
    assert w.db.scalar(sa.select(Deal.state).where(Deal.id == colleagues.id)) == "open"


def test_a_cancelled_order_is_nobodys_to_change(sales_world, rows, request_for):
    w = sales_world
    order = w.order(w.north_client, w.north_manager, [(w.gas_boiler, "1", "45000.00")])
    request = request_for(w.north_manager)
    with pytest.raises(UserError):
        ORDER.transition(request, page(request, order), "cancel")  # a comment is needed
    ORDER.transition(request, page(request, order), "cancel", comment="The client changed plans")
    director = request_for(w.director)
    assert not request.has_permission("edit", page(request, order))
    assert not director.has_permission("edit", page(director, order))
    assert not director.has_permission("payment", page(director, order))
    assert director.has_permission("view", page(director, order))


# A workflow whose states name roles: a confirmed order only the head of a department (or the
# director) changes, a draft only its owner (manager) — whatever the matrix says otherwise.
NAMING_ROLES = Workflow(
    name="order_probe", initial="draft", type_permissions=ORDER.type_permissions,
    states={"draft": State("Draft", {"edit": ("Owner",)}),
            "confirmed": State("Confirmed", {"edit": ("dept_head", "director")}),
            "done": State("Done"), "cancelled": State("Cancelled", {"edit": ()})},
    transitions=ORDER.transitions)


@pytest.mark.parametrize("who", PEOPLE)
def test_states_that_name_roles_narrow_the_lists_as_they_narrow_the_record(
        who, sales_world, rows, request_for, monkeypatch):
    w = sales_world
    monkeypatch.setattr(Order, "workflow", NAMING_ROLES)
    drafts = {f"draft:{o}": w.order(client, getattr(w, o), [(w.boiler_kit, "1", "3500.50")])
              for o, client in (("north_manager", w.north_client),
                                ("north_manager2", w.north_client2),
                                ("south_manager", w.south_client))}
    orders = {**{k: r for k, r in rows.items() if k.startswith("order")}, **drafts}
    request = request_for(getattr(w, who))
    for permission in ("view", "edit", "payment"):
        by_acl = {k for k, r in orders.items()
                  if request.has_permission(permission, page(request, r))}
        ids = {r.id: k for k, r in orders.items()}
        by_sql = {ids[i] for i in w.db.scalars(sa.select(Order.id).where(
            visible_orders(request, permission), Order.id.in_(ids)))}
        assert by_sql == by_acl, (who, permission, by_sql, by_acl)
    if who == "north_head":
        # The matrix gives the head the department's drafts; the state gives them to the owner.
        assert not request.has_permission("edit", page(request, drafts["draft:north_manager"]))
        assert request.has_permission("edit", page(request, rows["order:north_manager2"]))
    if who == "north_manager":
        assert request.has_permission("edit", page(request, drafts["draft:north_manager"]))
        assert not request.has_permission("edit", page(request, rows["order:north_manager"]))
