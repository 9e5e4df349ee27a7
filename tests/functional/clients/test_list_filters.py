"""The client list's "Responsible manager" filter: the page draws only its first choices and the
chosen person; every manager comes when the field is about to be used (htmx), so a company
with hundreds of managers does not pay for them on every page of the list."""
from __future__ import annotations

import re

from bs4 import BeautifulSoup


def options(html: str) -> list[str]:
    return [o["value"] for o in BeautifulSoup(html, "html.parser").select("option")]


def test_the_list_draws_the_chosen_manager_and_the_field_asks_for_the_rest(
        testapp, login_as, factory, clients):
    me = login_as("director")
    sales = factory.department("Продажи")
    managers = [factory.user(roles=["sales"], departments=[sales], full_name=f"Менеджер {i}")
                for i in range(5)]
    clients.organization("ООО «Альфа»", manager=managers[0])
    page = testapp.get("/clients/")
    field = page.html.select_one("#f-manager")
    assert options(str(field)) == ["", "me", "none"]
    everyone = testapp.get(field["hx-get"])
    assert {str(m.id) for m in managers} <= set(options(everyone.text))
    # Filtered by one of them: the page draws that person, chosen; so does the full list.
    page = testapp.get("/clients/", {"manager": str(managers[3].id)})
    field = page.html.select_one("#f-manager")
    assert options(str(field)) == ["", "me", "none", str(managers[3].id)]
    assert field.select_one("option[selected]")["value"] == str(managers[3].id)
    full = testapp.get(field["hx-get"])
    assert re.search(rf'<option value="{managers[3].id}" selected>', full.text)
    assert me is not None


def test_who_may_not_see_the_clients_may_not_ask_for_their_managers(testapp, login_as):
    login_as("employee")
    testapp.get("/clients/@@manager-options", status=403)
