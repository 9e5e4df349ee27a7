"""The deal pages through HTTP (WebTest), in English and Russian: the list with its filters and
its margin column, a new deal (from the list and from a client card), the deal's page with
its history, products and costs, edit, reassign, moves from the board (JSON and the no-script
form), lost with and without a reason; who may not; hostile input; the query budgets of the
board and the list (≤ 8 statements whatever the number of deals)."""
from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from models.sales import Deal, DealCost, DealStageChange
from portal.sales import deals as service
from tests.functional.sales.test_deals import build_deal_world, deal_notices, new_deal  # noqa: F401
from tests.querycount import counting

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
