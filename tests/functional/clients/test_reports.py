"""The /reports section: advertising effectiveness and activity, their scopes and exports."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import sqlalchemy as sa

MSK = dt.timezone(dt.timedelta(hours=3))


def at(day: str, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), MSK)


def source(dbsession, code: str):
    from models.clients import Classifier

    return dbsession.scalar(sa.select(Classifier).where(Classifier.list == "source",
                                                        Classifier.code == code))


@pytest.fixture
def team(factory, clients, dbsession):
    """Sales (Anna, Igor) and Wholesale (Olga); clients from known sources in 2025."""
    sales, wholesale = factory.department("Продажи"), factory.department("Опт")
    anna = factory.user(login="anna", roles=["sales"], departments=[sales], full_name="Попова Анна")
    igor = factory.user(login="igor", roles=["sales"], departments=[sales], full_name="Лебедев Игорь")
    olga = factory.user(login="olga", roles=["sales"], departments=[wholesale],
                        full_name="Орлова Ольга")
    website, exhibition = source(dbsession, "website"), source(dbsession, "exhibition")
    made = []
    for name, manager, src, stage, created in [
        ("Сайт-1", anna, website, "purchase", "2025-03-01"),
        ("Сайт-2", anna, website, "interest", "2025-03-05"),
        ("Сайт-3", igor, website, "loyalty", "2025-03-10"),
        ("Выставка-1", igor, exhibition, "attraction", "2025-03-15"),
        ("Без источника", anna, None, "attraction", "2025-03-20"),
        ("Опт-1", olga, exhibition, "purchase", "2025-03-21"),
        ("Старый", anna, website, "purchase", "2024-12-31"),  # before the period
    ]:
        made.append(clients.organization(name, manager=manager, source=src, stage=stage,
                                         created_at=at(created)))
    by_name = {o.name: o for o in made}
    for responsible, org, kind, planned, done in [
        (anna, "Сайт-1", "call", "2025-03-03", True),
        (anna, "Сайт-1", "call", "2025-03-04", False),  # overdue (long past)
        (anna, "Сайт-2", "meeting", "2025-03-06", True),
        (igor, "Сайт-3", "call", "2025-03-11", True),
        (igor, "Выставка-1", "email", "2025-03-12", False),
        (olga, "Опт-1", "call", "2025-03-22", True),
        (anna, "Сайт-1", "call", "2025-04-02", True),  # after the period
    ]:
        clients.interaction(responsible=responsible, organization=by_name[org], kind=kind,
                            planned_at=at(planned), done_at=at(planned, 15) if done else None)
    return {"anna": anna, "igor": igor, "olga": olga, "sales": sales, "wholesale": wholesale}


PERIOD = {"from": "2025-03-01", "to": "2025-03-31"}


def table(page) -> dict[str, list[str]]:
    rows = {}
    for tr in page.html.find(id="report-table").find("tbody").find_all("tr"):
        cells = [td.get_text(" ", strip=True) for td in tr.find_all("td")]
        rows[cells[0]] = cells[1:]
    return rows


def test_reports_section_is_shown_to_who_may_see_a_report(testapp, login_as):
    login_as("sales")
    page = testapp.get("/reports/")
    assert 'data-section="reports"' in page.text
    assert [a["data-report"] for a in page.html.select("#report-list a")] == ["advertising",
                                                                              "activity"]
    login_as("secretary")
    testapp.get("/reports/", status=403)
    testapp.get("/reports/advertising", status=403)
    testapp.get("/reports/activity", status=403)
    assert 'data-section="reports"' not in testapp.get("/").text


def test_advertising_for_everyone(testapp, login_as, team):
    login_as("director")
    page = testapp.get("/reports/advertising", PERIOD)
    rows = table(page)
    assert rows["Website"][:4] == ["3", "50.0%", "2", "66.7%"]
    assert rows["Exhibition"][:4] == ["2", "33.3%", "1", "50.0%"]
    assert rows["Not specified"][:4] == ["1", "16.7%", "0", "0.0%"]
    assert rows["Cold call"][:2] == ["0", "0.0%"]  # sources that brought nobody are listed too
    foot = [td.get_text(strip=True) for td in page.html.select("#report-table tfoot td")]
    assert foot[:2] == ["Total", "6"]
    assert "advertising-chart" in page.text and "chart.umd.min.js" in page.text


def test_advertising_scopes(testapp, login_as, team):
    login_as(team["anna"])  # own: her clients only
    page = testapp.get("/reports/advertising", PERIOD)
    rows = table(page)
    assert rows["Website"][0] == "2" and rows["Not specified"][0] == "1"
    assert rows["Exhibition"][0] == "0"
    assert "You see the clients you are responsible for." in page.text
    login_as("dept_head", departments=[team["sales"]])  # department: Sales, not Wholesale
    rows = table(testapp.get("/reports/advertising", PERIOD))
    assert rows["Website"][0] == "3" and rows["Exhibition"][0] == "1"


def test_advertising_filters_by_kind_and_department(testapp, login_as, team, clients, dbsession):
    clients.organization("Поставщик", manager=team["anna"], kind="supplier",
                         source=source(dbsession, "website"), created_at=at("2025-03-02"))
    login_as("director")
    rows = table(testapp.get("/reports/advertising", PERIOD))
    assert rows["Website"][0] == "3"  # clients and prospects: a supplier is not a new client
    rows = table(testapp.get("/reports/advertising", {**PERIOD, "kind": "all"}))
    assert rows["Website"][0] == "4"
    rows = table(testapp.get("/reports/advertising", {**PERIOD, "kind": "supplier"}))
    assert rows["Website"][0] == "1" and rows["Exhibition"][0] == "0"
    rows = table(testapp.get("/reports/advertising", {**PERIOD, "dept": team["wholesale"].id}))
    assert rows["Exhibition"][0] == "1" and rows["Website"][0] == "0"


def test_advertising_export(testapp, login_as, team):
    login_as("director")
    response = testapp.get("/reports/advertising", {**PERIOD, "format": "csv"})
    rows = list(csv.reader(io.StringIO(response.body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Advertising source", "New clients", "Share, %", "Buying now",
                       "Conversion, %"]
    assert ["Website", "3", "50.0", "2", "66.7"] in rows
    assert rows[-1][:2] == ["Total", "6"]
    from openpyxl import load_workbook

    response = testapp.get("/reports/advertising", {**PERIOD, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.body)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:2] == ["Advertising effectiveness", "2025-03-01 — 2025-03-31"]
    assert ["Website", 3, 50.0, 2, 66.7] in values


def test_bad_period_is_explained(testapp, login_as, team):
    login_as("director")
    page = testapp.get("/reports/advertising", {"from": "2025-03-31", "to": "2025-03-01"},
                       status=400)
    assert "The end of the period is before its start." in page.text
    page = testapp.get("/reports/activity", {"from": "31.03.2025"}, status=400)
    assert "Enter a date such as" in page.text
    testapp.get("/reports/activity", {"from": "2025-03-31", "to": "2025-03-01", "format": "csv"},
                status=400)


def test_activity_by_employee(testapp, login_as, team):
    login_as("director")
    page = testapp.get("/reports/activity", PERIOD)
    rows = table(page)
    # planned, done, still ahead, overdue, done %, done in the period, then calls / meetings /
    # e-mails
    assert rows["Попова Анна"][:6] == ["3", "2", "0", "1", "66.7%", "2"]
    assert rows["Попова Анна"][6:] == ["2", "1", ""]
    assert rows["Лебедев Игорь"][:4] == ["2", "1", "0", "1"]
    assert rows["Орлова Ольга"][:4] == ["1", "1", "0", "0"]
    assert "activity-chart" in page.text


def test_activity_by_organization_and_kind(testapp, login_as, team):
    login_as("director")
    rows = table(testapp.get("/reports/activity", {**PERIOD, "by": "organization"}))
    assert rows["Сайт-1"][:4] == ["2", "1", "0", "1"]
    assert list(rows)[0] == "Сайт-1"  # the busiest first
    rows = table(testapp.get("/reports/activity", {**PERIOD, "by": "kind"}))
    assert rows["Call"][:4] == ["4", "3", "0", "1"]
    assert rows["Meeting"][:2] == ["1", "1"] and rows["E-mail"][:2] == ["1", "0"]
    rows = table(testapp.get("/reports/activity", {**PERIOD, "by": "kind", "kind": "call",
                                                   "employee": team["anna"].id}))
    assert list(rows) == ["Call"] and rows["Call"][0] == "2"


def test_work_done_in_the_period_counts_whenever_it_was_planned(testapp, login_as, team,
                                                                 clients, dbsession):
    """A call planned in February and done in March is March's work; a call planned in March
    and done in April is not."""
    org = clients.organization("Поздний", manager=team["olga"])
    clients.interaction(responsible=team["olga"], organization=org, kind="call",
                        planned_at=at("2025-02-20"), done_at=at("2025-03-02"))
    clients.interaction(responsible=team["olga"], organization=org, kind="call",
                        planned_at=at("2025-03-30"), done_at=at("2025-04-01"))
    login_as("director")
    page = testapp.get("/reports/activity", PERIOD)
    rows = table(page)
    # Olga: planned in March 2 (Опт-1 and the late one), both done; done in March: Опт-1 and
    # the February call.
    assert rows["Орлова Ольга"][:6] == ["2", "2", "0", "0", "100.0%", "2"]
    assert "5 done in the period" in page.html.select_one("#kpi-done-in-period").text
    april = table(testapp.get("/reports/activity", {"from": "2025-04-01", "to": "2025-04-30"}))
    assert april["Орлова Ольга"][:6] == ["0", "0", "0", "0", "", "1"]


def test_activity_scopes(testapp, login_as, team, clients, factory):
    secretary = factory.user(roles=["secretary"], departments=[factory.department("Секретариат")])
    # A secretary planned a call for Igor: it counts for Igor (responsible), and it is Igor's.
    clients.interaction(responsible=team["igor"], author=secretary, kind="call",
                        planned_at=at("2025-03-25"))
    login_as(team["igor"])  # own: his interactions
    page = testapp.get("/reports/activity", PERIOD)
    rows = table(page)
    assert list(rows) == ["Лебедев Игорь"] and rows["Лебедев Игорь"][0] == "3"
    assert "You see the interactions you are responsible for or wrote." in page.text
    login_as("dept_head", departments=[team["sales"]])
    rows = table(testapp.get("/reports/activity", PERIOD))
    assert set(rows) == {"Попова Анна", "Лебедев Игорь"}


def test_activity_export(testapp, login_as, team):
    login_as("director")
    response = testapp.get("/reports/activity", {**PERIOD, "format": "csv"})
    rows = list(csv.reader(io.StringIO(response.body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Employee", "Planned", "Done", "Still ahead", "Overdue", "Done, %",
                       "Done in the period", "Call", "Meeting", "E-mail"]
    assert ["Попова Анна", "3", "2", "0", "1", "66.7", "2", "2", "1", "0"] in rows
    assert rows[-1][:3] == ["Total", "6", "4"]
    assert 'filename="activity-2025-03-01-2025-03-31.csv"' in response.headers[
        "Content-Disposition"]


def test_the_page_shows_the_first_rows_of_the_export_with_the_same_figures(
        testapp, login_as, team, clients, monkeypatch):
    """Only the first rows are made for the page (the export has them all): the most planned
    first, ties by name, even those that only had work done in the period."""
    import views.clients.reports

    monkeypatch.setattr(views.clients.reports, "ORGANIZATION_ROWS", 3)
    late = clients.organization("Апрельский", manager=team["olga"])
    clients.interaction(responsible=team["olga"], organization=late, kind="visit",
                        planned_at=at("2025-02-20"), done_at=at("2025-03-02"))
    login_as("director")
    query = {**PERIOD, "by": "organization"}
    page = testapp.get("/reports/activity", query)
    export = list(csv.reader(io.StringIO(testapp.get(
        "/reports/activity", {**query, "format": "csv"}).body.decode("utf-8-sig")), delimiter=";"))
    shown = page.html.find(id="report-table").find("tbody").find_all("tr")
    # Сайт-1 (2 planned), then four planned once, by name: Выставка-1, Опт-1 are shown;
    # Сайт-2, Сайт-3 and Апрельский (only done in the period) are the 3 more.
    names = [tr.find("td").get_text(strip=True) for tr in shown]
    assert names == ["Сайт-1", "Выставка-1", "Опт-1"] == [row[0] for row in export[1:4]]
    assert [row[0] for row in export[4:-1]] == ["Сайт-2", "Сайт-3", "Апрельский"]
    for tr, row in zip(shown, export[1:4], strict=True):
        cells = [td.get_text(" ", strip=True) for td in tr.find_all("td")]
        assert cells[1:5] == row[1:5] and cells[6] == row[6]
    assert "and 3 more rows" in page.text
    assert export[-1][:3] == ["Total", "6", "4"]
    assert page.html.select_one("#report-table tfoot td:nth-of-type(2)").text == "6"


ROLE_NAMES = ["employee", "sales", "dept_head", "director", "secretary", "accountant", "marketing",
              "supply", "support", "dispatcher", "technician"]


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_who_may_open_the_reports_and_the_import_and_export(testapp, login_as, role):
    """As config/roles.yaml grants report.*, organization.import and organization.export."""
    from portal.security.default_roles import load_roles_config

    roles = load_roles_config()["roles"]
    granted = {**roles["employee"]["permissions"], **(roles[role].get("permissions") or {})}
    login_as(role)
    for path, key in [("/reports/advertising", "report.advertising"),
                      ("/reports/activity", "report.activity"),
                      ("/clients/imports/", "organization.import"),
                      ("/clients/export?list=organizations&format=csv", "organization.export")]:
        testapp.get(path, status=200 if key in granted else 403)
    may_index = "report.advertising" in granted or "report.activity" in granted
    testapp.get("/reports/", status=200 if may_index else 403)
