"""Quick entry (issue 14, point 4): the new-organization form takes its main contact person
(name, position, phone, e-mail); both are stored in one transaction, or neither."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from models.clients import Contact, Organization


def new_org_form(testapp, name: str, **contact):
    page = testapp.get("/clients/add")
    form = page.forms["organization-form"]
    form["name"] = name
    for key, value in contact.items():
        form[f"contact_{key}"] = value
    return form


def count(dbsession, model) -> int:
    return dbsession.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.mark.parametrize("language", ["en", "ru"])
def test_a_new_organization_is_saved_with_its_main_contact(testapp, login_as, dbsession,
                                                           language):
    me = login_as("sales", locale=language)
    form = new_org_form(testapp, "ООО «Быстрый ввод»", full_name="  Петров   Иван ",
                        position="Директор", phone="8 (495) 123-45-67",
                        email="Petrov@Bystro.example")
    card = form.submit(status=303).follow()
    assert "${" not in card.text
    assert "Петров Иван" in card.text
    org = dbsession.scalar(sa.select(Organization).where(Organization.name == "ООО «Быстрый ввод»"))
    (contact,) = dbsession.scalars(sa.select(Contact).where(Contact.organization_id == org.id))
    assert (contact.full_name, contact.position) == ("Петров Иван", "Директор")
    assert [p.normalized for p in contact.phones] == ["74951234567"]
    assert [e.normalized for e in contact.emails] == ["petrov@bystro.example"]
    assert contact.manager_id == me.id and contact.department_id == org.department_id
    assert contact.employments[0].organization_id == org.id
    assert contact.employments[0].position == "Директор"


def test_an_organization_without_a_contact_is_saved_alone(testapp, login_as, dbsession):
    login_as("sales")
    new_org_form(testapp, "ООО «Один»").submit(status=303)
    assert count(dbsession, Organization) == 1 and count(dbsession, Contact) == 0


@pytest.mark.parametrize("contact,field,message", [
    ({"full_name": "Петров", "phone": "позвоните мне"}, "contact_phone", "is not a phone number"),
    ({"full_name": "Петров", "email": "not-an-address"}, "contact_email",
     "is not an e-mail address"),
    ({"position": "Директор", "phone": "+7 916 123-45-67"}, "contact_full_name",
     "Enter the contact person's name"),
    ({"full_name": "П" * 400}, "contact_full_name", "characters"),
])
def test_a_bad_contact_field_stores_neither(testapp, login_as, dbsession, contact, field,
                                            message):
    login_as("sales")
    page = new_org_form(testapp, "ООО «Ничего»", **contact).submit(status=400)
    feedback = page.html.find(id=f"e-{field}")
    assert feedback is not None and message in feedback.text
    assert page.forms["organization-form"][field].value == contact.get(field[8:], "")
    assert count(dbsession, Organization) == 0 and count(dbsession, Contact) == 0


def test_a_bad_organization_field_stores_no_contact_either(testapp, login_as, dbsession):
    login_as("sales")
    form = new_org_form(testapp, "ООО «Ничего»", full_name="Петров Иван")
    form["inn"] = "1234567890"  # a wrong check digit
    page = form.submit(status=400)
    assert page.forms["organization-form"]["contact_full_name"].value == "Петров Иван"
    assert count(dbsession, Organization) == 0 and count(dbsession, Contact) == 0


def test_a_contact_the_database_refuses_takes_the_organization_with_it(
        testapp, login_as, dbsession, monkeypatch):
    """Both in one savepoint: when writing the contact fails, the organization is not kept."""
    import portal.clients.records as records

    def broken(*args, **kw):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(records, "_write_contact", broken)
    login_as("sales")
    form = new_org_form(testapp, "ООО «Половина»", full_name="Петров Иван")
    form.submit(status=500)
    assert dbsession.scalar(sa.select(Organization).where(
        Organization.name == "ООО «Половина»")) is None


def test_the_edit_form_has_no_main_contact(testapp, login_as, clients):
    me = login_as("sales")
    org = clients.organization("ООО «Старое»", manager=me)
    page = testapp.get(f"/clients/{org.id}/edit")
    assert page.html.find(id="main-contact") is None


@pytest.mark.parametrize("value", ["\x00\x01", "<script>alert(1)</script>", "x" * 5000, "‮evil",
                                   "'; DROP TABLE contacts; --", "+7" * 100, "@@@"])
def test_hostile_contact_fields_give_messages_never_500(testapp, login_as, dbsession, value):
    login_as("sales")
    form = new_org_form(testapp, "ООО «Цель»", full_name=value, position=value, phone=value,
                        email=value)
    page = form.submit(status="*")
    assert page.status_int in (200, 303, 400)
    assert "<script>alert" not in page.text
    if page.status_int == 303:
        org = dbsession.scalar(sa.select(Organization).where(Organization.name == "ООО «Цель»"))
        # Control characters are dropped: nothing left of the contact, nobody is stored.
        expected = 0 if value == "\x00\x01" else 1
        assert len(list(dbsession.scalars(sa.select(Contact).where(
            Contact.organization_id == org.id)))) == expected
    else:
        assert count(dbsession, Organization) == 0 and count(dbsession, Contact) == 0
