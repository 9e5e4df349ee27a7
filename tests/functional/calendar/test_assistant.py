"""The scheduling assistant of the event form (/calendar/assistant.json): who of the people
invited and which rooms are busy on every occurrence of the series as typed, free rooms of the
needed size, the nearest free times, details only for those who may see them, and bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.functional.calendar.conftest import MONDAY

URL = "/calendar/assistant.json"
RU = {"Accept-Language": "ru"}


def ask(testapp, status=200, headers=None, **changes):
    """The assistant asked with the form's values (Monday 3 March 2031, 10:00–11:00 Moscow)."""
    params = {
        "timezone": "Europe/Moscow",
        "start_date": "2031-03-03",
        "start_time": "10:00",
        "end_date": "2031-03-03",
        "end_time": "11:00",
        "freq": "",
        "interval": "1",
        "ends": "count",
        "count": "5",
    }
    params.update(changes)
    return testapp.get(URL, params, status=status, headers=headers or {}).json


def row(answer, name):
    return next(r for r in answer["rows"] if r["name"] == name)


@pytest.fixture
def me(factory, login_as):
    return login_as(full_name="Волков Андрей")


@pytest.mark.parametrize("headers, busy", [({}, "Busy"), (RU, "Занят")])
def test_a_busy_attendee_on_the_third_occurrence_of_a_weekly_series(testapp, factory, cal, me, headers, busy):
    anna = factory.user(full_name="Попова Анна")
    boss = factory.user(full_name="Директор")
    # Anna's private talk on the third Monday: the assistant tells only that she is busy.
    cal.event(boss, "Собеседование", start=MONDAY + dt.timedelta(days=14, minutes=30),
              user_ids=[anna.id], visibility="private")
    answer = ask(testapp, headers=headers, people=[anna.id], freq="WEEKLY", byday="MO")
    assert answer["series"] and answer["occurrences"] == 5 and not answer["allFree"]
    assert len(answer["clashes"]) == 1
    clash = answer["clashes"][0]
    assert "17" in clash["when"] and "10:00–11:00" in clash["when"]
    assert clash["taken"] == [f"Попова Анна: {busy}"]
    assert row(answer, "Попова Анна")["free"] is False
    assert row(answer, "Волков Андрей")["free"] is True
    # Planned for two weeks only, the series is free.
    assert ask(testapp, people=[anna.id], freq="WEEKLY", byday="MO", count="2")["allFree"]


def test_someone_who_may_not_see_an_event_gets_only_busy(testapp, factory, cal, me):
    anna = factory.user(full_name="Попова Анна")
    boss = factory.user(full_name="Директор")
    cal.event(boss, "Разговор о зарплате", user_ids=[anna.id], visibility="busy")
    answer = ask(testapp, people=[anna.id])
    busy = row(answer, "Попова Анна")["busy"]
    assert [b["text"] for b in busy] == ["10:00–11:00 Busy"]
    assert "Разговор о зарплате" not in testapp.get(URL, {
        "timezone": "Europe/Moscow", "start_date": "2031-03-03", "start_time": "10:00",
        "end_time": "11:00", "people": anna.id}).text
    # Anna herself, invited, sees the title.
    testapp.login(anna.login)
    mine = row(ask(testapp), "Попова Анна")["busy"]
    assert [b["text"] for b in mine] == ["10:00–11:00 Разговор о зарплате"]


def test_a_public_event_is_named_and_the_grid_covers_the_day(testapp, factory, cal, me):
    anna = factory.user(full_name="Попова Анна")
    cal.event(anna, "Обед с клиентом", start=MONDAY + dt.timedelta(hours=3))  # 13:00 Moscow
    answer = ask(testapp, people=[anna.id])
    assert answer["allFree"] and answer["clashes"] == []
    anna_row = row(answer, "Попова Анна")
    assert anna_row["free"] is True
    assert anna_row["busy"] == [{"from": 13 * 60, "to": 14 * 60, "text": "13:00–14:00 Обед с клиентом",
                                 "recurring": False}]
    assert answer["planned"]["from"] == 600 and answer["planned"]["to"] == 660
    assert answer["grid"] == {"from": 8 * 60, "to": 20 * 60}


@pytest.mark.parametrize("headers", [{}, RU])
def test_a_room_too_small_is_not_offered(testapp, factory, cal, me, headers):
    people = [factory.user().id for _ in range(3)]
    small = cal.room("Переговорная «Малая»", capacity=2)
    big = cal.room("Переговорная «Большая»", capacity=10)
    taken = cal.room("Переговорная «Занятая»", capacity=12)
    cal.room("Проектор", kind="equipment", capacity=50)
    cal.room("Старая", capacity=40, active=False)
    cal.event(factory.user(), "Совет", room_ids=[taken.id], start=MONDAY + dt.timedelta(minutes=30))
    answer = ask(testapp, headers=headers, people=people)
    assert answer["needed"] == 4
    assert [r["name"] for r in answer["rooms"]] == ["Переговорная «Большая»"]
    # Guests need seats too: four colleagues and seven guests do not fit the big room.
    answer = ask(testapp, people=people, guests="7")
    assert answer["needed"] == 11 and [r["name"] for r in answer["rooms"]] == []
    # Two seats typed: the small room fits too.
    answer = ask(testapp, people=people, size="2")
    assert [r["id"] for r in answer["rooms"]] == [small.id, big.id]
    # The taken room chosen: it is busy, named by its booking's title (a public event).
    answer = ask(testapp, people=people, rooms=[taken.id])
    assert row(answer, "Переговорная «Занятая»")["free"] is False
    assert answer["clashes"][0]["taken"] == ["Переговорная «Занятая»: Совет"]


