"""Administration of people: create, edit, deactivate, reset password, delete (issue 2, point 7)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy_continuum import versioning_manager

from models.people import Membership, User
from models.roles import RoleGrant
from models.workflow import WorkflowHistory
from tests.conftest import TEST_PASSWORD

NEW_PASSWORD = "fresh-start-42"


def fill_user_form(form, departments=(), roles=(), password=None, **fields):
    """Fill the deform user form as a person would: text fields, departments, role checkboxes."""
    for name, value in fields.items():
        form[name] = value
    form["departments"] = [str(d.id) for d in departments]
    for box in form.fields.get("checkbox", []):
        box.checked = box._value in roles
    if password is not None:
        form["password"] = password
        form["password-confirm"] = password
    return form


def new_user_form(testapp, **values):
    values.setdefault("password", NEW_PASSWORD)
    form = testapp.get("/admin/users/@@add").forms["form"]
    return fill_user_form(form, **values)


def find_user(dbsession, login):
    return dbsession.scalar(sa.select(User).where(User.login == login))


def direct_roles(dbsession, user):
    return {g.role.name for g in dbsession.scalars(sa.select(RoleGrant).where(RoleGrant.user_id == user.id))}


# --- creating people -----------------------------------------------------------------------------

def test_admin_creates_a_user_who_can_then_log_in(testapp, login_as, factory, dbsession):
    sales = factory.department("Sales")
    login_as("admin")
    res = new_user_form(testapp, login="m.ivanova", full_name="Иванова Мария Петровна",
                        email="m.ivanova@example.com", phone="+7 495 123-45-67",
                        position="Sales manager", birthday="1990-03-08", locale="ru",
                        departments=[sales], roles=["sales"]).submit("save", status=302)
    user = find_user(dbsession, "m.ivanova")
    assert user is not None
    assert res.location.rstrip("/").endswith(f"/admin/users/{user.id}")
    assert (user.full_name, user.email, user.position, user.locale) == (
        "Иванова Мария Петровна", "m.ivanova@example.com", "Sales manager", "ru")
    assert user.birthday.isoformat() == "1990-03-08"
    assert [d.name for d in user.departments] == ["Sales"]
    assert direct_roles(dbsession, user) == {"sales"}
    page = res.follow()
    assert "Иванова Мария Петровна" in page.text and "can now log in" in page.text

    testapp.login("m.ivanova", NEW_PASSWORD, status=303)
    assert "Мария" in testapp.get("/").text


def test_duplicate_login_is_refused_and_nothing_is_stored(testapp, login_as, factory, dbsession):
    factory.user(login="petrov", full_name="Петров Пётр")
    login_as("admin")
    before = dbsession.scalar(sa.select(sa.func.count()).select_from(User))
    res = new_user_form(testapp, login="Petrov", full_name="Другой Петров").submit("save", status=400)
    assert "The login “petrov” is already taken by Петров Пётр." in res.text
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(User)) == before
    # What was typed is kept, so it can be corrected.
    assert res.forms["form"]["full_name"].value == "Другой Петров"


def test_bad_email_is_refused(testapp, login_as, dbsession):
    login_as("admin")
    res = new_user_form(testapp, login="nomail", full_name="Без Почты",
                        email="not-an-address").submit("save", status=400)
    assert "“not-an-address” is not an e-mail address." in res.text
    assert find_user(dbsession, "nomail") is None


def test_empty_full_name_is_refused(testapp, login_as, dbsession):
    login_as("admin")
    res = new_user_form(testapp, login="noname", full_name="   ").submit("save", status=400)
    assert "Enter the person&#39;s full name." in res.text or "Enter the person's full name." in res.text
    assert find_user(dbsession, "noname") is None


def test_a_300_character_full_name_is_refused(testapp, login_as, dbsession):
    login_as("admin")
    res = new_user_form(testapp, login="longname", full_name="Я" * 300).submit("save", status=400)
    assert "At most 200 characters, please." in res.text
    assert find_user(dbsession, "longname") is None


def test_weak_initial_password_is_refused(testapp, login_as, dbsession):
    login_as("admin")
    res = new_user_form(testapp, login="weak", full_name="Слабый Пароль",
                        password="12345678").submit("save", status=400)
    assert "Use letters and digits" in res.text
    assert find_user(dbsession, "weak") is None


# --- editing -------------------------------------------------------------------------------------

def test_admin_edits_departments_and_roles(testapp, login_as, factory, dbsession):
    sales, support = factory.department("Sales"), factory.department("Support")
    person = factory.user(login="kozlov", full_name="Козлов Иван", departments=[sales], roles=["sales"])
    dbsession.add(RoleGrant(role=factory.role("support"), department=support))
    dbsession.flush()
    login_as("admin")

    form = testapp.get(f"/admin/users/{person.id}/edit").forms["form"]
    assert form["login"].value == "kozlov"
    fill_user_form(form, departments=[support], roles=["dispatcher"], position="Engineer")
    res = form.submit("save", status=302)
    assert res.location.rstrip("/").endswith(f"/admin/users/{person.id}")

    dbsession.expire_all()
    assert [m.department.name for m in person.memberships] == ["Support"]
    assert direct_roles(dbsession, person) == {"dispatcher"}
    assert person.position == "Engineer"

    # Roles that come through departments are shown on the edit page, read-only.
    edit = testapp.get(f"/admin/users/{person.id}/edit")
    block = edit.html.find(id="department-roles").text
    assert "Support" in block
    page = testapp.get(f"/admin/users/{person.id}")
    roles = page.html.find(id="roles").text
    assert "granted to the person" in roles and "through the department: Support" in roles


def test_editing_to_a_taken_login_changes_nothing(testapp, login_as, factory, dbsession):
    factory.user(login="taken", full_name="Занятый Логин")
    person = factory.user(login="free", full_name="Свободный")
    login_as("admin")
    form = testapp.get(f"/admin/users/{person.id}/edit").forms["form"]
    form["login"] = "taken"
    form["full_name"] = "Переименован"
    res = form.submit("save", status=400)
    assert "already taken" in res.text
    dbsession.expire_all()
    assert (person.login, person.full_name) == ("free", "Свободный")


def test_admin_cannot_take_the_admin_role_from_themselves(testapp, login_as, dbsession):
    me = login_as("admin")
    form = testapp.get(f"/admin/users/{me.id}/edit").forms["form"]
    fill_user_form(form, departments=me.departments, roles=[])
    res = form.submit("save", status=400)
    assert "You cannot take the administrator role away from yourself" in res.text
    assert direct_roles(dbsession, me) == {"admin"}


# --- the account workflow: deactivate, reactivate ------------------------------------------------

def test_deactivated_person_cannot_log_in_and_reactivation_lets_them_back(testapp, login_as, factory):
    person = factory.user(login="leaving")
    login_as("admin")
    page = testapp.get(f"/admin/users/{person.id}")
    assert 'value="deactivate"' in page.text
    testapp.post_csrf(f"/admin/users/{person.id}/transition",
                      {"name": "deactivate", "comment": "Left the company",
                       "came_from": f"/admin/users/{person.id}"}, status=303)
    assert person.state == "deactivated"
    page = testapp.get(f"/admin/users/{person.id}")
    assert "Left the company" in page.html.find(class_="workflow-history").text
    assert 'value="reactivate"' in page.text
    # Deactivated people are not in the default list, but are under "Deactivated".
    assert 'data-login="leaving"' not in testapp.get("/admin/users").text
    assert 'data-login="leaving"' in testapp.get("/admin/users?state=deactivated").text

    assert "Wrong login or password." in testapp.login("leaving", status=200).text

    login_as("admin")
    testapp.post_csrf(f"/admin/users/{person.id}/transition", {"name": "reactivate"}, status=303)
    assert person.state == "active"
    testapp.login("leaving", status=303)


def test_admin_cannot_deactivate_themselves(testapp, login_as):
    me = login_as("admin")
    page = testapp.get(f"/admin/users/{me.id}")
    assert 'value="deactivate"' not in page.text
    res = testapp.post_csrf(f"/admin/users/{me.id}/transition",
                            {"name": "deactivate", "came_from": f"/admin/users/{me.id}"}, status=303)
    assert me.state == "active"
    assert "You cannot deactivate your own account." in res.follow().text


# --- password reset ------------------------------------------------------------------------------

def test_admin_resets_a_password(testapp, login_as, factory):
    person = factory.user(login="forgetful")
    for _ in range(5):
        testapp.login("forgetful", "bad-password-1", status=200)
    login_as("admin")
    form = testapp.get(f"/admin/users/{person.id}/password").forms["form"]
    form["password"] = "short"
    form["password-confirm"] = "short"
    assert "at least 8 characters" in form.submit("save", status=400).text

    form = testapp.get(f"/admin/users/{person.id}/password").forms["form"]
    form["password"] = NEW_PASSWORD
    form["password-confirm"] = NEW_PASSWORD
    form.submit("save", status=302)

    # The reset also lifts the log-in throttle that the failed attempts had set.
    testapp.login("forgetful", TEST_PASSWORD, status=200)
    testapp.login("forgetful", NEW_PASSWORD, status=303)


# --- deleting ------------------------------------------------------------------------------------

def test_a_person_added_by_mistake_can_be_deleted(testapp, login_as, factory, dbsession):
    dept = factory.department()
    person = factory.user(login="typo", departments=[dept], roles=["sales"])
    person_id = person.id
    login_as("admin")
    assert 'id="delete-user"' in testapp.get(f"/admin/users/{person_id}").text
    testapp.post_csrf(f"/admin/users/{person_id}/delete", status=303)
    dbsession.expire_all()
    assert dbsession.get(User, person_id) is None
    assert not dbsession.scalars(sa.select(Membership).where(Membership.user_id == person_id)).all()
    assert not dbsession.scalars(sa.select(RoleGrant).where(RoleGrant.user_id == person_id)).all()


def test_deleting_a_person_with_history_is_refused(testapp, login_as, factory, dbsession):
    person = factory.user(login="veteran", full_name="Старый Сотрудник")
    dbsession.add(WorkflowHistory(object_type="task", object_id=1, transition="start",
                                  from_state="open", to_state="in_progress", actor_id=person.id))
    dbsession.flush()
    login_as("admin")
    page = testapp.get(f"/admin/users/{person.id}")
    assert 'id="delete-user"' not in page.text
    assert "they took workflow actions" in page.html.find(id="history-reasons").text
    res = testapp.post_csrf(f"/admin/users/{person.id}/delete", status=400)
    assert "Старый Сотрудник cannot be deleted because they have history" in res.text
    assert "Deactivate the account instead" in res.text
    assert find_user(dbsession, "veteran") is not None


def test_author_of_audited_changes_is_never_deleted(testapp, login_as, factory, dbsession):
    person = factory.user(login="author")
    dbsession.add(versioning_manager.transaction_cls(user_id=person.id, remote_addr="10.0.0.1"))
    dbsession.flush()
    login_as("admin")
    res = testapp.post_csrf(f"/admin/users/{person.id}/delete", status=400)
    assert "changes they made are recorded in the audit log" in res.text
    assert find_user(dbsession, "author") is not None


def test_admin_cannot_delete_themselves(testapp, login_as, dbsession):
    me = login_as("admin")
    res = testapp.post_csrf(f"/admin/users/{me.id}/delete", status=400)
    assert "You cannot delete your own account." in res.text
    assert dbsession.get(User, me.id) is not None


# --- the list ------------------------------------------------------------------------------------

def test_user_list_searches_filters_and_pages(testapp, login_as, factory):
    sales, other = factory.department("Продажи"), factory.department("Склад")
    factory.user(login="seller1", full_name="Ёлкина Анна", departments=[sales], phone="+7 (495) 765-43-21")
    factory.user(login="keeper", full_name="Складской Борис", departments=[other], email="boris@example.com")
    for i in range(55):
        factory.user(login=f"bulk{i:02d}", full_name=f"Массовый {i:02d}", departments=[other])
    login_as("admin")

    def logins(**params):
        page = testapp.get("/admin/users", params=params)
        return {tr["data-login"] for tr in page.html.select("#user-list tbody tr")}

    # Case-insensitive in Russian, ё and е alike; by phone digits; by e-mail.
    assert logins(q="ЕЛКИНА") == {"seller1"}
    assert logins(q="765-43") == {"seller1"}
    assert logins(q="boris@") == {"keeper"}
    assert logins(dept=sales.id) == {"seller1"}
    first = testapp.get("/admin/users", params={"dept": other.id})
    assert len(first.html.select("#user-list tbody tr")) == 50
    assert "1–50 of 56" in first.html.find(id="user-count").text
    assert len(logins(dept=other.id, page=2)) == 6
    assert "Nobody matches" in testapp.get("/admin/users", params={"q": "zzzz-nobody"}).text


# --- who may ---------------------------------------------------------------------------------------

def test_non_admins_may_not_manage_people(testapp, login_as, factory):
    person = factory.user()
    login_as("dept_head")
    testapp.get("/admin/users", status=403)
    testapp.get("/admin/users/@@add", status=403)
    testapp.get(f"/admin/users/{person.id}/edit", status=403)
    login_as("employee")
    testapp.get(f"/admin/users/{person.id}", status=403)
    testapp.post_csrf(f"/admin/users/{person.id}/delete", status=403)
    assert person.state == "active"
