"""The deal pages through HTTP (WebTest), in English and Russian: the list with its filters and
its margin column, a new deal (from the list and from a client card), the deal's page with
its history, products and costs, edit, reassign, moves from the board (JSON and the no-script
form), lost with and without a reason; who may not; hostile input; the query budgets of the
board and the list (≤ 8 statements whatever the number of deals)."""
from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from babel.numbers import format_decimal

from models.clients import Classifier
from models.sales import Deal, DealCost, DealStageChange
from portal.core.mail import localizer_for
from portal.sales import deals as service
from portal.sales.deals import ProductLine
from portal.sales.products import UNIT_TITLES
from tests.functional.sales.test_deals import build_deal_world, deal_notices, new_deal  # noqa: F401
from tests.functional.sales.test_order_pages import full_scans, plan_of, statements_of, unsorted_by_index
from tests.querycount import counting
from views.sales import board as board_view
from views.sales.deals import money_text

D = Decimal
DEALS = "/sales/deals"


@pytest.fixture
def w(dbsession, factory):
    return build_deal_world(dbsession, factory)


def url(deal, view=""):
    return f"{DEALS}/{deal.id}" + (f"/@@{view}" if view else "")


def post_json(testapp, path, params, status=200):
    params = dict(params)
    params["csrf_token"] = testapp.csrf_token()
    return testapp.post(path, params, headers={"Accept": "application/json"}, status=status)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_list_board_and_deal_pages_in_both_languages(testapp, dbsession, w, login_as, lang):
    deal = new_deal(dbsession, w, amount=D("1234.5"))
    service.add_cost(dbsession, w.manager, deal, "delivery", D("234.50"))
    login_as(w.manager)
    headers = {"Accept-Language": lang}
    page = testapp.get(DEALS, headers=headers)
    assert deal.title in page.text and 'id="deals"' in page.text
    assert ("1,000.00" if lang == "en" else "1\u00a0000,00") in page.text  # the margin
    assert ("Margin" if lang == "en" else "Маржа") in page.text or lang == "ru"
    board = testapp.get(f"{DEALS}/@@board", headers=headers)
    assert f'data-deal="{deal.id}"' in board.text and "Qualification" in board.text
    one = testapp.get(url(deal), headers=headers)
    assert 'id="deal-history"' in one.text and 'id="deal-margin"' in one.text
    form = testapp.get(f"{DEALS}/@@add", params={"organization": w.client.id}, headers=headers)
    assert w.client.name in form.text and w.contact.full_name in form.text


def test_a_new_deal_from_the_form(testapp, dbsession, w, login_as):
    login_as(w.manager)
    page = testapp.post_csrf(f"{DEALS}/@@add", {
        "title": "Насосы для котельной", "organization": str(w.client.id),
        "contact": str(w.contact.id), "pipeline": str(w.direct.id), "owner": str(w.manager.id),
        "expected_close_on": "2031-03-01",
        "product": [str(w.valve.id), ""], "quantity": ["3", ""], "price": ["", ""],
        "discount": ["10", ""], "amount": ""}, status=303)
    deal = dbsession.scalar(sa.select(Deal).where(Deal.title == "Насосы для котельной"))
    assert page.location.endswith(f"/sales/deals/{deal.id}")
    assert deal.amount == D("27.14") and deal.contact_id == w.contact.id
    assert str(deal.expected_close_on) == "2031-03-01"


@pytest.mark.parametrize(("fields", "field"), [
    ({"amount": "-5"}, "amount"),
    ({"amount": "много"}, "amount"),
    ({"organization": "99999999"}, "organization"),
    ({"organization": "junk"}, "organization"),
    ({"pipeline": "99999999"}, "pipeline"),
    ({"contact": "99999999"}, "contact"),
    ({"product": "99999999", "quantity": "1"}, "products"),
    ({"product": "PUMP", "quantity": "1"}, "products"),
    ({"title": ""}, "title"),
])
def test_hostile_new_deals_are_refused_and_store_nothing(testapp, dbsession, w, login_as,
                                                         fields, field):
    login_as(w.manager)
    params = {"title": "X", "organization": str(w.client.id), "pipeline": str(w.direct.id),
              "amount": "10"}
    if "product" in fields:
        fields = {**fields, "price": "", "discount": ""}
    params.update(fields)
    before = dbsession.scalar(sa.select(sa.func.count()).select_from(Deal))
    page = testapp.post_csrf(f"{DEALS}/@@add", params, status=400)
    assert f'data-field="{field}"' in page.text
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Deal)) == before


