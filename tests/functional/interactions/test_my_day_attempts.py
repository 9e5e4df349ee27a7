"""My day's call attempts (issue 11): the block carries ONE attempts form whatever the number of
calls; each call's buttons (their counts, their outcome) submit it through their `form` and
`formaction` attributes, which a browser without script follows as well as htmx does."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from models.clients import InteractionAttempt
from models.meta import utcnow

HX = {"HX-Request": "true"}
MOSCOW = ZoneInfo("Europe/Moscow")


@pytest.fixture
def manager(factory):
    return factory.user("popova", roles=["sales"], departments=[factory.department("Продажи")],
                        full_name="Попова Анна")


@pytest.fixture
def org(clients, manager):
    return clients.organization("ООО «Вектор»", manager=manager, phones=["+7 495 123-45-67"])


def today_at(hh: int, mm: int = 0, days: int = 0) -> dt.datetime:
    day = dt.datetime.now(MOSCOW).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hh, mm)).replace(tzinfo=MOSCOW).astimezone(dt.UTC)


def stored(dbsession, call) -> dict[str, int]:
    return dict(dbsession.execute(
        sa.select(InteractionAttempt.outcome, sa.func.count())
        .where(InteractionAttempt.interaction_id == call.id)
        .group_by(InteractionAttempt.outcome)).all())


def attempt_buttons(page) -> dict[int, dict[str, object]]:
    """{call id: {outcome: button}} of the block's rows."""
    out: dict[int, dict[str, object]] = {}
    for button in page.html.select("#ix-day .ix-row button[name=outcome]"):
        row = int(button.find_parent(class_="ix-row")["data-id"])
        out.setdefault(row, {})[button["value"]] = button
    return out


def submit(testapp, page, button, headers=None, status=None):
    """What a browser sends for `button`: the fields of the form it names, its own
    name=value, to its formaction."""
    form = page.html.find(id=button["form"])
    fields = {i["name"]: i.get("value", "") for i in form.select("input")}
    fields[button["name"]] = button["value"]
    return testapp.post(button["formaction"], fields, headers=headers or {}, status=status)


@pytest.mark.parametrize("calls", [1, 12])
def test_my_day_carries_one_attempts_form_however_many_calls(testapp, clients, manager, org,
                                                             calls):
    for i in range(calls):
        clients.interaction(responsible=manager, organization=org, subject=f"Звонок {i}",
                            planned_at=today_at(0, 1, days=-i))
    clients.interaction(responsible=manager, organization=org, kind="meeting",
                        subject="Встреча", planned_at=today_at(23, 50))
    testapp.login(manager.login)
    page = testapp.get("/")
    block = page.html.select_one("#ix-day")
    forms = [f for f in page.html.select("form")
             if f.get("id") == "ix-attempt-form" or "attempt" in f.get("action", "")]
    assert [f["id"] for f in forms] == ["ix-attempt-form"]
    (form,) = forms
    assert form.find_parent(id="ix-day") is block
    assert form.select_one("input[name=csrf_token]")["value"]
    assert not block.select(".ix-row form")  # no row carries a form of its own
    buttons = attempt_buttons(page)
    shown = min(calls, 10)  # the block's first rows of the group
    assert len(buttons) == shown
    for row, by_outcome in buttons.items():
        assert sorted(by_outcome) == ["could_not_talk", "no_answer", "talked"]
        for button in by_outcome.values():
            assert button["form"] == "ix-attempt-form" and button["type"] == "submit"
            assert button["formaction"].endswith(f"/clients/interactions/{row}/attempt")
    assert len(block.select(".ix-row")) == shown + 1  # the meeting has no attempts


