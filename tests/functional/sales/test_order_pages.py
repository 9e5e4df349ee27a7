"""The order pages as people use them: the list with its filters and flags, a new order and its
hostile inputs, confirming, shipping and paying through the forms (a double submit moves goods
and money once), an order from a won deal made once, who may do what (the accountant pays but
does not edit; sales see their own and their department's), and the client card."""
from __future__ import annotations

import datetime as dt
import re
from contextlib import contextmanager
from decimal import Decimal

import pytest
import sqlalchemy as sa

from models.sales import Order, Payment, Shipment
from portal.sales.orders import LineInput, cancel_order, confirm_order
from portal.sales.shipments import ship
from tests.clock import local_today
from tests.functional.sales.test_order_service import build_world, new_order, won_deal

D = Decimal
ORDERS = "/sales/orders"


@pytest.fixture
def w(dbsession, factory):
    return build_world(dbsession, factory)


def order_form(w, **first_line) -> list[tuple[str, str]]:
    """The new-order form as a browser posts it: a client, a day, one line and an empty one
    (`first_line` and the order's own fields replace what is given)."""
    head = {"organization": str(w.client.id), "ordered_on": local_today().isoformat(),
            "manager": str(w.north_manager.id)}
    line = {"product": str(w.pump.id), "quantity": "2", "price": "", "discount": "5"}
    for key, value in first_line.items():
        (line if key in line else head)[key] = value
    return [*head.items(), *line.items(),
            ("product", ""), ("quantity", ""), ("price", ""), ("discount", "")]


def count(db, model):
    return db.scalar(sa.select(sa.func.count()).select_from(model))


def post(testapp, url, params, status):
    token = testapp.csrf_token()
    return testapp.post(url, [*list(params.items() if isinstance(params, dict) else params),
                              ("csrf_token", token)], status=status)


def test_a_manager_makes_an_order_from_the_form(testapp, dbsession, w, login_as):
    login_as(w.north_manager)
    page = testapp.get(f"{ORDERS}/@@add?organization={w.client.id}")
    assert "ООО Ромашка" in page.text
    answer = post(testapp, f"{ORDERS}/@@add", order_form(w), 303)
    order = dbsession.scalar(sa.select(Order).order_by(Order.id.desc()).limit(1))
    assert answer.location.endswith(f"{ORDERS}/{order.number}")
    assert order.total == D("1900.00") and order.manager_id == w.north_manager.id
    page = testapp.get(f"{ORDERS}/{order.number}")
    assert "1,900.00" in page.text and 'id="confirm-order"' in page.text


@pytest.mark.parametrize(("field", "value"), [
    ("quantity", "-1"), ("quantity", "0"), ("quantity", "abc"), ("discount", "150"),
    ("price", "-3"), ("product", "999999999"), ("product", "x' or 1=1"),
    ("organization", "999999999"), ("ordered_on", "31.02.2026"), ("planned_ship_on", "1900-01-01"),
])
def test_hostile_order_forms_store_nothing(testapp, dbsession, w, login_as, field, value):
    login_as(w.north_manager)
    params = order_form(w, **{field: value})
    before = count(dbsession, Order)
    answer = post(testapp, f"{ORDERS}/@@add", params, 400)
    assert 'id="form-problems"' in answer.text
    assert count(dbsession, Order) == before


def test_a_foreign_product_id_on_another_line_is_refused(testapp, dbsession, w, login_as):
    login_as(w.north_manager)
    params = order_form(w)
    params[7] = ("product", str(10**9))
    params[8] = ("quantity", "1")
    before = count(dbsession, Order)
    answer = post(testapp, f"{ORDERS}/@@add", params, 400)
    assert "Line 2" in answer.text
    assert count(dbsession, Order) == before


def test_confirming_shows_the_breaches_on_the_page_and_the_list(testapp, dbsession, w, login_as):
    day = local_today()
    order = new_order(dbsession, w, LineInput(w.pump.id, "1", None, "15"),
                      pay_on=day + dt.timedelta(days=45))
    fine = new_order(dbsession, w, LineInput(w.pump.id, "1", None, "5"))
    confirm_order(dbsession, w.north_manager, fine)
    login_as(w.north_manager)
    post(testapp, f"{ORDERS}/{order.number}/@@confirm", {}, 303)
    dbsession.expire_all()
    assert order.state == "confirmed" and order.discount_breach and order.deferral_breach
    page = testapp.get(f"{ORDERS}/{order.number}")
    assert 'id="terms-breach"' in page.text
    assert 'data-flag="discount"' in page.text and 'data-flag="deferral"' in page.text
    assert 'data-breach="discount"' in page.text
    listed = testapp.get(f"{ORDERS}?flag=breach")
    assert order.number in listed.text and fine.number not in listed.text
    row = re.search(rf'data-order="{order.number}".*?</tr>', listed.text, re.S).group(0)
    assert 'data-flag="discount"' in row