def test_a_client_of_another_department_is_not_offered_nor_taken(testapp, dbsession, w,
                                                                  login_as):
    login_as(w.manager)
    page = testapp.post_csrf(f"{DEALS}/@@add", {
        "title": "X", "organization": str(w.south_client.id), "pipeline": str(w.direct.id)},
        status=400)
    assert 'data-field="organization"' in page.text


def test_moves_from_the_board_as_json_and_without_script(testapp, dbsession, w, login_as):
    deal = new_deal(dbsession, w)
    login_as(w.manager)
    answer = post_json(testapp, url(deal, "move"), {"to": str(w.nego.id), "version": "1"}).json
    assert answer["ok"] and answer["version"] == 2 and answer["stage"] == w.nego.id
    stale = post_json(testapp, url(deal, "move"), {"to": str(w.proposal.id), "version": "1"},
                      status=409).json
    assert not stale["ok"] and "changed this deal" in stale["message"]
    other = post_json(testapp, url(deal, "move"), {"to": str(w.contract.id), "version": "2"},
                      status=409).json
    assert "another pipeline" in other["message"]
    for junk in ("", "abc", "-1", "99999999999999999999", "lost"):
        post_json(testapp, url(deal, "move"), {"to": junk, "version": "2"}, status=409)
    page = testapp.post_csrf(url(deal, "move"), {"to": str(w.proposal.id), "version": "2",
                                                 "came_from": "board"}, status=303)
    assert "/sales/deals/@@board" in page.location
    assert dbsession.get(Deal, deal.id).stage_id == w.proposal.id
    board = page.follow()
    assert "is now at" in board.text


def test_lost_from_the_board_needs_a_reason(testapp, dbsession, w, login_as):
    deal = new_deal(dbsession, w)
    login_as(w.manager)
    refused = post_json(testapp, url(deal, "move"), {"to": "lost", "version": "1"},
                        status=409).json
    assert "why the deal was lost" in refused["message"]
    done = post_json(testapp, url(deal, "move"), {"to": "lost", "version": "1",
                                                  "reason": str(w.price.id)}).json
    assert done["ok"] and done["state"] == "lost"
    dbsession.expire_all()
    assert dbsession.get(Deal, deal.id).stage_id == w.lost.id
    reopened = post_json(testapp, url(deal, "move"), {"to": "open", "version": str(done["version"]),
                                                      "stage": str(w.proposal.id)}).json
    assert reopened["state"] == "open" and reopened["stage"] == w.proposal.id


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_deal_page_offers_lost_with_its_reasons(testapp, dbsession, w, login_as, lang):
    """The "lose" guard wants a reason, which an open deal has not yet: the page still offers
    the Lost form (with the reasons), and a post without a reason is refused."""
    deal = new_deal(dbsession, w)
    login_as(w.colleague)  # may view, may not edit: no Lost form
    assert 'id="lose-deal"' not in testapp.get(url(deal)).text
    login_as(w.manager)
    page = testapp.get(url(deal), headers={"Accept-Language": lang})
    assert 'id="lose-deal"' in page.text and 'id="win-deal"' in page.text
    assert ("Why was it lost?" if lang == "en" else "Причина отказа") in page.text
    assert f'<option value="{w.price.id}">' in page.text and w.retired.title not in page.text
    form = page.forms["lose-deal"]
    refused = form.submit().follow()
    assert "why the deal was lost" in refused.text or lang == "ru"
    dbsession.expire_all()
    assert dbsession.get(Deal, deal.id).state == "open"
    form["reason"] = str(w.price.id)
    form.submit().follow()
    dbsession.expire_all()
    assert dbsession.get(Deal, deal.id).state == "lost"


