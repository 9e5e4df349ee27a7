"""Who may see and change which interaction (ROLES.md, interaction.* rows): pages, actions and
lists agree, and lists filter in SQL."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from models.meta import utcnow
from tests.querycount import counting


@pytest.fixture
def world(factory, clients):
    """Sales and supply departments, their people, and an interaction of each kind of owner."""
    sales = factory.department("Продажи")
    supply = factory.department("Снабжение")
    people = {
        "popova": factory.user("popova", roles=["sales"], departments=[sales]),
        "lebedev": factory.user("lebedev", roles=["sales"], departments=[sales]),
        "sokolov": factory.user("sokolov", roles=["dept_head", "sales"], departments=[sales]),
        "director": factory.user("director", roles=["director"],
                                 departments=[factory.department("Руководство")]),
        "belova": factory.user("belova", roles=["secretary"],
                               departments=[factory.department("Секретариат")]),
        "orlova": factory.user("orlova", roles=["accountant"],
                               departments=[factory.department("Бухгалтерия")]),
        "golubev": factory.user("golubev", roles=["supply"], departments=[supply]),
        "kiselev": factory.user("kiselev", departments=[factory.department("Курьеры")]),
    }
    sales_org = clients.organization("ООО «Продажи»", manager=people["popova"])
    supply_org = clients.organization("ООО «Поставщик»", manager=people["golubev"])
    later = utcnow() + dt.timedelta(days=1)
    items = {
        # Popova's own call with her client.
        "popova": clients.interaction(responsible=people["popova"], organization=sales_org,
                                      subject="Звонок Поповой", planned_at=later),
        # Planned by the secretary for the accountant, about a sales client.
        "orlova": clients.interaction(responsible=people["orlova"], author=people["belova"],
                                      organization=sales_org, subject="Счёт для Орловой",
                                      kind="email", planned_at=later),
        # Supply's own.
        "golubev": clients.interaction(responsible=people["golubev"], organization=supply_org,
                                       subject="Закупка", planned_at=later),
    }
    return people, items


# who: (may view, may edit) for each interaction
EXPECTED = {
    "popova": {"popova": (True, True), "orlova": (True, False), "golubev": (False, False)},
    "lebedev": {"popova": (True, False), "orlova": (True, False), "golubev": (False, False)},
    "sokolov": {"popova": (True, True), "orlova": (True, True), "golubev": (False, False)},
    "director": {"popova": (True, True), "orlova": (True, True), "golubev": (True, True)},
    "belova": {"popova": (True, False), "orlova": (True, True), "golubev": (True, False)},
    "orlova": {"popova": (False, False), "orlova": (True, True), "golubev": (False, False)},
    "golubev": {"popova": (False, False), "orlova": (False, False), "golubev": (True, True)},
    "kiselev": {"popova": (False, False), "orlova": (False, False), "golubev": (False, False)},
}


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_who_sees_and_edits_which_interaction(testapp, world, who):
    people, items = world
    testapp.login(people[who].login)
    listed = testapp.get("/clients/interactions?tab=all&state=all").text
    for name, (may_view, may_edit) in EXPECTED[who].items():
        item = items[name]
        url = f"/clients/interactions/{item.id}"
        assert (item.subject in listed) is may_view, (who, name, "list")
        testapp.get(url, status=200 if may_view else 403)
        testapp.get(url + "/@@edit", status=200 if may_edit else 403)
        testapp.get(url + "/@@result", status=200 if may_edit else 403)


def test_list_count_is_what_the_user_may_see(testapp, world):
    people, _items = world
    testapp.login(people["lebedev"].login)
    page = testapp.get("/clients/interactions?tab=all&state=all")
    assert re.search(r"1–2 of 2\b", page.text)


def test_mine_tab_shows_what_i_must_do(testapp, world):
    people, _items = world
    testapp.login(people["orlova"].login)
    page = testapp.get("/clients/interactions")
    assert "Счёт для Орловой" in page.text and "Звонок Поповой" not in page.text
    testapp.login(people["belova"].login)
    page = testapp.get("/clients/interactions?tab=others")
    assert "Счёт для Орловой" in page.text and "Закупка" not in page.text


def test_someone_who_may_not_see_clients_cannot_pick_one(testapp, world, clients):
    people, _items = world
    org = clients.organization("ООО «Видимая только продажам»", manager=people["popova"])
    testapp.login(people["kiselev"].login)
    assert testapp.get("/clients/interactions/@@organizations", {"q": "видимая"}).json == []
    page = testapp.post_csrf("/clients/interactions/@@add", {
        "mode": "plan", "kind": "call", "direction": "out", "organization": str(org.id),
        "organization_name": org.name, "subject": "x",
        "date": (dt.date.today() + dt.timedelta(days=1)).isoformat(), "time": "10:00"},
        status=400)
    assert 'id="error-organization"' in page.text


def test_anonymous_is_sent_to_log_in(testapp, world):
    _people, items = world
    page = testapp.get(f"/clients/interactions/{items['popova'].id}", status=(302, 303, 403))
    assert page.status_int in (302, 303) or "log in" in page.text.lower()
    testapp.post("/clients/interactions/@@add", {"subject": "x"}, status=(302, 303, 400, 403))


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_a_rows_client_is_a_link_only_for_who_may_open_it(testapp, world, who, clients):
    """The list tells from the clients' own SQL rule whether the reader may open each row's
    client: the link is there exactly when the client's card opens for them."""
    people, items = world
    # Given to the courier, about a client of sales: his to do, not his client to open.
    items["kiselev"] = clients.interaction(
        responsible=people["kiselev"], author=people["popova"],
        organization=items["popova"].organization, subject="Отвезти договор",
        planned_at=items["popova"].planned_at)
    testapp.login(people[who].login)
    page = testapp.get("/clients/interactions?tab=all&state=all")
    unlinked = 0
    for row in page.html.select("#ix-list .ix-list-row"):
        item = next(i for i in items.values() if i.id == int(row["data-id"]))
        card = testapp.get(f"/clients/{item.organization_id}", status="*").status_int
        link = row.select_one(".ix-list-meta a")
        assert (link is not None) is (card == 200), (who, item.subject, card)
        if link is not None:
            assert link["href"].endswith(f"/clients/{item.organization_id}/")
        unlinked += link is None
    if who == "kiselev":
        assert unlinked == 1  # his errand is listed, its client not his to open


