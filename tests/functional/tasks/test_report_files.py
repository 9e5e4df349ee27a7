"""The execution discipline report (scoped, with export) and files attached to tasks."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import sqlalchemy as sa

from models.meta import utcnow
from models.tasks import Task, TaskAttachment


@pytest.fixture
def history(dbsession, factory, make_task):
    """Sales: Попова has 2 on time, 1 late, 1 overdue, 1 not due yet; Лебедев 1 late.
    Supply: Голубев 1 on time."""
    sales, supply = factory.department("Продажи"), factory.department("Снабжение")
    popova = factory.user(departments=[sales], full_name="Попова Анна")
    lebedev = factory.user(departments=[sales], full_name="Лебедев Игорь")
    golubev = factory.user(departments=[supply], full_name="Голубев Константин")
    author = factory.user()
    now = utcnow()

    def task(who, dept, due_days, done_days=None, state=None):
        t = make_task(author, who, department=dept, due_at=now + dt.timedelta(days=due_days))
        if done_days is not None:
            t.state = "done"
            t.done_at = now + dt.timedelta(days=done_days)
        elif state:
            t.state = state
        return t

    task(popova, sales, -5, done_days=-6)
    task(popova, sales, -4, done_days=-4.5)
    task(popova, sales, -3, done_days=-1)
    task(popova, sales, -2)
    task(popova, sales, 3)
    task(popova, sales, -2, state="cancelled")
    task(lebedev, sales, -6, done_days=-2)
    task(golubev, supply, -1, done_days=-3)
    dbsession.flush()
    return {"sales": sales, "supply": supply, "popova": popova, "lebedev": lebedev, "golubev": golubev}


def rows_of(page):
    out = {}
    for tr in page.html.select("#report-table tbody tr"):
        cells = [td.text.strip() for td in tr.select("td")]
        out[cells[0]] = [int(c) for c in cells[1:6]]
    return out


def period():
    today = dt.date.today()
    return {
        "from": (today - dt.timedelta(days=10)).isoformat(),
        "to": (today + dt.timedelta(days=10)).isoformat(),
    }


def test_director_sees_everyone_by_person_and_by_department(testapp, login_as, history):
    login_as("director")
    page = testapp.get("/tasks/report", params=period())
    rows = rows_of(page)
    assert rows["Попова Анна"] == [2, 1, 1, 1, 5]
    assert rows["Лебедев Игорь"] == [0, 1, 0, 0, 1]
    assert rows["Голубев Константин"] == [1, 0, 0, 0, 1]
    assert page.html.select_one("#discipline-chart") is not None
    by_dept = rows_of(testapp.get("/tasks/report", params={**period(), "by": "department"}))
    assert by_dept["Продажи"] == [2, 2, 1, 1, 6] and by_dept["Снабжение"] == [1, 0, 0, 0, 1]


def test_a_department_head_sees_their_department_and_an_employee_only_themselves(
    testapp, login_as, factory, history
):
    login_as(factory.user(departments=[history["sales"]], roles=["dept_head"]))
    assert set(rows_of(testapp.get("/tasks/report", params=period()))) == {"Попова Анна", "Лебедев Игорь"}
    login_as(history["lebedev"])
    assert set(rows_of(testapp.get("/tasks/report", params=period()))) == {"Лебедев Игорь"}


def test_export_as_csv_and_xlsx(testapp, login_as, history):
    login_as("director")
    response = testapp.get("/tasks/report/export", params={**period(), "format": "csv"})
    assert response.content_type == "text/csv"
    lines = list(csv.reader(io.StringIO(response.body.decode("utf-8-sig")), delimiter=";"))
    assert lines[0][:4] == ["Person", "On time", "Late", "Still overdue"]
    assert ["Попова Анна", "2", "1", "1", "1", "5", "50.0"] in lines
    assert lines[-1][0] == "Total"
    response = testapp.get("/tasks/report/export", params={**period(), "format": "xlsx"})
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.body)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert ["Попова Анна", 2, 1, 1, 1, 5, 50] in values


def test_a_period_that_ends_before_it_starts_is_refused(testapp, login_as):
    login_as("director")
    page = testapp.get("/tasks/report", params={"from": "2031-05-10", "to": "2031-05-01"}, status=400)
    assert "The end of the period is before its start." in page.html.select_one("#error-to").text
    testapp.get("/tasks/report/export", params={"from": "x", "to": "2031-05-01"}, status=400)


def test_files_are_attached_downloaded_by_those_who_see_the_task_only(
    testapp, factory, login_as, make_task, dbsession, tmp_path, app, monkeypatch
):
    monkeypatch.setitem(app.registry.settings, "portal.files_dir", str(tmp_path))
    me = factory.user()
    task = make_task(me, me)
    login_as(me)
    token = testapp.csrf_token()
    testapp.post(
        f"/tasks/{task.id}/attach",
        {"csrf_token": token},
        upload_files=[("file", "Счёт №5.pdf", b"%PDF-1.4 test")],
        status=303,
    )
    attachment = dbsession.scalar(sa.select(TaskAttachment))
    assert (attachment.filename, attachment.size) == ("Счёт №5.pdf", 13)
    response = testapp.get(f"/tasks/{task.id}/file/{attachment.id}")
    assert response.body == b"%PDF-1.4 test"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    login_as("employee")
    testapp.get(f"/tasks/{task.id}/file/{attachment.id}", status=403)


def test_a_file_over_the_limit_is_refused(
    testapp, factory, login_as, make_task, dbsession, tmp_path, app, monkeypatch
):
    monkeypatch.setitem(app.registry.settings, "portal.files_dir", str(tmp_path))
    monkeypatch.setitem(app.registry.settings, "portal.max_upload_mb", "1")
    me = factory.user()
    task = make_task(me, me)
    login_as(me)
    token = testapp.csrf_token()
    testapp.post(
        f"/tasks/{task.id}/attach",
        {"csrf_token": token},
        upload_files=[("file", "big.bin", b"x" * (1024 * 1024 + 1))],
        status=303,
    )
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(TaskAttachment)) == 0
    assert "larger than 1 MB" in testapp.get(f"/tasks/{task.id}").text
    assert task.id and Task


PAGES = ["/tasks", "/tasks/add", "/tasks/report", "/tasks/recurring", "/preferences/notifications"]


def test_every_default_role_opens_the_task_pages_and_anonymous_is_sent_to_log_in(testapp, login_as):
    from portal.security.default_roles import load_roles_config

    for path in PAGES:
        testapp.get(path, status=303)
    for role in load_roles_config()["roles"]:
        login_as(role)
        for path in PAGES:
            testapp.get(path, status=200)
