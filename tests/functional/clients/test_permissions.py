"""Who sees and edits which client: every default role against ROLES.md (issue 3, point 6).

A person of department A holding one role meets three organizations: their own (they are the
responsible manager), a colleague's of department A, and one of department B.
"""
from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from models.clients import Contact, Interaction, Organization
from portal.security.filters import sql_filter

# role: (organization.view, organization.add, organization.edit, view_terms, merge) scopes
ROLES = {
    "employee": (None, False, None, None, None),
    "sales": ("department", True, "own", "own", None),
    "dept_head": ("department", True, "department", "department", "department"),
    "director": ("all", True, "all", "all", "all"),
    "secretary": ("all", True, None, None, None),
    "accountant": ("all", False, None, "all", None),
    "marketing": ("all", False, None, None, None),
    "supply": ("all", True, "own", None, None),
    "support": ("all", True, None, None, None),
    "dispatcher": ("all", False, None, None, None),
    "technician": ("own", False, None, None, None),
    "admin": ("all", True, "all", "all", "all"),
}
REACH = {"own": ("own",), "department": ("own", "dept"), "all": ("own", "dept", "other")}


def allowed(scope, which: str) -> bool:
    return scope is not None and which in REACH[scope]


@pytest.fixture
def world(factory, clients):
    dept_a, dept_b = factory.department("Отдел А"), factory.department("Отдел Б")
    colleague = factory.user(departments=[dept_a], roles=["sales"])
    stranger = factory.user(departments=[dept_b], roles=["sales"])

    def make(me):
        orgs = {}
        for which, manager in (("own", me), ("dept", colleague), ("other", stranger)):
            org = clients.organization(f"Клиент {which}", manager=manager,
                                       discount_percent=Decimal("12.5"),
                                       credit_limit=Decimal("7770001"))
            clients.contact(f"Контакт {which}", organization=org)
            orgs[which] = org
        return orgs

    return dept_a, make


@pytest.mark.parametrize("role", list(ROLES))
def test_client_pages_follow_the_role_matrix(role, testapp, login_as, factory, world, dbsession):
    view, add, edit, terms, merge = ROLES[role]
    dept_a, make = world
    me = login_as(factory.user(departments=[dept_a], roles=[] if role == "employee" else [role]))
    orgs = make(me)

    def status(ok: bool) -> int:
        return 200 if ok else 403

    testapp.get("/clients", status=status(view is not None))
    testapp.get("/clients/contacts", status=status(view is not None))
    testapp.get("/clients/add", status=status(add))
    testapp.get("/clients/contacts/add", status=status(add))
    for which, org in orgs.items():
        may_view = allowed(view, which)
        card = testapp.get(f"/clients/{org.id}", status=status(may_view))
        if may_view:
            assert ('id="terms"' in card.text) == allowed(terms, which), (which, "terms")
            assert ("7 770 001" in card.text) == allowed(terms, which), (which, "credit limit")
            assert ('id="edit-organization"' in card.text) == allowed(edit, which)
        testapp.get(f"/clients/{org.id}/edit", status=status(allowed(edit, which)))
        testapp.get(f"/clients/{org.id}/merge", status=status(allowed(merge, which)))
        contact = org.contacts[0]
        testapp.get(f"/clients/{org.id}/contacts/{contact.id}", status=status(may_view))
        testapp.get(f"/clients/{org.id}/contacts/{contact.id}/edit",
                    status=status(allowed(edit, which)))
    testapp.get("/admin/classifiers", status=status(role == "admin"))

    # Lists and search filter in SQL exactly as the pages allow.
    listed = testapp.get("/clients", status="*")
    if view is not None:
        for which, org in orgs.items():
            assert (f'data-id="{org.id}"' in listed.text) == allowed(view, which), which
        found = testapp.get("/clients/search", {"q": "клиент"})
        for which in orgs:
            assert (f"Клиент {which}" in found.text) == allowed(view, which), which


def test_sql_filters_agree_with_the_acls_for_every_role(request_for, factory, world, dbsession):
    """The WHERE of every client list gives exactly the rows whose ACL allows `view`/`edit`."""
    from portal.clients.resources import locate

    dept_a, make = world
    for role in ROLES:
        me = factory.user(departments=[dept_a], roles=[] if role == "employee" else [role])
        orgs = make(me)
        request = request_for(me, "/clients")
        for model, permission in ((Organization, "view"), (Organization, "edit"),
                                  (Organization, "merge"), (Contact, "view"), (Contact, "edit")):
            rows = list(dbsession.scalars(sa.select(model)))
            by_sql = set(dbsession.scalars(
                sa.select(model.id).where(sql_filter(request, model, permission))))
            by_acl = {r.id for r in rows if request.has_permission(permission, locate(request, r))}
            assert by_sql == by_acl, (role, model.__name__, permission)
        # And both say what ROLES.md says about this person's three organizations.
        for permission, scope in (("view", ROLES[role][0]), ("edit", ROLES[role][2]),
                                  ("merge", ROLES[role][4])):
            allowed_ids = set(dbsession.scalars(sa.select(Organization.id).where(
                sql_filter(request, Organization, permission))))
            assert {w for w, o in orgs.items() if o.id in allowed_ids} == \
                {w for w in orgs if allowed(scope, w)}, (role, permission)


def test_interactions_are_visible_to_author_responsible_and_department(request_for, factory,
                                                                       clients, dbsession):
    """interaction.view: own for everyone, department for sales (ROLES.md)."""
    dept_a, dept_b = factory.department("Продажи"), factory.department("Бухгалтерия")
    seller = factory.user(departments=[dept_a], roles=["sales"])
    accountant = factory.user(departments=[dept_b], roles=["accountant"])
    other_seller = factory.user(departments=[factory.department("Филиал")], roles=["sales"])
    org = clients.organization("Клиент продаж", manager=seller)
    # The accountant plans a call for the seller about the seller's client, and one for herself.
    for_seller = clients.interaction(responsible=seller, author=accountant, organization=org)
    own = clients.interaction(responsible=accountant)

    def visible(user):
        request = request_for(user)
        return set(dbsession.scalars(sa.select(Interaction.id).where(
            sql_filter(request, Interaction, "view"))))

    assert {for_seller.id, own.id} <= visible(accountant)
    assert for_seller.id in visible(seller) and own.id not in visible(seller)
    assert not {for_seller.id, own.id} & visible(other_seller)
    # A seller of the accountant's own department sees her interactions (department scope).
    colleague = factory.user(departments=[dept_b], roles=["sales"])
    assert own.id in visible(colleague)
