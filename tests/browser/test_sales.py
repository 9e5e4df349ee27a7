"""A sales manager's journey in a real Chromium (issue 15, "Tests"): popova drags one of her open
deals of the demo company through the kanban to the next stage and on to "Won", makes its order
from the deal's page, confirms it and ships it all, and sees this month's fact of plan vs fact
grow by the order's total; the figures are checked against the database the server writes."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from babel.numbers import format_decimal

from tests.browser.conftest import check_a11y, live_engine, log_in, wait_until
from tests.clock import local_today


def fetch_one(sql: str, **params):
    with live_engine().connect() as conn:
        return conn.execute(sa.text(sql), params).one()


def my_open_deal(login: str):
    """One of `login`'s open deals on the first open stage of the direct-sales pipeline (the
    demo has several: the newest is taken), and the next stage."""
    deal = fetch_one(
        "SELECT d.id, d.pipeline_id, d.stage_id, d.amount FROM sales_deals d "
        "JOIN users u ON u.id = d.owner_id JOIN sales_pipelines p ON p.id = d.pipeline_id "
        "JOIN sales_stages s ON s.id = d.stage_id "
        "WHERE u.login = :login AND d.state = 'open' AND p.code = 'direct' "
        "AND s.position < (SELECT max(position) FROM sales_stages t "
        "                  WHERE t.pipeline_id = d.pipeline_id AND t.kind = 'open') "
        "ORDER BY d.stage_entered_at DESC, d.id DESC LIMIT 1", login=login)
    following = fetch_one(
        "SELECT id FROM sales_stages WHERE pipeline_id = :p AND kind = 'open' AND position > "
        "(SELECT position FROM sales_stages WHERE id = :s) ORDER BY position LIMIT 1",
        p=deal.pipeline_id, s=deal.stage_id)
    return deal, following.id


def fact_this_month(manager_id: int) -> Decimal:
    today = local_today()
    month = today.year * 100 + today.month
    value = fetch_one("SELECT coalesce(sum(amount), 0) AS total FROM sales_facts "
                      "WHERE manager_id = :m AND month = :month", m=manager_id, month=month).total
    return Decimal(str(value)).quantize(Decimal("0.01"))


def column_of(page, deal_id: int) -> str:
    return page.locator(f'.kanban-card[data-deal="{deal_id}"]').evaluate(
        "el => el.closest('.kanban-column').dataset.stage")


def test_a_deal_dragged_to_won_becomes_an_order_that_ships_into_plan_vs_fact(page, live_server):
    base = live_server
    manager_id = fetch_one("SELECT id FROM users WHERE login = 'popova'").id
    deal, next_stage = my_open_deal("popova")
    before = fact_this_month(manager_id)
    history = fetch_one("SELECT count(*) AS n FROM sales_deal_stage_changes WHERE deal_id = :d",
                        d=deal.id).n
    log_in(page, base, "popova")

    # The kanban: one stage forward, then onto "Won"; each move stays after a reload.
    page.goto(f"{base}/sales/deals/@@board?pipeline={deal.pipeline_id}")
    check_a11y(page, "the deal board")
    card = page.locator(f'.kanban-card[data-deal="{deal.id}"]')
    assert column_of(page, deal.id) == str(deal.stage_id)
    # Dropped on the column's title: the columns are taller than the window, and a drop on
    # their middle would scroll the board under the pointer while dragging.
    card.drag_to(page.locator(f"#stage-{next_stage}"))
    wait_until(page, "document.querySelector('#deal-board-message .alert-success') !== null")
    said = page.inner_text("#deal-board-message")
    assert fetch_one("SELECT stage_id FROM sales_deals WHERE id = :d", d=deal.id).stage_id \
        == next_stage, said
    page.reload()
    assert column_of(page, deal.id) == str(next_stage)
    page.locator(f'.kanban-card[data-deal="{deal.id}"]').drag_to(page.locator("#stage-won"))
    wait_until(page, "document.querySelector('#deal-board-message .alert-success') !== null")
    state = fetch_one("SELECT state, closed_on FROM sales_deals WHERE id = :d", d=deal.id)
    assert state.state == "won" and state.closed_on is not None
    moves = fetch_one("SELECT count(*) AS n FROM sales_deal_stage_changes WHERE deal_id = :d",
                      d=deal.id).n
    assert moves == history + 2

    # Its order, from the deal's page: a draft with the deal's products, then confirmed.
    page.goto(f"{base}/sales/deals/{deal.id}")
    check_a11y(page, "a won deal")
    with page.expect_navigation():
        page.locator('form[action*="from-deal"] button').first.click()
    assert "/sales/orders/SO-" in page.url
    order = fetch_one("SELECT id, number, total, state FROM sales_orders WHERE deal_id = :d",
                      d=deal.id)
    assert order.state == "draft" and order.number in page.url
    total = Decimal(str(order.total)).quantize(Decimal("0.01"))
    assert total > 0
    with page.expect_navigation():
        page.click("#confirm-order")
    check_a11y(page, "a confirmed order")

    # Everything shipped today (the form offers what is left of each line).
    with page.expect_navigation():
        page.click("#shipment-submit")
    shipped = fetch_one("SELECT state, shipped_amount, shipped_on FROM sales_orders WHERE id = :o",
                        o=order.id)
    assert shipped.shipped_on is not None
    assert Decimal(str(shipped.shipped_amount)).quantize(Decimal("0.01")) == total

    # Plan vs fact of this month, for her: the fact grew by the order's total, on the page.
    after = fact_this_month(manager_id)
    assert after == before + total
    today = local_today()
    page.goto(f"{base}/sales/reports/@@plan_fact?manager={manager_id}"
              f"&from={today.replace(day=1).isoformat()}&to={today.isoformat()}")
    check_a11y(page, "plan vs fact")
    assert format_decimal(after, "#,##0.00", locale="en") in page.inner_text("main")
