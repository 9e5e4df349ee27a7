"""The people directory: department tree, search, birthdays this week, a person's page."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from models.roles import Role, RoleGrant, RolePermission
from views.home import birthdays_between


def listed(page) -> set[str]:
    """Logins of the people listed in the directory's main column."""
    people = page.html.select_one("#people")
    return {el["data-login"] for el in people.select("[data-login]")} if people else set()


def moscow_today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Europe/Moscow")).date()


def department_scoped_role(dbsession, factory, name="dept_directory"):
    """A role whose person.view reaches only the holder's departments."""
    role = Role(name=name, title="Department directory")
    role.permissions.append(RolePermission(type="person", permission="view", scope="department"))
    dbsession.add(role)
    dbsession.flush()
    return role


def without_employee_role(dbsession, *departments):
    """factory.department grants `employee` (person.view: all); take it away again."""
    ids = [d.id for d in departments]
    for grant in dbsession.scalars(sa.select(RoleGrant).where(RoleGrant.department_id.in_(ids))):
        dbsession.delete(grant)
    dbsession.flush()


# --- department tree ------------------------------------------------------------------------------

def test_directory_lists_a_department_with_its_sub_departments(testapp, factory, login_as):
    sales = factory.department("Sales")
    north = factory.department("Sales North", parent=sales)
    support = factory.department("Support")
    factory.user("anna", departments=[sales])
    factory.user("boris", departments=[north])
    factory.user("clara", departments=[support])
    login_as("employee")

    page = testapp.get("/people", params={"dept": sales.id})
    assert {"anna", "boris"} <= listed(page)
    assert "clara" not in listed(page)
    tree = page.html.select_one("#dept-tree")
    active = tree.select_one("a.active")
    assert active["data-dept"] == str(sales.id)
    assert active.select_one(".count").text == "2"  # Anna and Boris of the sub-department

    page = testapp.get("/people", params={"dept": north.id})
    assert listed(page) == {"boris"}


def test_directory_shows_contacts_and_only_active_people(testapp, factory, login_as, dbsession):
    dept = factory.department("Sales")
    factory.user("popova", departments=[dept], full_name="Попова Анна Сергеевна",
                 position="Менеджер по продажам", phone="+7 916 201-11-11",
                 email="popova@example.com")
    gone = factory.user("gone", departments=[dept], full_name="Ушедший Сотрудник")
    gone.state = "deactivated"
    dbsession.flush()
    login_as("employee")

    page = testapp.get("/people", params={"dept": dept.id})
    assert listed(page) == {"popova"}
    card = page.html.select_one('[data-login="popova"]')
    assert "Менеджер по продажам" in card.text and "Sales" in card.text
    assert card.select_one('a[href^="tel:"]')["href"] == "tel:+7916201-11-11"
    assert card.select_one('a[href^="mailto:"]')["href"] == "mailto:popova@example.com"
    # The compact table shows the same people.
    assert listed(testapp.get("/people", params={"dept": dept.id, "view": "table"})) == {"popova"}
    # Only admins may ask for deactivated people too.
    assert "gone" not in listed(testapp.get("/people", params={"dept": dept.id, "inactive": "1"}))


def test_admin_may_include_deactivated_people(testapp, factory, login_as, dbsession):
    dept = factory.department("Sales")
    gone = factory.user("gone", departments=[dept])
    gone.state = "deactivated"
    dbsession.flush()
    login_as("admin")
    assert "gone" not in listed(testapp.get("/people", params={"dept": dept.id}))
    assert "gone" in listed(testapp.get("/people", params={"dept": dept.id, "inactive": "1"}))


def test_directory_is_paginated(testapp, factory, login_as):
    dept = factory.department("Big")
    for i in range(50):
        factory.user(f"p{i:02d}", departments=[dept], full_name=f"Person {i:02d}")
    login_as("employee")
    first = testapp.get("/people", params={"dept": dept.id})
    assert len(listed(first)) == 48
    assert "50" in first.html.select_one("#result-count").text
    second = testapp.get("/people", params={"dept": dept.id, "page": "2"})
    assert listed(second) == {"p48", "p49"}
    assert testapp.get("/people", params={"page": "999"}).status_int == 200


