"""The service head's report (/dispatch/report, issue 13 point 8): figures checked by hand on a
small known week, who may see it and how much, the exports, and bad settings answered with a
clear message, never a 500. On SQLite and PostgreSQL (the fixtures are parametrized).

The week of the figures is next week (Monday to Sunday, Moscow). Technicians of the shop work
Monday to Friday 9–13 and 14–18 Moscow: 40 hours = 2400 minutes a week.

    Павлов (north, Бригада 1)   J1 Mon 10–12 completed, arrived 10:10, fixed first time
                                J2 Tue 09–13 completed, arrived 09:30 (late), not fixed
                                J3 Thu 14–16 scheduled, with Никитин (a crew of two)
                                J6 the Sunday before 23:30 – Mon 00:30 completed: 30 min inside
                                booked 120 + 240 + 120 + 30 = 510 of 2400 → 21.25 %
    Никитин (north, Бригада 1)  off all Wednesday (2400 − 480 = 1920 working minutes)
                                J3 (120), J11 Mon 14–15 completed, arrived 14:16 (late),
                                fixed first time unknown; J7 Tue 10–11 cancelled (holds nothing)
                                booked 180 of 1920 → 9.375 %
    Захаров (south, Бригада 1)  J4 Fri 16–20 dispatched (overtime still counts: 240),
                                J5 Sun 23:00 – next Mon 01:00 scheduled: 60 min inside the week,
                                J10 Wed 09–10 in progress, no territory, arrived 09:15 (on time)
                                booked 360 of 2400 → 15 %
    Семёнов (no hours, no group) J12 Tue 10–11 scheduled: booked 60, utilization "—"
    Другой (Service 2, south, no group)  J13 Mon 09–17 completed on time, fixed first time:
                                480 of 2400 (seen by the dispatcher and the director only,
                                though its client belongs to the Service department)
    J8 unscheduled, south, created on Tuesday of the week; J9 unscheduled, created today.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
from openpyxl import load_workbook

from models.clients import Organization
from models.dispatch import Job, JobAssignment, TimeOff
from portal.dispatch.report import Filters, jobs_by_state, quality, utilization
from tests.clock import local_today
from tests.functional.dispatch.shop import HOURS, msk, next_weekday, shop  # noqa: F401
from tests.querycount import counting

URL = "/dispatch/report"


class Week:
    """The known week: the shop, two more technicians and the jobs of the module's docstring."""

    def __init__(self, shop, factory):
        self.shop = shop
        db = shop.db
        self.monday = next_weekday(weekday=0)
        self.sunday = self.monday + dt.timedelta(days=6)
        day = {name: self.monday + dt.timedelta(days=i)
               for i, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))}
        before = self.monday - dt.timedelta(days=1)
        after = self.monday + dt.timedelta(days=7)
        pavlov, nikitin, zakharov = shop.techs
        self.pavlov, self.nikitin, self.zakharov = pavlov, nikitin, zakharov
        user = factory.user("tech4", roles=["technician"], departments=[shop.service_dept],
                            full_name="Семёнов Антон")
        self.semenov = shop.technician(user, hours={})
        self.other_dept = factory.department("Service 2")
        user = factory.user("tech5", roles=["technician"], departments=[self.other_dept],
                            full_name="Другой Техник")
        self.other = shop.technician(user, territory=shop.south)
        self.other.department_id = self.other_dept.id
        db.add(TimeOff(resource_id=nikitin.id, starts_at=msk(day["wed"], 0),
                       ends_at=msk(day["thu"], 0)))
        north, south = shop.north, shop.south
        self.jobs = {
            "J1": self.job([pavlov], "completed", msk(day["mon"], 10), msk(day["mon"], 12), north,
                           actual=msk(day["mon"], 10, 10), fixed=True),
            "J2": self.job([pavlov], "completed", msk(day["tue"], 9), msk(day["tue"], 13), north,
                           actual=msk(day["tue"], 9, 30), fixed=False),
            "J3": self.job([pavlov, nikitin], "scheduled", msk(day["thu"], 14),
                           msk(day["thu"], 16), north),
            "J4": self.job([zakharov], "dispatched", msk(day["fri"], 16), msk(day["fri"], 20),
                           south),
            "J5": self.job([zakharov], "scheduled", msk(day["sun"], 23), msk(after, 1), south),
            "J6": self.job([pavlov], "completed", msk(before, 23, 30), msk(day["mon"], 0, 30),
                           north, actual=msk(before, 23, 30), fixed=True),
            "J7": self.job([nikitin], "cancelled", msk(day["tue"], 10), msk(day["tue"], 11), north),
            "J8": self.job([], "unscheduled", None, None, south, created=msk(day["tue"], 12)),
            "J9": self.job([], "unscheduled", None, None, south),
            "J10": self.job([zakharov], "in_progress", msk(day["wed"], 9), msk(day["wed"], 10),
                            None, actual=msk(day["wed"], 9, 15)),
            "J11": self.job([nikitin], "completed", msk(day["mon"], 14), msk(day["mon"], 15),
                            north, actual=msk(day["mon"], 14, 16)),
            "J12": self.job([self.semenov], "scheduled", msk(day["tue"], 10), msk(day["tue"], 11),
                            north),
            # A client of the Service department, done by Service 2: Service 2's job.
            "J13": self.job([self.other], "completed", msk(day["mon"], 9), msk(day["mon"], 17),
                            south, actual=msk(day["mon"], 9), fixed=True,
                            department_id=self.other_dept.id, organization_id=shop.add(
                                Organization(name="ООО Сервисный клиент",
                                             department_id=shop.service_dept.id)).id),
        }
        db.flush()

    def job(self, resources, state, starts, ends, territory, actual=None, fixed=None,
            created=None, **fields) -> Job:
        job = self.shop.job(state=state, starts_at=starts, ends_at=ends,
                            territory_id=territory.id if territory else None, actual_start=actual,
                            fixed_first_time=fixed, **fields)
        if created is not None:
            job.created_at = created
        for resource in resources:
            self.shop.db.add(JobAssignment(job_id=job.id, resource_id=resource.id))
        self.shop.db.flush()
        return job

    @property
    def query(self) -> dict:
        return {"from": self.monday.isoformat(), "to": self.sunday.isoformat()}

    def filters(self, **kw) -> Filters:
        return Filters(msk(self.monday, 0), msk(self.monday + dt.timedelta(days=7), 0), **kw)


