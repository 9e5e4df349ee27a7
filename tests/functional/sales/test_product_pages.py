"""The catalog's pages: the list (search, group filter with subgroups, at most 8 statements
whatever the number of products), a product made and changed by whoever holds product.manage
(supply, the director) and only seen by the others, the group tree changed from its page (a
move under its own subgroup refused)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from models.sales import Product, ProductGroup
from portal.sales.products import ProductInput, create_group, save_product
from tests.functional.sales.test_order_service import build_world
from tests.querycount import counting

PRODUCTS = "/sales/products"


@pytest.fixture
def w(dbsession, factory):
    return build_world(dbsession, factory)


def post(testapp, url, params, status):
    return testapp.post(url, {**params, "csrf_token": testapp.csrf_token()}, status=status)


def test_supply_adds_and_changes_a_product(testapp, dbsession, w, login_as):
    login_as(w.supply)
    form = {"code": "NEW-7", "name": "Насос новый", "group": str(w.a1.id), "unit": "pcs",
            "price": "1 250,5", "manager": str(w.north_manager.id), "supplier": str(w.bare.id),
            "lead_days": "14"}
    answer = post(testapp, f"{PRODUCTS}/@@add", form, 303)
    product = dbsession.scalar(sa.select(Product).where(Product.code == "NEW-7"))
    assert answer.location.endswith(f"{PRODUCTS}/{product.id}")
    assert (str(product.price), product.lead_days, product.supplier_id) == ("1250.50", 14, w.bare.id)
    page = testapp.get(f"{PRODUCTS}/{product.id}")
    assert "Насос новый" in page.text and "ООО Лютик" in page.text
    post(testapp, f"{PRODUCTS}/{product.id}/@@edit", {**form, "price": "99"}, 303)
    dbsession.expire_all()
    assert str(product.price) == "99.00" and product.active is False  # the box left unticked


@pytest.mark.parametrize(("field", "value"), [
    ("price", "-1"), ("price", "abc"), ("lead_days", "-2"), ("lead_days", "1e9"),
    ("group", "999999999"), ("supplier", "999999999"), ("code", ""), ("code", "p-1"),
    ("name", "x" * 301),
])
def test_hostile_product_forms_store_nothing(testapp, dbsession, w, login_as, field, value):
    login_as(w.supply)
    form = {"code": "NEW-8", "name": "Valve", "group": str(w.b.id), "price": "1",
            "lead_days": "0", field: value}
    before = dbsession.scalar(sa.select(sa.func.count()).select_from(Product))
    answer = post(testapp, f"{PRODUCTS}/@@add", form, 400)
    assert 'id="form-problems"' in answer.text
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Product)) == before


def test_sales_see_the_catalog_but_do_not_change_it(testapp, dbsession, w, login_as):
    login_as(w.north_manager)
    listed = testapp.get(PRODUCTS)
    assert "Pump 1" in listed.text and 'id="new-product"' not in listed.text
    testapp.get(f"{PRODUCTS}/@@add", status=403)
    post(testapp, f"{PRODUCTS}/@@add", {"code": "X", "name": "X", "group": str(w.a.id)}, 403)
    post(testapp, f"{PRODUCTS}/{w.pump.id}/@@edit", {"code": "X", "name": "X"}, 403)
    post(testapp, f"{PRODUCTS}/@@groups", {"action": "add", "name": "Mine"}, 403)
    assert dbsession.scalar(sa.select(ProductGroup.id).where(ProductGroup.name == "Mine")) is None
    testapp.get(f"{PRODUCTS}/999999999", status=404)
    testapp.get(f"{PRODUCTS}/abc", status=404)


def test_search_and_group_filter(testapp, w, login_as):
    login_as(w.north_manager)
    page = testapp.get(PRODUCTS, {"group": str(w.a.id)})
    assert "Pump 1" in page.text and "Valve 1" not in page.text
    page = testapp.get(PRODUCTS, {"q": "valve"})
    assert "Valve 1" in page.text and "Pump 1" not in page.text
    testapp.get(PRODUCTS, {"group": "junk", "page": "-1"}, status=200)


def test_the_group_tree_page(testapp, dbsession, w, login_as):
    login_as(w.supply)
    post(testapp, f"{PRODUCTS}/@@groups", {"action": "add", "name": "Tiny", "parent": str(w.a1.id)},
         303)
    tiny = dbsession.scalar(sa.select(ProductGroup).where(ProductGroup.name == "Tiny"))
    assert tiny.path == f"/{w.a.id}/{w.a1.id}/{tiny.id}/"
    refused = post(testapp, f"{PRODUCTS}/@@groups",
                   {"action": "move", "group": str(w.a.id), "parent": str(tiny.id)}, 400)
    assert "under itself" in refused.text
    post(testapp, f"{PRODUCTS}/@@groups",
         {"action": "move", "group": str(w.a1.id), "parent": str(w.b.id)}, 303)
    dbsession.expire_all()
    assert tiny.path == f"/{w.b.id}/{w.a1.id}/{tiny.id}/"
    post(testapp, f"{PRODUCTS}/@@groups", {"action": "rename", "group": "junk", "name": "A"}, 400)
    post(testapp, f"{PRODUCTS}/@@groups", {"action": "explode"}, 400)
    page = testapp.get(f"{PRODUCTS}/@@groups")
    assert "Tiny" in page.text


def test_the_list_costs_the_same_few_statements_for_many_products(testapp, dbsession, dbengine,
                                                                  w, login_as):
    login_as(w.north_manager)
    testapp.get(PRODUCTS)  # the session's first page does its own bookkeeping
    counted = []
    for extra in (1, 40):
        for i in range(extra):
            group = create_group(dbsession, None, f"G{extra}-{i}", w.a.id)
            save_product(dbsession, None, ProductInput(
                code=f"C{extra}-{i}", name=f"Item {i}", group_id=group.id,
                manager_id=w.north_manager.id, supplier_id=w.bare.id))
        dbsession.flush()
        dbsession.expunge_all()
        with counting(dbengine) as counts:
            testapp.get(PRODUCTS)
        assert counts.queries <= 8, str(counts)
        assert not counts.lazy, str(counts)
        counted.append(counts.queries)
    assert counted[0] == counted[1]


def test_the_list_fits_a_phone(testapp, w, login_as):
    """Codes do not wrap; on phones code, name and price stay, the group, unit, manager,
    supplier and lead time are hidden (d-none … -table-cell); the title is the page header."""
    login_as(w.north_manager)
    page = testapp.get(PRODUCTS, headers={"Accept-Language": "ru"})
    assert page.html.select_one(".page-header h1").get_text(strip=True) == "Товары"
    heads = page.html.select("#products thead th")
    shown = [h.get_text(strip=True) for h in heads if "d-none" not in (h.get("class") or [])]
    assert shown == ["Код", "Наименование", "Цена"] or shown[-1] == "Цена", shown
    assert len(shown) == 3
    row = page.html.select_one("#products tbody tr[data-product]")
    assert "text-nowrap" in row.select_one("td")["class"]
    cells = row.select("td")
    assert [("d-none" not in (c.get("class") or [])) for c in cells] == [
        "d-none" not in (h.get("class") or []) for h in heads]
    region = page.html.select_one("#products").parent
    assert region["tabindex"] == "0" and region["role"] == "region"


def test_group_page_title_is_the_page_header(testapp, w, login_as):
    login_as(w.supply)
    page = testapp.get(f"{PRODUCTS}/@@groups", headers={"Accept-Language": "en"})
    assert page.html.select_one(".page-header .page-lead h1").get_text(strip=True) == \
        "Product groups"
