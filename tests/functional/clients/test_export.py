"""Exporting the client lists to CSV and XLSX: filters, permissions, terms, formulas."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

URL = "/clients/export"


def read_csv(response) -> list[list[str]]:
    assert response.body.startswith("\ufeff".encode())  # Excel needs the byte-order mark
    assert response.content_type == "text/csv"
    return list(csv.reader(io.StringIO(response.body.decode("utf-8-sig")), delimiter=";"))


def read_xlsx(response):
    from openpyxl import load_workbook

    assert response.content_type.endswith("spreadsheetml.sheet")
    return load_workbook(io.BytesIO(response.body)).active


@pytest.fixture
def sales_team(factory, clients):
    """Two sales managers of one department, one of another, each with a client."""
    sales, wholesale = factory.department("Продажи"), factory.department("Опт")
    anna = factory.user(login="anna", roles=["sales"], departments=[sales], full_name="Попова Анна")
    igor = factory.user(login="igor", roles=["sales"], departments=[sales], full_name="Лебедев Игорь")
    olga = factory.user(login="olga", roles=["sales"], departments=[wholesale], full_name="Орлова Ольга")
    orgs = {
        "anna": clients.organization("ООО «Аннина»", manager=anna, inn=clients.inn(),
                                     stage="purchase", phones=["+7 495 100-00-01"],
                                     discount_percent=Decimal("7.50"), credit_limit=Decimal("100000"),
                                     notes="=HYPERLINK(\"http://evil.example\")"),
        "igor": clients.organization("ООО «Игорева»", manager=igor, stage="interest",
                                     discount_percent=Decimal("3")),
        "olga": clients.organization("ООО «Ольгина»", manager=olga, stage="purchase"),
    }
    return {"anna": anna, "igor": igor, "olga": olga, "sales": sales, "orgs": orgs}


def names(rows) -> list[str]:
    return sorted(r[0] for r in rows[1:])


def test_employee_without_export_permission_gets_no_file(testapp, login_as):
    login_as("secretary")  # sees clients, may not export them
    testapp.get(URL, status=403)
    assert 'id="export-xlsx"' not in testapp.get("/clients/").text


def test_sales_manager_exports_only_own_clients_with_their_terms(testapp, login_as, sales_team):
    login_as(sales_team["anna"])
    page = testapp.get("/clients/")
    assert 'id="export-xlsx"' in page.text and 'id="export-csv"' in page.text
    rows = read_csv(testapp.get(URL, {"list": "organizations", "format": "csv"}))
    header = rows[0]
    assert header[:3] == ["Name", "Legal name", "INN"]
    assert names(rows) == ["ООО «Аннина»"]  # sees Igor's client, but exports only her own
    line = dict(zip(header, rows[1], strict=True))
    assert line["Discount, %"] == "7,50"
    assert line["Credit limit"] == "100000,00"
    # "+7 …" would be read by a spreadsheet as a formula too (and shown as an error).
    assert line["Phone"] == "'+7 495 100-00-01"
    assert line["Stage"] == "Purchase"
    assert line["Responsible manager"] == "Попова Анна"
    # A formula in the notes is text for the spreadsheet, not something it runs.
    assert line["Notes"] == "'=HYPERLINK(\"http://evil.example\")"


def test_department_head_exports_the_department_and_the_filter_applies(testapp, login_as,
                                                                       sales_team):
    login_as("dept_head", departments=[sales_team["sales"]])
    rows = read_csv(testapp.get(URL, {"list": "organizations", "format": "csv"}))
    assert names(rows) == ["ООО «Аннина»", "ООО «Игорева»"]
    rows = read_csv(testapp.get(URL, {"list": "organizations", "format": "csv", "stage": "interest"}))
    assert names(rows) == ["ООО «Игорева»"]
    rows = read_csv(testapp.get(URL, {"list": "organizations", "format": "csv",
                                      "manager": str(sales_team["anna"].id), "page": "3"}))
    assert names(rows) == ["ООО «Аннина»"]


def test_terms_columns_need_view_terms(testapp, login_as, sales_team):
    login_as("marketing")  # exports every client, may not see their terms
    rows = read_csv(testapp.get(URL, {"list": "organizations", "format": "csv"}))
    assert names(rows) == ["ООО «Аннина»", "ООО «Игорева»", "ООО «Ольгина»"]
    assert "Discount, %" not in rows[0] and "Credit limit" not in rows[0]


def test_terms_are_filled_only_on_rows_the_person_may_see_them(testapp, login_as, sales_team,
                                                               factory, dbsession):
    # A department head of Sales who also exports everything as an accountant would: the terms
    # of the other department's clients stay empty unless view_terms covers them.
    head = factory.user(roles=["dept_head", "marketing"], departments=[sales_team["sales"]])
    login_as(head)
    rows = read_csv(testapp.get(URL, {"list": "organizations", "format": "csv"}))
    by_name = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert by_name["ООО «Игорева»"]["Discount, %"] == "3,00"
    assert by_name["ООО «Ольгина»"]["Discount, %"] == ""
    assert set(by_name) == {"ООО «Аннина»", "ООО «Игорева»", "ООО «Ольгина»"}


def test_xlsx_export_keeps_formulas_as_text(testapp, login_as, sales_team):
    login_as(sales_team["anna"])
    response = testapp.get(URL, {"list": "organizations", "format": "xlsx", "q": "Аннина"})
    assert 'filename="organizations-' in response.headers["Content-Disposition"]
    sheet = read_xlsx(response)
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header, line = rows[0], rows[1]
    assert line[0] == "ООО «Аннина»"
    notes = sheet.cell(row=2, column=header.index("Notes") + 1)
    assert notes.value == "=HYPERLINK(\"http://evil.example\")"
    assert notes.data_type == "s" and notes.quotePrefix  # text, never a formula
    phone = sheet.cell(row=2, column=header.index("Phone") + 1)
    assert phone.data_type == "s" and phone.value == "+7 495 100-00-01"


def test_contacts_export(testapp, login_as, sales_team, clients):
    anna = sales_team["anna"]
    clients.contact("Петров Пётр", organization=sales_team["orgs"]["anna"], position="Директор",
                    phones=["+7 916 000-00-01"], emails=["petrov@x.example"])
    clients.contact("Чужой Контакт", organization=sales_team["orgs"]["olga"])
    login_as(anna)
    rows = read_csv(testapp.get(URL, {"list": "contacts", "format": "csv"}))
    assert rows[0][:3] == ["Full name", "Organization", "INN of the organization"]
    assert rows[1][:4] == ["Петров Пётр", "ООО «Аннина»", sales_team["orgs"]["anna"].inn, "Директор"]
    assert len(rows) == 2


def test_the_contact_list_offers_its_filtered_export(testapp, login_as, sales_team, clients):
    anna = sales_team["anna"]
    clients.contact("Петров Пётр", organization=sales_team["orgs"]["anna"], position="Директор")
    clients.contact("Сидоров Сидор", organization=sales_team["orgs"]["anna"], position="Бухгалтер")
    login_as(anna)
    page = testapp.get("/clients/contacts/", {"q": "Петров"})
    link = page.html.select_one("#export-csv")["href"]
    assert "list=contacts" in link and "q=" in link
    rows = read_csv(testapp.get(link))
    assert [r[0] for r in rows[1:]] == ["Петров Пётр"]
    assert page.html.select_one("#export-xlsx") is not None
    login_as("secretary")  # sees every client, may not export them
    assert testapp.get("/clients/contacts/").html.select_one("#export-csv") is None


def test_interactions_export(testapp, login_as, sales_team, clients):
    from models.meta import utcnow

    anna = sales_team["anna"]
    clients.interaction(responsible=anna, organization=sales_team["orgs"]["anna"], kind="call",
                        subject="Обсудить договор", done_at=utcnow())
    clients.interaction(responsible=sales_team["olga"], organization=sales_team["orgs"]["olga"],
                        subject="Чужой звонок")
    login_as(anna)
    rows = read_csv(testapp.get(URL, {"list": "interactions", "format": "csv", "tab": "all"}))
    assert rows[0][:4] == ["Planned", "Done", "Status", "Kind"]
    assert [(r[2], r[3], r[5], r[7]) for r in rows[1:]] == [
        ("Done", "Call", "ООО «Аннина»", "Обсудить договор")]


def test_unknown_list_or_format_is_refused(testapp, login_as, sales_team):
    login_as(sales_team["anna"])
    testapp.get(URL, {"list": "secrets", "format": "csv"}, status=400)
    testapp.get(URL, {"list": "organizations", "format": "pdf"}, status=400)
