"""Hostile input at the sales area (issue 15, DESIGN.md §11): generated paths under every sales
container, generated query strings at every sales page and report, generated values in the
fields of every sales form (deals, the board's moves, orders and what is done on them, products
and groups, plans, settings, the client's lost state, documents), as the administrator over the
small sales world. No answer is a 5xx, and a refused form stores nothing (no table gains or
loses a row). The same strategies as the other areas' fuzz (tests/functional/core/)."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.sales import DealProduct
from tests.functional.core.test_hostile_forms import (
    HOSTILE,
    Poster,
    changed_tables,
    forms_on,
    snapshot,
    try_every_form,
    values,
    with_values,
)
from tests.functional.core.test_hostile_input import HOSTILE as HOSTILE_PATHS
from tests.functional.core.test_hostile_input import QUERY_VALUES, get, queries, segments
from tests.functional.sales.conftest import line_amount

CONTAINERS = ["/sales", "/sales/deals", "/sales/orders", "/sales/products", "/sales/plans",
              "/sales/reports", "/sales/dashboard", "/sales/settings", "/sales/documents"]
SUFFIXES = st.sampled_from(["", "/", "/@@edit", "/edit", "/@@move", "/@@board", "/@@groups",
                            "/@@ship", "/@@pay", "/@@history", "/@@documents", "/@@pipelines",
                            "/@@commission", "/@@templates", "/@@annual", "/@@plan_fact",
                            "/@@abc_xyz", "/%FF", "/1", "/SO-2026-000001"])
REPORTS = ["annual", "plan_fact", "funnel", "abc_xyz", "average_order", "manager_sales",
           "potential_use", "shipment_delays", "payment_delays", "receivables",
           "terms_breaches", "commission", "churn", "purchase_plan"]
PAGES = ["/sales/", "/sales/deals/", "/sales/deals/@@board", "/sales/orders/",
         "/sales/products/", "/sales/products/@@groups", "/sales/plans/",
         "/sales/plans/@@history", "/sales/reports/", "/sales/dashboard",
         "/sales/settings/@@pipelines", "/sales/settings/@@commission",
         "/sales/settings/@@templates", *[f"/sales/reports/@@{name}" for name in REPORTS]]
PARAMS = ["from", "to", "year", "month", "manager", "group", "department", "pipeline", "channel",
          "organization", "page", "state", "stage", "owner", "mine", "sort", "q", "format",
          "flag", "overdue", "kind", "product", "supplier", "deal", "order", "parent", "cell",
          "client"]
SALES_VALUES = [*QUERY_VALUES, "0001-01-01", "9999-12-31", "1900-01-01", "2200-12-31", "207612",
                "202613", "202600", "csv", "xlsx", "pdf", "%3Cscript%3E", "won", "lost", "-5"]


@pytest.fixture
def admin(login_as):
    return login_as("admin")


@pytest.fixture
def records(sales_world, admin):
    """An open deal with a product, a won one, a draft order and a confirmed one half shipped
    and half paid, of the world's north manager."""
    w = sales_world
    db = w.db
    deal = w.deal(w.north_client, w.north_manager, w.stages["Proposal"], amount="90000.00")
    won = w.deal(w.north_client, w.north_manager, w.stages["Won"], amount="45000.00")
    db.add(DealProduct(deal_id=won.id, product_id=w.gas_boiler.id, quantity=1,
                       price=w.gas_boiler.price, amount=line_amount(1, w.gas_boiler.price)))
    draft = w.order(w.north_client, w.north_manager, [(w.gas_boiler, "2", "45000.00", "5")])
    confirmed = w.order(w.north_client2, w.north_manager, [(w.circulation_pump, "4", "7999.99"),
                                                          (w.boiler_kit, "1", "3500.50")],
                        state="confirmed")
    db.flush()
    w.records = {"deal": deal, "won": won, "draft": draft, "confirmed": confirmed}
    return w


def sales_pages(w) -> list[str]:
    r = w.records
    return [
        "/sales/deals/add", f"/sales/deals/add?organization={w.north_client.id}",
        f"/sales/deals/{r['deal'].id}", f"/sales/deals/{r['deal'].id}/@@edit",
        f"/sales/deals/{r['won'].id}", "/sales/deals/@@board",
        "/sales/orders/add", f"/sales/orders/add?organization={w.north_client.id}",
        f"/sales/orders/{r['draft'].number}", f"/sales/orders/{r['draft'].number}/@@edit",
        f"/sales/orders/{r['confirmed'].number}",
        "/sales/products/add", f"/sales/products/{w.gas_boiler.id}",
        f"/sales/products/{w.gas_boiler.id}/@@edit", "/sales/products/@@groups",
        "/sales/plans/", "/sales/settings/@@pipelines", "/sales/settings/@@commission",
        "/sales/settings/@@templates", f"/clients/{w.north_client.id}",
        f"/clients/{w.north_client.id}/@@lost",
    ]


