"""Check access: for a person, an object (by path) and a permission, allowed or denied, and why."""
from __future__ import annotations


def check(testapp, user: str, path: str, permission: str, status=200):
    return testapp.get("/admin/access", {"user": user, "path": path, "permission": permission},
                       status=status)


def test_admin_is_allowed_by_the_admin_entry_on_the_object(testapp, login_as, factory):
    admin = login_as("admin")
    target = factory.user(full_name="Попова Анна Сергеевна")
    page = check(testapp, admin.login, f"/admin/users/{target.id}", "manage")
    verdict = page.html.find(id="verdict")
    assert verdict["data-allowed"] == "yes" and "Allowed" in verdict.text
    ace = page.html.find(id="deciding-ace").text
    assert "Allow" in ace and "role:admin" in ace and "all permissions" in ace
    assert page.html.find(id="deciding-object").text == f"/admin/users/{target.id}/"
    assert "User" in page.html.find(id="decision").text
    assert "Попова Анна Сергеевна" in page.html.find(id="decision").text


def test_employee_is_denied_manage_on_a_user_by_the_closing_deny(testapp, login_as, factory):
    login_as("admin")
    clerk = factory.user(login="clerk")
    target = factory.user()
    page = check(testapp, "clerk", f"/admin/users/{target.id}", "manage")
    verdict = page.html.find(id="verdict")
    assert verdict["data-allowed"] == "no" and "Denied" in verdict.text
    ace = page.html.find(id="deciding-ace").text
    assert "Deny" in ace and "system.Everyone" in ace
    principals = page.html.find(id="principals").text
    assert f"user:{clerk.id}" in principals and "role:employee" in principals
    assert "role:admin" not in principals


def test_employee_may_view_a_colleague_through_the_role_matrix(testapp, login_as, factory):
    login_as("admin")
    factory.user(login="clerk")
    factory.user(login="colleague")
    page = check(testapp, "clerk", "/people/colleague", "view")
    assert page.html.find(id="verdict")["data-allowed"] == "yes"
    ace = page.html.find(id="deciding-ace").text
    assert "role:employee" in ace and "view" in ace
    assert "holds the role Employee" in page.html.find(id="decision").text


def test_a_person_can_be_picked_by_name_with_login(testapp, login_as, factory):
    login_as("admin")
    factory.user(login="clerk", full_name="Сидоров Иван")
    page = check(testapp, "Сидоров Иван (clerk)", "/", "view")
    assert page.html.find(id="verdict")["data-allowed"] == "yes"


def test_a_path_to_nothing_gets_a_clear_message(testapp, login_as):
    admin = login_as("admin")
    page = check(testapp, admin.login, "/admin/users/999999", "manage", status=400)
    assert "There is no such object" in page.html.find(id="path-error").text
    assert page.html.find(id="verdict") is None
    page = check(testapp, admin.login, "/nowhere/at/all", "view", status=400)
    assert "/nowhere/at/all" in page.html.find(id="path-error").text


def test_unknown_person_and_empty_permission_get_clear_messages(testapp, login_as):
    login_as("admin")
    page = check(testapp, "nobody-here", "/", "", status=400)
    assert "There is nobody with the login “nobody-here”" in page.html.find(id="user-error").text
    assert "Enter a permission" in page.html.find(id="permission-error").text
    page = check(testapp, "", "/", "drop tables", status=400)
    assert "Choose a person" in page.html.find(id="user-error").text
    assert "one lowercase word" in page.html.find(id="permission-error").text


def test_a_full_portal_url_is_accepted_as_a_path(testapp, login_as, factory):
    admin = login_as("admin")
    target = factory.user()
    page = check(testapp, admin.login, f"http://example.com/admin/users/{target.id}", "manage")
    assert page.html.find(id="verdict")["data-allowed"] == "yes"


def test_person_suggestions_find_people_by_name(testapp, login_as, factory):
    login_as("admin")
    factory.user(login="clerk", full_name="Сидоров Иван")
    page = testapp.get("/admin/access-people", {"user": "сидор"})
    assert 'value="clerk"' in page.text and "Сидоров Иван" in page.text


def test_non_admins_may_not_check_access(testapp, login_as):
    login_as("dept_head")
    testapp.get("/admin/access", status=403)
    testapp.get("/admin/access-people", {"user": "a"}, status=403)
