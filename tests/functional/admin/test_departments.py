"""Administration of departments: tree, forms, members, role grants, Sharing (issue 2, point 7)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from models.people import Department
from models.roles import LocalRoleGrant, Role, RoleGrant
from portal.security.policy import check_access


def dept_form(testapp, url, parent=None, head=None, **fields):
    form = testapp.get(url).forms["form"]
    for name, value in fields.items():
        form[name] = value
    if parent is not None:
        form["parent"] = str(parent.id) if parent else ""
    if head is not None:
        form["head"] = str(head.id) if head else ""
    return form


def role_names(dbsession, **holder):
    column = RoleGrant.department_id if "department" in holder else RoleGrant.user_id
    holder_id = next(iter(holder.values())).id
    return set(dbsession.scalars(sa.select(Role.name).join(RoleGrant).where(column == holder_id)))


def cell(page, holder: str, role: str) -> str:
    """The text of the Sharing table cell for `holder` ("user:7", "department:3") and `role`."""
    row = page.html.select_one(f'#sharing-table tr[data-holder="{holder}"]')
    if row is None:
        return "(no row)"
    return " ".join(row.select_one(f'td[data-role="{role}"]').text.split())


def shared(factory, on, role: str, **holder) -> LocalRoleGrant:
    """A local role `role` on department `on`, held by user= or department=."""
    return LocalRoleGrant(container_type="department", container_id=on.id, role=factory.role(role), **holder)


@pytest.fixture
def request_as(app, tm, dbsession):
    """A Pyramid request (sharing the test's transaction) for checking access like a view does."""
    from pyramid.request import Request
    from pyramid.scripting import prepare

    closers = []

    def make():
        request = Request.blank("/", environ={"HTTP_HOST": "example.com", "tm.active": True,
                                              "tm.manager": tm, "app.dbsession": dbsession})
        env = prepare(request=request, registry=app.registry)
        closers.append(env["closer"])
        return request, env["root"]

    yield make
    for close in reversed(closers):
        close()


# --- the tree and the forms ----------------------------------------------------------------------

def test_tree_shows_nesting_heads_and_member_counts(testapp, login_as, factory):
    company = factory.department("Прогресс")
    sales = factory.department("Продажи", parent=company)
    head = factory.user(full_name="Смирнов Олег", departments=[sales])
    factory.user(departments=[sales])
    sales.head = head
    login_as("admin")
    page = testapp.get("/admin/departments")
    row = page.html.find(id=f"dept-{sales.id}")
    assert "Смирнов Олег" in row.text
    assert row.select_one(".members-count").text.strip() == "2"
    # Sales is drawn inside the company's branch.
    assert page.html.find(id=f"dept-{company.id}").parent.find(id=f"dept-{sales.id}") is not None


def test_admin_creates_a_department_with_the_automatic_roles(testapp, login_as, factory, dbsession):
    company = factory.department("Прогресс")
    boss = factory.user(full_name="Директор Иван")
    login_as("admin")
    res = dept_form(testapp, "/admin/departments/@@add", name="Снабжение",
                    description="Закупки и склад", parent=company, head=boss).submit("save", status=302)
    dept = dbsession.scalar(sa.select(Department).where(Department.name == "Снабжение"))
    assert res.location.rstrip("/").endswith(f"/admin/departments/{dept.id}")
    assert (dept.parent, dept.head, dept.description) == (company, boss, "Закупки и склад")
    assert "employee" in role_names(dbsession, department=dept)
    assert "Снабжение" in res.follow().text


def test_admin_edits_a_department(testapp, login_as, factory, dbsession):
    old_parent, new_parent = factory.department("Old"), factory.department("New")
    dept = factory.department("Team", parent=old_parent)
    login_as("admin")
    dept_form(testapp, f"/admin/departments/{dept.id}/edit", name="Team A",
              parent=new_parent, block_local_roles=True).submit("save", status=302)
    assert (dept.name, dept.parent, dept.block_local_roles) == ("Team A", new_parent, True)


def test_empty_name_is_refused(testapp, login_as, dbsession):
    login_as("admin")
    before = dbsession.scalar(sa.select(sa.func.count()).select_from(Department))
    res = dept_form(testapp, "/admin/departments/@@add", name="  ").submit("save", status=400)
    assert "Enter the department&#39;s name." in res.text or "Enter the department's name." in res.text
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Department)) == before