def test_overdue_filters(testapp, dbsession, w, login_as):
    late = new_order(dbsession, w, LineInput(w.pump.id, "1"))
    confirm_order(dbsession, w.north_manager, late)
    late.planned_ship_on = late.ordered_on - dt.timedelta(days=1)
    late.planned_pay_on = late.ordered_on - dt.timedelta(days=1)
    fresh = new_order(dbsession, w, LineInput(w.pump.id, "1"))
    confirm_order(dbsession, w.north_manager, fresh)
    dbsession.flush()
    login_as(w.north_manager)
    for flag in ("late_ship", "late_pay"):
        listed = testapp.get(f"{ORDERS}?flag={flag}")
        assert late.number in listed.text and fresh.number not in listed.text


def test_shipping_and_paying_through_the_forms_count_once(testapp, dbsession, w, login_as):
    order = new_order(dbsession, w, LineInput(w.pump.id, "2", "100", "0"))
    confirm_order(dbsession, w.north_manager, order)
    line = order.lines[0]
    login_as(w.north_manager)
    page = testapp.get(f"{ORDERS}/{order.number}")
    key = re.search(r'name="key" value="([^"]+)"', page.text).group(1)
    form = {"kind": "shipment", "shipped_on": order.ordered_on.isoformat(), "key": key,
            f"qty-{line.id}": "1"}
    post(testapp, f"{ORDERS}/{order.number}/@@ship", form, 303)
    post(testapp, f"{ORDERS}/{order.number}/@@ship", form, 303)  # the same form again
    assert count(dbsession, Shipment) == 1
    refused = post(testapp, f"{ORDERS}/{order.number}/@@ship",
                   {**form, "key": "", f"qty-{line.id}": "5"}, 400)
    assert 'data-problem="shipment"' in refused.text
    # The manager may not record payments; the accountant may, and may not edit or ship.
    post(testapp, f"{ORDERS}/{order.number}/@@pay", {"amount": "10"}, 403)
    login_as(w.accountant)
    page = testapp.get(f"{ORDERS}/{order.number}")
    assert 'id="payment-form"' in page.text and 'id="shipment-form"' not in page.text
    pay_key = re.search(r'id="payment-form".*?name="key" value="([^"]+)"', page.text, re.S).group(1)
    payment = {"amount": "200.00", "paid_on": order.ordered_on.isoformat(), "key": pay_key}
    post(testapp, f"{ORDERS}/{order.number}/@@pay", payment, 303)
    post(testapp, f"{ORDERS}/{order.number}/@@pay", payment, 303)
    assert count(dbsession, Payment) == 1
    post(testapp, f"{ORDERS}/{order.number}/@@ship", {**form, "key": ""}, 403)
    post(testapp, f"{ORDERS}/{order.number}/@@confirm", {}, 403)
    testapp.get(f"{ORDERS}/{order.number}/@@edit", status=403)
    testapp.get(f"{ORDERS}/@@add", status=403)
    dbsession.expire_all()
    assert order.paid_amount == D("200.00") and order.state == "confirmed"


def test_sales_see_their_own_and_their_departments_orders(testapp, dbsession, w, login_as,
                                                          factory):
    north_order = new_order(dbsession, w)
    south_order = new_order(dbsession, w, org=w.bare, manager=w.south_manager)
    login_as(w.south_manager)
    testapp.get(f"{ORDERS}/{north_order.number}", status=403)
    post(testapp, f"{ORDERS}/{north_order.number}/@@confirm", {}, 403)
    listed = testapp.get(ORDERS)
    assert south_order.number in listed.text and north_order.number not in listed.text
    colleague = factory.user(roles=["sales"], departments=[w.north])
    login_as(colleague)
    testapp.get(f"{ORDERS}/{north_order.number}", status=200)  # department: sees
    post(testapp, f"{ORDERS}/{north_order.number}/@@confirm", {}, 403)  # not own: no edit
    testapp.get(f"{ORDERS}/SO-1999-000001", status=404)
    testapp.get(f"{ORDERS}/junk'", status=404)
    testapp.get(f"{ORDERS}/99999999999999", status=404)


