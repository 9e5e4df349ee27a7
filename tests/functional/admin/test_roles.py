"""Administration of roles: the list, new roles, renaming, deleting, and the permissions matrix."""
from __future__ import annotations

import re

import sqlalchemy as sa

from models.roles import Role, RoleGrant, RolePermission


def scope(dbsession, role_name: str, key: str) -> str | None:
    type_name, permission = key.split(".")
    dbsession.expire_all()
    return dbsession.scalar(
        sa.select(RolePermission.scope).join(Role)
        .where(Role.name == role_name, RolePermission.type == type_name,
               RolePermission.permission == permission))


def access_verdict(testapp, login: str, path: str, permission: str) -> str:
    page = testapp.get("/admin/access", {"user": login, "path": path, "permission": permission})
    return re.search(r'data-allowed="(yes|no)"', page.text).group(1)


def test_roles_list_shows_roles_with_flags_and_holder_counts(testapp, login_as, factory):
    login_as("admin")
    factory.user(roles=["sales"])
    page = testapp.get("/admin/roles")
    assert "Sales manager" in page.text and "Editor" in page.text
    row = re.search(r'<tr data-role="editor">.*?</tr>', page.text, re.S).group(0)
    assert "Local only" in row
    sales = re.search(r'<tr data-role="sales">.*?</tr>', page.text, re.S).group(0)
    assert re.search(r'bi-person text-secondary"></i> 1<', sales)


def test_matrix_change_is_stored_and_takes_effect(testapp, login_as, factory, dbsession):
    login_as("admin")
    factory.user(login="clerk")
    factory.user(login="colleague")
    employee = factory.role("employee")
    assert access_verdict(testapp, "clerk", "/people/colleague", "view") == "yes"

    form = testapp.get("/admin/roles/@@matrix").forms["matrix-form"]
    form[f"s:{employee.id}:person.view"] = ""
    form.submit(status=303)
    assert scope(dbsession, "employee", "person.view") is None
    assert access_verdict(testapp, "clerk", "/people/colleague", "view") == "no"

    form = testapp.get("/admin/roles/@@matrix").forms["matrix-form"]
    form[f"s:{employee.id}:person.view"] = "all"
    form[f"s:{employee.id}:organization.view"] = "department"
    form.submit(status=303)
    assert scope(dbsession, "employee", "person.view") == "all"
    assert scope(dbsession, "employee", "organization.view") == "department"
    assert access_verdict(testapp, "clerk", "/people/colleague", "view") == "yes"


def test_matrix_writes_only_the_cells_changed_on_the_page(testapp, login_as, factory, dbsession):
    login_as("admin")
    sales, employee = factory.role("sales"), factory.role("employee")
    form = testapp.get("/admin/roles/@@matrix").forms["matrix-form"]
    # Meanwhile another admin widens sales' organization.view; this page still shows "department".
    shown = next(p for p in sales.permissions if (p.type, p.permission) == ("organization", "view"))
    shown.scope = "all"
    dbsession.flush()
    form[f"s:{employee.id}:task.assign"] = "own"
    form.submit(status=303)
    assert scope(dbsession, "employee", "task.assign") == "own"
    assert scope(dbsession, "sales", "organization.view") == "all"


def test_matrix_refuses_an_unknown_scope_and_changes_nothing(testapp, login_as, factory, dbsession):
    login_as("admin")
    employee = factory.role("employee")
    page = testapp.post_csrf("/admin/roles/@@matrix", {
        f"s:{employee.id}:task.assign": "own",
        f"s:{employee.id}:person.view": "everything",
    }, status=400)
    assert "is not a scope" in page.text
    assert scope(dbsession, "employee", "task.assign") is None
    assert scope(dbsession, "employee", "person.view") == "all"


def test_matrix_has_no_editable_admin_column_and_labels_permissions(testapp, login_as, factory,
                                                                     dbsession):
    login_as("admin")
    admin_role = factory.role("admin")
    page = testapp.get("/admin/roles/@@matrix")
    assert f"s:{admin_role.id}:" not in page.text
    testapp.post_csrf("/admin/roles/@@matrix", {f"s:{admin_role.id}:person.view": "own"},
                      status=303)
    assert scope(dbsession, "admin", "person.view") is None
    assert "See terms (discount, deferral, credit limit)" in page.text
    assert "organization.view_terms" in page.text