def test_moving_a_department_under_its_own_child_is_refused_and_nothing_changes(testapp, login_as, factory):
    top = factory.department("Top")
    middle = factory.department("Middle", parent=top)
    bottom = factory.department("Bottom", parent=middle)
    login_as("admin")
    res = dept_form(testapp, f"/admin/departments/{middle.id}/edit", name="Middle renamed",
                    parent=bottom).submit("save", status=400)
    assert "a department cannot be placed under its own sub-department" in res.text
    # The message stands next to the parent field.
    assert "its own sub-department" in res.html.select_one(".item-parent").text
    assert (middle.name, middle.parent) == ("Middle", top)

    res = dept_form(testapp, f"/admin/departments/{middle.id}/edit", parent=middle).submit("save", status=400)
    assert "A department cannot be placed under itself." in res.text
    assert middle.parent == top


# --- the department page: members, roles, delete -------------------------------------------------

def test_admin_adds_and_removes_members(testapp, login_as, factory):
    dept = factory.department("Бухгалтерия")
    person = factory.user(full_name="Кузнецова Ольга", departments=[])
    login_as("admin")
    found = testapp.get(f"/admin/departments/{dept.id}", params={"find": "кузнецова"})
    assert "Кузнецова Ольга" in found.html.find(id="picker-results").text
    testapp.post_csrf(f"/admin/departments/{dept.id}/add-member", {"user_id": person.id}, status=303)
    assert person.departments == [dept]
    assert "Кузнецова Ольга" in testapp.get(f"/admin/departments/{dept.id}").html.find(id="member-list").text
    testapp.post_csrf(f"/admin/departments/{dept.id}/remove-member", {"user_id": person.id}, status=303)
    assert person.departments == []


def test_admin_grants_and_revokes_roles_of_a_whole_department(testapp, login_as, factory, dbsession):
    dept = factory.department("Support")
    login_as("admin")
    testapp.post_csrf(f"/admin/departments/{dept.id}/grant-role", {"role": "support"}, status=303)
    assert role_names(dbsession, department=dept) == {"employee", "support"}
    # Sharing roles are given on the Sharing page, not everywhere.
    testapp.post_csrf(f"/admin/departments/{dept.id}/grant-role", {"role": "editor"}, status=400)
    grant = dbsession.scalar(sa.select(RoleGrant).join(Role).where(
        RoleGrant.department_id == dept.id, Role.name == "support"))
    testapp.post_csrf(f"/admin/departments/{dept.id}/revoke-role", {"grant_id": grant.id}, status=303)
    assert role_names(dbsession, department=dept) == {"employee"}


def test_deleting_a_department_with_members_or_sub_departments_is_refused(
        testapp, login_as, factory, dbsession):
    dept = factory.department("Склад")
    factory.user(departments=[dept])
    parent = factory.department("Логистика")
    factory.department("Доставка", parent=parent)
    login_as("admin")
    res = testapp.post_csrf(f"/admin/departments/{dept.id}/delete", status=400)
    assert "“Склад” cannot be deleted: it still has 1 member(s) and 0 sub-department(s)" in res.text
    res = testapp.post_csrf(f"/admin/departments/{parent.id}/delete", status=400)
    assert "1 sub-department(s)" in res.text
    assert dbsession.get(Department, dept.id) is not None
    assert dbsession.get(Department, parent.id) is not None


def test_deleting_an_empty_department_removes_its_grants(testapp, login_as, factory, dbsession):
    dept = factory.department("Временный")
    other = factory.department("Other")
    person = factory.user()
    dbsession.add_all([
        shared(factory, dept, "editor", user=person),
        shared(factory, other, "reviewer", department=dept),
    ])
    dbsession.flush()
    dept_id = dept.id
    login_as("admin")
    testapp.post_csrf(f"/admin/departments/{dept_id}/delete", status=303)
    dbsession.expire_all()
    assert dbsession.get(Department, dept_id) is None
    assert not dbsession.scalars(sa.select(RoleGrant).where(RoleGrant.department_id == dept_id)).all()
    assert not dbsession.scalars(sa.select(LocalRoleGrant).where(sa.or_(
        LocalRoleGrant.department_id == dept_id, LocalRoleGrant.container_id == dept_id))).all()


# --- Sharing -------------------------------------------------------------------------------------

