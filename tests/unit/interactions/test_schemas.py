"""The interaction forms' schemas: each problem next to its field ("date", "steps-1-time"...),
every problem at once, times that do not exist or lie ahead, and clean values."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import colander

from models.clients import Classifier
from models.people import User
from portal.clients.schemas import read
from portal.interactions.schemas import (
    interaction_schema,
    reschedule_schema,
    result_schema,
    when_of,
)

BERLIN = ZoneInfo("Europe/Berlin")
NOW = dt.datetime(2026, 3, 20, 12, 0, tzinfo=dt.UTC)
POPOVA = SimpleNamespace(id=1, full_name="Попова Анна", active=True)
GONE = SimpleNamespace(id=2, full_name="Ушедший Сотрудник", active=False)
AGREED = SimpleNamespace(id=10, list="interaction_result", active=True)
RETIRED = SimpleNamespace(id=11, list="interaction_result", active=False)


class Database:
    """A stand-in session that knows two people and two results."""

    rows = {(User, 1): POPOVA, (User, 2): GONE, (Classifier, 10): AGREED,
            (Classifier, 11): RETIRED}

    def get(self, model, key):
        return self.rows.get((model, key))


def bound(schema, keep=None):
    return schema.bind(dbsession=Database(), zone=BERLIN, now=NOW, keep=keep)


def form(**values) -> dict:
    data = {"mode": "log", "kind": "call", "direction": "out", "color": "", "subject": "КП",
            "text": "", "responsible": "1", "date": "2026-03-20", "time": "10:30",
            "result": "", "result_text": "", "steps": []}
    data.update(values)
    return data


def text(message) -> str:
    return message.interpolate() if hasattr(message, "interpolate") else str(message)


def test_a_good_form_gives_clean_values_and_the_moment_in_utc():
    clean, errors = read(bound(interaction_schema()), form(
        subject="  Звонок   по КП ", result="10", result_text=" Договорились \r\n",
        steps=[{"kind": "meeting", "responsible": "1", "subject": "", "date": "23.03.2026",
                "time": "1430"}]))
    assert errors == {}
    assert clean["subject"] == "Звонок по КП" and clean["responsible"] is POPOVA
    assert clean["result"] is AGREED and clean["result_text"] == "Договорились"
    assert when_of(clean, BERLIN) == dt.datetime(2026, 3, 20, 9, 30, tzinfo=dt.UTC)
    (step,) = clean["steps"]
    assert step["kind"] == "meeting" and when_of(step, BERLIN) == dt.datetime(
        2026, 3, 23, 13, 30, tzinfo=dt.UTC)


def test_every_problem_is_next_to_its_field_and_its_step():
    _clean, errors = read(bound(interaction_schema()), form(
        kind="party", direction="sideways", color="pink", subject="х" * 301,
        responsible="2", date="32.03.2026", time="25:00", result="99",
        steps=[{"kind": "call", "responsible": "1", "subject": "", "date": "", "time": ""},
               colander.null,  # a step left empty: no step
               {"kind": "call", "responsible": "77", "subject": "", "date": "2026-03-29",
                "time": "02:30"}]))
    expected = {
        "kind": "Choose what it is", "direction": "Choose outgoing or incoming",
        "color": "Choose a colour", "subject": "too long", "responsible": "is deactivated",
        "date": "is not a date", "time": "is not a time of day",
        "result": "Choose a result from the list",
        "steps-0-date": "Enter a date.", "steps-0-time": "Enter a time.",
        "steps-2-responsible": "Choose who will do it.",
        # Checked although the step's person is wrong: every problem shows at once.
        "steps-2-time": "does not exist on that day",
    }
    assert set(errors) == set(expected)
    for field, words in expected.items():
        assert words in text(errors[field]), field


def test_a_time_the_clocks_skip_is_refused_in_the_forms_own_words():
    _clean, errors = read(bound(interaction_schema()), form(mode="plan", date="2026-03-29",
                                                            time="02:30"))
    assert set(errors) == {"time"}
    assert "does not exist on that day in your time zone (Europe/Berlin)" in text(errors["time"])


def test_what_happened_cannot_be_ahead_but_a_plan_can():
    _clean, errors = read(bound(interaction_schema()), form(date="2026-03-21"))
    assert set(errors) == {"date"} and "cannot be in the future" in text(errors["date"])
    _clean, errors = read(bound(interaction_schema()), form(mode="plan", date="2026-03-21"))
    assert errors == {}


def test_an_existing_interaction_keeps_its_deactivated_person_and_retired_result():
    item = SimpleNamespace(responsible_id=2, responsible=GONE, result_id=11)
    clean, errors = read(bound(interaction_schema(), keep=item), form(responsible="2",
                                                                        result="11"))
    assert errors == {}
    assert clean["responsible"] is GONE and clean["result"] is RETIRED
    _clean, errors = read(bound(interaction_schema()), form(responsible="2", result="11"))
    assert set(errors) == {"responsible", "result"}


def test_the_result_form_and_its_next_steps():
    _clean, errors = read(bound(result_schema()), {
        "result": "", "result_text": "x" * 20001,
        "steps": [{"kind": "visit", "responsible": "1", "subject": "", "date": "01.01.1999",
                   "time": "10:00"}]})
    assert set(errors) == {"result_text", "steps-0-date"}
    assert "between 2000 and 2100" in text(errors["steps-0-date"])


def test_the_reschedule_form():
    clean, errors = read(bound(reschedule_schema()), {"date": "24.03.26", "time": "9"})
    assert errors == {}
    assert when_of(clean, BERLIN) == dt.datetime(2026, 3, 24, 8, 0, tzinfo=dt.UTC)
    _clean, errors = read(bound(reschedule_schema()), {"date": "", "time": "завтра"})
    assert set(errors) == {"date", "time"}