def test_a_room_busy_on_one_occurrence_is_not_offered_for_the_series(testapp, factory, cal, me):
    room = cal.room("Переговорная «Нева»", capacity=10)
    cal.event(factory.user(), "Аудит", room_ids=[room.id], start=MONDAY + dt.timedelta(days=21))
    three = ask(testapp, freq="WEEKLY", byday="MO", count="3")
    assert [r["name"] for r in three["rooms"]] == ["Переговорная «Нева»"]
    assert ask(testapp, freq="WEEKLY", byday="MO", count="4")["rooms"] == []


@pytest.mark.parametrize("headers", [{}, RU])
def test_the_nearest_free_times(testapp, factory, cal, me, headers):
    anna = factory.user(full_name="Попова Анна")
    # Anna 09:00–12:00, me 12:00–13:00 (Moscow): the first hour all are free is 13:00.
    cal.event(anna, "Выезд к клиенту", start=MONDAY - dt.timedelta(hours=1), minutes=180)
    cal.event(me, "Звонок", start=MONDAY + dt.timedelta(hours=2))
    answer = ask(testapp, headers=headers, people=[anna.id])
    found = [(s["start_date"], s["start_time"], s["end_time"]) for s in answer["suggestions"]]
    assert found == [("2031-03-03", "13:00", "14:00"), ("2031-03-03", "13:30", "14:30"),
                     ("2031-03-03", "14:00", "15:00"), ("2031-03-03", "14:30", "15:30"),
                     ("2031-03-03", "15:00", "16:00")]
    # A three-hour meeting: 13:00–16:00 ... 15:00–18:00; an eight-hour one: Tuesday, then Wednesday.
    found = [(s["start_date"], s["start_time"]) for s in
             ask(testapp, people=[anna.id], end_time="13:00")["suggestions"]]
    assert found == [("2031-03-03", "13:00"), ("2031-03-03", "13:30"), ("2031-03-03", "14:00"),
                     ("2031-03-03", "14:30"), ("2031-03-03", "15:00")]
    found = [(s["start_date"], s["start_time"]) for s in
             ask(testapp, people=[anna.id], start_time="10:00", end_time="18:00")["suggestions"]]
    assert found == [("2031-03-04", "09:00"), ("2031-03-04", "09:30"), ("2031-03-04", "10:00"),
                     ("2031-03-05", "09:00"), ("2031-03-05", "09:30")]


def test_the_nearest_free_times_of_a_series_are_free_on_every_occurrence(testapp, factory, cal, me):
    anna = factory.user(full_name="Попова Анна")
    # Busy at 09:00 on the second Monday only: a weekly series cannot start at 09:00 on Mondays.
    cal.event(anna, "Обучение", start=MONDAY + dt.timedelta(days=7, hours=-1))
    answer = ask(testapp, people=[anna.id], freq="WEEKLY", byday="MO", count="3",
                 start_time="12:00", end_time="13:00")
    found = [(s["start_date"], s["start_time"]) for s in answer["suggestions"]]
    assert found[0] == ("2031-03-03", "10:00")
    # A weekly series on Mondays is offered Mondays only.
    assert {s["start_date"] for s in answer["suggestions"]} == {"2031-03-03"}


def test_service_jobs_count_as_busy(testapp, factory, me, app):
    from portal.calendar.events import TEAM_BUSY_PROVIDERS

    tech = factory.user(full_name="Техник Иван")

    def jobs(request, user_ids, ws, we):
        span = {"key": "job:1", "title": "Busy", "start": MONDAY, "end": MONDAY + dt.timedelta(hours=2),
                "url": None}
        return {tech.id: [span]} if tech.id in user_ids and ws < span["end"] and we > span["start"] else {}

    TEAM_BUSY_PROVIDERS.add("test.jobs", jobs)
    try:
        answer = ask(testapp, people=[tech.id])
    finally:
        TEAM_BUSY_PROVIDERS.remove("test.jobs")
    assert row(answer, "Техник Иван")["free"] is False
    assert answer["clashes"][0]["taken"] == ["Техник Иван: Busy"]


