"""Principals, scopes and local roles (DESIGN.md §5)."""
from __future__ import annotations

from models.roles import LocalRoleGrant, RolePermission
from portal.security.policy import check_access
from portal.security.principals import identity_for


def test_principals_carry_roles_with_their_scopes(factory, dbsession):
    parent = factory.department("Продажи")
    child = factory.department("Продажи Север", parent=parent)
    user = factory.user(roles=["sales"], departments=[parent])
    identity = identity_for(dbsession, user)
    principals = identity.base_principals()
    assert {"role:sales", f"role:sales@user:{user.id}", f"role:sales@dept:{parent.id}",
            f"role:sales@dept:{child.id}", f"dept:{parent.id}", "role:employee"} <= principals
    # a role granted to a department is held by its members
    assert "employee" in identity.roles


def test_department_scope_reaches_sub_departments_only(factory, request_for, dbsession):
    top = factory.department("Top")
    mine = factory.department("Mine", parent=top)
    sub = factory.department("Sub", parent=mine)
    viewer = factory.user(departments=[mine])
    role = factory.role("employee")
    [p for p in role.permissions if (p.type, p.permission) == ("person", "view")][0].scope = "department"
    dbsession.flush()
    request = request_for(viewer)
    people = request.root["people"]
    in_sub = factory.user(departments=[sub])
    in_top = factory.user(departments=[top])
    assert check_access(request, viewer, people[in_sub.login], "view")[0]
    assert not check_access(request, viewer, people[in_top.login], "view")[0]


def test_local_role_is_inherited_unless_blocked(factory, request_for, dbsession):
    top = factory.department("Top")
    middle = factory.department("Middle", parent=top)
    bottom = factory.department("Bottom", parent=middle)
    editor_role = factory.role("editor")
    editor_role.permissions.append(RolePermission(type="person", permission="manage", scope="all"))
    viewer = factory.user()
    dbsession.add(LocalRoleGrant(container_type="department", container_id=top.id, role=editor_role,
                                 user=viewer))
    dbsession.flush()
    request = request_for(viewer)
    departments = request.root["admin"]["departments"]
    person = factory.user(departments=[bottom])
    people = request.root["people"]
    allowed, principals = check_access(request, viewer, people[person.login], "manage")
    assert allowed and "local:editor" in principals
    assert allowed.ace[1] == "local:editor"
    bottom.block_local_roles = True
    dbsession.flush()
    # The next request reads the departments again (each request reads them once).
    request = request_for(viewer)
    assert not check_access(request, viewer, request.root["people"][person.login], "manage")[0]
    assert departments is not None


def test_admin_is_always_allowed(factory, request_for):
    admin = factory.user(roles=["admin"])
    request = request_for(admin)
    allowed, _ = check_access(request, admin, request.root["admin"], "manage")
    assert allowed and allowed.ace[1] == "role:admin"


def test_employee_is_denied_administration(factory, request_for):
    employee = factory.user()
    request = request_for(employee)
    allowed, _ = check_access(request, employee, request.root["admin"], "manage")
    assert not allowed