@pytest.fixture
def week(shop, factory):
    return Week(shop, factory)


def _director(factory, week):
    return factory.user("director1", roles=["director"], departments=[week.shop.service_dept])


# --- the figures ----------------------------------------------------------------------------------

def test_utilization_per_technician_group_and_total(week, request_for, factory):
    report = utilization(request_for(_director(factory, week)), week.filters())
    by_name = {r.name: r for r in report.technicians}
    assert [r.name for r in report.technicians] == sorted(by_name)
    assert (by_name["Павлов Иван"].booked, by_name["Павлов Иван"].working) == (510, 2400)
    assert by_name["Павлов Иван"].share == pytest.approx(0.2125)
    assert (by_name["Никитин Олег"].booked, by_name["Никитин Олег"].working) == (180, 1920)
    assert by_name["Никитин Олег"].share == pytest.approx(0.09375)
    assert (by_name["Захаров Пётр"].booked, by_name["Захаров Пётр"].working) == (360, 2400)
    # No working hours: no share, never a division by zero.
    assert (by_name["Семёнов Антон"].booked, by_name["Семёнов Антон"].working) == (60, None)
    assert by_name["Семёнов Антон"].share is None
    assert (by_name["Другой Техник"].booked, by_name["Другой Техник"].working) == (480, 2400)
    groups = {g.name: g for g in report.groups}
    team = groups["Бригада 1"]
    assert (team.booked, team.working, team.members) == (1050, 6720, 3)
    assert team.share == pytest.approx(1050 / 6720)
    assert report.groups[-1].key is None  # "no group" comes last
    assert (report.groups[-1].booked, report.groups[-1].working) == (540, 2400)
    assert (report.total.booked, report.total.working) == (1590, 9120)


def test_utilization_filtered_by_territory_and_group(week, request_for, factory):
    request = request_for(_director(factory, week))
    north = utilization(request, week.filters(territory_id=week.shop.north.id))
    assert {r.name for r in north.technicians} == {"Павлов Иван", "Никитин Олег"}
    assert (north.total.booked, north.total.working) == (690, 4320)
    team = utilization(request, week.filters(group_id=week.shop.team.id))
    assert {r.name for r in team.technicians} == {"Павлов Иван", "Никитин Олег", "Захаров Пётр"}
    assert [g.name for g in team.groups] == ["Бригада 1"]


def test_a_technician_off_the_whole_period_has_no_share(week, request_for, factory):
    week.shop.db.add(TimeOff(resource_id=week.zakharov.id, starts_at=msk(week.monday, 0),
                             ends_at=msk(week.sunday, 23)))
    week.shop.db.flush()
    report = utilization(request_for(_director(factory, week)), week.filters())
    row = next(r for r in report.technicians if r.key == week.zakharov.id)
    assert (row.booked, row.working, row.share) == (360, 0, None)


