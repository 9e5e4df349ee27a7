"""`portal demo` gives «Прогресс» a year and a half of sales that every report can show (issue 15,
point 9): pipelines with their stages, a catalog whose products come from the demo suppliers,
deals with their stage history, orders whose sums and dates agree with their shipments, facts
and payments, plans up to three months ahead, lost clients; and each sales report, opened by
the director, has rows in its first table."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
import webtest
from bs4 import BeautifulSoup

from portal import cli, main
from portal.demo.company import DEMO_PASSWORD
from tests.clock import local_today

INI = """[app:main]
use = egg:portal-crm
sqlalchemy.url = sqlite:///{db}
session.secret = demo-test
"""
REPORTS = ["annual", "plan_fact", "funnel", "abc_xyz", "average_order", "manager_sales",
           "potential_use", "shipment_delays", "payment_delays", "receivables",
           "terms_breaches", "commission", "churn", "purchase_plan"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sales-demo")
    ini = tmp / "demo.ini"
    url = f"sqlite:///{tmp / 'portal.sqlite'}"
    ini.write_text(INI.format(db=tmp / "portal.sqlite"))
    cli.main(["initdb", str(ini)])
    cli.main(["demo", str(ini)])
    engine = sa.create_engine(url)
    yield engine, url
    engine.dispose()


def rows(engine, sql: str, **params) -> list:
    with engine.connect() as conn:
        return list(conn.execute(sa.text(sql), params))


def one(engine, sql: str, **params):
    return rows(engine, sql, **params)[0][0]


def test_three_pipelines_each_with_one_won_and_one_lost_stage(demo):
    engine, _url = demo
    kinds = rows(engine, "SELECT p.channel, s.kind, count(*) FROM sales_pipelines p "
                         "JOIN sales_stages s ON s.pipeline_id = p.id GROUP BY 1, 2 ORDER BY 1, 2")
    assert {(c, k): n for c, k, n in kinds} == {
        (c, k): n for c in ("dealer", "direct", "tender")
        for k, n in (("lost", 1), ("open", 3), ("won", 1))}


def test_a_catalog_of_four_top_groups_and_about_forty_products_from_suppliers(demo):
    engine, _url = demo
    assert one(engine, "SELECT count(*) FROM sales_product_groups WHERE parent_id IS NULL") == 4
    assert 35 <= one(engine, "SELECT count(*) FROM sales_products") <= 50
    assert one(engine, "SELECT count(*) FROM sales_products p JOIN organizations o "
                       "ON o.id = p.supplier_id WHERE o.kind <> 'supplier'") == 0
    assert one(engine, "SELECT count(*) FROM sales_products WHERE supplier_id IS NOT NULL") > 20
    # Every group's path runs from its top group down to itself.
    for gid, parent, path in rows(engine, "SELECT id, parent_id, path FROM sales_product_groups"):
        assert path.endswith(f"/{gid}/") and (parent is None or f"/{parent}/" in path)


def test_deals_over_a_year_and_a_half_each_with_its_stage_history(demo):
    engine, _url = demo
    states = dict(rows(engine, "SELECT state, count(*) FROM sales_deals GROUP BY state"))
    assert states["won"] > 100 and states["lost"] > 100 and states["open"] > 30
    first = one(engine, "SELECT min(created_at) FROM sales_deals")
    assert first[:7] <= f"{local_today().year - 1}-{local_today().month:02d}"
    # The last move of each deal put it where it is; a closed deal has its date and a lost one
    # its reason.
    assert one(engine, """SELECT count(*) FROM sales_deals d WHERE d.stage_id <> (
        SELECT c.to_stage_id FROM sales_deal_stage_changes c WHERE c.deal_id = d.id
        ORDER BY c.changed_at DESC, c.id DESC LIMIT 1)""") == 0
    assert one(engine, "SELECT count(*) FROM sales_deals d JOIN sales_stages s "
                       "ON s.id = d.stage_id WHERE s.kind <> d.state") == 0
    assert one(engine, "SELECT count(*) FROM sales_deals WHERE state = 'lost' "
                       "AND lost_reason_id IS NULL") == 0
    assert one(engine, "SELECT count(*) FROM sales_deals WHERE (state = 'open') "
                       "<> (closed_on IS NULL)") == 0


def test_orders_agree_with_their_lines_shipments_facts_and_payments(demo):
    engine, _url = demo
    assert one(engine, "SELECT count(*) FROM sales_orders") > 500
    checks = {
        "total = its lines": """SELECT count(*) FROM sales_orders o WHERE round(o.total, 2) <>
            round((SELECT sum(amount) FROM sales_order_lines l WHERE l.order_id = o.id), 2)""",
        "shipped amount = its facts": """SELECT count(*) FROM sales_orders o
            WHERE round(o.shipped_amount, 2) <> round(coalesce((SELECT sum(f.amount)
            FROM sales_facts f JOIN sales_shipment_lines sl ON sl.id = f.shipment_line_id
            JOIN sales_shipments s ON s.id = sl.shipment_id WHERE s.order_id = o.id), 0), 2)""",
        "paid amount = its payments": """SELECT count(*) FROM sales_orders o
            WHERE round(o.paid_amount, 2) <> round(coalesce((SELECT sum(amount)
            FROM sales_payments p WHERE p.order_id = o.id), 0), 2)""",
        "shipped quantity = shipments less returns": """SELECT count(*) FROM sales_order_lines l
            WHERE l.shipped_quantity <> coalesce((SELECT sum(CASE s.kind WHEN 'return'
            THEN -sl.quantity ELSE sl.quantity END) FROM sales_shipment_lines sl
            JOIN sales_shipments s ON s.id = sl.shipment_id WHERE sl.order_line_id = l.id), 0)""",
        "a fact per shipment line": """SELECT count(*) FROM sales_shipment_lines sl
            LEFT JOIN sales_facts f ON f.shipment_line_id = sl.id WHERE f.id IS NULL""",
        "facts of the order's manager and month": """SELECT count(*) FROM sales_facts f
            JOIN sales_shipment_lines sl ON sl.id = f.shipment_line_id
            JOIN sales_shipments s ON s.id = sl.shipment_id JOIN sales_orders o ON o.id = s.order_id
            WHERE f.manager_id <> o.manager_id OR f.organization_id <> o.organization_id
            OR f.month <> CAST(strftime('%Y%m', s.shipped_on) AS INTEGER)
            OR (s.kind = 'return') <> (f.amount < 0)""",
        "done = all shipped and paid": """SELECT count(*) FROM sales_orders WHERE
            (state = 'done') <> (shipped_on IS NOT NULL AND paid_on IS NOT NULL)
            AND state IN ('confirmed', 'done')""",
        "paid on = paid in full": """SELECT count(*) FROM sales_orders
            WHERE (paid_on IS NOT NULL) <> (paid_amount >= total)""",
        "nothing after today": f"""SELECT (SELECT count(*) FROM sales_facts
            WHERE shipped_on > '{local_today().isoformat()}') + (SELECT count(*)
            FROM sales_payments WHERE paid_on > '{local_today().isoformat()}')""",
    }
    assert {name: one(engine, sql) for name, sql in checks.items()} == dict.fromkeys(checks, 0)
    kinds = dict(rows(engine, "SELECT kind, count(*) FROM sales_shipments GROUP BY kind"))
    assert kinds["return"] >= 3
    assert one(engine, "SELECT count(*) FROM sales_payments WHERE amount < 0") >= 1
    # Some paid late, some not paid at all yet; some breaking the client's terms.
    assert one(engine, "SELECT count(*) FROM sales_orders WHERE paid_on > planned_pay_on") > 10
    assert one(engine, "SELECT count(*) FROM sales_orders WHERE state = 'confirmed' AND "
                       "paid_on IS NULL AND planned_pay_on < :t",
               t=local_today().isoformat()) > 5
    assert one(engine, "SELECT count(*) FROM sales_orders WHERE discount_breach") > 5
    assert one(engine, "SELECT count(*) FROM sales_orders WHERE deferral_breach") > 5


def test_order_numbers_follow_the_days_and_the_counters(demo):
    engine, _url = demo
    counters = rows(engine, """SELECT c.last, (SELECT count(*) FROM sales_orders o
        WHERE o.number LIKE 'SO-' || c.year || '-%') FROM sales_order_counters c""")
    assert counters and all(last == count for last, count in counters)
    numbers = [n for n, in rows(engine, "SELECT number FROM sales_orders ORDER BY ordered_on, number")]
    assert numbers == sorted(numbers)


def test_plans_for_every_manager_and_top_group_up_to_three_months_ahead(demo):
    engine, _url = demo
    today = local_today()
    this_month = today.year * 100 + today.month
    ahead = (today.year + (today.month + 2) // 12) * 100 + (today.month + 2) % 12 + 1
    managers = one(engine, "SELECT count(DISTINCT manager_id) FROM sales_plans WHERE month = :m",
                   m=this_month)
    assert managers >= 4
    assert one(engine, "SELECT count(*) FROM sales_plans WHERE month = :m", m=ahead) > 0
    assert one(engine, "SELECT count(*) FROM sales_plans p JOIN sales_product_groups g "
                       "ON g.id = p.group_id WHERE g.parent_id IS NOT NULL") == 0
    assert one(engine, "SELECT count(*) FROM sales_plans p WHERE p.amount <> (SELECT c.new_amount "
                       "FROM sales_plan_changes c WHERE c.plan_id = p.id "
                       "ORDER BY c.id DESC LIMIT 1)") == 0
    assert one(engine, "SELECT count(*) FROM sales_plan_changes WHERE old_amount IS NOT NULL") > 0


def test_a_few_clients_are_lost_and_bought_nothing_since(demo):
    engine, _url = demo
    lost = rows(engine, "SELECT id, lost_on, lost_reason_id FROM organizations "
                        "WHERE lost_on IS NOT NULL")
    assert 3 <= len(lost) <= 10
    for org_id, lost_on, reason in lost:
        assert reason is not None
        assert one(engine, "SELECT count(*) FROM sales_orders WHERE organization_id = :o "
                           "AND ordered_on >= :d", o=org_id, d=lost_on) == 0


@pytest.mark.parametrize("report", REPORTS)
def test_every_sales_report_shows_rows_to_the_director(demo, report):
    _engine, url = demo
    app = webtest.TestApp(main({}, **{"sqlalchemy.url": url, "session.secret": "demo-test",
                                      "pyramid.default_locale_name": "en"}),
                          extra_environ={"HTTP_HOST": "127.0.0.1:6543"})
    login = app.get("/login")
    app.post("/login", {"login": "director", "password": DEMO_PASSWORD,
                        "csrf_token": login.html.find("input", {"name": "csrf_token"})["value"]},
             status=303)
    page = app.get(f"/sales/reports/@@{report}", status=200)
    tables = BeautifulSoup(page.text, "html.parser").select("main table")
    assert tables, report
    first = tables[0]
    assert first.select("tbody tr") and not first.select(".report-empty"), report