# --- addresses --------------------------------------------------------------------------------------

@settings(HOSTILE_PATHS, max_examples=80)
@given(container=st.sampled_from(CONTAINERS), segment=segments, suffix=SUFFIXES, query=queries)
def test_no_generated_sales_path_answers_a_server_error(testapp, admin, container, segment, suffix,
                                                        query):
    path = f"{container}/{segment}{suffix}{query}"
    assert get(testapp, path).status_int < 500, path


@pytest.mark.parametrize("path", [
    "/sales/deals/%C2%B2", "/sales/deals/99999999999", "/sales/deals/9223372036854775808",
    "/sales/deals/%D9%A1", "/sales/deals/-1", "/sales/orders/%C2%B2",
    "/sales/orders/SO-2026-%C2%B2", "/sales/orders/SO-2026-999999", "/sales/orders/99999999999",
    "/sales/orders/9223372036854775808", "/sales/products/%C2%B2",
    "/sales/products/2147483648", "/sales/documents/%D9%A1", "/sales/documents/99999999999"])
def test_malformed_sales_ids_are_not_found(testapp, admin, path):
    assert get(testapp, path).status_int == 404, path


@settings(HOSTILE_PATHS, max_examples=80)
@given(page=st.sampled_from(PAGES), query=st.lists(
    st.tuples(st.sampled_from(PARAMS), st.sampled_from(SALES_VALUES)), min_size=1, max_size=3))
def test_no_generated_query_string_at_a_sales_page_answers_a_server_error(testapp, admin, page,
                                                                           query):
    path = page + "?" + "&".join(f"{name}={value}" for name, value in query)
    assert get(testapp, path).status_int < 500, path


@pytest.mark.parametrize("report", REPORTS)
@pytest.mark.parametrize("query", ["from=0001-01-01&to=9999-12-31", "from=1976-01-01&to=2026-01-01",
                                   "from=2026-05-01&to=2026-01-01", "year=99999999999",
                                   "from=2026-02-30", "manager=%C2%B2", "format=csv&year=%FF"])
def test_a_report_period_or_id_no_one_can_read_is_refused_not_a_server_error(testapp, admin,
                                                                              report, query):
    assert get(testapp, f"/sales/reports/@@{report}?{query}").status_int < 500


# --- forms ------------------------------------------------------------------------------------------

def test_generated_values_at_every_sales_form(testapp, dbsession, records):
    tried = try_every_form(testapp, dbsession, sales_pages(records))
    assert len(tried) >= 12, tried
    assert testapp.get(f"/sales/deals/{records.records['deal'].id}").status_int == 200


MOVE_VALUES = st.one_of(values, st.sampled_from(["won", "lost", "open", "0", "1", "-1"]))


@HOSTILE
@given(to=MOVE_VALUES, version=MOVE_VALUES, reason=MOVE_VALUES, note=values)
def test_generated_moves_of_a_deal_store_nothing_when_refused(testapp, dbsession, records, to,
                                                              version, reason, note):
    deal = records.records["deal"]
    poster = Poster(testapp)
    before = snapshot(dbsession)
    response = poster.post(f"/sales/deals/{deal.id}/@@move",
                           [("to", to), ("version", version), ("reason", reason),
                            ("note", note)])
    assert response.status_int < 500, (to, version, reason)
    if response.status_int >= 400:
        assert changed_tables(before, snapshot(dbsession)) == {}, (to, version, reason)


SHIP_FIELDS = ["shipped_on", "kind", "key", "amount", "paid_on", "note", "refund"]


@HOSTILE
@given(changes=st.dictionaries(st.sampled_from(SHIP_FIELDS), values, min_size=1, max_size=4),
       quantity=values, which=st.sampled_from(["ship", "pay"]))
def test_generated_shipments_and_payments_store_nothing_when_refused(testapp, dbsession, records,
                                                                     changes, quantity, which):
    order = records.records["confirmed"]
    poster = Poster(testapp)
    page = testapp.get(f"/sales/orders/{order.number}", status=200)
    forms = [(a, f) for a, f in forms_on(page) if a.rstrip("/").endswith(f"@@{which}")
             or a.rstrip("/").endswith(f"/{which}")]
    if not forms:
        pytest.skip(f"the order page shows no {which} form")
    action, fields = forms[0]
    line_fields = {n: quantity for n, _v in fields if n.startswith("qty-")}
    before = snapshot(dbsession)
    response = poster.post(action, with_values(fields, {**changes, **line_fields}, {}))
    assert response.status_int < 500, (changes, quantity)
    if response.status_int >= 400 or (response.status_int == 200
                                       and "text/html" in response.content_type):
        assert changed_tables(before, snapshot(dbsession)) == {}, (changes, quantity)