def test_the_who_does_it_filter_brings_everyone_when_it_is_used(testapp, world):
    people, _items = world
    testapp.login(people["director"].login)
    page = testapp.get("/clients/interactions?tab=all&state=all")
    field = page.html.select_one("#f-responsible")
    assert [o["value"] for o in field.select("option")] == [""]  # the rest come on use
    options = testapp.get(field["hx-get"]).html
    assert {o.get_text() for o in options.select("option")} >= {
        p.full_name for p in people.values()}
    assert {g["label"] for g in options.select("optgroup")} >= {"Продажи", "Снабжение"}
    chosen = people["golubev"]
    page = testapp.get(f"/clients/interactions?tab=all&state=all&responsible={chosen.id}")
    field = page.html.select_one("#f-responsible")
    assert field.select_one("option[selected]").get_text() == chosen.full_name
    assert "Закупка" in page.text and "Звонок Поповой" not in page.text
    options = testapp.get(field["hx-get"]).html
    assert options.select_one("option[selected]")["value"] == str(chosen.id)
    testapp.get("/clients/interactions/@@responsible-options?chosen=abc", status=200)


def test_the_mine_tab_reads_only_the_rows_one_is_responsible_for(testapp, world, clients,
                                                                  dbsession):
    """One always sees what one is responsible for, so the "mine" tab's count and page read
    those rows alone, not every part of what one may see (the department's, what one wrote)
    to keep them: the count of a busy sales manager's tab took 21 ms at the large scale."""
    people, items = world
    supply_org = items["golubev"].organization
    elsewhere = clients.interaction(responsible=people["popova"], author=people["golubev"],
                                    organization=supply_org, subject="Поставка для Поповой",
                                    planned_at=utcnow() + dt.timedelta(days=2))
    assert elsewhere.department_id != people["popova"].memberships[0].department_id
    testapp.login(people["popova"].login)
    with counting(dbsession.get_bind()) as counts:
        page = testapp.get("/clients/interactions")
    statements = [s for s in counts.statements if "FROM interactions" in s]
    assert "Звонок Поповой" in page.text and "Поставка для Поповой" in page.text
    assert "Закупка" not in page.text.replace("Поставка для Поповой", "")
    assert re.search(r"1–2 of 2\b", page.text)
    assert statements and not [s for s in statements if "UNION" in s], statements
    # The tab of everything still unites the parts, and still shows only what she may see.
    page = testapp.get("/clients/interactions?tab=all")
    assert "Поставка для Поповой" in page.text and re.search(r"1–3 of 3\b", page.text)
