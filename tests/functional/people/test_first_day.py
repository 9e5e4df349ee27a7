"""The first day of an account (issue 14, point 9): a one-time password that an admin gives and
the person must replace at their first log-in, "require a new password at next log-in", and
departments picked from a searchable list of checkboxes."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from models.people import User
from models.sessions import WebSession
from tests.conftest import TEST_PASSWORD

NEW = "my-own-pass-77"
# Pages a person must not reach before choosing a password (existing or not, any section).
ELSEWHERE = ["/", "/people", "/tasks", "/calendar", "/clients", "/kb", "/notifications",
             "/preferences", "/preferences/tokens", "/admin/users", "/search?q=x", "/no-such-page"]


def find_user(dbsession, login) -> User:
    return dbsession.scalar(sa.select(User).where(User.login == login))


def add_form(testapp, departments=(), **fields):
    form = testapp.get("/admin/users/@@add").forms["form"]
    form["login"] = fields.pop("login", "newcomer")
    form["full_name"] = fields.pop("full_name", "Новикова Анна")
    form["departments"] = [str(d.id) for d in departments]
    for name, value in fields.items():
        form[name] = value
    return form


def shown_password(page) -> str:
    return page.html.select_one("#one-time-password").text.strip()


def token_on(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def change_password(testapp, new=NEW, confirm=None, status=303, **extra):
    page = testapp.get("/password")
    values = {"new": new, "confirm": new if confirm is None else confirm,
              "csrf_token": token_on(page), **extra}
    return testapp.post("/password", values, status=status)


def newcomer_with_one_time_password(testapp, login_as, factory, dbsession) -> tuple[User, str]:
    sales = factory.department("Sales")
    login_as("admin")
    page = add_form(testapp, departments=[sales]).submit("save", status=200)
    return find_user(dbsession, "newcomer"), shown_password(page)


# --- the one-time password ------------------------------------------------------------------------

def test_admin_gets_a_readable_one_time_password_shown_once_and_never_stored(
        testapp, login_as, factory, dbsession):
    person, password = newcomer_with_one_time_password(testapp, login_as, factory, dbsession)
    assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", password)
    assert person.must_change_password
    # Only an argon2 hash is stored, in the person's row and in its audited versions.
    assert person.password_hash.startswith("$argon2") and password not in person.password_hash
    versions = dbsession.execute(sa.text("SELECT password_hash FROM users_version WHERE id = :id"),
                                 {"id": person.id}).scalars().all()
    assert versions and not any(password in (v or "") for v in versions)
    # Nor kept in any session (a flash message) nor shown again.
    for data in dbsession.scalars(sa.select(WebSession.data)):
        assert password not in repr(data)
    card = testapp.get(f"/admin/users/{person.id}")
    assert password not in card.text and card.html.select_one("#must-change-badge") is not None
    assert password not in testapp.get(f"/admin/users/{person.id}/edit").text
    assert password not in testapp.get("/admin/users").text


def test_the_one_time_password_page_is_not_cached_and_names_the_login(
        testapp, login_as, factory, dbsession):
    sales = factory.department("Sales")
    login_as("admin")
    page = add_form(testapp, departments=[sales]).submit("save", status=200)
    assert page.headers["Cache-Control"] == "no-store"
    assert "newcomer" in page.html.select_one("main").text
    assert page.html.select_one("#to-person")["href"].endswith(
        f"/admin/users/{find_user(dbsession, 'newcomer').id}")


def test_one_time_password_works_once_and_forces_the_change(testapp, login_as, factory, dbsession):
    person, password = newcomer_with_one_time_password(testapp, login_as, factory, dbsession)
    testapp.login("newcomer", password, status=303)
    assert testapp.get("/", status=303).location.endswith("/password")
    page = testapp.get("/password")
    assert page.html.select_one("#must-change") is not None
    # The one-time password was the proof; no "current password" is asked again.
    assert page.html.select_one("#current") is None
    # The bar offers no sections (every one would redirect), but log-out.
    assert page.html.select_one("#sections") is None
    assert page.html.select_one("form[action$='/logout']") is not None

    # A second log-in with it is refused, even before the change.
    other = type(testapp)(testapp.app, extra_environ=testapp.extra_environ)
    assert "Wrong login or password." in other.login("newcomer", password, status=200).text

    change_password(testapp)
    assert not person.must_change_password
    assert testapp.get("/", status=200)
    assert "Wrong login or password." in testapp.login("newcomer", password, status=200).text
    testapp.login("newcomer", NEW, status=303)
    assert testapp.get("/", status=200)


def test_every_page_redirects_to_the_change_until_it_is_made(testapp, login_as, factory, dbsession):
    person, password = newcomer_with_one_time_password(testapp, login_as, factory, dbsession)
    testapp.login("newcomer", password, status=303)
    for path in ELSEWHERE:
        res = testapp.get(path, status=303)
        assert res.location.endswith("/password"), path
    token = token_on(testapp.get("/password"))
    # Unsafe requests too, before the page's own rules; htmx is told to load the page.
    res = testapp.post("/preferences", {"csrf_token": token, "phone": "123"}, status=303)
    assert res.location.endswith("/password") and person.phone == ""
    res = testapp.get("/notifications", headers={"HX-Request": "true"}, status=204)
    assert res.headers["HX-Redirect"].endswith("/password")
    # Static files, the language switch and log-out still work.
    testapp.get("/static/js/people-form.js", status=200)
    testapp.post("/language", {"csrf_token": token, "lang": "ru", "came_from": "/password"},
                 status=303)
    assert '<html lang="ru">' in testapp.get("/password").text
    testapp.post("/logout", {"csrf_token": token_on(testapp.get("/password"))}, status=303)
    assert "/login" in testapp.get("/", status=303).location


def test_a_refused_change_keeps_the_person_on_the_change_page(testapp, login_as, factory, dbsession):
    person, password = newcomer_with_one_time_password(testapp, login_as, factory, dbsession)
    testapp.login("newcomer", password, status=303)
    for new, confirm in (("short1", "short1"), (NEW, NEW + "x"), ("12345678901", "12345678901"),
                         ("x1" * 3000, "x1" * 3000), ("", "")):
        res = change_password(testapp, new, confirm, status=400)
        assert res.html.select(".invalid-feedback")
        assert person.must_change_password
    testapp.get("/", status=303)


# --- "require a new password at next log-in" ---------------------------------------------------

def test_admin_requires_a_new_password_of_someone_logged_in(testapp, login_as, factory, dbsession, app):
    person = factory.user(login="veteran")
    browser = type(testapp)(app, extra_environ=testapp.extra_environ)
    browser.login("veteran")
    browser.get("/", status=200)

    login_as("admin")
    form = testapp.get(f"/admin/users/{person.id}/edit").forms["form"]
    assert form["must_change_password"].checked is False
    form["must_change_password"] = True
    form.submit("save", status=302)
    assert person.must_change_password

    # Their open session is sent to the change, which asks their current password.
    assert browser.get("/tasks", status=303).location.endswith("/password")
    page = browser.get("/password")
    assert page.html.select_one("#current") is not None
    values = {"current": "wrong-one-1", "new": NEW, "confirm": NEW, "csrf_token": token_on(page)}
    browser.post("/password", values, status=400)
    assert person.must_change_password
    values["current"] = TEST_PASSWORD
    browser.post("/password", values, status=303)
    assert not person.must_change_password
    browser.get("/tasks", status=200)


def test_admin_unticks_the_requirement(testapp, login_as, factory):
    person = factory.user(login="veteran", must_change_password=True)
    login_as("admin")
    form = testapp.get(f"/admin/users/{person.id}/edit").forms["form"]
    assert form["must_change_password"].checked is True
    form["must_change_password"] = False
    form.submit("save", status=302)
    assert not person.must_change_password


def test_a_typed_initial_password_with_the_box_ticked_forces_the_change(
        testapp, login_as, factory, dbsession):
    sales = factory.department("Sales")
    login_as("admin")
    form = add_form(testapp, departments=[sales], password=NEW, **{"password-confirm": NEW})
    form["must_change_password"] = True
    res = form.submit("save", status=302)
    assert NEW not in res.follow().text
    person = find_user(dbsession, "newcomer")
    assert person.must_change_password
    testapp.login("newcomer", NEW, status=303)
    testapp.get("/", status=303)


def test_a_typed_initial_password_alone_does_not_force_a_change(testapp, login_as, factory, dbsession):
    sales = factory.department("Sales")
    login_as("admin")
    add_form(testapp, departments=[sales], password=NEW,
             **{"password-confirm": NEW}).submit("save", status=302)
    assert not find_user(dbsession, "newcomer").must_change_password
    testapp.login("newcomer", NEW, status=303)
    testapp.get("/", status=200)


def test_password_reset_can_give_a_one_time_password(testapp, login_as, factory, dbsession):
    person = factory.user(login="forgetful")
    for _i in range(6):
        testapp.login("forgetful", "bad-password-1", status=200)
    login_as("admin")
    page = testapp.get(f"/admin/users/{person.id}/password").forms["form"].submit("save", status=200)
    password = shown_password(page)
    assert person.must_change_password and password not in person.password_hash
    assert password not in testapp.get(f"/admin/users/{person.id}").text
    # The throttle the failures set is lifted; the old password is gone.
    assert "Wrong login or password." in testapp.login("forgetful", TEST_PASSWORD, status=200).text
    testapp.login("forgetful", password, status=303)
    change_password(testapp)
    testapp.get("/", status=200)


# --- hostile input ------------------------------------------------------------------------------

@pytest.mark.parametrize("departments", [["abc"], ["99999999"], ["1 OR 1=1"], ["-1"], ["x" * 5000],
                                         ["\x00"]])
def test_hostile_departments_store_nothing(testapp, login_as, factory, dbsession, departments):
    factory.department("Sales")
    login_as("admin")
    page = testapp.get("/admin/users/@@add")
    values = [("csrf_token", token_on(page)), ("login", "newcomer"), ("full_name", "Анна"),
              ("__start__", "departments:sequence"), *[("departments", d) for d in departments],
              ("__end__", "departments:sequence"), ("save", "save")]
    res = testapp.post("/admin/users/@@add", values, status="*")
    assert res.status_int in (400, 200) and res.status_int < 500
    assert find_user(dbsession, "newcomer") is None
    assert "one-time-password" not in res.text


@pytest.mark.parametrize("value", ["maybe", "x" * 3000, "\x00"])
def test_hostile_must_change_values_are_refused(testapp, login_as, factory, value):
    person = factory.user(login="veteran")
    login_as("admin")
    form = testapp.get(f"/admin/users/{person.id}/edit").forms["form"]
    fields = [(k, v) for k, v in form.submit_fields() if k != "must_change_password"]
    res = testapp.post(f"/admin/users/{person.id}/edit",
                       [*fields, ("must_change_password", value), ("save", "save")], status="*")
    assert res.status_int < 500
    assert not person.must_change_password


def test_hostile_values_at_the_change_page(testapp, login_as, factory, dbsession):
    person, password = newcomer_with_one_time_password(testapp, login_as, factory, dbsession)
    testapp.login("newcomer", password, status=303)
    token = token_on(testapp.get("/password"))
    for values in ({"new": ["a1b2c3d4e5", "z9y8x7w6v5"], "confirm": "a1b2c3d4e5"},
                   {"new": "\x00abc12345", "confirm": "\x00abc12345"},
                   {"current": "x" * 100000, "new": "", "confirm": ""}):
        res = testapp.post("/password", {**values, "csrf_token": token}, status="*")
        assert res.status_int < 500
    assert person.must_change_password or person.password_hash


# --- the department picker ----------------------------------------------------------------------

def test_departments_are_a_searchable_list_of_checkboxes(testapp, login_as, factory):
    parent = factory.department("Продажи")
    factory.department("Москва", parent=parent)
    login_as("admin")
    page = testapp.get("/admin/users/@@add")
    picker = page.html.select_one("[data-department-picker]")
    assert picker is not None and page.html.select_one("select[name=departments]") is None
    boxes = picker.select("input[type=checkbox][name=departments]")
    assert {b.find_next("label").text for b in boxes} >= {"Продажи", "Москва"}
    # The path lets the filter find a sub-department by its parent's name.
    assert picker.select_one("[data-path='Продажи › Москва']") is not None
    assert picker.select_one("input[type=search]") is not None
    assert "js/people-form.js" in page.text
    assert "Ctrl" not in page.text


def test_chosen_departments_are_stored_and_shown_again(testapp, login_as, factory, dbsession):
    sales, support, accounting = (factory.department(n) for n in ("Sales", "Support", "Accounting"))
    login_as("admin")
    add_form(testapp, departments=[sales, accounting], password=NEW,
             **{"password-confirm": NEW}).submit("save", status=302)
    person = find_user(dbsession, "newcomer")
    assert sorted(d.name for d in person.departments) == ["Accounting", "Sales"]

    form = testapp.get(f"/admin/users/{person.id}/edit").forms["form"]
    checked = {f._value for f in form.fields["departments"] if f.checked}
    assert checked == {str(sales.id), str(accounting.id)}
    form["departments"] = [str(support.id)]
    form.submit("save", status=302)
    dbsession.refresh(person)
    assert [d.name for d in person.departments] == ["Support"]


# --- both languages -----------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "ru"])
def test_first_day_pages_render_in_both_languages(testapp, login_as, factory, dbsession, lang):
    sales = factory.department("Sales")
    login_as("admin")
    testapp.extra_environ["HTTP_ACCEPT_LANGUAGE"] = lang
    testapp.get("/admin/users/@@add", status=200)
    page = add_form(testapp, departments=[sales]).submit("save", status=200)
    assert f'<html lang="{lang}">' in page.text
    password = shown_password(page)
    person = find_user(dbsession, "newcomer")
    assert f'<html lang="{lang}">' in testapp.get(f"/admin/users/{person.id}/password").text
    testapp.login("newcomer", password, status=303)
    page = testapp.get("/password")
    assert f'<html lang="{lang}">' in page.text and "${" not in page.text


def test_an_empty_current_password_never_passes(testapp, login_as):
    me = login_as("employee")
    old_hash = me.password_hash
    page = testapp.get("/password")
    res = testapp.post("/password", {"current": "", "new": NEW, "confirm": NEW,
                                     "csrf_token": token_on(page)}, status=400)
    assert res.html.select_one("#current.is-invalid") is not None
    assert me.password_hash == old_hash