def test_an_order_from_a_won_deal_is_made_once(testapp, dbsession, w, login_as):
    deal = won_deal(dbsession, w)
    login_as(w.north_manager)
    first = post(testapp, f"{ORDERS}/@@from-deal", {"deal": str(deal.id)}, 303)
    second = post(testapp, f"{ORDERS}/@@from-deal", {"deal": str(deal.id)}, 303)
    assert first.location == second.location
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Order)
                            .where(Order.deal_id == deal.id)) == 1
    post(testapp, f"{ORDERS}/@@from-deal", {"deal": "junk"}, 404)
    login_as(w.south_manager)
    post(testapp, f"{ORDERS}/@@from-deal", {"deal": str(deal.id)}, 403)


def test_the_client_card_offers_a_new_order_and_shows_orders(testapp, dbsession, w, login_as):
    order = new_order(dbsession, w)
    ship_me = new_order(dbsession, w, LineInput(w.pump.id, "1"))
    confirm_order(dbsession, w.north_manager, ship_me)
    ship(dbsession, w.north_manager, ship_me, {ship_me.lines[0].id: "1"}, ship_me.ordered_on)
    login_as(w.north_manager)
    card = testapp.get(f"/clients/{w.client.id}")
    assert 'id="new-order"' in card.text
    assert f"{ORDERS}/{order.number}" in card.text
    login_as(w.accountant)
    card = testapp.get(f"/clients/{w.client.id}", status="*")
    if card.status_int == 200:
        assert 'id="new-order"' not in card.text


def test_the_generic_workflow_steps_keep_the_order_rules(testapp, dbsession, w, login_as):
    """The workflow's own button (/@@transition) confirms with the terms too, never closes an
    order not paid, and never cancels one with goods out."""
    order = new_order(dbsession, w, LineInput(w.pump.id, "2", "100", "50"))
    login_as(w.north_manager)
    post(testapp, f"{ORDERS}/{order.number}/@@transition", {"name": "confirm"}, 303)
    dbsession.expire_all()
    assert order.state == "confirmed" and order.discount_breach
    assert order.terms_discount_percent == D("10")
    ship(dbsession, w.north_manager, order, {order.lines[0].id: "2"}, order.ordered_on)
    dbsession.flush()
    for name in ("complete", "cancel"):
        post(testapp, f"{ORDERS}/{order.number}/@@transition",
             {"name": name, "comment": "because"}, 303)
        dbsession.expire_all()
        assert order.state == "confirmed", name


def test_the_pages_read_in_russian(testapp, dbsession, w, login_as):
    order = new_order(dbsession, w, LineInput(w.pump.id, "1", None, "50"))
    confirm_order(dbsession, w.north_manager, order)
    login_as(w.north_manager)
    russian = {"HTTP_ACCEPT_LANGUAGE": "ru"}
    for url in (ORDERS, f"{ORDERS}/{order.number}", f"{ORDERS}/@@add",
                f"{ORDERS}/@@add?organization={w.client.id}", "/sales/products",
                "/sales/products/@@groups", f"/sales/products/{w.pump.id}"):
        testapp.get(url, extra_environ=russian, status=200)


def test_the_shipment_form_offers_what_is_left_as_a_plain_number(testapp, dbsession, w, login_as):
    order = new_order(dbsession, w, LineInput(w.valve.id, "1234.5", "1", "0"))
    confirm_order(dbsession, w.north_manager, order)
    login_as(w.north_manager)
    page = testapp.get(f"{ORDERS}/{order.number}")
    form = page.forms["shipment-form"]
    assert form[f"qty-{order.lines[0].id}"].value == "1234.5"
    form.submit(status=303)
    dbsession.expire_all()
    assert order.shipped_on is not None and order.shipped_amount == D("1234.50")


def test_a_draft_opens_in_its_form_as_typed(testapp, dbsession, w, login_as):
    order = new_order(dbsession, w, LineInput(w.pump.id, "1000", "10", "10"))
    login_as(w.north_manager)
    form = testapp.get(f"{ORDERS}/{order.number}/@@edit").forms["order-form"]
    assert [f.value for f in form.fields["quantity"]][0] == "1000"
    assert [f.value for f in form.fields["discount"]][0] == "10"
    form.submit(status=303)
    dbsession.expire_all()
    assert order.total == D("9000.00")


