"""Repeating tasks as Bitrix24 users expect (issue 14, point 7): the form offers every N days or
weeks, a day of the month, a weekday of the month ("the 2nd Tuesday", "the last Friday") and
yearly, and shows the next five dates as the server will make them; the coming repetitions
appear in the calendar and in "Due within 7 days" before their tasks are made."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from models.tasks import Task, TaskRecurrence
from portal.tasks.recurring import create_occurrence
from tests.clock import local_today


def dates(testapp, **params) -> list[str]:
    return [d["iso"] for d in testapp.get("/tasks/repeat-preview", params=params).json["dates"]]


def test_next_five_dates_of_the_second_tuesday(testapp, login_as):
    login_as("employee")
    assert dates(testapp, repeat="monthly_weekday", due_date="2031-01-01", month_week="2",
                 month_weekday="1") == ["2031-01-14", "2031-02-11", "2031-03-11", "2031-04-08", "2031-05-13"]


def test_next_five_dates_of_the_last_friday(testapp, login_as):
    login_as("employee")
    assert dates(testapp, repeat="monthly_weekday", due_date="2031-01-01", month_week="-1",
                 month_weekday="4") == ["2031-01-31", "2031-02-28", "2031-03-28", "2031-04-25", "2031-05-30"]


def test_the_31st_of_each_month_is_the_last_day_of_a_shorter_month(testapp, login_as):
    login_as("employee")
    assert dates(testapp, repeat="monthly", due_date="2031-01-31") == [
        "2031-01-31", "2031-02-28", "2031-03-31", "2031-04-30", "2031-05-31"]
    # Leap years too; and a yearly series on 29 February falls on the 28th in other years.
    assert dates(testapp, repeat="monthly", due_date="2032-01-05", month_day="31")[:2] == [
        "2032-01-31", "2032-02-29"]
    assert dates(testapp, repeat="yearly", due_date="2032-02-29")[:3] == [
        "2032-02-29", "2033-02-28", "2034-02-28"]


def test_every_two_weeks_on_chosen_weekdays_and_every_three_days(testapp, login_as):
    login_as("employee")
    assert dates(testapp, repeat="weekly", due_date="2031-03-03", repeat_every="2", weekdays=["0", "3"]) == [
        "2031-03-03", "2031-03-06", "2031-03-17", "2031-03-20", "2031-03-31"]
    assert dates(testapp, repeat="daily", due_date="2031-03-03", repeat_every="3",
                 repeat_until="2031-03-10") == ["2031-03-03", "2031-03-06", "2031-03-09"]


def test_the_preview_speaks_the_readers_language(testapp, login_as):
    login_as("employee")
    params = {"repeat": "monthly_weekday", "due_date": "2031-01-01", "month_week": "2", "month_weekday": "1"}
    first = testapp.get("/tasks/repeat-preview", params=params).json["dates"][0]
    assert first == {"iso": "2031-01-14", "text": "Tuesday, 14 January 2031"}
    login_as("employee", locale="ru")
    first = testapp.get("/tasks/repeat-preview", params=params).json["dates"][0]
    assert first["text"] == "вторник, 14 января 2031"
    # An incomplete rule says why, with no dates.
    answer = testapp.get("/tasks/repeat-preview", params={"repeat": "weekly", "due_date": "2031-01-01"}).json
    assert answer["dates"] == [] and answer["error"]


def test_a_series_on_the_last_friday_is_made_from_the_form_and_its_tasks_follow_the_preview(
    app, testapp, login_as, dbsession
):
    me = login_as("employee")
    form = testapp.get("/tasks/add").forms["form"]
    form["title"] = "Сдать табель"
    form["assign_to"] = f"user:{me.id}"
    form["due_date"] = "2031-01-01"
    form["repeat"] = "monthly_weekday"
    form["month_week"] = "-1"
    form["month_weekday"] = "4"
    form.submit("save", status=302)
    rec = dbsession.scalar(sa.select(TaskRecurrence).where(TaskRecurrence.author_id == me.id))
    assert (rec.frequency, rec.month_week, rec.month_weekday) == ("monthly", -1, 4)
    assert rec.next_on == dt.date(2031, 1, 31)
    task = create_occurrence(dbsession, rec, rec.next_on, registry=app.registry)
    assert task.occurrence_on == dt.date(2031, 1, 31)
    page = testapp.get(f"/tasks/recurring/{rec.id}")
    assert "Every month, on the last Friday" in page.text
    # In Russian the ordinal agrees with the weekday («в последнюю пятницу», not «последний»).
    me.locale = "ru"
    dbsession.flush()
    assert "Каждый месяц, в последнюю пятницу" in testapp.get(f"/tasks/recurring/{rec.id}").text
    # The series' form keeps the rule.
    edit = testapp.get(f"/tasks/recurring/{rec.id}/edit").forms["form"]
    assert (edit["repeat"].value, edit["month_week"].value, edit["month_weekday"].value) == (
        "monthly_weekday", "-1", "4")


def _series(dbsession, author, assignee, starts, **fields) -> TaskRecurrence:
    fields.setdefault("frequency", "daily")
    rec = TaskRecurrence(title=fields.pop("title", "Сверка кассы"), author_id=author.id,
                         assignee_id=assignee.id if assignee else None, interval=1,
                         starts_on=starts, next_on=starts, timezone="Europe/Moscow", active=True, **fields)
    dbsession.add(rec)
    dbsession.flush()
    return rec


def _window(day: dt.date, days: int = 7) -> dict:
    end = day + dt.timedelta(days=days)
    return {"start": f"{day.isoformat()}T00:00:00", "end": f"{end.isoformat()}T00:00:00", "src": "mine"}


def test_the_calendar_shows_my_tasks_and_coming_repetitions_not_others_private_tasks(
    testapp, factory, login_as, make_task, dbsession
):
    me = login_as("employee", full_name="Орлова Наталья")
    other = factory.user()
    start = local_today() + dt.timedelta(days=10)
    rec = _series(dbsession, me, me, start, title="Сверка кассы", due_time=dt.time(10))
    mine = make_task(me, me, title="Мой отчёт", due_at=dt.datetime.combine(
        start + dt.timedelta(days=1), dt.time(9), dt.UTC))
    secret = make_task(other, other, title="Чужая тайна", due_at=dt.datetime.combine(
        start + dt.timedelta(days=1), dt.time(9), dt.UTC))
    theirs = _series(dbsession, other, other, start, title="Чужая серия")
    items = testapp.get("/calendar/events.json", params=_window(start)).json
    titles = [i["title"] for i in items]
    assert "Task: Мой отчёт" in titles
    planned = [i for i in items if i["id"].startswith(f"series-{rec.id}:")]
    assert [i["start"] for i in planned] == [
        f"{(start + dt.timedelta(days=n)).isoformat()}T10:00:00" for n in range(7)]
    assert planned[0]["title"] == "Сверка кассы (will be created)"
    assert planned[0]["extendedProps"]["url"].endswith(f"/tasks/recurring/{rec.id}")
    assert "ec-task-planned" in planned[0]["classNames"] and planned[0]["editable"] is False
    assert not any(secret.title in t or theirs.title in t for t in titles)
    assert any(i["id"] == f"task-{mine.id}" for i in items)
    # A day whose task is made already is the task's, not the series'.
    dbsession.add(Task(title="Сверка кассы", author_id=me.id, assignee_id=me.id, state="open",
                       recurrence_id=rec.id, occurrence_on=start))
    dbsession.flush()
    items = testapp.get("/calendar/events.json", params=_window(start)).json
    assert f"series-{rec.id}:{start.isoformat()}" not in [i["id"] for i in items]


def test_the_calendar_in_russian_names_tasks_in_russian(testapp, login_as, dbsession):
    me = login_as("employee", locale="ru")
    start = local_today() + dt.timedelta(days=3)
    _series(dbsession, me, me, start, title="Сверка кассы")
    items = testapp.get("/calendar/events.json", params=_window(start, 2)).json
    assert [i["allDay"] for i in items] == [True, True]
    assert items[0]["start"] == start.isoformat()


def test_due_within_7_days_shows_a_coming_repetition_marked_and_linked_to_its_series(
    testapp, factory, login_as, make_task, dbsession
):
    me = login_as("employee")
    today = local_today()
    rec = _series(dbsession, me, me, today + dt.timedelta(days=2), title="Полить цветы", frequency="weekly",
                  weekdays=1 << (today + dt.timedelta(days=2)).weekday())
    later = _series(dbsession, me, me, today + dt.timedelta(days=20), title="Не на этой неделе")
    someone = factory.user()
    _series(dbsession, someone, someone, today, title="Чужая серия")
    page = testapp.get("/tasks", params={"due": "week"})
    rows = page.html.select("#coming li.is-planned")
    assert [r["data-series"] for r in rows] == [str(rec.id)]
    text = " ".join(rows[0].text.split())
    assert "Полить цветы" in text and "will be created" in text
    # Not a task: no link to a task, a link to its series.
    assert rows[0].select("a.task-title") == []
    assert rows[0].select_one("a")["href"].endswith(f"/tasks/recurring/{rec.id}")
    assert later.title not in page.text and "Чужая серия" not in page.text
    # Other lists and filters: only where such a task would be.
    assert testapp.get("/tasks").html.select("#coming li") == []
    assert testapp.get("/tasks", params={"due": "week", "view": "watching"}).html.select("#coming li") == []


def test_due_within_7_days_in_russian_says_it_will_be_created(testapp, login_as, dbsession):
    me = login_as("employee", locale="ru")
    today = local_today()
    _series(dbsession, me, me, today + dt.timedelta(days=1), title="Полить цветы")
    row = testapp.get("/tasks", params={"due": "week"}).html.select_one("#coming li.is-planned")
    assert "Полить цветы" in row.text


HOSTILE_VALUES = ["%C2%B2", "99999999999", "99999999999999999999", "-1", "-7", "%00", "0001-01-01",
                  "2200-12-31", "9999-12-31", "%FF", "1" * 300, "0"]
PREVIEW_FIELDS = ["due_date", "repeat_every", "weekdays", "month_day", "month_week", "month_weekday",
                  "repeat_until", "from"]


def test_the_preview_answers_any_value_without_a_server_error(testapp, login_as):
    login_as("employee")
    for rule in ("daily", "weekly", "monthly", "monthly_weekday", "yearly", "%00", ""):
        for name in PREVIEW_FIELDS:
            for value in HOSTILE_VALUES:
                query = f"repeat={rule}&{name}={value}&weekdays=2"
                answer = testapp.get(f"/tasks/repeat-preview?{query}", status="*")
                assert answer.status_int < 500, query
                if answer.status_int == 200:
                    assert len(answer.json["dates"]) <= 5


def test_a_series_is_changed_to_the_second_tuesday_and_its_form_previews_from_today(
    testapp, login_as, dbsession
):
    me = login_as("employee")
    start = local_today() + dt.timedelta(days=1)
    rec = _series(dbsession, me, me, start, title="Планёрка")
    page = testapp.get(f"/tasks/recurring/{rec.id}/edit")
    source = page.html.select_one("#repeat-preview-source")
    assert source["data-start"] == start.isoformat() and source["data-from"] == local_today().isoformat()
    form = page.forms["form"]
    form["repeat"] = "monthly_weekday"
    form["month_week"] = "2"
    form["month_weekday"] = "1"
    form.submit("save", status=302)
    assert (rec.frequency, rec.month_week, rec.month_weekday) == ("monthly", 2, 1)
    assert rec.next_on.weekday() == 1 and 8 <= rec.next_on.day <= 14
    page = testapp.get(f"/tasks/recurring/{rec.id}")
    shown = [t["datetime"] for t in page.html.select("#series-coming time")]
    assert len(shown) == 5 and shown[0] == rec.next_on.isoformat()