def test_jobs_by_state_and_territory(week, request_for, factory):
    rows, total = jobs_by_state(request_for(_director(factory, week)), week.filters())
    names = [r.name for r in rows]
    assert names == ["Север", "Юг", ""]  # by name, "no territory" last
    north, south, none = rows
    assert north.states == {"completed": 3, "scheduled": 2, "cancelled": 1}
    assert south.states == {"dispatched": 1, "scheduled": 1, "completed": 1, "unscheduled": 1}
    assert none.states == {"in_progress": 1}
    assert total.total == 11


def test_on_time_arrival_and_first_time_fix(week, request_for, factory):
    rows, total = quality(request_for(_director(factory, week)), week.filters())
    by_name = {r.name: r for r in rows}
    north = by_name["Север"]
    # J1 10 minutes late is on time, J2 (30) and J11 (16) are not.
    assert (north.started, north.on_time, north.completed) == (3, 1, 3)
    assert north.on_time_share == pytest.approx(1 / 3)
    # J11 did not say whether it was fixed: left out of the first-time fix rate.
    assert (north.fix_known, north.fixed_first_time) == (2, 1)
    assert by_name[""].on_time == 1  # J10 exactly 15 minutes late is on time
    assert (total.started, total.on_time) == (5, 3)
    assert total.on_time_share == pytest.approx(0.6)
    assert (total.fix_known, total.fixed_first_time) == (3, 2)
    assert total.first_time_fix_share == pytest.approx(2 / 3)


def test_the_department_head_sees_his_departments_jobs_and_technicians(week, request_for):
    request = request_for(week.shop.head)
    report = utilization(request, week.filters())
    assert "Другой Техник" not in {r.name for r in report.technicians}
    assert (report.total.booked, report.total.working) == (1110, 6720)
    rows, total = jobs_by_state(request, week.filters())
    assert total.total == 10
    assert {r.name: r.states for r in rows}["Юг"] == {"dispatched": 1, "scheduled": 1,
                                                       "unscheduled": 1}
    rows, total = quality(request, week.filters())
    assert (total.started, total.on_time, total.fix_known, total.fixed_first_time) == (4, 2, 2, 1)
    south = {r.name: r for r in rows}["Юг"]
    assert south.started == 0 and south.on_time_share is None


def test_the_report_is_a_few_statements(week, testapp, dbengine, factory):
    testapp.login(_director(factory, week).login)
    with counting(dbengine) as counts:
        testapp.get(URL, params=week.query, status=200)
    # Log-in and identity, then one statement per figure and the filters' choices.
    assert counts.queries <= 12, str(counts)
    assert not counts.lazy, str(counts)


# --- the page -------------------------------------------------------------------------------------

def _cells(page, table_id: str) -> list[list[str]]:
    table = page.html.find(id=table_id)
    return [[c.get_text(" ", strip=True) for c in tr.find_all(["td", "th"])]
            for tr in table.find_all("tr")]


def test_the_page_shows_the_figures(week, testapp, factory):
    testapp.login(_director(factory, week).login)
    page = testapp.get(URL, params=week.query, status=200)
    techs = {row[0]: row for row in _cells(page, "technicians-table")[1:]}
    assert techs["Павлов Иван"][2:] == ["40.0", "8.5", "21.2%"]
    assert techs["Семёнов Антон"][2:] == ["—", "1.0", "—"]
    assert techs["Total"][2:] == ["152.0", "26.5", "17.4%"]
    groups = {row[0]: row for row in _cells(page, "groups-table")[1:]}
    assert groups["Бригада 1"][1:] == ["3", "112.0", "17.5", "15.6%"]
    assert groups["No group"][1:] == ["2", "40.0", "9.0", "22.5%"]
    states = _cells(page, "states-table")
    assert states[0] == ["Territory", "Unscheduled", "Scheduled", "Dispatched", "In progress",
                         "Completed", "Cancelled", "Total"]
    assert states[1] == ["Север", "0", "2", "0", "0", "3", "1", "6"]
    assert states[3] == ["No territory", "0", "0", "0", "1", "0", "0", "1"]
    assert states[-1][-1] == "11"
    assert page.html.find(id="kpi-on-time").get_text(strip=True) == "60.0%"
    assert page.html.find(id="kpi-first-time-fix").get_text(strip=True) == "66.7%"
    for name in ("utilization", "states", "arrival", "fix"):
        assert page.html.find(id=f"{name}-chart")["data-chart-kind"]


