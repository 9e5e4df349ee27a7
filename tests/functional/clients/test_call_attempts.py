"""Call attempts: the counters people see ("no answer: 2") are today's, in their own time zone;
every attempt of every day stays in the history (the interaction's page, the client's timeline,
the export)."""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from models.clients import InteractionAttempt
from models.meta import utcnow

HX = {"HX-Request": "true"}


@pytest.fixture
def manager(factory):
    # Far east of UTC: their today starts while it is still yesterday in UTC.
    return factory.user("popova", roles=["sales"], departments=[factory.department("Продажи")],
                        full_name="Попова Анна", timezone="Asia/Vladivostok")


@pytest.fixture
def org(clients, manager):
    return clients.organization("ООО «Вектор»", manager=manager, phones=["+7 495 123-45-67"])


def start_of_today(zone: str) -> dt.datetime:
    local = dt.datetime.now(ZoneInfo(zone)).date()
    return dt.datetime.combine(local, dt.time(), ZoneInfo(zone)).astimezone(dt.UTC)


def tried(dbsession, call, outcome: str, at: dt.datetime, user=None) -> None:
    dbsession.add(InteractionAttempt(interaction_id=call.id, outcome=outcome, at=at,
                                     user_id=user.id if user else None))
    dbsession.flush()


def day_counts(page, call) -> dict[str, int]:
    """The counters on a My day row: {outcome: n} of the buttons that show a number."""
    row = page.text[page.text.index(f'id="ix-row-{call.id}"'):]
    row = row[:row.index('class="ix-result-btn') if 'class="ix-result-btn' in row else None]
    out = {}
    for button in row.split("<button")[1:]:
        outcome = re.search(r'ix-attempt ix-(\w+)"', button)
        count = re.search(r'<span class="ix-count">(\d+)</span>', button)
        if outcome and count:
            out[outcome.group(1)] = int(count.group(1))
    return out


def test_my_day_counts_only_todays_attempts_in_the_users_time_zone(
        testapp, dbsession, clients, manager, org):
    call = clients.interaction(responsible=manager, organization=org, subject="Дозвониться",
                               planned_at=utcnow() - dt.timedelta(days=2))
    start = start_of_today("Asia/Vladivostok")
    # Yesterday in Vladivostok (though perhaps already today in UTC): not today's.
    tried(dbsession, call, "no_answer", start - dt.timedelta(minutes=1), manager)
    tried(dbsession, call, "no_answer", start - dt.timedelta(hours=5), manager)
    tried(dbsession, call, "could_not_talk", start - dt.timedelta(days=1), manager)
    # Today there.
    tried(dbsession, call, "no_answer", max(start, utcnow() - dt.timedelta(seconds=1)), manager)
    testapp.login(manager.login)
    page = testapp.get("/")
    assert day_counts(page, call) == {"no_answer": 1}
    # One more click: attempt 2 of today, whatever happened on other days.
    page = testapp.post_csrf(f"/clients/interactions/{call.id}/attempt",
                             {"outcome": "no_answer", "part": "day"}, headers=HX)
    assert "No answer: attempt 2 is noted." in page.text
    assert day_counts(page, call) == {"no_answer": 2}
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(InteractionAttempt).where(
        InteractionAttempt.interaction_id == call.id)) == 5


def test_the_counters_start_again_the_next_day(testapp, dbsession, clients, manager, org):
    call = clients.interaction(responsible=manager, organization=org,
                               planned_at=utcnow() - dt.timedelta(days=1))
    start = start_of_today("Asia/Vladivostok")
    for hours in (30, 26):
        tried(dbsession, call, "no_answer", start - dt.timedelta(hours=hours), manager)
    testapp.login(manager.login)
    assert day_counts(testapp.get("/"), call) == {}
    page = testapp.post_csrf(f"/clients/interactions/{call.id}/attempt",
                             {"outcome": "no_answer", "part": "day"}, headers=HX)
    assert "No answer: attempt 1 is noted." in page.text


