"""Rights are worked out once where nothing can change them (issue 11): a page that only reads
computes each object's ACL once however many rights it asks about it, a section's ACL is made
once per role matrix, and a request that writes asks afresh every time. On SQLite and
PostgreSQL."""
from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa

from models.clients import Organization
from models.meta import Base
from models.roles import RolePermission
from portal.security.acl import container_acl


@pytest.fixture
def acl_calls(monkeypatch):
    """Each object's ACL computations: (type name, id of the object) → times."""
    calls: Counter = Counter()
    computed = Base.__acl__

    def counted(self):
        calls[(type(self).__name__, id(self))] += 1
        return computed(self)

    monkeypatch.setattr(Base, "__acl__", counted)
    return calls


@pytest.fixture
def manager_and_client(factory, clients):
    me = factory.user(roles=["sales"])
    org = clients.organization(manager=me)
    clients.contact("Петров Пётр", organization=org, phones=["+7 916 000-00-01"])
    clients.interaction(responsible=me, organization=org, subject="Звонок")
    return me, org


def test_a_page_that_reads_computes_each_acl_once(testapp, manager_and_client, acl_calls):
    me, org = manager_and_client
    testapp.login(me.login)
    acl_calls.clear()
    page = testapp.get(f"/clients/{org.id}")
    assert f"/clients/{org.id}/edit" in page.text  # may edit: asked, and answered yes
    organizations = [n for (kind, _), n in acl_calls.items() if kind == "Organization"]
    assert organizations == [1], acl_calls  # view, edit, view_terms, merge… from one ACL
    assert max(acl_calls.values()) == 1, acl_calls


def test_a_read_keeps_its_answers_until_something_is_written(
        factory, clients, request_for, dbsession, acl_calls):
    me = factory.user(roles=["sales"])
    other = factory.user(roles=["sales"])
    org = clients.organization(manager=me)
    for method in ("GET", "POST"):
        org.manager = me
        dbsession.flush()
        request = request_for(me)
        request.method = method
        located = request.root["clients"][str(org.id)]
        acl_calls.clear()
        assert request.has_permission("edit", located)
        assert request.has_permission("edit", located)
        # A read works the ACL out once; a write asks again each time.
        assert sum(acl_calls.values()) == (1 if method == "GET" else 2)
        org.manager = other  # the client handed to a colleague in the course of the request
        dbsession.flush()
        assert not request.has_permission("edit", located)  # never a stale answer
        org.manager = me
        dbsession.execute(sa.update(Organization).where(Organization.id == org.id)
                          .values(manager_id=other.id))
        dbsession.refresh(org)
        assert not request.has_permission("edit", located)


def test_a_sections_acl_is_made_once_per_role_matrix(factory, request_for, dbsession):
    user = factory.user(roles=["sales"])
    first, second = request_for(user), request_for(user)
    acl = container_acl(first.root["clients"], "organization", ("view", "add"))
    assert container_acl(second.root["clients"], "organization", ("view", "add")) is acl
    assert ("Allow", "role:sales", "view") in [(str(a), p, m) for a, p, m in acl]
    assert not any(p == "role:accountant" and m == "add" for _a, p, m in acl)
    # A change of the matrix is a new generation: the next request sees the new ACL.
    accountant = factory.role("accountant")
    accountant.permissions.append(RolePermission(type="organization", permission="add", scope="all"))
    dbsession.flush()
    later = request_for(user)
    fresh = container_acl(later.root["clients"], "organization", ("view", "add"))
    assert fresh is not acl
    assert any(p == "role:accountant" and m == "add" for _a, p, m in fresh)


def test_the_menu_is_worked_out_once_per_set_of_rights(factory, request_for, dbsession):
    """The sections a person sees follow from their rights alone (no local role reaches a
    section): one list per set of rights, a new one when the matrix changes."""
    from models.roles import LocalRoleGrant
    from portal.resources import sections
    from portal.security.principals import principals_for

    dept = factory.department("Склад")
    user = factory.user(roles=["accountant"], departments=[dept])
    dbsession.add(LocalRoleGrant(container_type="department", container_id=dept.id,
                                 role=factory.role("sales"), user=user))
    dbsession.flush()
    first, second = request_for(user), request_for(user)
    for section in sections():
        context = first.root if not section.name else first.root[section.name]
        assert principals_for(dbsession, first.identity, context, first.department_tree) \
            == first.identity.base_principals(), section.name
    seen = first.root.visible_sections()
    assert second.root.visible_sections() is seen
    assert "clients" in [s.name for s in seen] and "admin" not in [s.name for s in seen]
    had_dispatch = "dispatch" in [s.name for s in seen]  # accountants do not plan jobs
    accountant = factory.role("accountant")
    accountant.permissions.append(RolePermission(type="job", permission="view", scope="all"))
    dbsession.flush()
    later = request_for(user).root.visible_sections()
    assert later is not seen and "dispatch" in [s.name for s in later]
    assert not had_dispatch