# --- the list at scale: its statements use indexes (bench: 60,000 orders in ≤ 50 ms) -------------

@contextmanager
def statements_of(dbengine):
    """The (statement, parameters) the application sends while the block runs."""
    sent: list = []

    def on_execute(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))

    sa.event.listen(dbengine, "before_cursor_execute", on_execute)
    try:
        yield sent
    finally:
        sa.event.remove(dbengine, "before_cursor_execute", on_execute)


def plan_of(dbengine, statement: str, parameters) -> str:
    """The database's plan of a statement: SQLite's EXPLAIN QUERY PLAN; PostgreSQL's EXPLAIN
    with sorting and whole-table scans priced out, so that a Sort or a Seq Scan left in the plan
    means that no index serves it (on a small test table it would be chosen anyway)."""
    with dbengine.connect() as conn:
        if dbengine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            return "\n".join(row[-1] for row in rows)
        conn.exec_driver_sql("SET enable_sort = off")
        conn.exec_driver_sql("SET enable_seqscan = off")
        try:
            return "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement,
                                                                    parameters))
        finally:
            conn.rollback()


def unsorted_by_index(dbengine, plan: str) -> bool:
    """Whether the plan reads the rows in their order from an index (no sort of the rows)."""
    if dbengine.dialect.name == "sqlite":
        return "TEMP B-TREE FOR ORDER BY" not in plan
    return "Sort" not in plan and "Seq Scan" not in plan


def full_scans(plan: str, table: str) -> list[str]:
    """SQLite's steps that read every row of `table` (not through an index)."""
    return [line for line in plan.splitlines()
            if line.startswith(f"SCAN {table}") and "INDEX" not in line]


def test_the_list_reads_a_page_from_an_index_without_sorting_every_order(
        testapp, dbsession, dbengine, w, login_as):
    """The default order (newest first) comes from ix_sales_orders_ordered, read backwards and
    stopped after a page; without it every order was read and sorted (1.2 s for 60,000 orders:
    tests/bench). A department's manager: the count, the page and the manager filter's choices
    read the department's and their own orders through indexes, never every order (the choices
    did, with DISTINCT: 0.2 s). PostgreSQL: sorting priced out, a Sort left = no index."""
    for _ in range(3):
        new_order(dbsession, w)
    dbsession.flush()
    login_as("admin")
    with statements_of(dbengine) as sent:
        testapp.get(ORDERS)
    page = [(s, p) for s, p in sent if "ORDER BY sales_orders.ordered_on DESC" in s]
    assert len(page) == 1, sent
    plan = plan_of(dbengine, *page[0])
    assert unsorted_by_index(dbengine, plan), plan
    if dbengine.dialect.name != "sqlite":
        return
    login_as(w.north_manager)
    with statements_of(dbengine) as sent:
        testapp.get(ORDERS)
    mine = [(s, p) for s, p in sent if "FROM sales_orders" in s]
    assert len(mine) == 3, mine  # the count, the page, the managers
    for statement, parameters in mine:
        plan = plan_of(dbengine, statement, parameters)
        assert not full_scans(plan, "sales_orders"), (statement, plan)


# --- the order page and orders on the client card read well (issue 15, F5's review) -------------

RUSSIAN = {"HTTP_ACCEPT_LANGUAGE": "ru"}
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_a_fully_shipped_order_offers_returns_not_an_empty_shipment_form(
        testapp, dbsession, w, login_as):
    """The shipment form only while something is left to ship; the return form only once
    something was shipped; a shipment reads "Pump 1 × 2 pcs", not "1: 2"."""
    order = new_order(dbsession, w, LineInput(w.pump.id, "2"))
    confirm_order(dbsession, w.north_manager, order)
    login_as(w.north_manager)
    page = testapp.get(f"{ORDERS}/{order.number}")
    assert "shipment-form" in page.forms and "return-form" not in page.forms
    ship(dbsession, w.north_manager, order, {order.lines[0].id: "2"}, order.ordered_on)
    dbsession.flush()
    page = testapp.get(f"{ORDERS}/{order.number}")
    assert "shipment-form" not in page.forms and "return-form" in page.forms
    shipments = page.html.find(id="shipments").get_text(" ", strip=True)
    assert "Pump 1 × 2 pcs" in shipments
    assert "1: 2" not in shipments