def test_new_role_is_created_with_a_slug_name(testapp, login_as, dbsession):
    login_as("admin")
    form = testapp.get("/admin/roles/@@add").forms["form"]
    form["title"] = "Key account manager"
    form["name"] = "key_account"
    form["copy_from"] = "sales"
    form.submit("save", status=302)
    role = dbsession.scalar(sa.select(Role).where(Role.name == "key_account"))
    assert role.title == "Key account manager"
    assert role.scope_of("organization", "view") == "department"


def test_new_role_with_a_taken_name_or_a_bad_slug_is_refused(testapp, login_as, dbsession):
    login_as("admin")
    before = dbsession.scalar(sa.select(sa.func.count()).select_from(Role))
    for name, message in (("sales", "already used by the role"),
                          ("Key Account", "lowercase Latin letters"),
                          ("9lives", "lowercase Latin letters")):
        form = testapp.get("/admin/roles/@@add").forms["form"]
        form["title"] = "Something"
        form["name"] = name
        page = form.submit("save", status=400)
        assert message in page.text, name
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Role)) == before


def test_role_title_can_be_changed_but_not_a_builtin_name(testapp, login_as, dbsession):
    login_as("admin")
    form = testapp.get("/admin/roles/sales").forms["form"]
    assert "name" not in form.fields
    form["title"] = "Account manager"
    form.submit("save", status=302)
    dbsession.expire_all()
    assert dbsession.scalar(sa.select(Role.title).where(Role.name == "sales")) == "Account manager"


def test_custom_role_can_be_renamed(testapp, login_as, dbsession):
    login_as("admin")
    dbsession.add(Role(name="auditor", title="Auditor"))
    dbsession.flush()
    form = testapp.get("/admin/roles/auditor").forms["form"]
    form["name"] = "internal_auditor"
    form.submit("save", status=302)
    assert dbsession.scalar(sa.select(Role).where(Role.name == "internal_auditor")) is not None


def test_deleting_a_role_still_granted_is_refused_with_its_holders(testapp, login_as, factory,
                                                                  dbsession):
    login_as("admin")
    role = Role(name="auditor", title="Auditor")
    dbsession.add(role)
    holder = factory.user(full_name="Иванов Пётр Сергеевич")
    department = factory.department("Бухгалтерия")
    dbsession.add_all([RoleGrant(role=role, user=holder),
                       RoleGrant(role=role, department=department)])
    dbsession.flush()
    page = testapp.post_csrf("/admin/roles/auditor/delete", status=400)
    problem = page.html.find(id="delete-problem").text
    assert "still granted" in problem
    assert "Иванов Пётр Сергеевич" in problem and "Бухгалтерия" in problem
    assert dbsession.scalar(sa.select(Role).where(Role.name == "auditor")) is not None


def test_deleting_an_unused_role_deletes_it_and_its_permissions(testapp, login_as, dbsession):
    login_as("admin")
    role = Role(name="auditor", title="Auditor",
                permissions=[RolePermission(type="organization", permission="view", scope="all")])
    dbsession.add(role)
    dbsession.flush()
    role_id = role.id
    testapp.post_csrf("/admin/roles/auditor/delete", status=303)
    dbsession.expire_all()
    assert dbsession.scalar(sa.select(Role).where(Role.name == "auditor")) is None
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(RolePermission)
                            .where(RolePermission.role_id == role_id)) == 0


def test_admin_role_cannot_be_deleted_or_renamed(testapp, login_as, dbsession):
    login_as("admin")
    page = testapp.post_csrf("/admin/roles/admin/delete", status=400)
    assert "cannot be deleted" in page.text
    assert dbsession.scalar(sa.select(Role).where(Role.name == "admin")) is not None
    form = testapp.get("/admin/roles/admin").forms["form"]
    assert "name" not in form.fields and "local_only" not in form.fields
    assert 'id="delete-role"' not in testapp.get("/admin/roles/admin").text


def test_admin_index_links_every_admin_page_with_counts(testapp, login_as):
    login_as("admin")
    page = testapp.get("/admin")
    for card in ("users", "departments", "roles", "access", "audit"):
        assert f'data-card="{card}"' in page.text
    assert re.search(r'data-count="roles">\d+<', page.text)


def test_non_admins_may_not_manage_roles(testapp, login_as, factory):
    login_as("director")
    testapp.get("/admin", status=403)
    testapp.get("/admin/roles", status=403)
    testapp.get("/admin/roles/@@matrix", status=403)
    login_as("employee")
    testapp.get("/admin/roles/sales", status=403)
    testapp.post_csrf("/admin/roles/sales/delete", status=403)
    assert factory.role("sales") is not None
