"""Importing contact persons: linked to their organization, checked, de-duplicated."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.functional.clients.test_import import csv_bytes, run, tile, upload


@pytest.fixture
def importer(login_as, factory):
    return login_as("dept_head", departments=[factory.department("Отдел продаж")])


def contacts(dbsession):
    from models.clients import Contact

    return dbsession.scalars(sa.select(Contact).order_by(Contact.id)).all()


def test_contacts_join_their_organization_by_inn_or_name(testapp, importer, clients, dbsession):
    from models import search

    romashka = clients.organization("ООО «Ромашка»", manager=importer, inn=clients.inn())
    vector = clients.organization("АО «Вектор»", manager=importer)
    data = csv_bytes([
        ["Фамилия", "Имя", "Отчество", "ИНН организации", "Организация", "Должность", "Телефон",
         "Дата рождения"],
        ["Петров", "Иван", "Сергеевич", romashka.inn, "", "Директор", "+7 916 123-45-67",
         "15.03.1978"],
        ["Сидорова", "Мария", "", "", "Вектор, АО", "Бухгалтер", "", "1985-07-01"],
        ["Кузьмин", "Олег", "", "", "", "", "+7 903 000-11-22", ""],
    ])
    page = upload(testapp, "people.csv", data, target="contacts").follow()
    form = page.forms["mapping-form"]
    assert [form[f"col-{i}"].value for i in range(8)] == [
        "last_name", "first_name", "middle_name", "organization_inn", "organization", "position",
        "phone", "birthday"]
    run(testapp, page)
    petrov, sidorova, kuzmin = contacts(dbsession)
    assert petrov.full_name == "Петров Иван Сергеевич"
    assert petrov.organization_id == romashka.id
    assert petrov.birthday == dt.date(1978, 3, 15) and petrov.birth_md == 315
    assert petrov.manager_id == importer.id  # follows the organization's manager
    assert petrov.employments[0].organization_name == "ООО «Ромашка»"
    assert sidorova.organization_id == vector.id  # the name without its legal form
    assert kuzmin.organization_id is None and kuzmin.manager_id == importer.id
    # The organization's search document now holds its contact's name.
    hits = search.hits(dbsession, "organization", "Петров")
    assert dbsession.scalars(sa.select(hits.c.object_id)).all() == [romashka.id]
    hits = search.hits(dbsession, "contact", "916 123-45-67")
    assert dbsession.scalars(sa.select(hits.c.object_id)).all() == [petrov.id]


def test_bad_contact_rows_are_refused_with_the_reason(testapp, importer, clients, dbsession):
    clients.organization("ООО «Двойник»", manager=importer)
    clients.organization("Двойник", manager=importer)
    data = csv_bytes([
        ["ФИО", "Организация", "ИНН организации", "E-mail", "День рождения"],
        ["Без Организации", "ООО «Нет такой»", "", "", ""],
        ["Двойников Двойник", "Двойник", "", "", ""],
        ["Неверный Инн", "", "7707083894", "", ""],
        ["Плохая Дата", "", "", "", "31.02.1990"],
        ["Из Будущего", "", "", "", "01.01.2999"],
        ["Плохая Почта", "", "", "not-an-address", ""],
        ["", "", "", "somebody@x.example", ""],
        ["Хороший Человек", "", "", "good@x.example", "01.02.1990"],
    ])
    page = upload(testapp, "bad.csv", data, target="contacts").follow()
    problems = page.html.find(id="problem-rows").text
    for text in ("No organization “ООО «Нет такой»” that you can see",
                 "Several organizations are called “Двойник”", "wrong check digit",
                 "“31.02.1990” is not a date", "The birthday 01.01.2999 is not possible",
                 "“not-an-address” is not an e-mail address", "The person's name is empty"):
        assert text in problems
    run(testapp, page)
    assert [c.full_name for c in contacts(dbsession)] == ["Хороший Человек"]


def test_contact_duplicates_by_phone_or_email(testapp, importer, clients, dbsession):
    known = clients.contact("Старый Знакомый", phones=["+7 916 555-00-11"], emails=["me@x.example"],
                            manager_id=importer.id,
                            department_id=importer.memberships[0].department_id)
    data = csv_bytes([["ФИО", "Телефон", "E-mail", "Должность"],
                      ["Старый Знакомый", "8 916 555 00 11", "", "Главный инженер"],
                      ["Новый Человек", "", "ME@x.example", ""]])
    page = upload(testapp, "dup.csv", data, target="contacts").follow()
    assert tile(page, "skip") == "2"
    run(testapp, page, duplicates="update")
    dbsession.expire_all()
    assert len(contacts(dbsession)) == 1
    assert known.position == "Главный инженер"
    assert known.full_name == "Новый Человек"  # the e-mail row came later: its name wins


def test_a_department_head_imports_contacts_only_for_their_departments_clients(
        testapp, importer, clients, factory, dbsession):
    other = factory.user(roles=["sales"], departments=[factory.department("Опт")])
    theirs = clients.organization("ООО «Чужое»", manager=other, inn=clients.inn())
    data = csv_bytes([["ФИО", "ИНН организации"], ["Чей-то Сотрудник", theirs.inn]])
    page = upload(testapp, "x.csv", data, target="contacts").follow()
    # A department head sees only their departments' clients: the organization is not found.
    assert "that you can see" in page.text
    run(testapp, page)
    assert contacts(dbsession) == []