# --- search ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("q", ["иванов", "ИВАНОВ", "Иванов", "иВАНов петр"])
def test_search_by_russian_name_ignores_case(testapp, factory, login_as, q):
    factory.user("ivanov", full_name="Иванов Пётр Сергеевич")
    factory.user("sidorov", full_name="Сидоров Иван Петрович")
    login_as("employee")
    page = testapp.get("/people", params={"q": q})
    assert listed(page) == {"ivanov"}
    assert "1" in page.html.select_one("#result-count").text


def test_search_treats_yo_as_ye(testapp, factory, login_as):
    factory.user("semenova", full_name="Семёнова Ирина")
    login_as("employee")
    assert listed(testapp.get("/people", params={"q": "СЕМЕНОВА"})) == {"semenova"}


def test_search_by_phone_digits_and_email(testapp, factory, login_as):
    factory.user("popova", full_name="Попова Анна", phone="+7 916 201-11-11",
                 email="Anna.Popova@example.com")
    factory.user("lebedev", full_name="Лебедев Игорь", phone="+7 495 100-07-01")
    login_as("employee")
    assert listed(testapp.get("/people", params={"q": "+7 (916) 201-11"})) == {"popova"}
    assert listed(testapp.get("/people", params={"q": "2011111"})) == {"popova"}
    assert listed(testapp.get("/people", params={"q": "ANNA.POPOVA@"})) == {"popova"}
    page = testapp.get("/people", params={"q": "Нетакого"})
    assert listed(page) == set()
    assert page.html.select_one("#no-people") is not None


def test_search_wildcards_are_literal(testapp, factory, login_as):
    factory.user("somebody", full_name="Обычный Человек")
    login_as("employee")
    assert listed(testapp.get("/people", params={"q": "%"})) == set()
    assert listed(testapp.get("/people", params={"q": "_"})) == set()


# --- birthdays this week ----------------------------------------------------------------------------

def test_birthdays_between_includes_three_days_ahead_and_not_ten(dbsession, factory):
    soon = factory.user(birthday=dt.date(1988, 6, 13))
    later = factory.user(birthday=dt.date(1990, 6, 20))
    found = birthdays_between(dbsession, dt.date(2026, 6, 10), 7)
    assert soon in found and later not in found


def test_birthdays_between_wraps_over_the_new_year(dbsession, factory):
    new_year = factory.user(birthday=dt.date(1990, 1, 1))
    today = factory.user(birthday=dt.date(1975, 12, 29))
    too_late = factory.user(birthday=dt.date(1992, 1, 8))
    found = birthdays_between(dbsession, dt.date(2025, 12, 29), 7)
    assert found.index(today) < found.index(new_year)
    assert too_late not in found


def test_directory_shows_birthdays_this_week(testapp, factory, login_as):
    def birthday_in(days: int) -> dt.date:
        return (moscow_today() + dt.timedelta(days=days)).replace(year=1992)  # a leap year

    sales, support = factory.department("Sales"), factory.department("Support")
    factory.user("soon", full_name="Скоро Именинник", birthday=birthday_in(3), departments=[sales])
    factory.user("later", full_name="Позже Именинник", birthday=birthday_in(10), departments=[sales])
    factory.user("other", full_name="Другой Именинник", birthday=birthday_in(1), departments=[support])
    login_as("employee")
    block = testapp.get("/people").html.select_one("#birthdays").text
    assert "Скоро Именинник" in block and "Другой Именинник" in block
    assert "Позже Именинник" not in block
    # A department's page shows the birthdays of that department.
    block = testapp.get("/people", params={"dept": sales.id}).html.select_one("#birthdays").text
    assert "Скоро Именинник" in block and "Другой Именинник" not in block


# --- security: listings filtered in SQL -------------------------------------------------------------