def test_sharing_shows_global_inherited_and_local_roles_in_a_three_level_tree(
        testapp, login_as, factory, dbsession):
    company = factory.department("Company")
    service = factory.department("Service", parent=company)
    team = factory.department("Team", parent=service)
    support = factory.department("Support")
    writer = factory.user(full_name="Writer", departments=[support])
    checker = factory.user(full_name="Checker", departments=[support])
    member = factory.user(full_name="Member", departments=[team], roles=["dispatcher"])
    dbsession.add_all([
        shared(factory, company, "editor", user=writer),
        shared(factory, service, "reviewer", department=support),
        shared(factory, team, "reviewer", user=checker),
    ])
    dbsession.flush()
    login_as("admin")

    page = testapp.get(f"/admin/departments/{team.id}/sharing")
    assert cell(page, f"user:{writer.id}", "editor") == "inherited"
    assert cell(page, f"department:{support.id}", "reviewer") == "inherited"
    # Checker holds reviewer here directly, and also through Support (shared on Service).
    assert cell(page, f"user:{checker.id}", "reviewer") == "inherited* local"
    assert cell(page, f"user:{member.id}", "dispatcher") == "global"
    assert cell(page, f"user:{member.id}", "employee") == "global*"  # through the department Team
    assert cell(page, f"user:{member.id}", "editor") == ""

    page = testapp.get(f"/admin/departments/{company.id}/sharing")
    assert cell(page, f"user:{writer.id}", "editor").startswith("local")
    assert cell(page, f"user:{checker.id}", "reviewer") == "(no row)"

    # Blocking inheritance on Service cuts off what was shared on Company, below Service too.
    testapp.post_csrf(f"/admin/departments/{service.id}/block-inheritance", {"block": "1"}, status=303)
    assert service.block_local_roles
    page = testapp.get(f"/admin/departments/{team.id}/sharing")
    assert cell(page, f"user:{writer.id}", "editor") == "(no row)"
    assert cell(page, f"department:{support.id}", "reviewer") == "inherited"
    # Blocking on Team itself leaves only what was shared on Team.
    testapp.post_csrf(f"/admin/departments/{team.id}/block-inheritance", {"block": "1"}, status=303)
    page = testapp.get(f"/admin/departments/{team.id}/sharing")
    assert cell(page, f"department:{support.id}", "reviewer") == "(no row)"
    assert cell(page, f"user:{checker.id}", "reviewer") == "local"
    testapp.post_csrf(f"/admin/departments/{team.id}/block-inheritance", {}, status=303)
    assert not team.block_local_roles


def test_a_local_role_shared_on_the_sharing_page_changes_access(
        testapp, login_as, factory, dbsession, request_as):
    sales = factory.department("Sales")
    east = factory.department("Sales East", parent=sales)
    colleague = factory.user(full_name="Colleague", departments=[east])
    outsider = factory.user(full_name="Outsider", departments=[])  # no department: no roles at all

    def may_view_colleague() -> tuple[bool, set]:
        request, root = request_as()
        context = root["admin"]["users"][str(colleague.id)]
        allowed, principals = check_access(request, outsider, context, "view")
        return bool(allowed), principals

    assert may_view_colleague()[0] is False
    login_as("admin")
    testapp.post_csrf(f"/admin/departments/{sales.id}/share",
                      {"user_id": outsider.id, "role": "employee"}, status=303)
    allowed, principals = may_view_colleague()
    assert allowed and "local:employee" in principals  # inherited from Sales by Sales East

    grant = dbsession.scalar(sa.select(LocalRoleGrant).where(LocalRoleGrant.user_id == outsider.id))
    assert grant.container_id == sales.id and grant.role.name == "employee"
    testapp.post_csrf(f"/admin/departments/{sales.id}/unshare", {"grant_id": grant.id}, status=303)
    assert may_view_colleague()[0] is False


def test_sharing_with_a_department_and_removing_it(testapp, login_as, factory, dbsession):
    kb = factory.department("Knowledge")
    support = factory.department("Support")
    login_as("admin")
    testapp.post_csrf(f"/admin/departments/{kb.id}/share",
                      {"department_id": support.id, "role": "editor"}, status=303)
    page = testapp.get(f"/admin/departments/{kb.id}/sharing")
    assert cell(page, f"department:{support.id}", "editor").startswith("local")
    # Neither holder nor role: refused, nothing stored.
    testapp.post_csrf(f"/admin/departments/{kb.id}/share", {"role": "editor"}, status=400)
    testapp.post_csrf(f"/admin/departments/{kb.id}/share",
                      {"department_id": support.id, "role": "admin"}, status=400)
    grants = dbsession.scalars(sa.select(LocalRoleGrant).where(LocalRoleGrant.container_id == kb.id)).all()
    assert len(grants) == 1
    testapp.post_csrf(f"/admin/departments/{kb.id}/unshare", {"grant_id": grants[0].id}, status=303)
    assert not dbsession.scalars(sa.select(LocalRoleGrant).where(LocalRoleGrant.container_id == kb.id)).all()


# --- who may ---------------------------------------------------------------------------------------

def test_non_admins_may_not_manage_departments(testapp, login_as, factory):
    dept = factory.department()
    login_as("director")
    testapp.get("/admin/departments", status=403)
    testapp.get(f"/admin/departments/{dept.id}/sharing", status=403)
    login_as("dept_head")
    testapp.get(f"/admin/departments/{dept.id}", status=403)
    testapp.post_csrf(f"/admin/departments/{dept.id}/delete", status=403)