def test_the_page_defaults_to_this_week_in_moscow(shop, testapp):
    testapp.login(shop.dispatcher.login)
    page = testapp.get(URL, status=200)
    today = local_today()
    monday = today - dt.timedelta(days=today.weekday())
    assert page.html.find(id="r-from")["value"] == monday.isoformat()
    assert page.html.find(id="r-to")["value"] == (monday + dt.timedelta(days=6)).isoformat()


def test_names_are_shown_as_text(week, testapp, factory):
    week.pavlov.name = '<img src=x onerror="alert(1)">'
    week.shop.north.name = "</script><b>Север</b>"
    week.shop.db.flush()
    testapp.login(_director(factory, week).login)
    page = testapp.get(URL, params=week.query, status=200)
    assert "<img src=x" not in page.text and "<b>Север" not in page.text
    assert "&lt;img src=x" in page.text
    # The chart data is an attribute: read back, it is the name as text.
    chart = json.loads(page.html.find(id="utilization-chart")["data-chart"])
    assert '<img src=x onerror="alert(1)">' in chart["labels"]


# --- who may see it -------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["dispatcher", "director", "dept_head"])
def test_those_who_plan_and_lead_may_see_the_report(role, week, testapp, factory):
    user = factory.user(roles=[role], departments=[week.shop.service_dept])
    testapp.login(user.login)
    page = testapp.get(URL, params=week.query, status=200)
    names = {row[0] for row in _cells(page, "technicians-table")[1:]}
    assert "Павлов Иван" in names
    assert ("Другой Техник" in names) == (role != "dept_head")


def test_the_department_head_page_says_what_he_sees(week, testapp):
    testapp.login(week.shop.head.login)
    page = testapp.get(URL, params=week.query, status=200)
    assert "of your departments" in page.html.find(id="scope-note").get_text()
    assert _cells(page, "states-table")[-1][-1] == "10"


def test_a_department_head_of_another_department_sees_none_of_it(week, testapp, factory):
    head = factory.user(roles=["dept_head"], departments=[factory.department("Бухгалтерия")])
    testapp.login(head.login)
    page = testapp.get(URL, params=week.query, status=200)
    assert page.html.find(id="technicians-table") is None
    assert page.html.find(id="states-table") is None


@pytest.mark.parametrize("role", ["technician", "employee", "sales", "support"])
def test_others_may_not_see_the_report(role, week, testapp, factory):
    user = factory.user(roles=[] if role == "employee" else [role],
                        departments=[week.shop.service_dept])
    testapp.login(user.login)
    testapp.get(URL, params=week.query, status=403)
    testapp.get(URL, params={**week.query, "format": "csv", "table": "technicians"}, status=403)


def test_a_visitor_is_sent_to_log_in(testapp):
    page = testapp.get(URL, status=303)
    assert "/login" in page.location


# --- exports --------------------------------------------------------------------------------------

def _csv(response) -> list[list[str]]:
    assert response.content_type == "text/csv"
    text = response.body.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_csv_exports_each_table(week, testapp, factory):
    testapp.login(_director(factory, week).login)
    techs = _csv(testapp.get(URL, params={**week.query, "format": "csv", "table": "technicians"}))
    assert techs[0] == ["Technician", "Group", "Working hours", "Booked hours", "Utilization, %"]
    rows = {r[0]: r for r in techs[1:]}
    assert rows["Павлов Иван"] == ["Павлов Иван", "Бригада 1", "40.0", "8.5", "21.2"]
    assert rows["Семёнов Антон"] == ["Семёнов Антон", "No group", "", "1.0", ""]
    assert rows["Total"][2:] == ["152.0", "26.5", "17.4"]
    groups = _csv(testapp.get(URL, params={**week.query, "format": "csv", "table": "groups"}))
    assert groups[1] == ["Бригада 1", "3", "112.0", "17.5", "15.6"]
    states = _csv(testapp.get(URL, params={**week.query, "format": "csv", "table": "states"}))
    assert states[1] == ["Север", "0", "2", "0", "0", "3", "1", "6"]
    assert states[-1] == ["Total", "1", "3", "1", "1", "4", "1", "11"]
    qual = _csv(testapp.get(URL, params={**week.query, "format": "csv", "table": "quality"}))
    assert qual[0][:4] == ["Territory", "Started", "Arrived on time", "On time, %"]
    assert qual[-1] == ["Total", "5", "3", "60.0", "4", "3", "2", "66.7"]
    response = testapp.get(URL, params={**week.query, "format": "csv", "table": "quality"})
    assert f"dispatch-quality-{week.monday.isoformat()}" in response.content_disposition