def test_attempt_buttons_record_an_attempt_with_htmx(testapp, dbsession, clients, manager, org):
    call = clients.interaction(responsible=manager, organization=org, subject="Дозвониться",
                               planned_at=today_at(0, 1))
    other = clients.interaction(responsible=manager, organization=org, subject="Другой",
                                planned_at=today_at(0, 2))
    testapp.login(manager.login)
    page = testapp.get("/")
    answer = submit(testapp, page, attempt_buttons(page)[call.id]["no_answer"], headers=HX)
    assert answer.headers["HX-Retarget"] == "#ix-day"
    assert "No answer: attempt 1 is noted." in answer.text
    # The block comes back with the count on that call's button only, and still one form.
    buttons = attempt_buttons(answer)
    assert buttons[call.id]["no_answer"].select_one(".ix-count").text == "1"
    assert buttons[other.id]["no_answer"].select_one(".ix-count") is None
    assert len(answer.html.select("#ix-attempt-form")) == 1
    answer = submit(testapp, answer, buttons[call.id]["no_answer"], headers=HX)
    assert attempt_buttons(answer)[call.id]["no_answer"].select_one(".ix-count").text == "2"
    # "Talked" opens the result form in the row.
    answer = submit(testapp, answer, attempt_buttons(answer)[call.id]["talked"], headers=HX)
    assert f'id="ix-result-{call.id}"' in answer.text
    assert stored(dbsession, call) == {"no_answer": 2, "talked": 1}
    assert stored(dbsession, other) == {}


def test_attempt_buttons_record_an_attempt_without_javascript(testapp, dbsession, clients,
                                                              manager, org):
    call = clients.interaction(responsible=manager, organization=org, subject="Дозвониться",
                               planned_at=today_at(0, 1))
    testapp.login(manager.login)
    page = testapp.get("/")
    answer = submit(testapp, page, attempt_buttons(page)[call.id]["could_not_talk"], status=303)
    assert answer.headers["Location"] == "http://example.com/"
    page = answer.follow()
    assert attempt_buttons(page)[call.id]["could_not_talk"].select_one(".ix-count").text == "1"
    answer = submit(testapp, page, attempt_buttons(page)[call.id]["talked"], status=303)
    assert answer.headers["Location"].startswith(
        f"http://example.com/clients/interactions/{call.id}/result?came_from=")
    assert stored(dbsession, call) == {"could_not_talk": 1, "talked": 1}


def test_a_row_alone_submits_the_blocks_attempts_form(testapp, clients, manager, org):
    """A row swapped back in (the result form cancelled) keeps working with the block's form."""
    call = clients.interaction(responsible=manager, organization=org, planned_at=utcnow())
    testapp.login(manager.login)
    row = testapp.get(f"/clients/interactions/{call.id}/row", headers=HX)
    assert row.text.lstrip().startswith('<div class="ix-row')
    buttons = row.html.select("button[name=outcome]")
    assert [b["form"] for b in buttons] == ["ix-attempt-form"] * 3
    assert not row.html.select("form")


def test_the_block_reads_columns_not_records(testapp, dbsession, clients, manager, org,
                                             request_for):
    """The rows come as columns (DayItem), not as interaction records: loading records cost
    more than the rest of the block's statements."""
    from models.clients import Interaction
    from portal.interactions.day import DayItem, day_bounds, my_day

    calls = [clients.interaction(responsible=manager, organization=org, subject=f"Звонок {i}",
                                 planned_at=today_at(0, 1, days=-i)).id for i in range(3)]
    dbsession.expunge_all()
    request = request_for(dbsession.get(type(manager), manager.id))
    _start, end = day_bounds(request, dt.datetime.now(request.user_timezone).date())
    (group,) = my_day(request, manager.id, end=end)
    assert all(type(item) is DayItem for item in group.items)
    assert sorted(item.id for item in group.items) == sorted(calls)
    assert not [obj for obj in dbsession.identity_map.values() if isinstance(obj, Interaction)]


def test_the_blocks_words_are_translated_once_per_language(request_for, manager, dbsession):
    from views.interactions.day import labels

    english = request_for(manager)
    assert labels(english) is labels(request_for(manager))
    assert labels(english)["no_answer"] == "No answer"


def test_a_call_row_stays_lean(testapp, clients, manager, org):
    """What a call's row weighs on the page (the attempt buttons without a form of their own,
    links without the scheme and host): a budget, so that a form per row does not come back."""
    for i in range(10):
        clients.interaction(responsible=manager, organization=org, subject=f"Звонок {i}",
                            planned_at=today_at(0, 1, days=-i))
    testapp.login(manager.login)
    page = testapp.get("/")
    block = page.text[page.text.index('id="ix-day"'):page.text.index('id="ix-resched-dialog"')]
    rows = block.split('<div class="ix-row')[1:]
    assert len(rows) == 10
    sizes = [len(row.encode()) for row in rows[:-1]]  # the last runs on to the group's end
    assert max(sizes) <= 2300, sizes  # 2,480 with a form per row
