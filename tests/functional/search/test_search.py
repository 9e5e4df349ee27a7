"""The header search: people for now, grouped; more groups plug into SEARCH_PROVIDERS."""
from __future__ import annotations

import sqlalchemy as sa

import views.search.header
from models.registry import Registry
from models.roles import Role, RoleGrant, RolePermission
from views.search.header import SearchItem


def groups_of(page) -> dict[str, list[str]]:
    out = {}
    for section in page.html.select("section.search-group"):
        title = section.select_one("h2").contents[0].strip()
        out[title] = [a.select_one(".fw-semibold").text.strip() for a in section.select("a.search-hit")]
    return out


def test_empty_query_gives_a_hint(testapp, login_as):
    login_as("employee")
    page = testapp.get("/search")
    assert page.html.select_one("#search-hint") is not None
    assert testapp.get("/search", params={"q": "   "}).html.select_one("#search-hint") is not None


def test_people_are_found_under_a_people_heading(testapp, factory, login_as):
    factory.user("ivanov", full_name="Иванов Пётр", position="Инженер")
    factory.user("petrov", full_name="Петров Иван")
    login_as("employee")
    page = testapp.get("/search", params={"q": "ИВАНОВ"})
    assert groups_of(page) == {"People": ["Иванов Пётр"]}
    hit = page.html.select_one("a.search-hit")
    assert hit["href"].endswith("/people/ivanov")
    more = page.html.select_one("a.more-link")["href"]
    assert "/people/?q=" in more
    # The same query in the directory finds the same person.
    directory = testapp.get(more)
    assert directory.html.select_one('[data-login="ivanov"]') is not None


def test_phone_search_and_nothing_found(testapp, factory, login_as):
    factory.user("popova", full_name="Попова Анна", phone="+7 916 201-11-11")
    login_as("employee")
    assert groups_of(testapp.get("/search", params={"q": "+7 (916) 201-11"})) == {
        "People": ["Попова Анна"]}
    page = testapp.get("/search", params={"q": "Нетакогочеловека"})
    assert page.html.select_one("#no-results") is not None


def test_search_shows_a_limited_group_with_the_total(testapp, factory, login_as):
    dept = factory.department("Big")
    for i in range(12):
        factory.user(f"smith{i}", departments=[dept], full_name=f"Smith {i:02d}")
    login_as("employee")
    page = testapp.get("/search", params={"q": "smith"})
    assert len(groups_of(page)["People"]) == views.search.header.GROUP_LIMIT
    assert "12" in page.html.select_one("a.more-link").text


def test_search_hides_deactivated_and_invisible_people(testapp, dbsession, factory):
    role = Role(name="dept_directory", title="Department directory")
    role.permissions.append(RolePermission(type="person", permission="view", scope="department"))
    dbsession.add(role)
    mine, theirs = factory.department("Mine"), factory.department("Theirs")
    for grant in dbsession.scalars(sa.select(RoleGrant).where(
            RoleGrant.department_id.in_([mine.id, theirs.id]))):
        dbsession.delete(grant)
    dbsession.flush()
    factory.user("viewer", roles=["dept_directory"], departments=[mine], full_name="Зритель")
    factory.user("near", departments=[mine], full_name="Ковалёв Близкий")
    factory.user("far", departments=[theirs], full_name="Ковалёв Далёкий")
    gone = factory.user("gone", departments=[mine], full_name="Ковалёв Ушедший")
    gone.state = "deactivated"
    dbsession.flush()
    testapp.login("viewer")
    assert groups_of(testapp.get("/search", params={"q": "ковалев"})) == {"People": ["Ковалёв Близкий"]}


def test_later_issues_can_add_groups(testapp, factory, login_as, monkeypatch):
    factory.user("ivanov", full_name="Иванов Пётр")

    def tickets(request, q, limit):
        return ("Tickets", [SearchItem(f"Ticket about {q}", "/tickets/1", icon="life-preserver")], None)

    def nothing(request, q, limit):
        return None

    providers = Registry("header search groups")
    for name, provider in views.search.header.SEARCH_PROVIDERS.items():
        providers.add(name, provider)
    providers.add("test.tickets", tickets)
    providers.add("test.nothing", nothing)
    monkeypatch.setattr(views.search.header, "SEARCH_PROVIDERS", providers)
    login_as("employee")
    groups = groups_of(testapp.get("/search", params={"q": "иванов"}))
    assert groups == {"People": ["Иванов Пётр"], "Tickets": ["Ticket about иванов"]}