def test_xlsx_export(week, testapp, factory):
    testapp.login(_director(factory, week).login)
    response = testapp.get(URL, params={**week.query, "format": "xlsx", "table": "technicians"})
    assert response.content_type.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.body)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Utilization of technicians"
    assert values[2] == ["Technician", "Group", "Working hours", "Booked hours", "Utilization, %"]
    rows = {r[0]: r for r in values[3:]}
    assert rows["Павлов Иван"][2:] == [40.0, 8.5, 21.2]


def test_exports_neutralise_formulas(week, testapp, factory):
    week.pavlov.name = "=HYPERLINK(\"http://evil\")"
    week.shop.north.name = "@SUM(1+1)"
    week.shop.team.name = "-1+2"
    week.shop.db.flush()
    testapp.login(_director(factory, week).login)
    techs = _csv(testapp.get(URL, params={**week.query, "format": "csv", "table": "technicians"}))
    row = next(r for r in techs if "HYPERLINK" in r[0])
    assert row[:2] == ["'=HYPERLINK(\"http://evil\")", "'-1+2"]
    states = _csv(testapp.get(URL, params={**week.query, "format": "csv", "table": "states"}))
    assert [r[0] for r in states if "SUM" in r[0]] == ["'@SUM(1+1)"]
    response = testapp.get(URL, params={**week.query, "format": "xlsx", "table": "states"})
    sheet = load_workbook(io.BytesIO(response.body)).active
    cell = next(c for row in sheet.iter_rows() for c in row if c.value == "@SUM(1+1)")
    assert cell.data_type == "s" and cell.quotePrefix


def test_exports_follow_the_scope(week, testapp):
    testapp.login(week.shop.head.login)
    techs = _csv(testapp.get(URL, params={**week.query, "format": "csv", "table": "technicians"}))
    assert "Другой Техник" not in {r[0] for r in techs}


# --- bad settings ---------------------------------------------------------------------------------

@pytest.mark.parametrize("query, field", [
    ({"from": "2026-13-45"}, "from"),
    ({"from": "yesterday", "to": "2026-01-01"}, "from"),
    ({"to": "31.12.2026"}, "to"),
    ({"from": "2027-02-01", "to": "2027-01-01"}, "to"),
    ({"from": "2026-01-01", "to": "2027-06-01"}, "to"),
    ({"territory": "north"}, "territory"),
    ({"territory": "999999"}, "territory"),
    ({"territory": "99999999999999999999"}, "territory"),
    ({"territory": "-1"}, "territory"),
    ({"group": "1e3"}, "group"),
    ({"group": "2147483648"}, "group"),
])
def test_bad_settings_are_a_clear_message(query, field, shop, testapp):
    testapp.login(shop.dispatcher.login)
    page = testapp.get(URL, params=query, status=400)
    assert page.html.find(id=f"error-{field}").get_text(strip=True)
    assert page.html.find(id="report-empty")
    export = testapp.get(URL, params={**query, "format": "csv", "table": "technicians"},
                         status=400)
    assert export.content_type == "text/plain" and export.text.strip()


def test_an_unknown_territory_is_named(shop, testapp):
    testapp.login(shop.dispatcher.login)
    page = testapp.get(URL, params={"territory": "999999"}, status=400)
    assert "Unknown territory" in page.html.find(id="error-territory").get_text()


@pytest.mark.parametrize("query", [
    {"format": "pdf", "table": "technicians"},
    {"format": "csv", "table": "nope"},
    {"format": "xlsx", "table": ""},
])
def test_unknown_export_is_refused(query, shop, testapp):
    testapp.login(shop.dispatcher.login)
    page = testapp.get(URL, params=query, status=400)
    assert re.search(r"Unknown (file format|table)", page.text)


def test_an_empty_period_and_filters_show_empty_tables(shop, testapp):
    testapp.login(shop.dispatcher.login)
    page = testapp.get(URL, params={"from": "2030-01-01", "to": "2030-01-07",
                                    "territory": str(shop.south.id), "group": str(shop.crew.id)},
                       status=200)
    assert "No technician matches the filters." in page.text
    assert page.html.find(id="kpi-utilization").get_text(strip=True) == "—"
    csv_rows = _csv(testapp.get(URL, params={"from": "2030-01-01", "to": "2030-01-07",
                                             "format": "csv", "table": "quality"}))
    assert csv_rows[-1] == ["Total", "0", "0", "", "0", "0", "0", ""]
