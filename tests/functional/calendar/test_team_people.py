"""The team view of any chosen people across departments (the director with two heads of other
departments), their events with titles where the viewer may see them, repeating ones marked."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.functional.calendar.conftest import MONDAY

WINDOW = "start=2031-03-03T00:00:00&end=2031-03-10T00:00:00"
RU = {"Accept-Language": "ru"}


@pytest.fixture
def world(factory, cal):
    sales, service = factory.department("Продажи"), factory.department("Сервис")
    board = factory.department("Дирекция")
    sokolov = factory.user(departments=[sales], full_name="Соколов Дмитрий", position="Начальник продаж")
    orlova = factory.user(departments=[service], full_name="Орлова Мария", position="Начальник сервиса")
    factory.user(departments=[sales], full_name="Менеджер Продаж")
    director = factory.user(departments=[board], full_name="Волков Андрей")
    cal.event(sokolov, "Планёрка продаж", rrule="FREQ=WEEKLY;COUNT=10")
    cal.event(orlova, "Выезд на объект", start=MONDAY + dt.timedelta(days=1), minutes=240)
    cal.event(orlova, "Разговор с кандидатом", start=MONDAY + dt.timedelta(days=2), visibility="busy")
    return {"sales": sales, "service": service, "board": board, "sokolov": sokolov, "orlova": orlova,
            "director": director}


def test_the_director_sees_two_heads_of_other_departments_side_by_side(testapp, world):
    testapp.login(world["director"].login)
    sokolov, orlova = world["sokolov"], world["orlova"]
    team = testapp.get(f"/calendar/team.json?{WINDOW}&dept=&people={sokolov.id}&people={orlova.id}").json
    assert [r["title"] for r in team["resources"]] == ["Орлова Мария", "Соколов Дмитрий"]
    assert team["resources"][0]["extendedProps"]["position"] == "Начальник сервиса"
    titles = sorted((e["title"], e["resourceIds"][0]) for e in team["events"])
    assert titles == [("Busy", orlova.id), ("Выезд на объект", orlova.id), ("Планёрка продаж", sokolov.id)]


@pytest.mark.parametrize("headers, busy", [({}, "Busy"), (RU, "Занят")])
def test_a_department_and_people_from_others_together(testapp, world, headers, busy):
    testapp.login(world["director"].login)
    orlova = world["orlova"]
    team = testapp.get(f"/calendar/team.json?{WINDOW}&dept={world['sales'].id}&people={orlova.id}",
                       headers=headers).json
    assert [r["title"] for r in team["resources"]] == ["Менеджер Продаж", "Соколов Дмитрий", "Орлова Мария"]
    assert busy in [e["title"] for e in team["events"]]


def test_repeating_events_are_marked(testapp, world):
    testapp.login(world["director"].login)
    team = testapp.get(f"/calendar/team.json?{WINDOW}&people={world['sokolov'].id}").json
    [weekly] = team["events"]
    assert weekly["extendedProps"]["recurring"] is True
    team = testapp.get(f"/calendar/team.json?{WINDOW}&people={world['orlova'].id}").json
    assert {e["extendedProps"]["recurring"] for e in team["events"]} == {False}


@pytest.mark.parametrize("headers, heading", [({}, "Team calendar"), (RU, "Календарь отдела")])
def test_the_page_shows_the_people_chosen_as_chips_and_a_list(testapp, world, headers, heading):
    testapp.login(world["director"].login)
    sokolov, orlova = world["sokolov"], world["orlova"]
    page = testapp.get(f"/calendar/team?dept=&people={sokolov.id}&people={orlova.id}", headers=headers)
    chips = [c.get_text(" ", strip=True) for c in page.html.select("#people-chips .chip")]
    assert chips == ["ОМ Орлова Мария", "СД Соколов Дмитрий"]
    assert [i["value"] for i in page.html.select("#people-chips input[name=people]")] == [
        str(orlova.id), str(sokolov.id)]
    assert page.html.select_one("#team-dept option[selected]") is None
    assert page.html.select_one("#team-list") is not None
    assert "d-none" in page.html.select_one("#team-empty")["class"]
    assert heading in page.html.select_one("h1").text
    config = json.loads(page.html.select_one("#calendar-config").string)
    assert f"people={sokolov.id}" in config["eventsUrl"] and config["view"] == "resourceTimelineDay"
    # The mark of a repeating event is named in the page's language.
    assert config["text"]["recurring"] == ("Повторяется" if headers else "Repeating")
    assert page.html.select_one("main, .calendar-main") is not None and "team-main" in page.text


def test_nothing_chosen_shows_how_to_choose(testapp, world):
    testapp.login(world["director"].login)
    page = testapp.get("/calendar/team?dept=")
    assert "d-none" not in page.html.select_one("#team-empty")["class"]
    assert testapp.get(f"/calendar/team.json?{WINDOW}&dept=").json == {"resources": [], "events": []}
    # With nothing asked for, the viewer's own department.
    page = testapp.get("/calendar/team")
    assert page.html.select_one("#team-dept option[selected]").text == "Дирекция"


def test_people_one_may_not_see_are_left_out(testapp, factory, world):
    gone = factory.user(departments=[world["sales"]], full_name="Уволенный", state="deactivated")
    testapp.login(world["director"].login)
    team = testapp.get(f"/calendar/team.json?{WINDOW}&dept=&people={gone.id}&people=987654").json
    assert team == {"resources": [], "events": []}


@pytest.mark.parametrize("query", ["dept=abc", "dept=-1", "dept=99999999999999999", "people=abc",
                                   "people=-4", "people=1e9", "people=99999999999999999999",
                                   "dept=1&people=1&people=" + "&people=".join(map(str, range(500)))])
def test_hostile_choices_are_ignored(testapp, world, query):
    testapp.login(world["director"].login)
    assert testapp.get(f"/calendar/team?{query}").status_int == 200
    assert testapp.get(f"/calendar/team.json?{WINDOW}&{query}").status_int == 200
    testapp.get(f"/calendar/team.json?start=never&end=2031-03-10&{query}", status=400)
