"""What one may add to an organization: contact persons only to a client one may open, through
a role whose contact.add reaches it (ROLES.md); files only with `edit` on it; interactions only
about clients one may see. Pages must not show a client's name to someone who may not see it."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from models.clients import ClientFile, Contact, Interaction


def post(testapp, url, values: dict, status, **kw):
    params = [*values.items(), ("csrf_token", testapp.csrf_token())]
    return testapp.post(url, params, status=status, **kw)


def contacts_of(dbsession, org) -> list[str]:
    return list(dbsession.scalars(sa.select(Contact.full_name).where(
        Contact.organization_id == org.id)))


@pytest.fixture
def two_departments(factory, clients):
    """A client of department A (its manager: a seller of A) and one of department B."""
    dept_a, dept_b = factory.department("Отдел А"), factory.department("Отдел Б")
    seller_a = factory.user(departments=[dept_a], roles=["sales"])
    seller_b = factory.user(departments=[dept_b], roles=["sales"])
    client_a = clients.organization("ООО «Альфа-Клиент»", manager=seller_a)
    client_b = clients.organization("ООО «Бета-Закрытый»", manager=seller_b)
    return dept_a, dept_b, seller_a, client_a, client_b


def test_a_seller_cannot_add_a_contact_to_another_departments_client(
        testapp, login_as, factory, dbsession, two_departments):
    dept_a, _dept_b, _seller_a, _client_a, client_b = two_departments
    login_as(factory.user(departments=[dept_a], roles=["sales"]))
    page = testapp.get(f"/clients/{client_b.id}/contacts/add", status=403)
    assert "Бета-Закрытый" not in page.text
    post(testapp, f"/clients/{client_b.id}/contacts/add",
         {"full_name": "Чужой Контакт", "position": "", "decision_level": "", "birthday": "",
          "notes": "", "manager_id": ""}, 403)
    assert contacts_of(dbsession, client_b) == []


@pytest.mark.parametrize("who", ["responsible", "dept_head", "colleague", "secretary"])
def test_those_who_see_the_client_add_its_contacts_and_see_the_button(
        who, testapp, login_as, factory, dbsession, two_departments):
    """The responsible manager, the department head, a seller of the same department (sales'
    contact.add is "all", narrowed to the clients they see) and a secretary (sees all)."""
    dept_a, _dept_b, seller_a, client_a, _client_b = two_departments
    me = {"responsible": seller_a,
          "dept_head": factory.user(departments=[dept_a], roles=["dept_head"]),
          "colleague": factory.user(departments=[dept_a], roles=["sales"]),
          "secretary": factory.user(departments=[factory.department()], roles=["secretary"])}[who]
    login_as(me)
    card = testapp.get(f"/clients/{client_a.id}")
    assert 'id="add-contact"' in card.text
    testapp.get(f"/clients/{client_a.id}/contacts/add", status=200)
    post(testapp, f"/clients/{client_a.id}/contacts/add",
         {"full_name": "Новый Контакт", "position": "", "decision_level": "", "birthday": "",
          "notes": "", "manager_id": ""}, 303)
    assert contacts_of(dbsession, client_a) == ["Новый Контакт"]


@pytest.mark.parametrize("role", ["accountant", "marketing", "dispatcher"])
def test_who_may_open_the_card_without_contact_add_sees_no_add_button(
        role, testapp, login_as, factory, dbsession, two_departments):
    _dept_a, _dept_b, _seller_a, client_a, _client_b = two_departments
    login_as(factory.user(roles=[role]))
    card = testapp.get(f"/clients/{client_a.id}")
    assert 'id="add-contact"' not in card.text
    post(testapp, f"/clients/{client_a.id}/contacts/add",
         {"full_name": "Нельзя", "position": "", "decision_level": "", "birthday": "",
          "notes": "", "manager_id": ""}, 403)
    assert contacts_of(dbsession, client_a) == []


def test_the_add_right_follows_the_organizations_department_for_every_role(
        request_for, factory, clients, two_departments):
    """For each default role: may add a contact to a client ⇔ may view it and holds contact.add
    (ROLES.md); checked through the ACL the views use."""
    from portal.clients.resources import locate

    dept_a, _dept_b, _seller_a, client_a, client_b = two_departments
    adders = {"sales", "dept_head", "director", "secretary", "supply", "support"}
    for role in ("sales", "dept_head", "director", "secretary", "accountant", "marketing",
                 "supply", "support", "dispatcher", "technician"):
        me = factory.user(departments=[dept_a], roles=[role])
        own = clients.organization(f"Свой {role}", manager=me)
        request = request_for(me, "/clients")
        for org in (own, client_a, client_b):
            locate(request, org)
            may_view = bool(request.has_permission("view", org))
            may_add = bool(request.has_permission("add", org["contacts"]))
            assert may_add == (may_view and role in adders), (role, org.name)
        if role in ("sales", "dept_head"):
            assert not request.has_permission("add", client_b["contacts"])


def test_a_contact_cannot_be_moved_into_a_client_one_may_not_add_to(
        testapp, login_as, factory, clients, dbsession, two_departments):
    dept_a, _dept_b, _seller_a, _client_a, client_b = two_departments
    me = login_as(factory.user(departments=[dept_a], roles=["sales"]))
    mine = clients.organization("Мой клиент", manager=me)
    person = clients.contact("Переходящий", organization=mine)
    page = post(testapp, f"/clients/{mine.id}/contacts/{person.id}/move",
                {"target": str(client_b.id), "on": "", "position": ""}, 400)
    assert "Бета-Закрытый" not in page.text
    dbsession.refresh(person)
    assert person.organization_id == mine.id


def test_files_are_attached_and_deleted_only_with_edit_on_the_client(
        testapp, login_as, factory, clients, dbsession, two_departments):
    """Files: a colleague who may see the client (not edit it) neither attaches nor deletes."""
    dept_a, _dept_b, seller_a, client_a, _client_b = two_departments
    kept = ClientFile(organization_id=client_a.id, filename="договор.txt",
                      content_type="text/plain", size=3, sha256="0" * 64,
                      uploaded_by_id=seller_a.id)
    dbsession.add(kept)
    dbsession.flush()
    login_as(factory.user(departments=[dept_a], roles=["sales"]))
    card = testapp.get(f"/clients/{client_a.id}")
    assert 'id="attach-file"' not in card.text
    testapp.post(f"/clients/{client_a.id}/@@attach",
                 {"csrf_token": testapp.csrf_token()},
                 upload_files=[("file", "чужое.txt", b"hello")], status=403)
    post(testapp, f"/clients/{client_a.id}/@@detach", {"id": str(kept.id)}, 403)
    names = set(dbsession.scalars(sa.select(ClientFile.filename).where(
        ClientFile.organization_id == client_a.id)))
    assert names == {"договор.txt"}


def test_an_interaction_about_a_client_one_may_not_see_is_refused(
        testapp, login_as, factory, dbsession, two_departments):
    dept_a, _dept_b, _seller_a, _client_a, client_b = two_departments
    me = login_as(factory.user(departments=[dept_a], roles=["sales"]))
    form = testapp.get("/clients/interactions/@@add",
                       {"organization": str(client_b.id), "kind": "call"})
    assert "Бета-Закрытый" not in form.text
    page = post(testapp, "/clients/interactions/@@add", {
        "mode": "log", "kind": "call", "direction": "out", "organization": str(client_b.id),
        "organization_name": client_b.name, "contact": "", "subject": "Звонок",
        "responsible": str(me.id), "date": "2024-01-10", "time": "10:00"}, 400)
    assert 'id="error-organization"' in page.text
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Interaction).where(
        Interaction.organization_id == client_b.id)) == 0


def test_the_interaction_list_names_the_filtered_client_only_to_those_who_see_it(
        testapp, login_as, factory, clients, two_departments):
    dept_a, _dept_b, _seller_a, client_a, client_b = two_departments
    me = login_as(factory.user(departments=[dept_a], roles=["sales"]))
    clients.interaction(responsible=me, organization=client_a, subject="Про Альфу")
    hidden = testapp.get("/clients/interactions", {"organization": str(client_b.id)})
    assert "Бета-Закрытый" not in hidden.text
    assert 'id="ix-organization-chip"' in hidden.text  # the filter still says it is applied
    assert "Про Альфу" not in hidden.text
    shown = testapp.get("/clients/interactions", {"organization": str(client_a.id)})
    assert "Альфа-Клиент" in shown.html.select_one("#ix-organization-chip").get_text()
    assert "Про Альфу" in shown.text
