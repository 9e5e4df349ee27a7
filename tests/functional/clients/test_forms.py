"""Adding and editing organizations and contacts: bad input, duplicates, edit conflicts."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from models.clients import Contact, ContactEmployment, Organization


def org_form(**values) -> dict:
    form = {"name": "", "legal_name": "", "inn": "", "kpp": "", "kind": "client",
            "stage": "attraction", "manager_id": "", "department_id": "", "website": "",
            "tags": "", "notes": ""}
    form.update(values)
    return form


def post(testapp, url, values: dict, status):
    """Post a form whose repeated rows are lists (phone_number=[...])."""
    params = []
    for key, value in values.items():
        for v in value if isinstance(value, list) else [value]:
            params.append((key, v))
    params.append(("csrf_token", testapp.csrf_token()))
    return testapp.post(url, params, status=status)


def count(dbsession, model, **where) -> int:
    stmt = sa.select(sa.func.count()).select_from(model)
    for key, value in where.items():
        stmt = stmt.where(getattr(model, key) == value)
    return dbsession.scalar(stmt)


# --- organizations ---------------------------------------------------------------------------------

def test_a_manager_adds_an_organization_with_phones_emails_addresses_and_dates(
        testapp, login_as, dbsession, clients):
    me = login_as("sales")
    inn = clients.inn()
    post(testapp, "/clients/add", org_form(
        name="  Альфа   Плюс ", inn=f" {inn[:4]} {inn[4:]} ", kpp="773601001", kind="prospect",
        manager_id=str(me.id), website="alfa-plus.example", tags="опт, , vip",
        phone_kind=["work", "mobile"], phone_number=["8 (495) 111-22-33", ""],
        email_kind=["work"], email_address=["Sales@Alfa-Plus.example"],
        address_kind=["legal"], address_postal_code=["101000"], address_city=["Москва"],
        address_text=["ул. Мясницкая, 1"],
        date_title=["День основания"], date_date=["2001-05-17"], date_yearly=["1"],
        discount_percent="7,5", payment_deferral_days="30", credit_limit="1 500 000"), 303)
    org = dbsession.scalar(sa.select(Organization).where(Organization.inn == inn))
    assert org.name == "Альфа Плюс" and org.kind == "prospect" and org.kpp == "773601001"
    assert org.manager_id == me.id and org.department_id == me.memberships[0].department_id
    assert org.website == "https://alfa-plus.example" and org.tag_list == ["опт", "vip"]
    assert [(p.kind, p.normalized) for p in org.phones] == [("work", "74951112233")]
    assert [e.normalized for e in org.emails] == ["sales@alfa-plus.example"]
    assert org.addresses[0].one_line == "101000, Москва, ул. Мясницкая, 1"
    assert org.important_dates[0].date == dt.date(2001, 5, 17)
    # A sales manager sees (and sets) the terms of clients they are responsible for.
    assert (org.discount_percent, org.payment_deferral_days, org.credit_limit) == (
        Decimal("7.50"), 30, Decimal("1500000.00"))
    assert org.created_by_id == me.id


def test_bad_input_is_refused_next_to_each_field_and_nothing_is_stored(testapp, login_as,
                                                                       dbsession):
    login_as("director")
    page = post(testapp, "/clients/add", org_form(
        name="", inn="7707083894", kpp="12", phone_kind=["work"], phone_number=["звоните"],
        email_kind=["work"], email_address=["info@"], date_title=["Юбилей"], date_date=["31.02.2020"],
        discount_percent="150", credit_limit="много", payment_deferral_days="-5"), 400)
    for message in ("Enter the organization", "wrong check digit", "A KPP is 9 characters",
                    "is not a phone number", "is not an e-mail address", "is not a date",
                    "between 0 and 100", "Enter a number", "Enter whole days"):
        assert message in page.text, message
    assert "звоните" in page.text  # what was typed stays in the form
    assert count(dbsession, Organization) == 0


def test_an_inn_of_the_wrong_length_is_explained(testapp, login_as):
    login_as("director")
    page = post(testapp, "/clients/add", org_form(name="Х", inn="12345"), 400)
    assert "10 digits (a company) or 12 digits" in page.text


def test_a_duplicate_inn_is_refused_with_a_link_to_the_existing_organization(
        testapp, login_as, dbsession, clients):
    me = login_as("director")
    inn = clients.inn()
    existing = clients.organization("Существующая", inn=inn, manager=me)
    page = post(testapp, "/clients/add", org_form(name="Дубликат", inn=inn), 400)
    assert "already recorded: Существующая" in page.text
    assert f'href="http://example.com/clients/{existing.id}/"' in page.text
    assert count(dbsession, Organization, inn=inn) == 1
    # Editing another organization to take the same INN is refused too.
    other = clients.organization("Другая", manager=me)
    page = post(testapp, f"/clients/{other.id}/edit",
                org_form(name="Другая", inn=inn, version=str(other.version)), 400)
    assert "already recorded" in page.text


def test_a_duplicate_inn_of_a_client_one_cannot_see_is_named_without_a_link(
        testapp, login_as, clients, factory):
    stranger = factory.user(roles=["sales"])
    inn = clients.inn()
    hidden = clients.organization("Чужой клиент", inn=inn, manager=stranger)
    login_as("sales")
    page = post(testapp, "/clients/add", org_form(name="Мой клиент", inn=inn), 400)
    assert "Чужой клиент" in page.text
    assert f"/clients/{hidden.id}/" not in page.text


def test_same_phone_email_or_similar_name_warns_before_saving(testapp, login_as, dbsession,
                                                              clients):
    me = login_as("director")
    first = clients.organization("ООО «Ромашка»", manager=me, phones=["+7 495 123-45-67"])
    clients.contact("Петров", organization=first, emails=["petrov@romashka.example"])
    values = org_form(name="Ромашка", phone_kind=["work"], phone_number=["8 (495) 123 45 67"],
                      email_kind=["work"], email_address=["PETROV@romashka.example"])
    page = post(testapp, "/clients/add", values, 200)
    assert 'id="duplicates"' in page.text and "ООО «Ромашка»" in page.text
    for reason in ("same phone", "same e-mail", "similar name"):
        assert reason in page.text
    assert count(dbsession, Organization) == 1
    confirmed = page.html.find("input", {"name": "confirmed"})["value"]
    assert confirmed == str(first.id)
    post(testapp, "/clients/add", {**values, "confirmed": confirmed}, 303)
    assert count(dbsession, Organization) == 2


def test_a_different_name_gives_no_warning(testapp, login_as, dbsession, clients):
    login_as("director")
    clients.organization("Ромашка")
    post(testapp, "/clients/add", org_form(name="Василёк"), 303)
    assert count(dbsession, Organization) == 2


def test_an_edit_conflict_shows_their_values_and_overwrites_nothing(testapp, login_as, dbsession,
                                                                   clients, factory):
    me = login_as("director")
    org = clients.organization("Конфликт", manager=me, notes="исходная заметка")
    opened_version = org.version
    # A colleague saves first.
    colleague = factory.user(full_name="Коллега Быстрый")
    dbsession.info["actor_id"] = colleague.id
    org.notes = "заметка коллеги"
    org.stage = "purchase"
    dbsession.flush()
    page = post(testapp, f"/clients/{org.id}/edit", org_form(
        name="Конфликт", notes="моя заметка", manager_id=str(me.id),
        version=str(opened_version)), 409)
    assert "Someone else changed this record meanwhile" in page.text
    assert "Коллега Быстрый" in page.text
    assert "заметка коллеги" in page.text and "моя заметка" in page.text
    dbsession.refresh(org)
    assert org.notes == "заметка коллеги" and org.stage == "purchase"
    # The form now carries the new version: saving again replaces their values knowingly.
    new_version = page.html.find("input", {"name": "version"})["value"]
    assert int(new_version) == org.version
    post(testapp, f"/clients/{org.id}/edit", org_form(
        name="Конфликт", notes="моя заметка", manager_id=str(me.id), version=new_version), 303)
    dbsession.refresh(org)
    assert org.notes == "моя заметка"


def test_editing_keeps_unchanged_phones_and_records_the_change(testapp, login_as, dbsession,
                                                               clients):
    me = login_as("director")
    org = clients.organization("Стабильная", manager=me, phones=["+7 495 000-00-01"])
    phone_id = org.phones[0].id
    post(testapp, f"/clients/{org.id}/edit", org_form(
        name="Стабильная+", manager_id=str(me.id), version=str(org.version),
        phone_kind=["work", "mobile"], phone_number=["+7 495 000-00-01", "+7 916 000-00-02"]), 303)
    dbsession.expire_all()
    assert [p.id for p in org.phones][0] == phone_id and len(org.phones) == 2
    page = testapp.get(f"/clients/{org.id}/@@history-part")
    assert "Changed organization Стабильная+" in page.text
    assert "Added phone +7 916 000-00-02" in page.text


def test_terms_are_not_settable_without_view_terms(testapp, login_as, dbsession, clients, factory):
    # A supply manager may edit the organizations they are responsible for, not see the terms.
    me = login_as("supply")
    org = clients.organization("Поставщик", manager=me, kind="supplier",
                               discount_percent=Decimal("5"), credit_limit=Decimal("100"))
    form = testapp.get(f"/clients/{org.id}/edit")
    assert 'name="credit_limit"' not in form.text
    post(testapp, f"/clients/{org.id}/edit", org_form(
        name="Поставщик", kind="supplier", manager_id=str(me.id), version=str(org.version),
        credit_limit="999999", discount_percent="50"), 303)
    dbsession.refresh(org)
    assert org.credit_limit == Decimal("100") and org.discount_percent == Decimal("5")


# --- contacts ---------------------------------------------------------------------------------------

def contact_form(**values) -> dict:
    form = {"full_name": "", "position": "", "decision_level": "", "birthday": "", "notes": "",
            "manager_id": ""}
    form.update(values)
    return form


def test_a_contact_is_added_to_an_organization_with_a_job_record(testapp, login_as, dbsession,
                                                                clients):
    me = login_as("sales")
    org = clients.organization("Работодатель", manager=me)
    post(testapp, f"/clients/{org.id}/contacts/add", contact_form(
        full_name="Сидоров Пётр", position="Директор", decision_level="decision_maker",
        birthday="1975-04-12", phone_kind=["mobile"], phone_number=["+7 916 123-45-67"]), 303)
    contact = dbsession.scalar(sa.select(Contact).where(Contact.full_name == "Сидоров Пётр"))
    assert contact.organization_id == org.id and contact.birth_md == 412
    assert (contact.department_id, contact.manager_id) == (org.department_id, me.id)
    job = dbsession.scalar(sa.select(ContactEmployment).where(ContactEmployment.contact_id ==
                                                              contact.id))
    assert (job.organization_id, job.position, job.ended_on) == (org.id, "Директор", None)


def test_a_private_person_belongs_to_the_responsible_managers_department(
        testapp, login_as, dbsession):
    me = login_as("sales")
    post(testapp, "/clients/contacts/add", contact_form(full_name="Частник", manager_id=str(me.id)),
         303)
    person = dbsession.scalar(sa.select(Contact).where(Contact.full_name == "Частник"))
    assert person.organization_id is None
    assert (person.manager_id, person.department_id) == (me.id, me.memberships[0].department_id)


def test_contact_bad_input_and_future_birthday(testapp, login_as, dbsession, clients):
    login_as("director")
    org = clients.organization("Орг")
    page = post(testapp, f"/clients/{org.id}/contacts/add", contact_form(
        full_name="", birthday=(dt.date.today() + dt.timedelta(days=3)).isoformat(),
        email_kind=["work"], email_address=["не почта"]), 400)
    assert "Enter the person" in page.text and "cannot be in the future" in page.text
    assert "is not an e-mail address" in page.text
    assert count(dbsession, Contact) == 0


def test_a_contact_with_the_same_phone_or_email_warns_first(testapp, login_as, dbsession, clients):
    login_as("director")
    org = clients.organization("Орг")
    existing = clients.contact("Иванов Иван", organization=org, phones=["+7 916 555-00-11"],
                               emails=["ivanov@example.ru"])
    values = contact_form(full_name="Иванов И.", phone_kind=["mobile"],
                          phone_number=["89165550011"])
    page = post(testapp, f"/clients/{org.id}/contacts/add", values, 200)
    assert "Иванов Иван" in page.text and "same phone" in page.text
    assert count(dbsession, Contact) == 1
    post(testapp, f"/clients/{org.id}/contacts/add", {**values, "confirmed": str(existing.id)}, 303)
    assert count(dbsession, Contact) == 2


def test_a_contact_edit_conflict_is_shown(testapp, login_as, dbsession, clients):
    login_as("director")
    contact = clients.contact("Конфликтный")
    opened = contact.version
    contact.position = "Снабженец"
    dbsession.flush()
    page = post(testapp, f"/clients/contacts/{contact.id}/edit", contact_form(
        full_name="Конфликтный", position="Бухгалтер", version=str(opened)), 409)
    assert "Someone else changed this record meanwhile" in page.text and "Снабженец" in page.text
    dbsession.refresh(contact)
    assert contact.position == "Снабженец"


def test_moving_a_contact_keeps_where_they_worked(testapp, login_as, dbsession, clients):
    login_as("director")
    old = clients.organization("Старое место")
    new = clients.organization("Новое место")
    contact = clients.contact("Кочевник", organization=old, position="Инженер")
    page = testapp.get(f"/clients/{old.id}/contacts/{contact.id}/move", {"q": "новое"})
    assert "Новое место" in page.text and "Старое место" not in page.text.split("move-form")[1]
    testapp.post_csrf(f"/clients/{old.id}/contacts/{contact.id}/move",
                      {"target": str(new.id), "position": "Главный инженер", "on": "2026-01-15"},
                      status=303)
    dbsession.expire_all()
    assert contact.organization_id == new.id and contact.position == "Главный инженер"
    jobs = sorted(((j.organization_name, j.ended_on) for j in contact.employments), key=str)
    assert jobs == [("Новое место", None), ("Старое место", dt.date(2026, 1, 15))]
    page = testapp.get(f"/clients/{new.id}/contacts/{contact.id}")
    assert "Старое место" in page.text and "Новое место" in page.text
    # And from there to a private life.
    testapp.post_csrf(f"/clients/{new.id}/contacts/{contact.id}/move", {"target": "private"},
                      status=303)
    dbsession.expire_all()
    assert contact.organization_id is None and all(j.ended_on for j in contact.employments)


def test_moving_needs_a_target(testapp, login_as, clients):
    login_as("director")
    org = clients.organization("Место")
    contact = clients.contact("Сомневающийся", organization=org)
    page = testapp.post_csrf(f"/clients/{org.id}/contacts/{contact.id}/move", {}, status=400)
    assert "Choose where the person works now" in page.text