def test_the_funnel_names_lost_reasons_in_the_readers_language(testapp, dbsession, w, login_as):
    """The seeded reasons' titles are message ids: the Russian funnel shows them in Russian."""
    reason = dbsession.scalar(sa.select(Classifier).where(
        Classifier.list == "deal_lost_reason", Classifier.code == "no_answer"))
    deal = new_deal(dbsession, w)
    login_as(w.manager)
    post_json(testapp, url(deal, "move"), {"to": "lost", "version": "1", "reason": str(reason.id)})
    year = dbsession.get(Deal, deal.id).closed_on.year
    path = f"/sales/reports/@@funnel?year={year}&pipeline={deal.pipeline_id}"
    assert "Stopped answering" in testapp.get(path, headers={"Accept-Language": "en"}).text
    page = testapp.get(path, headers={"Accept-Language": "ru"})
    assert "Перестал выходить на связь" in page.text and "Stopped answering" not in page.text


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_deal_page_shows_units_in_the_readers_language(testapp, dbsession, w, login_as, lang):
    """Units are stored as codes ("pcs", "hour"): the page shows what they read as."""
    w.valve.unit = "hour"
    deal = new_deal(dbsession, w, products=[ProductLine(w.pump.id, D("6")),
                                            ProductLine(w.valve.id, D("2"))])
    login_as(w.manager)
    page = testapp.get(url(deal), headers={"Accept-Language": lang})
    words = localizer_for(testapp.app.registry, lang).translate
    assert f"6 {words(UNIT_TITLES['pcs'])}<" in page.text
    assert f"2 {words(UNIT_TITLES['hour'])}<" in page.text and "2 hour" not in page.text
    if lang == "en":
        assert "6 pcs<" in page.text and "2 h<" in page.text


def test_the_workflow_panel_goes_through_the_same_rules(testapp, dbsession, w, login_as):
    deal = new_deal(dbsession, w)
    login_as(w.manager)
    testapp.post_csrf(url(deal, "transition"), {"name": "win"}, status=303)
    dbsession.expire_all()
    deal = dbsession.get(Deal, deal.id)
    assert (deal.state, deal.stage_id) == ("won", w.won.id)


def test_edit_reassign_and_costs(testapp, dbsession, w, login_as, deal_notices):
    deal = new_deal(dbsession, w, amount=D("500"))
    login_as(w.manager)
    form = testapp.get(url(deal, "edit"))
    assert 'name="version"' in form.text
    testapp.post_csrf(url(deal, "edit"), {"title": "Renamed", "amount": "700", "version": "1",
                                          "contact": ""}, status=303)
    stale = testapp.post_csrf(url(deal, "edit"), {"title": "Again", "amount": "1",
                                                  "version": "1"}, status=409)
    assert "changed this deal" in stale.text
    testapp.post_csrf(url(deal, "add-cost"), {"kind": "delivery", "amount": "100",
                                              "description": "Truck"}, status=303)
    testapp.post_csrf(url(deal, "add-cost"), {"kind": "delivery", "amount": "-100"}, status=303)
    dbsession.expire_all()
    deal = dbsession.get(Deal, deal.id)
    assert (deal.title, deal.amount) == ("Renamed", D("700.00"))
    assert [c.amount for c in dbsession.scalars(sa.select(DealCost).where(
        DealCost.deal_id == deal.id))] == [D("100.00")]
    page = testapp.get(url(deal))
    assert "600.00" in page.text
    testapp.post_csrf(url(deal, "reassign"), {"owner": str(w.colleague.id),
                                              "version": str(deal.version)}, status=303)
    dbsession.expire_all()
    assert dbsession.get(Deal, deal.id).owner_id == w.colleague.id