def test_department_scoped_role_lists_only_its_departments(testapp, dbsession, factory):
    department_scoped_role(dbsession, factory)
    alpha = factory.department("Alpha")
    lab = factory.department("Alpha Lab", parent=alpha)
    beta = factory.department("Beta")
    without_employee_role(dbsession, alpha, lab, beta)
    factory.user("viewer", roles=["dept_directory"], departments=[alpha])
    factory.user("mate", departments=[alpha])
    factory.user("labrat", departments=[lab])
    factory.user("stranger", departments=[beta], full_name="Чужой Отдел")
    testapp.login("viewer")

    page = testapp.get("/people")
    assert listed(page) == {"viewer", "mate", "labrat"}
    counts = {a["data-dept"]: a.select_one(".count").text
              for a in page.html.select("#dept-tree a[data-dept]")}
    assert counts[str(beta.id)] == "0"
    assert listed(testapp.get("/people", params={"q": "чужой"})) == set()
    testapp.get("/people/mate", status=200)
    testapp.get("/people/stranger", status=403)


def test_person_without_person_view_cannot_open_the_directory(testapp, dbsession, factory):
    dept = factory.department("Nowhere")
    without_employee_role(dbsession, dept)
    factory.user("nobody", departments=[dept])
    testapp.login("nobody")
    testapp.get("/people", status=403)


def test_anonymous_is_sent_to_log_in(testapp):
    page = testapp.get("/people", status=303)
    assert "/login" in page.location


# --- a person's page --------------------------------------------------------------------------------

def test_person_page_shows_contacts_head_and_colleagues(testapp, factory, login_as, dbsession):
    sales = factory.department("Отдел продаж")
    head = factory.user("sokolov", departments=[sales], full_name="Соколов Дмитрий",
                        position="Начальник отдела продаж")
    sales.head = head
    person = factory.user("popova", departments=[sales], full_name="Попова Анна Сергеевна",
                          position="Менеджер по продажам", phone="+7 916 201-11-11",
                          email="popova@example.com", birthday=dt.date(1990, 12, 5))
    factory.user("morozov", departments=[sales], full_name="Морозов Павел")
    factory.user("elsewhere", full_name="Другой Отдел")
    dbsession.flush()
    login_as("employee")

    page = testapp.get("/people/popova")
    html = page.html
    assert html.select_one("#person-name").text.strip().startswith(person.full_name)
    assert "Менеджер по продажам" in page.text
    assert html.select_one("#person-phone a")["href"] == "tel:+7916201-11-11"
    assert html.select_one("#person-email a")["href"] == "mailto:popova@example.com"
    birthday = html.select_one("#person-birthday").text
    assert "5 December" in birthday and "1990" not in page.text
    assert html.select_one(".dept-link")["href"].endswith(f"/people/?dept={sales.id}")
    assert "Соколов Дмитрий" in html.select_one(".person-head").text
    colleagues = html.select_one("#colleagues").text
    assert "Морозов Павел" in colleagues and "Соколов Дмитрий" in colleagues
    assert "Другой Отдел" not in colleagues and person.full_name not in colleagues
    assert html.select_one("#admin-link") is None


def test_head_sees_the_head_above_as_manager(testapp, factory, login_as, dbsession):
    top = factory.department("Management")
    sales = factory.department("Sales", parent=top)
    director = factory.user("director", departments=[top], full_name="Волков Андрей")
    chief = factory.user("chief", departments=[sales], full_name="Соколов Дмитрий")
    top.head, sales.head = director, chief
    dbsession.flush()
    login_as("employee")
    page = testapp.get("/people/chief")
    assert "Волков Андрей" in page.html.select_one(".person-head").text


def test_admin_sees_a_link_to_manage_the_person(testapp, factory, login_as):
    person = factory.user("popova")
    login_as("admin")
    link = testapp.get("/people/popova").html.select_one("#admin-link")
    assert link["href"].endswith(f"/admin/users/{person.id}")


def test_unknown_person_is_not_found(testapp, login_as):
    login_as("employee")
    testapp.get("/people/nobody-like-this", status=404)