def test_the_event_being_changed_does_not_make_its_people_busy(testapp, factory, cal, me):
    anna = factory.user(full_name="Попова Анна")
    room = cal.room("Переговорная «Нева»", capacity=10)
    event = cal.event(me, "Планёрка", user_ids=[anna.id], room_ids=[room.id])
    assert not ask(testapp, people=[anna.id], rooms=[room.id])["allFree"]
    answer = ask(testapp, people=[anna.id], rooms=[room.id], event=str(event.id))
    assert answer["allFree"] and [r["name"] for r in answer["rooms"]] == ["Переговорная «Нева»"]
    # Someone who may not change the event cannot hide it by naming it.
    other = factory.user()
    testapp.login(other.login)
    assert not ask(testapp, people=[anna.id], event=str(event.id))["allFree"]


def test_people_the_viewer_may_not_see_are_left_out(testapp, factory, me):
    ghost = factory.user(full_name="Уволенный", state="deactivated")
    answer = ask(testapp, people=[ghost.id, 987654])
    assert [r["name"] for r in answer["rows"]] == ["Волков Андрей"]


@pytest.mark.parametrize("changes, field", [
    ({"people": "abc"}, "attendees"),
    ({"people": "-3"}, "attendees"),
    ({"people": "99999999999999"}, "attendees"),
    ({"rooms": "1.5"}, "rooms"),
    ({"departments": "0x10"}, "attendees"),
    ({"start_date": "yesterday"}, "start"),
    ({"start_date": "0001-01-01"}, "start"),
    ({"start_date": "9999-12-31", "end_date": "9999-12-31"}, "start"),
    ({"start_time": "25:61"}, "start"),
    ({"end_time": "09:00"}, "end"),
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"start_date": "2031-03-30", "start_time": "02:30", "end_time": "03:30", "timezone": "Europe/Berlin"},
     "start"),
    ({"size": "0"}, "size"),
    ({"size": "many"}, "size"),
    ({"size": "10000000000000000000000"}, "size"),
    ({"guests": "-1"}, "guests"),
    ({"guests": "lots"}, "guests"),
    ({"event": "x"}, "event"),
    ({"event": "-1"}, "event"),
    ({"freq": "WEEKLY", "ends": "never"}, "repeat"),
    ({"freq": "HOURLY"}, "repeat"),
    ({"freq": "DAILY", "count": "100000"}, "repeat"),
    ({"freq": "DAILY", "interval": "0"}, "repeat"),
    ({"freq": "DAILY", "ends": "until", "until": "2020-01-01"}, "repeat"),
    ({"people": [str(n) for n in range(1, 300)]}, "attendees"),
])
def test_hostile_input_is_a_400_naming_the_field(testapp, me, changes, field):
    answer = ask(testapp, status=400, **changes)
    assert field in answer["errors"] and answer["message"]


def test_the_message_is_in_the_persons_language(testapp, me):
    answer = ask(testapp, status=400, headers=RU, start_time="25:00")
    assert answer["errors"]["start"] == "Введите время в виде ЧЧ:ММ."


def test_a_long_daily_series_is_looked_at_for_its_first_occurrences(testapp, me):
    answer = ask(testapp, freq="DAILY", count="400")
    assert answer["occurrences"] == 50 and answer["truncated"]
    answer = ask(testapp, freq="DAILY", ends="until", until="2033-01-01")
    assert answer["occurrences"] == 50 and answer["truncated"]
    assert not ask(testapp, freq="DAILY", count="7")["truncated"]


def test_anonymous_people_are_sent_to_log_in(testapp):
    testapp.get(URL, {"start_date": "2031-03-03"}, status=303)


TEXT = st.text(max_size=30) | st.sampled_from(["", "1", "-1", "2031-03-03", "10:00", "WEEKLY", "count", "0",
                                                "99999999999999999999", "\x00", "MO"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.dictionaries(st.sampled_from(["timezone", "all_day", "start_date", "start_time", "end_date",
                                                "end_time", "freq", "interval", "monthly_by", "ends", "until",
                                                "count", "size", "guests", "event", "people", "rooms",
                                                "departments", "byday"]), TEXT, max_size=8))
def test_no_values_make_a_server_error(testapp, me, values):
    params = {"timezone": "Europe/Moscow", "start_date": "2031-03-03", "start_time": "10:00",
              "end_time": "11:00"}
    params.update(values)
    res = testapp.get(URL, params, status="*")
    assert res.status_int in (200, 400), res.text


def test_the_answer_takes_a_few_statements_whatever_the_series(testapp, factory, cal, me, dbsession):
    import sqlalchemy as sa

    people = [factory.user().id for _ in range(5)]
    rooms = [cal.room(f"Переговорная {n}", capacity=10).id for n in range(3)]
    for n in range(10):
        cal.event(factory.user(), f"Встреча {n}", start=MONDAY + dt.timedelta(days=n), user_ids=people[:2],
                  rrule="FREQ=WEEKLY;COUNT=20" if n % 2 else "")
    statements = []

    def count(*args, **kw):
        statements.append(args[2])

    engine = dbsession.get_bind()
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        ask(testapp, people=people, rooms=rooms, freq="DAILY", count="50")
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(statements) <= 12, statements