def test_who_may_not(testapp, dbsession, w, login_as):
    deal = new_deal(dbsession, w)
    login_as(w.employee)
    testapp.get(DEALS, status=403)
    testapp.get(f"{DEALS}/@@board", status=403)
    testapp.get(url(deal), status=403)
    login_as(w.south_manager)  # another department: not even seen
    testapp.get(url(deal), status=403)
    assert deal.title not in testapp.get(DEALS).text
    assert f'data-deal="{deal.id}"' not in testapp.get(f"{DEALS}/@@board").text
    login_as(w.colleague)  # same department: seen, not changed (edit: own)
    testapp.get(url(deal))
    testapp.get(url(deal, "edit"), status=403)
    refused = post_json(testapp, url(deal, "move"), {"to": str(w.nego.id), "version": "1"},
                        status=409).json
    assert not refused["ok"]
    post_json(testapp, url(deal, "move"), {"to": "won", "version": "1"}, status=409)
    testapp.post_csrf(url(deal, "reassign"), {"owner": str(w.colleague.id)}, status=403)
    testapp.post_csrf(url(deal, "add-cost"), {"kind": "other", "amount": "1"}, status=403)
    dbsession.expire_all()
    deal = dbsession.get(Deal, deal.id)
    assert (deal.stage_id, deal.state, deal.owner_id) == (w.qual.id, "open", w.manager.id)
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(DealStageChange).where(
        DealStageChange.deal_id == deal.id)) == 1


@pytest.mark.parametrize("path", ["0", "-1", "abc", "99999999999", "1.5", "@@nothing"])
def test_junk_ids_are_not_found(testapp, w, login_as, path):
    login_as(w.manager)
    testapp.get(f"{DEALS}/{path}", status=404)


def test_list_filters(testapp, dbsession, w, login_as):
    a = new_deal(dbsession, w, title="Alpha pumps", amount=D("10"))
    b = new_deal(dbsession, w, title="Beta valves", amount=D("20"), pipeline=w.dealer)
    service.move(dbsession, w.manager, b, w.contract.id)
    login_as(w.director)

    def titles(**params):
        page = testapp.get(DEALS, params=params)
        return {t for t in ("Alpha pumps", "Beta valves") if t in page.text}

    assert titles() == {"Alpha pumps", "Beta valves"}
    assert titles(pipeline=w.dealer.id) == {"Beta valves"}
    assert titles(stage=w.qual.id) == {"Alpha pumps"}
    assert titles(owner=w.manager.id, state="open") == {"Alpha pumps", "Beta valves"}
    assert titles(state="won") == set()
    assert titles(q="ромашк") == {"Alpha pumps", "Beta valves"}
    assert titles(q="лютик") == set()
    assert titles(sort="-amount", page="99999", start="junk", end="2000-13-45") >= {"Alpha pumps"}
    assert a.id != b.id


@pytest.mark.parametrize("page", ["board", "list"])
def test_board_and_list_cost_at_most_eight_statements(testapp, dbsession, dbengine, w,
                                                      login_as, page):
    login_as(w.head)
    path = f"{DEALS}/@@board?pipeline={w.direct.id}" if page == "board" else DEALS
    testapp.get(path)  # what is read once and kept (the role matrix, the lists) is read now
    counted = []
    for n in (3, 40):
        while dbsession.scalar(sa.select(sa.func.count()).select_from(Deal).where(
                Deal.organization_id == w.client.id)) < n:
            deal = new_deal(dbsession, w, amount=D("100"),
                            owner=w.manager if len(counted) % 2 else w.colleague)
            service.add_cost(dbsession, w.manager, deal, "other", D("1"))
            service.move(dbsession, w.manager, deal, w.proposal.id)
        dbsession.flush()
        dbsession.expunge_all()
        with counting(dbengine) as counts:
            testapp.get(path)
        assert counts.queries <= 8, str(counts)
        assert not counts.lazy, str(counts)
        counted.append(counts.queries)
    assert counted[0] == counted[1]


def test_client_card_offers_a_new_deal_and_shows_deals(testapp, dbsession, w, login_as):
    deal = new_deal(dbsession, w, title="Котельная на Ленина")
    login_as(w.manager)
    card = testapp.get(f"/clients/{w.client.id}")
    assert 'id="new-deal"' in card.text
    assert "Котельная на Ленина" in card.text
    assert f"/sales/deals/{deal.id}" in card.text
    login_as(w.employee)
    assert 'id="new-deal"' not in testapp.get(f"/clients/{w.client.id}", status="*").text


@pytest.mark.parametrize(("lang", "amount"), [("en", "681,200.50"), ("ru", "681\u00a0200,50")])
def test_client_timeline_writes_deal_amounts_in_the_readers_language(testapp, dbsession, w,
                                                                     login_as, lang, amount):
    new_deal(dbsession, w, title="Котельная на Ленина", amount=D("681200.5"))
    login_as(w.manager)
    card = testapp.get(f"/clients/{w.client.id}", headers={"Accept-Language": lang})
    assert amount in card.text


