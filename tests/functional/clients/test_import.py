"""Importing organizations from CSV and XLSX: upload, columns, check, duplicates, result."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "clients"
URL = "/clients/imports/"


@pytest.fixture
def importer(login_as, factory):
    """A department head of Sales (organization.import, department scope), logged in."""
    sales = factory.department("Отдел продаж")
    return login_as("dept_head", departments=[sales], full_name="Соколов Дмитрий Игоревич")


def upload(testapp, name: str, data: bytes, target: str = "organizations", status=303):
    return testapp.post_csrf(URL, {"target": target}, upload_files=[("file", name, data)],
                             status=status)


def csv_bytes(rows, delimiter=";", encoding="utf-8-sig") -> bytes:
    return ("\r\n".join(delimiter.join(r) for r in rows) + "\r\n").encode(encoding)


def run(testapp, page, **changes):
    """Submit the columns form as shown (with `changes`) and run the import."""
    form = page.forms["mapping-form"]
    for key, value in changes.items():
        form[key] = value
    return form.submit("action", value="run", status=303).follow()


def tile(page, kind: str) -> str:
    """The number on one of the summary tiles (create, update, skip, fail)."""
    return page.html.select_one(f".tile-{kind} .tile-number").text


def orgs(dbsession, **where):
    from models.clients import Organization

    stmt = sa.select(Organization).order_by(Organization.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(Organization, key) == value)
    return dbsession.scalars(stmt).all()


# --- who may ---------------------------------------------------------------------------------------

def test_sales_manager_may_not_import(testapp, login_as):
    login_as("sales")
    testapp.get(URL, status=403)


def test_department_head_sees_the_upload_form_and_the_button_on_the_list(testapp, importer):
    page = testapp.get(URL)
    assert page.forms["upload-form"]
    assert 'id="import"' in testapp.get("/clients/").text


def test_an_import_belongs_to_whoever_uploaded_it(testapp, importer, login_as, factory):
    page = upload(testapp, "a.csv", csv_bytes([["Наименование"], ["ООО «Альфа»"]])).follow()
    other = factory.user(roles=["dept_head"], departments=importer.memberships[0:1] and
                         [importer.memberships[0].department])
    login_as(other)
    testapp.get(page.request.path, status=404)


# --- files that cannot be imported ----------------------------------------------------------------

@pytest.mark.parametrize("name,data,message", [
    ("clients.pdf", b"%PDF-1.4 something", "Only CSV and XLSX files can be imported"),
    ("clients.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Excel workbook (.xls)"),
    ("clients.xlsx", b"just text pretending", "is not an Excel workbook"),
    ("clients.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "does not look like a CSV file"),
    ("clients.csv", b"", "The file is empty"),
    ("clients.csv", "Наименование;ИНН\r\n".encode(), "no clients below it"),
])
def test_files_that_are_not_a_list_of_clients_are_refused(testapp, importer, dbsession, name, data,
                                                          message):
    from models.clients import ClientImport

    page = upload(testapp, name, data, status=400)
    assert message in page.text
    assert "is-invalid" in page.text
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(ClientImport)) == 0


def test_no_file_chosen_is_refused(testapp, importer):
    page = testapp.post_csrf(URL, {"target": "organizations"}, status=400)
    assert "Choose a CSV or XLSX file to import." in page.text


def test_a_file_of_100000_rows_is_refused_with_the_limit(testapp, importer):
    data = ("Наименование\n" + "ООО «Ромашка»\n" * 100_000).encode()
    page = upload(testapp, "big.csv", data, status=400)
    assert "The file has 100\u00a0000 rows; one import takes at most 50\u00a0000 rows" in page.text


def test_the_row_limit_is_a_setting(testapp, importer, app, monkeypatch):
    monkeypatch.setitem(app.registry.settings, "clients.import_max_rows", "3")
    data = csv_bytes([["Наименование"], *[[f"ООО «Фирма {i}»"] for i in range(4)]])
    page = upload(testapp, "four.csv", data, status=400)
    assert "The file has 4 rows; one import takes at most 3 rows" in page.text


def test_a_file_over_the_size_limit_is_refused(testapp, importer, app, monkeypatch):
    monkeypatch.setitem(app.registry.settings, "clients.import_max_bytes", str(1024 * 1024))
    data = ("Наименование\n" + "x" * (1024 * 1024 + 10)).encode()
    page = upload(testapp, "huge.csv", data, status=400)
    assert "an import takes files of up to 1 MB" in page.text


def test_text_in_an_unknown_encoding_is_refused(testapp, importer):
    # UTF-8 Russian text cut in the middle of a letter and then read as Windows-1251 is gibberish.
    data = "Наименование;Город\nООО «Ромашка»;Москва\n".encode()[:-7] + b"\xff\n"
    page = upload(testapp, "broken.csv", data, status=400)
    assert "encoding could not be recognised" in page.text


# --- reading CSV and XLSX -------------------------------------------------------------------------

def test_cp1251_csv_is_read_and_imported(testapp, importer, dbsession):
    from portal.clients.rules import complete_inn

    page = upload(testapp, "clients.csv", (FIXTURES / "organizations-cp1251.csv").read_bytes()).follow()
    assert "Windows-1251" in page.text
    assert "semicolon" in page.text
    form = page.forms["mapping-form"]
    assert form["col-0"].value == "name"
    assert form["col-1"].value == "inn"
    assert form["col-3"].value == "phone"
    assert form["col-4"].value == "email"
    assert form["col-5"].value == "city"
    assert "ООО «Вектор»" in page.text
    result = run(testapp, page)
    assert tile(result, "create") == "3" and tile(result, "fail") == "0"
    vector = orgs(dbsession, inn=complete_inn("770100001"))[0]
    assert vector.name == "ООО «Вектор»"
    assert vector.kpp == "770101001"
    assert [p.normalized for p in vector.phones] == ["74951112233"]
    assert vector.emails[0].address == "info@vector.example"
    assert vector.addresses[0].city == "Москва"
    assert vector.source.code == "exhibition"  # matched by its title (Russian ones once translated)
    assert vector.manager_id == importer.id
    assert vector.department_id == importer.memberships[0].department_id
    assert orgs(dbsession, inn=complete_inn("5001000030"))[0].name == "ИП Ёжиков Пётр Фёдорович"


@pytest.mark.parametrize("delimiter,encoding", [(",", "utf-8"), (",", "utf-8-sig"),
                                                (";", "utf-8-sig"), ("\t", "utf-16")])
def test_utf8_and_separators_are_detected(testapp, importer, dbsession, delimiter, encoding):
    data = csv_bytes([["Name", "Phone", "E-mail"], ["Smith & Sons, Ltd", "+44 20 7946 0958",
                                                    "office@smith.example"]],
                     delimiter, encoding)
    if delimiter == ",":
        data = data.replace(b"Smith & Sons, Ltd", b'"Smith & Sons, Ltd"')
    page = upload(testapp, "clients.csv", data).follow()
    run(testapp, page)
    org = orgs(dbsession, name="Smith & Sons, Ltd")[0]
    assert org.emails[0].normalized == "office@smith.example"


def test_xlsx_formulas_take_the_saved_values_and_never_run(testapp, importer, dbsession):
    from decimal import Decimal

    page = upload(testapp, "formulas.xlsx",
                  (FIXTURES / "organizations-formulas.xlsx").read_bytes()).follow()
    assert "sheet “Клиенты”" in page.text
    assert "holds a formula without a saved result" in page.text
    result = run(testapp, page, **{"col-3": "discount_percent", "col-4": "credit_limit"})
    formula = orgs(dbsession, name="ООО «Формула»")[0]
    assert formula.credit_limit == Decimal("50000.00")
    assert formula.inn.startswith("770300003")  # a number cell: read as digits
    total = orgs(dbsession, name="ООО «Итог»")[0]
    assert total.discount_percent == Decimal("5.00")
    assert not orgs(dbsession, name="ООО «Без значения»")
    assert "holds a formula without a saved result" in result.text


def test_csv_cells_with_formulas_are_refused_and_exported_text_imports_back(testapp, importer,
                                                                            dbsession):
    data = csv_bytes([["Наименование", "Примечание"], ["=HYPERLINK(\"http://evil\")", ""],
                      ["ООО «Знак»", "'=не формула"]])
    page = upload(testapp, "f.csv", data).follow()
    run(testapp, page)
    assert [o.name for o in orgs(dbsession)] == ["ООО «Знак»"]
    assert orgs(dbsession)[0].notes == "=не формула"


# --- checking rows --------------------------------------------------------------------------------

def test_bad_rows_are_listed_with_the_reason_and_good_rows_imported(testapp, importer, dbsession,
                                                                    clients):
    from models.clients import Email, Phone

    good = clients.inn()
    data = csv_bytes([
        ["Наименование", "ИНН", "Телефон", "E-mail", "Скидка"],
        ["ООО «Хорошее»", good, "+7 495 123-45-67", "ok@good.example", "5,5"],
        ["ООО «Плохой ИНН»", "7707083894", "+7 495 123-45-68", "bad-inn@x.example", ""],
        ["ООО «Плохой телефон»", "", "звоните вечером", "phone@x.example", ""],
        ["ООО «Плохая почта»", "", "+7 495 123-45-69", "почта-без-собаки", ""],
        ["ООО «Большая скидка»", "", "", "", "150"],
        ["", "", "+7 495 000-00-00", "", ""],
    ])
    page = upload(testapp, "mixed.csv", data).follow()
    problems = page.html.find(id="problem-rows").text
    assert "wrong check digit" in problems
    assert "“звоните вечером” is not a phone number" in problems
    assert "“почта-без-собаки” is not an e-mail address" in problems
    assert "out of range" in problems
    assert "name is empty" in problems
    assert "Import 1 rows" in page.text
    result = run(testapp, page)
    assert [o.name for o in orgs(dbsession)] == ["ООО «Хорошее»"]
    # Nothing of a refused row is stored: no phones or e-mails without their organization.
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Phone)) == 1
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Email)) == 1
    rows = result.html.find(id="result-rows").text
    assert "ООО «Плохой ИНН»" in rows and "wrong check digit" in rows
    problems_csv = testapp.get(result.request.path + "problems")
    text = problems_csv.body.decode("utf-8-sig")
    assert text.splitlines()[0] == "Наименование;ИНН;Телефон;E-mail;Скидка;Problem"
    assert "ООО «Плохой ИНН»;7707083894" in text
    assert "ООО «Хорошее»" not in text


def test_missing_name_column_is_explained(testapp, importer):
    data = csv_bytes([["ИНН", "Телефон"], ["7707083893", "+7 495 123-45-67"]])
    page = upload(testapp, "noname.csv", data).follow()
    form = page.forms["mapping-form"]
    page = form.submit("action", value="run", status=400)
    assert "Choose the column that holds the organization's name." in page.html.find(
        id="mapping-errors").text


def test_unknown_list_values_are_warnings_not_errors(testapp, importer, dbsession):
    data = csv_bytes([["Наименование", "Отрасль", "Менеджер"], ["ООО «Новое»", "Космос", "Некто"]])
    page = upload(testapp, "w.csv", data).follow()
    assert "“Космос” is not in the list “Industry”" in page.text
    assert "No person “Некто” found" in page.text
    run(testapp, page)
    org = orgs(dbsession, name="ООО «Новое»")[0]
    assert org.industry_id is None and org.manager_id == importer.id


def test_manager_column_finds_people_and_department_scope_is_kept(testapp, importer, dbsession,
                                                                  factory):
    colleague = factory.user(full_name="Попова Анна Сергеевна", login="popova_t",
                             departments=[importer.memberships[0].department], roles=["sales"])
    stranger = factory.user(full_name="Голубев Константин Ильич", roles=["supply"])
    data = csv_bytes([["Наименование", "Ответственный"], ["ООО «Своё»", "Попова Анна"],
                      ["ООО «Чужое»", "Голубев Константин Ильич"]])
    page = upload(testapp, "m.csv", data).follow()
    assert "You may import clients only for your own departments" in page.text
    run(testapp, page)
    assert [(o.name, o.manager_id) for o in orgs(dbsession)] == [("ООО «Своё»", colleague.id)]
    assert stranger.id


# --- duplicates -----------------------------------------------------------------------------------

@pytest.fixture
def existing(clients, importer):
    return clients.organization("ООО «Старое»", manager=importer, inn=clients.inn(),
                                phones=["+7 495 777-77-77"], emails=["old@old.example"],
                                notes="Заметка")


@pytest.fixture
def by_phone(clients, importer):
    return clients.organization("ООО «Телефонное»", manager=importer, phones=["+7 495 666-66-66"])


def dup_file(existing) -> bytes:
    return csv_bytes([
        ["Наименование", "ИНН", "Телефон", "E-mail", "Примечание"],
        ["ООО «Старое» (новое имя)", existing.inn, "+7 495 888-88-88", "", ""],
        ["ООО «Телефонное»", "", "8 (495) 666-66-66", "new@phone.example", "Из файла"],
        ["ООО «Новенькое»", "", "+7 495 999-99-99", "", ""],
        ["ООО «Новенькое» повтор", "", "+7 495 999-99-99", "twice@new.example", ""],
    ])


def test_duplicates_skipped(testapp, importer, dbsession, existing, by_phone):
    page = upload(testapp, "d.csv", dup_file(existing)).follow()
    result = run(testapp, page, duplicates="skip")
    assert [o.name for o in orgs(dbsession)] == ["ООО «Старое»", "ООО «Телефонное»",
                                                 "ООО «Новенькое»"]
    assert existing.notes == "Заметка"
    assert "the same INN as “ООО «Старое»”" in result.text
    assert "the same phone as row 4" in result.text


def test_duplicates_updated(testapp, importer, dbsession, existing, by_phone):
    page = upload(testapp, "d.csv", dup_file(existing)).follow()
    assert (tile(page, "create"), tile(page, "skip")) == ("1", "3")  # skipping, as offered
    result = run(testapp, page, duplicates="update")
    assert tile(result, "create") == "1" and tile(result, "skip") == "0"
    assert tile(result, "update") == "3"  # 2 existing records + 1 row merged into another
    dbsession.expire_all()
    assert existing.name == "ООО «Старое» (новое имя)"  # filled cells win
    assert existing.notes == "Заметка"  # empty cells change nothing
    assert sorted(p.normalized for p in existing.phones) == ["74957777777", "74958888888"]
    assert by_phone.notes == "Из файла"
    assert [e.normalized for e in by_phone.emails] == ["new@phone.example"]
    # The repeated row is applied to the first, as if one after the other: its filled cells win.
    new = orgs(dbsession, name="ООО «Новенькое» повтор")[0]
    assert [e.normalized for e in new.emails] == ["twice@new.example"]
    assert [p.normalized for p in new.phones] == ["74959999999"]
    assert len(orgs(dbsession)) == 3


def test_duplicates_created_anyway_but_never_a_second_inn(testapp, importer, dbsession, existing,
                                                          by_phone):
    page = upload(testapp, "d.csv", dup_file(existing)).follow()
    result = run(testapp, page, duplicates="create")
    names = [o.name for o in orgs(dbsession)]
    assert names == ["ООО «Старое»", "ООО «Телефонное»", "ООО «Телефонное»", "ООО «Новенькое»",
                     "ООО «Новенькое» повтор"]
    assert f"An organization with INN {existing.inn} exists already" in result.text


def test_an_organization_without_inn_is_a_duplicate_by_its_name(testapp, importer, dbsession,
                                                                 clients):
    known = clients.organization("ООО «Ромашка»", manager=importer, inn=clients.inn())
    data = csv_bytes([
        ["Наименование", "ИНН", "Телефон"],
        ["Ромашка, ООО", "", "+7 495 321-00-00"],  # the same company, written another way
        ["ООО «Ромашка»", clients.inn(), ""],  # a namesake with its own tax id
    ])
    page = upload(testapp, "names.csv", data).follow()
    assert (tile(page, "skip"), tile(page, "create")) == ("1", "1")
    assert "Skipped: the same name as “ООО «Ромашка»”, which exists already." in page.text
    result = run(testapp, page, duplicates="update")
    assert (tile(result, "update"), tile(result, "create")) == ("1", "1")
    dbsession.expire_all()
    assert [p.normalized for p in known.phones] == ["74953210000"]
    assert len(orgs(dbsession, name_key="ромашка")) == 2


def test_update_needs_the_right_to_edit_the_existing_record(testapp, login_as, factory, clients,
                                                            dbsession):
    sales = factory.department("Продажи")
    other_head = factory.user(roles=["dept_head"], departments=[factory.department("Опт")])
    theirs = clients.organization("ООО «Чужой клиент»", manager=other_head, inn=clients.inn())
    login_as("dept_head", departments=[sales])
    data = csv_bytes([["Наименование", "ИНН"], ["ООО «Чужой клиент» новое", theirs.inn]])
    page = upload(testapp, "d.csv", data).follow()
    result = run(testapp, page, duplicates="update")
    dbsession.expire_all()
    assert theirs.name == "ООО «Чужой клиент»"
    assert "which you may not change" in result.text


# --- what an import leaves behind --------------------------------------------------------------

def test_imported_organizations_are_searchable_and_have_history(testapp, importer, dbsession):
    from sqlalchemy_continuum import version_class

    from models import search
    from models.clients import Organization

    data = csv_bytes([["Наименование", "Телефон"], ["ООО «Уникальный Магнолиевый»", "+7 495 555-44-33"]])
    page = upload(testapp, "s.csv", data).follow()
    result = run(testapp, page)
    org = orgs(dbsession)[0]
    for q in ("магнолиевый", "555-44-33"):
        hits = search.hits(dbsession, "organization", q)
        assert dbsession.scalars(sa.select(hits.c.object_id)).all() == [org.id]
    versions = dbsession.scalars(sa.select(version_class(Organization)).where(
        version_class(Organization).id == org.id)).all()
    assert [v.operation_type for v in versions] == [0]
    assert versions[0].transaction.user_id == importer.id
    from models.clients import ClientImport

    imp = dbsession.scalars(sa.select(ClientImport)).one()
    assert (imp.state, imp.created_count, imp.failed_count) == ("done", 1, 0)
    assert imp.file_path == ""
    assert json.loads(imp.mapping)["columns"] == {"0": "name", "1": "phone"}
    assert "Every row was imported." in result.text


def test_cancel_removes_the_upload(testapp, importer, dbsession):
    from models.clients import ClientImport

    page = upload(testapp, "c.csv", csv_bytes([["Наименование"], ["ООО «Отмена»"]])).follow()
    path = dbsession.scalars(sa.select(ClientImport.file_path)).one()
    assert Path(path).exists()
    page.forms["cancel-form"].submit("action", value="cancel", status=303)
    assert not Path(path).exists()
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(ClientImport)) == 0


def test_sample_files_hold_the_recognised_columns(testapp, importer):
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(testapp.get(URL + "sample?target=organizations").body)).active
    headers = [c.value for c in next(sheet.iter_rows())]
    from portal.clients.importer import guess_mapping

    assert set(guess_mapping(headers, "organizations").values()) >= {"name", "inn", "phone",
                                                                     "email", "source"}
    csv_text = testapp.get(URL + "sample?target=contacts&format=csv").body.decode("utf-8-sig")
    assert csv_text.startswith("Last name;First name;Middle name;INN of the organization")


def test_a_row_the_database_refuses_changes_nothing_and_the_others_go_in(
        testapp, importer, dbsession, clients, monkeypatch):
    import portal.clients.import_write as ci

    first = clients.organization("ООО «Первое»", manager=importer, inn=clients.inn())
    second = clients.organization("ООО «Второе»", manager=importer, inn=clients.inn())
    apply = ci._apply_organization

    def broken_for_second(org, values):
        apply(org, values)
        if org.id == second.id:
            org.name = None  # NOT NULL: the database refuses the whole batch, then this row

    monkeypatch.setattr(ci, "_apply_organization", broken_for_second)
    data = csv_bytes([["Наименование", "ИНН", "Телефон"],
                      ["ООО «Первое» обновлено", first.inn, "+7 495 111-11-11"],
                      ["ООО «Второе» обновлено", second.inn, "+7 495 222-22-22"],
                      ["ООО «Третье»", clients.inn(), ""]])
    page = upload(testapp, "db.csv", data).follow()
    result = run(testapp, page, duplicates="update")
    dbsession.expire_all()
    assert first.name == "ООО «Первое» обновлено"
    assert [p.normalized for p in first.phones] == ["74951111111"]
    assert second.name == "ООО «Второе»" and second.phones == []
    assert (tile(result, "create"), tile(result, "update"), tile(result, "fail")) == ("1", "1", "1")
    assert "The record could not be changed" in result.html.find(id="result-rows").text
