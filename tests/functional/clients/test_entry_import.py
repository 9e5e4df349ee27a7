"""Importing clients as people keep them (issue 14, point 4): organizations and their contact
persons from one file in one pass, every problem row listed with its column and reason, phones
normalized as the forms do it, a page saying whom to ask for the right, a file imported again
completing what exists instead of duplicating it."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from models.clients import Contact, Organization, Phone
from tests.functional.clients.test_import import URL, csv_bytes, run, tile, upload

HEADERS = ["Наименование", "ИНН", "Телефон", "Контактное лицо", "Должность",
           "Телефон контактного лица", "E-mail контактного лица"]


@pytest.fixture
def importer(login_as, factory):
    """A department head of Sales (organization.import, department scope), logged in."""
    return login_as("dept_head", departments=[factory.department("Отдел продаж")])


def xlsx_bytes(rows) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def org_named(dbsession, name: str) -> Organization:
    return dbsession.scalar(sa.select(Organization).where(Organization.name == name))


def contacts_of(dbsession, org: Organization) -> list[Contact]:
    return list(dbsession.scalars(sa.select(Contact).where(Contact.organization_id == org.id)
                                  .order_by(Contact.full_name)))


def export_rows(clients) -> tuple[list[list[str]], str, str]:
    """A Russian Excel export: the organization's columns and a contact's on each row; two
    rows of «Ромашка» (same INN) and two of «Вектор» (no INN: the same name)."""
    inn = clients.inn()
    rows = [HEADERS,
            ["ООО «Ромашка»", inn, "+7 495 123-45-67", "Петров Иван Сергеевич", "Директор",
             "8 (916) 123-45-67", "petrov@romashka.example"],
            ["ООО «Ромашка»", inn, "", "Сидорова Мария", "Главный бухгалтер",
             "+7 903 765-43-21 доб. 12", ""],
            ["Вектор", "", "8 812 000-00-01", "Кузьмин Олег", "", "", "kuz@vector.example"],
            ["Вектор", "", "", "Лебедева Анна", "Менеджер по закупкам", "9031112233", ""],
            ["ИП Соколов", "", "", "", "", "", ""]]
    return rows, inn, "ООО «Ромашка»"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_organizations_and_their_contacts_come_from_one_file(testapp, importer, dbsession,
                                                             clients, fmt):
    rows, inn, _name = export_rows(clients)
    data = csv_bytes(rows) if fmt == "csv" else xlsx_bytes(rows)
    page = upload(testapp, f"export.{fmt}", data).follow()
    form = page.forms["mapping-form"]
    assert [form[f"col-{i}"].value for i in range(7)] == [
        "name", "inn", "phone", "contact_name", "contact_position", "contact_phone",
        "contact_email"]
    # The contact fields are offered in their own group, next to the organization's.
    assert page.html.select_one('select[name="col-3"] optgroup') is not None
    assert tile(page, "create") == "3" and tile(page, "fail") == "0"
    done = run(testapp, page)
    assert "3 created" in done.text and "4 contact persons added" in done.text
    assert "${" not in done.text
    romashka = org_named(dbsession, "ООО «Ромашка»")
    assert romashka.inn == inn
    assert [(c.full_name, c.position) for c in contacts_of(dbsession, romashka)] == [
        ("Петров Иван Сергеевич", "Директор"), ("Сидорова Мария", "Главный бухгалтер")]
    petrov = contacts_of(dbsession, romashka)[0]
    assert [p.normalized for p in petrov.phones] == ["79161234567"]
    assert [e.address for e in petrov.emails] == ["petrov@romashka.example"]
    assert petrov.manager_id == importer.id and petrov.department_id == romashka.department_id
    assert petrov.employments[0].organization_id == romashka.id
    vector = org_named(dbsession, "Вектор")
    assert [c.full_name for c in contacts_of(dbsession, vector)] == ["Кузьмин Олег",
                                                                     "Лебедева Анна"]
    assert contacts_of(dbsession, org_named(dbsession, "ИП Соколов")) == []
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Organization)) == 3


def test_the_same_file_imported_again_completes_instead_of_duplicating(testapp, importer,
                                                                       dbsession, clients):
    rows, _inn, _name = export_rows(clients)
    run(testapp, upload(testapp, "export.csv", csv_bytes(rows)).follow())
    romashka = org_named(dbsession, "ООО «Ромашка»")
    sidorova = contacts_of(dbsession, romashka)[1]
    # Changed in the portal since (a plain UPDATE: not this session's own audit history).
    dbsession.execute(sa.update(Contact).where(Contact.id == sidorova.id)
                      .values(position="Финансовый директор"))
    dbsession.expire_all()
    rows[2][6] = "sidorova@romashka.example"  # a new e-mail in the file
    rows.append(["ООО «Ромашка»", rows[1][1], "", "  петров  иван сергеевич ", "", "", ""])
    page = upload(testapp, "export.csv", csv_bytes(rows)).follow()
    assert page.forms["mapping-form"]["duplicates"].value == "update"
    assert tile(page, "create") == "0"
    done = run(testapp, page)
    assert "0 created" in done.text and "0 contact persons added" in done.text
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Organization)) == 3
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Contact)) == 4
    dbsession.expire_all()
    sidorova = contacts_of(dbsession, romashka)[1]
    assert sidorova.position == "Финансовый директор"  # kept
    assert [e.address for e in sidorova.emails] == ["sidorova@romashka.example"]


def test_every_problem_row_is_listed_with_its_column(testapp, importer, dbsession, clients):
    rows = [["Наименование", "ИНН", "Телефон", "Контактное лицо", "E-mail контактного лица"]]
    for i in range(40):
        rows.append([f"ООО «Плохая {i}»", "1234567890", "", "", ""])  # a wrong check digit
    rows.append(["ООО «Хорошая»", "", "", "Орлов Пётр", "orlov@x.example"])
    rows.append(["ООО «Без имени контакта»", "", "", "", "nobody@x.example"])
    rows.append(["ООО «Плохая почта»", "", "", "Зуев Иван", "not-an-address"])
    page = upload(testapp, "bad.csv", csv_bytes(rows)).follow()
    assert tile(page, "fail") == "42"
    lines = page.html.select("#problem-rows tbody tr")
    assert len(lines) == 42
    assert [int(tr["data-line"]) for tr in lines] == [*range(2, 42), 43, 44]
    first = [td.text.strip() for td in lines[0].select("td")]
    assert first[0] == "2" and first[2] == "ИНН" and "check digit" in first[3]
    no_name = [td.text.strip() for td in lines[40].select("td")]
    assert no_name[2] == "E-mail контактного лица" and "contact person has no name" in no_name[3]
    bad_mail = [td.text.strip() for td in lines[41].select("td")]
    assert bad_mail[2] == "E-mail контактного лица" and "not an e-mail address" in bad_mail[3]
    run(testapp, page)
    assert [o.name for o in dbsession.scalars(sa.select(Organization))] == ["ООО «Хорошая»"]


@pytest.mark.parametrize("language", ["en", "ru"])
def test_many_problem_rows_are_listed_page_by_page(testapp, login_as, factory, language):
    login_as("dept_head", departments=[factory.department("Отдел продаж")], locale=language)
    rows = [["Наименование", "ИНН"]] + [[f"ООО «Плохая {i}»", "12345"] for i in range(130)]
    page = upload(testapp, "bad.csv", csv_bytes(rows)).follow()
    assert len(page.html.select("#problem-rows tbody tr")) == 100
    assert "${" not in page.text
    second = testapp.get(page.request.path, {"problems": "2"})
    lines = second.html.select("#problem-rows tbody tr")
    assert [int(tr["data-line"]) for tr in lines] == list(range(102, 132))
    assert "${" not in second.text
    # A page number from a hostile hand is no error.
    for value in ("0", "-3", "999999999999999999999", "x"):
        testapp.get(page.request.path, {"problems": value}, status=200)


def test_imported_phones_are_normalized_as_the_form_does(testapp, importer, dbsession):
    """The same typed numbers, saved through the organization form and through the import,
    give the same normalized numbers (the duplicate search and phone search rely on it)."""
    typed = ["8 (495) 123-45-67", "+7 916 000 11 22", "495 765-43-21 доб. 5", "  +44 20 7946 0958 ",
             "9031112233", "7-812-000-00-01 ext 12"]
    via_form = []
    for i, number in enumerate(typed):
        page = testapp.get("/clients/add")
        form = page.forms["organization-form"]
        form["name"] = f"Форма {i}"
        form.set("phone_number", number, index=0)
        answer = form.submit(status="*")
        if answer.status_int == 200:  # "looks like Форма 0": save anyway
            answer.forms["organization-form"].submit("save", value="confirm", status=303)
        org = org_named(dbsession, f"Форма {i}")
        via_form.append(dbsession.scalar(sa.select(Phone.normalized)
                                         .where(Phone.organization_id == org.id)))
    rows = [["Наименование", "Телефон", "Контактное лицо", "Телефон контактного лица"]]
    rows += [[f"Импорт {i}", number, f"Контакт {i}", number] for i, number in enumerate(typed)]
    page = upload(testapp, "phones.csv", csv_bytes(rows)).follow()
    done = run(testapp, page, duplicates="create")
    assert "6 created" in done.text, done.html.find(id="result-rows") or done.text[-3000:]
    via_import, via_contact = [], []
    for i in range(len(typed)):
        org = org_named(dbsession, f"Импорт {i}")
        via_import.append(dbsession.scalar(sa.select(Phone.normalized)
                                           .where(Phone.organization_id == org.id)))
        contact = contacts_of(dbsession, org)[0]
        via_contact.append(contact.phones[0].normalized)
    assert via_import == via_form == via_contact
    assert via_form[0] == "74951234567"


@pytest.mark.parametrize("language", ["en", "ru"])
def test_without_the_right_a_page_says_why_and_whom_to_ask(testapp, login_as, factory, language):
    sales = factory.department("Отдел продаж")
    head = factory.user(full_name="Орлова Анна Петровна", roles=["dept_head"],
                        departments=[sales])
    sales.head_id = head.id
    factory.user(full_name="Админов Админ", roles=["admin"])
    login_as("sales", departments=[sales], locale=language)
    for url in (URL, URL + "sample?target=organizations"):
        page = testapp.get(url, status=403)
        box = page.html.find(id="no-import-right")
        assert box is not None
        ask = page.html.find(id="whom-to-ask").text
        assert "Орлова Анна Петровна" in ask and "Админов Админ" in ask
        assert "${" not in page.text
        if language == "ru":
            assert "permission to open this page" not in page.text
    # Logged out, the log-in page, as anywhere else.
    testapp.reset()
    assert testapp.get(URL, status="*").status_int in (302, 303)


@pytest.mark.parametrize("cell", [
    "\x00\x01", "=cmd|' /C calc'!A0", "<script>alert(1)</script>", "x" * 5000, "‮evil", "'; DROP TABLE",
])
def test_hostile_contact_cells_give_messages_never_500(testapp, importer, dbsession, cell):
    rows = [HEADERS, ["ООО «Цель»", "", "", cell, cell, cell, cell]]
    uploaded = upload(testapp, "hostile.csv", csv_bytes(rows), status="*")
    if uploaded.status_int == 400:  # the file as a whole is refused, with the reason
        assert uploaded.html.select_one(".invalid-feedback") is not None
        return
    page = uploaded.follow()
    assert "<script>alert" not in page.text
    form = page.forms["mapping-form"]
    result = form.submit("action", value="run", status="*")
    assert result.status_int in (303, 400)


def test_contact_columns_without_the_contact_name_are_explained(testapp, importer):
    rows = [["Наименование", "Должность"], ["ООО «Альфа»", "Директор"]]
    page = upload(testapp, "a.csv", csv_bytes(rows)).follow()
    form = page.forms["mapping-form"]
    assert form["col-1"].value == ""  # a lone «Должность» is not guessed to be a contact's
    form["col-1"] = "contact_position"
    page = form.submit("action", value="run", status=400)
    assert "Choose the column that holds the contact person's name" in \
        page.html.find(id="mapping-errors").text