def test_order_states_agree_with_an_order_in_russian_and_read_in_english(
        testapp, dbsession, w, login_as):
    """«Подтверждён», «Отменён» (заказ is masculine) on the page, the list and the client
    card's badge alike; "Order confirmed" in English."""
    confirmed = new_order(dbsession, w, LineInput(w.pump.id, "1"))
    confirm_order(dbsession, w.north_manager, confirmed)
    cancelled = new_order(dbsession, w, LineInput(w.pump.id, "1"))
    cancel_order(dbsession, w.north_manager, cancelled, "не нужен")
    dbsession.flush()
    login_as(w.north_manager)
    page = testapp.get(f"{ORDERS}/{confirmed.number}", extra_environ=RUSSIAN)
    assert "Подтверждён" in page.html.find(id="order-flags").get_text()
    listing = testapp.get(ORDERS, extra_environ=RUSSIAN).text
    assert "Подтверждён" in listing and "Отменён" in listing and "Отменена" not in listing
    card = testapp.get(f"/clients/{w.client.id}", extra_environ=RUSSIAN)
    badges = [b.get_text(strip=True) for b in card.html.select('[data-kind="orders"] .badge')]
    assert "Подтверждён" in badges and "Отменён" in badges, badges
    assert "Подтвердили" not in badges and "Отменена" not in badges
    details = card.html.select_one('[data-kind="orders"]').get_text(" ", strip=True)
    assert re.search(r"1\s000,00", details), details  # the sum as a Russian writes it
    page = testapp.get(f"{ORDERS}/{confirmed.number}", extra_environ=ENGLISH)
    assert "Order confirmed" in page.html.find(id="order-flags").get_text()
    card = testapp.get(f"/clients/{w.client.id}", extra_environ=ENGLISH)
    badges = [b.get_text(strip=True) for b in card.html.select('[data-kind="orders"] .badge')]
    assert "Order confirmed" in badges and "Order cancelled" in badges, badges


def test_the_terms_discount_is_written_as_the_reader_writes_numbers(
        testapp, dbsession, w, login_as):
    w.client.discount_percent = D("12.5")
    order = new_order(dbsession, w, LineInput(w.pump.id, "1", None, "5"))
    confirm_order(dbsession, w.north_manager, order)
    dbsession.flush()
    login_as(w.north_manager)
    terms = testapp.get(f"{ORDERS}/{order.number}", extra_environ=RUSSIAN).html.find(id="terms")
    assert "скидка до 12,5 %" in terms.get_text()
    terms = testapp.get(f"{ORDERS}/{order.number}", extra_environ=ENGLISH).html.find(id="terms")
    assert "discount up to 12.5 %" in terms.get_text()


def test_the_lines_table_fits_a_phone(testapp, dbsession, w, login_as):
    """At 390 px the number, shipped and discount columns hide; the table scrolls in a
    focusable region (axe: scrollable-region-focusable)."""
    order = new_order(dbsession, w)
    login_as(w.north_manager)
    page = testapp.get(f"{ORDERS}/{order.number}")
    region = page.html.find(id="order-lines").parent
    assert region.get("tabindex") == "0" and region.get("role") == "region"
    head = page.html.find(id="order-lines").thead.find_all("th")
    assert [("d-none" in (th.get("class") or [])) for th in head] == [
        True, False, False, True, False, True, False]


def test_an_open_order_is_planned_only_while_its_dates_are_ahead(
        testapp, dbsession, w, login_as):
    """An order of last year whose shipment and payment dates went by is among the past
    items of the client card, not under the planned steps; one shipping next week is planned."""
    today = local_today()
    old = new_order(dbsession, w, LineInput(w.pump.id, "1"), day=today - dt.timedelta(days=400),
                    pay_on=today - dt.timedelta(days=380))
    confirm_order(dbsession, w.north_manager, old)
    fresh = new_order(dbsession, w, LineInput(w.pump.id, "1"), day=today)
    confirm_order(dbsession, w.north_manager, fresh)
    dbsession.flush()
    login_as(w.north_manager)
    card = testapp.get(f"/clients/{w.client.id}")
    planned = {}
    for item in card.html.select('li.timeline-item[data-kind="orders"]'):
        link = item.find("a", href=re.compile(r"/sales/orders/SO-"))
        planned[link["href"].rsplit("/", 1)[-1]] = "planned" in item["class"]
    assert planned == {old.number: False, fresh.number: True}, planned