# --- the list and the board at scale (bench: 20,000 deals) ---------------------------------------

def test_the_list_and_the_board_read_indexes_not_every_deal(testapp, dbsession, dbengine, w,
                                                             login_as):
    """The list's default order (newest first) comes from ix_sales_deals_created, read
    backwards and stopped after a page (without it: every deal read and sorted, 65 ms for
    20,000); the board's counts and sums per column from ix_sales_deals_pipeline_state_stage
    alone (SQLite: a covering index). A department head's list: the count, the page and the
    owner filter's choices through indexes, never every deal. PostgreSQL: sorting priced out,
    a Sort left in the plan = no index for the order."""
    for _ in range(3):
        new_deal(dbsession, w)
    dbsession.flush()
    login_as("admin")
    with statements_of(dbengine) as sent:
        testapp.get(DEALS)
        testapp.get(f"{DEALS}/@@board?pipeline={w.direct.id}")
    page = [(s, p) for s, p in sent if "ORDER BY sales_deals.created_at DESC" in s]
    assert len(page) == 1, sent
    plan = plan_of(dbengine, *page[0])
    assert unsorted_by_index(dbengine, plan), plan
    if dbengine.dialect.name != "sqlite":
        return
    sums = [(s, p) for s, p in sent if "sum(sales_deals.amount)" in s]
    assert len(sums) == 1, sent
    plan = plan_of(dbengine, *sums[0])
    assert "COVERING INDEX ix_sales_deals_pipeline_state_stage" in plan, plan
    login_as(w.head)
    with statements_of(dbengine) as sent:
        testapp.get(DEALS)
    mine = [(s, p) for s, p in sent if "FROM sales_deals" in s]
    assert len(mine) == 3, mine  # the count, the page, the owners
    for statement, parameters in mine:
        plan = plan_of(dbengine, statement, parameters)
        assert not full_scans(plan, "sales_deals"), (statement, plan)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_sums_are_written_as_babel_writes_them(lang):
    """money_text (a translate table, not Babel per sum: 150 cards cost 50 ms) writes what
    Babel's "#,##0.00" writes, but no "-0.00"."""
    request = SimpleNamespace(locale_name=lang)
    for value in ("0", "0.005", "0.015", "2.675", "12", "0.1", "-5", "1000", "1234567.5",
                  "-1234.56", "999999999.995", "123456789012.34"):
        assert money_text(request, D(value)) == format_decimal(
            D(value), format="#,##0.00", locale=lang), value
    assert money_text(request, D("-0.001")) == ("0.00" if lang == "en" else "0,00")
    assert money_text(request, None) == ""


def test_the_board_shows_the_first_cards_of_a_column_and_more_on_asking(
        testapp, dbsession, w, login_as, monkeypatch):
    """A column counts and sums all its deals in SQL but shows only the first cards (the
    latest moved); ?cards= (the "show more" link, `more_url`) shows more, never beyond
    MAX_CARDS; junk is the default. (The link itself is the template's: views/sales/board.py
    gives it as `more_url`.)"""
    monkeypatch.setattr(board_view, "CARDS_PER_STAGE", 2)
    for _ in range(5):
        new_deal(dbsession, w, amount=D("10"))
    dbsession.flush()
    login_as(w.head)
    path = f"{DEALS}/@@board?pipeline={w.direct.id}"

    def column(page):
        found = page.html.select(f'ul.kanban-cards[data-stage="{w.qual.id}"] li.kanban-card')
        count = page.html.select_one(f'div.kanban-column[data-stage="{w.qual.id}"] .kanban-count')
        return len(found), count.text.strip()

    page = testapp.get(path)
    assert column(page) == (2, "5")
    assert "50.00" in page.text  # the sum of all five
    assert column(testapp.get(path + "&cards=4")) == (4, "5")
    assert column(testapp.get(path + "&cards=junk")) == (2, "5")
    assert column(testapp.get(path + "&cards=99999999")) == (5, "5")
