"""What a list shows, the record opens: a role given locally on a department (Sharing) reaches
the rows of that department in the list, in search and on the card alike (issue 10, point 7)."""
from __future__ import annotations

import sqlalchemy as sa

from models.clients import Organization
from models.roles import LocalRoleGrant, Role, RoleGrant, RolePermission
from portal.security.filters import sql_filter


def own_clients_only(dbsession, user):
    """A role that opens the client list with only one's own clients in it (scope own)."""
    role = Role(name="own_clients", title="Own clients")
    role.permissions.append(RolePermission(type="organization", permission="view", scope="own"))
    dbsession.add_all([role, RoleGrant(role=role, user=user)])
    dbsession.flush()


def share(dbsession, department, role_name, user):
    role = dbsession.scalar(sa.select(Role).where(Role.name == role_name))
    dbsession.add(LocalRoleGrant(container_type="department", container_id=department.id,
                                 role=role, user=user))
    dbsession.flush()


def test_a_local_sales_role_opens_the_cards_the_list_shows(testapp, factory, clients, dbsession):
    north, south = factory.department("Север"), factory.department("Юг")
    visitor = factory.user("visitor", departments=[south])
    own_clients_only(dbsession, visitor)
    org = clients.organization("ООО «Северное сияние»", department=north)
    share(dbsession, north, "sales", visitor)
    testapp.login(visitor.login)
    assert "Северное сияние" in testapp.get("/clients/").text
    card = testapp.get(f"/clients/{org.id}", status=200)
    assert "Северное сияние" in card.text


def test_a_sub_department_is_reached_unless_it_blocks_inheritance(testapp, factory, clients,
                                                                  dbsession):
    north = factory.department("Север")
    branch = factory.department("Филиал", parent=north)
    closed = factory.department("Закрытый", parent=north)
    closed.block_local_roles = True
    visitor = factory.user("visitor", departments=[factory.department("Юг")])
    own_clients_only(dbsession, visitor)
    open_org = clients.organization("ООО «Филиал»", department=branch)
    closed_org = clients.organization("ООО «Закрытое»", department=closed)
    share(dbsession, north, "sales", visitor)
    testapp.login(visitor.login)
    listed = testapp.get("/clients/").text
    assert "ООО «Филиал»" in listed and "ООО «Закрытое»" not in listed
    testapp.get(f"/clients/{open_org.id}", status=200)
    testapp.get(f"/clients/{closed_org.id}", status=403)


def test_the_sql_filter_and_the_acl_agree_on_every_organization(request_for, factory, clients,
                                                                dbsession):
    """For one person holding roles globally, by department and locally, every organization is
    either both listed and openable or neither."""
    top = factory.department("Головной")
    left, right = factory.department("Левый", parent=top), factory.department("Правый", parent=top)
    blocked = factory.department("Особый", parent=top)
    blocked.block_local_roles = True
    me = factory.user("me", departments=[left])
    share(dbsession, top, "sales", me)
    orgs = [clients.organization(f"ООО «{d.name} {i}»", department=d)
            for d in (top, left, right, blocked) for i in range(2)]
    request = request_for(me)
    listed = set(dbsession.scalars(sa.select(Organization.id).where(
        Organization.id.in_([o.id for o in orgs]), sql_filter(request, Organization, "view"))))
    from portal.resources import locate

    opened = {o.id for o in orgs if request.has_permission("view", locate(request, o))}
    assert listed == opened
    assert {o.department_id for o in orgs if o.id in listed} >= {top.id, left.id, right.id}