def test_interaction_page_shows_todays_counts_and_every_attempt(
        testapp, dbsession, factory, clients, manager, org):
    secretary = factory.user(roles=["secretary"], full_name="Белова Елена")
    call = clients.interaction(responsible=manager, organization=org,
                               planned_at=utcnow() - dt.timedelta(days=3))
    start = start_of_today("Asia/Vladivostok")
    tried(dbsession, call, "no_answer", start - dt.timedelta(days=2), secretary)
    tried(dbsession, call, "could_not_talk", start - dt.timedelta(days=1), manager)
    tried(dbsession, call, "no_answer", max(start, utcnow() - dt.timedelta(seconds=2)), manager)
    testapp.login(manager.login)
    page = testapp.get(f"/clients/interactions/{call.id}")
    today = page.html.select_one("#ix-attempts").get_text(" ", strip=True)
    assert "No answer: 1" in today and "Could not talk: 0" in today and "Talked: 0" in today
    log = page.html.select("#ix-attempt-log .ix-attempt-row")
    assert [row["data-outcome"] for row in log] == ["no_answer", "could_not_talk", "no_answer"]
    assert "Белова Елена" in log[-1].text and "Попова Анна" in log[0].text


def test_the_client_timeline_and_the_export_keep_every_attempt(
        testapp, dbsession, clients, manager, org, login_as):
    call = clients.interaction(responsible=manager, organization=org, subject="Договор",
                               planned_at=utcnow() - dt.timedelta(days=3),
                               done_at=utcnow() - dt.timedelta(days=2))
    for days, outcome in ((3, "no_answer"), (3, "no_answer"), (2, "talked")):
        tried(dbsession, call, outcome, utcnow() - dt.timedelta(days=days), manager)
    easy = clients.interaction(responsible=manager, organization=org, subject="Сразу",
                               planned_at=utcnow() - dt.timedelta(days=5),
                               done_at=utcnow() - dt.timedelta(days=5))
    tried(dbsession, easy, "talked", utcnow() - dt.timedelta(days=5), manager)
    testapp.login(manager.login)
    card = testapp.get(f"/clients/{org.id}")
    items = [i.get_text(" ", strip=True) for i in card.html.select("#timeline-list .timeline-item")]
    assert "Attempts: No answer: 2, Talked: 1" in items[0]
    # Getting through at once is what a done call is: nothing to tell.
    assert "Сразу" in items[1] and "Attempts" not in items[1]
    login_as("director")
    export = testapp.get("/clients/export", params={"list": "interactions", "format": "csv",
                                                    "state": "all", "tab": "all"})
    text = export.body.decode("utf-8-sig")
    line = next(line for line in text.splitlines() if "Договор" in line)
    assert line.endswith(";2;0;1")


def test_an_attempt_does_not_make_an_open_form_conflict(testapp, dbsession, clients, manager,
                                                        org):
    """Counting an attempt does not change the interaction: a result form opened before it
    still saves."""
    call = clients.interaction(responsible=manager, organization=org, planned_at=utcnow())
    testapp.login(manager.login)
    form = testapp.get(f"/clients/interactions/{call.id}/result")
    version = re.search(r'name="version" value="(\d+)"', form.text).group(1)
    testapp.post_csrf(f"/clients/interactions/{call.id}/attempt", {"outcome": "no_answer"},
                      status=303)
    testapp.post_csrf(f"/clients/interactions/{call.id}/result",
                      {"version": version, "result_text": "Договорились"}, status=303)
    dbsession.refresh(call)
    assert call.done and call.result_text == "Договорились"


def test_attempts_on_a_done_interaction_are_refused(testapp, dbsession, clients, manager, org):
    call = clients.interaction(responsible=manager, organization=org, planned_at=utcnow(),
                               done_at=utcnow())
    testapp.login(manager.login)
    page = testapp.post_csrf(f"/clients/interactions/{call.id}/attempt",
                             {"outcome": "no_answer", "part": "day"}, headers=HX, status=400)
    assert "already done" in page.text
    assert not dbsession.scalar(sa.select(InteractionAttempt.id).where(
        InteractionAttempt.interaction_id == call.id))
