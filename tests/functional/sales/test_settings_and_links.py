"""Where sales meet the rest: the settings page an administrator reaches from Administration,
the won deal's "Order from this deal", and the documents of a deal and of an order."""
from decimal import Decimal

import pytest
import sqlalchemy as sa

from models.sales import DealProduct, Order


def test_the_settings_page_is_for_administrators_and_links_every_setting(
        testapp, sales_world, factory, login_as):
    admin = factory.user("root", roles=["admin"])
    login_as(admin)
    index = testapp.get("/admin", headers={"Accept-Language": "ru"})
    card = index.html.select_one('[data-card="sales"]')
    assert card is not None and card["href"] == "/sales/settings"
    page = testapp.get("/sales/settings", headers={"Accept-Language": "ru"})
    links = [a["href"] for a in page.html.select("#sales-settings a")]
    assert links == ["/sales/settings/@@pipelines",
                     "/admin/@@classifiers?list=deal_lost_reason",
                     "/admin/@@classifiers?list=client_lost_reason",
                     "/sales/settings/@@commission",
                     "/sales/settings/@@templates"]
    assert "Настройки продаж" in page.text
    for href in links:
        testapp.get(href, status=200)

    login_as(sales_world.director)
    testapp.get("/sales/settings", status=403)
    assert not testapp.get("/admin", expect_errors=True).html.select('[data-card="sales"]')


@pytest.mark.parametrize("state", ["open", "won"])
def test_a_won_deal_offers_its_order_once(testapp, dbsession, sales_world, login_as, state):
    w = sales_world
    stage = w.stages["Won" if state == "won" else "Proposal"]
    deal = w.deal(w.north_client, w.north_manager, stage, amount="1000.00")
    dbsession.add(DealProduct(deal_id=deal.id, product_id=w.gas_boiler.id, quantity=Decimal(2),
                              price=Decimal("500.00"), discount_percent=Decimal(0),
                              amount=Decimal("1000.00")))
    dbsession.flush()
    login_as(w.north_manager)
    page = testapp.get(f"/sales/deals/{deal.id}")
    form = page.html.select_one("#order-from-deal")
    assert page.html.select_one("#deal-documents")["href"].endswith(f"/sales/deals/{deal.id}/@@documents")
    if state == "open":
        assert form is None
        return
    assert form["action"].endswith("/sales/orders/@@from-deal")
    for _ in range(2):  # the second click lands on the first order
        done = testapp.post_csrf("/sales/orders/@@from-deal", {"deal": deal.id}, status=303)
    orders = dbsession.scalars(sa.select(Order).where(Order.deal_id == deal.id)).all()
    assert len(orders) == 1 and done.location.endswith(f"/sales/orders/{orders[0].number}")
    order_page = testapp.get(done.location)
    assert order_page.html.select_one("#order-documents") is not None

    login_as(w.accountant)  # may see the deal, may not make orders
    assert testapp.get(f"/sales/deals/{deal.id}").html.select_one("#order-from-deal") is None
