"""My day's calls and meetings: what is in it and in which order, and working through it without
leaving the page (htmx) or without JavaScript (plain forms and redirects)."""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from models.clients import Interaction
from models.meta import utcnow

HX = {"HX-Request": "true"}
MOSCOW = ZoneInfo("Europe/Moscow")


@pytest.fixture
def manager(factory):
    return factory.user("popova", roles=["sales"], departments=[factory.department("Продажи")],
                        full_name="Попова Анна")


@pytest.fixture
def org(clients, manager):
    org = clients.organization("ООО «Вектор»", manager=manager, phones=["+7 495 123-45-67"])
    clients.contact("Сидоров Пётр", organization=org, phones=["+7 916 000-11-22"])
    return org


def today_at(hh: int, mm: int = 0, days: int = 0) -> dt.datetime:
    day = dt.datetime.now(MOSCOW).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hh, mm)).replace(tzinfo=MOSCOW).astimezone(dt.UTC)


def rows(page) -> list[str]:
    """Subjects of My day's rows, top to bottom."""
    block = page.text[page.text.index('id="ix-day"'):]
    return re.findall(r'<div class="ix-subject">\s*<a href="[^"]+">([^<]+)</a>', block)


def attempts(dbsession, call) -> dict[str, int]:
    """Every attempt of a call stored so far, by outcome."""
    from models.clients import InteractionAttempt

    return dict(dbsession.execute(
        sa.select(InteractionAttempt.outcome, sa.func.count())
        .where(InteractionAttempt.interaction_id == call.id)
        .group_by(InteractionAttempt.outcome)).all())


def groups(page) -> list[str]:
    return re.findall(r'id="ix-group-(\w+)"', page.text)


def test_my_day_lists_what_is_mine_for_today_or_earlier_and_not_done(
        testapp, factory, clients, manager, org):
    colleague = factory.user(roles=["sales"], departments=manager.departments)
    clients.interaction(responsible=manager, organization=org, subject="Вчерашний звонок",
                        planned_at=today_at(11, days=-1))
    clients.interaction(responsible=manager, organization=org, subject="Звонок в 9",
                        planned_at=today_at(9))
    clients.interaction(responsible=manager, organization=org, subject="Встреча в 23",
                        kind="meeting", planned_at=today_at(23))
    clients.interaction(responsible=manager, organization=org, subject="Письмо неделю назад",
                        kind="email", planned_at=today_at(10, days=-7))
    clients.interaction(responsible=manager, organization=org, subject="Визит", kind="visit",
                        planned_at=today_at(12))
    # Not in it: tomorrow's, done, someone else's.
    clients.interaction(responsible=manager, organization=org, subject="Завтра",
                        planned_at=today_at(1, days=1))
    clients.interaction(responsible=manager, organization=org, subject="Уже сделано",
                        planned_at=today_at(8), done_at=today_at(8))
    clients.interaction(responsible=colleague, organization=org, subject="Чужой звонок",
                        planned_at=today_at(8), author=manager)
    testapp.login(manager.login)
    page = testapp.get("/")
    assert groups(page) == ["calls", "meetings", "mail", "other"]
    assert rows(page) == ["Вчерашний звонок", "Звонок в 9", "Встреча в 23",
                          "Письмо неделю назад", "Визит"]
    assert 'id="ix-day-total">5<' in page.text
    # The client's phone, ready to dial.
    assert 'href="tel:+74951234567"' in page.text


def test_items_stay_in_my_day_on_later_days_until_done(testapp, clients, manager, org):
    clients.interaction(responsible=manager, organization=org, subject="Давний звонок",
                        planned_at=today_at(10, days=-30))
    testapp.login(manager.login)
    page = testapp.get("/")
    assert rows(page) == ["Давний звонок"]
    assert 'id="ix-day-overdue"' in page.text and "1 overdue" in page.text


def test_my_day_is_empty_with_a_way_to_start(testapp, manager):
    testapp.login(manager.login)
    page = testapp.get("/")
    assert 'id="ix-day-empty"' in page.text and 'id="ix-log-call"' in page.text


def test_a_planned_follow_up_from_a_colleague_says_who_planned_it(testapp, factory, clients,
                                                                  manager, org):
    secretary = factory.user(roles=["secretary"], full_name="Белова Елена")
    clients.interaction(responsible=manager, author=secretary, organization=org,
                        subject="Перезвонить", planned_at=today_at(0, 5))
    testapp.login(manager.login)
    assert "from Белова Елена" in testapp.get("/").text


def test_my_day_takes_a_fixed_number_of_queries(testapp, dbsession, clients, manager, org,
                                                 factory):
    contacts = [clients.contact(f"Контакт {i}", organization=org, phones=[f"+7 916 000-00-{i:02d}"])
                for i in range(10)]
    for i, contact in enumerate(contacts):
        for kind in ("call", "meeting", "email", "letter"):
            clients.interaction(responsible=manager, organization=org, contact=contact, kind=kind,
                                subject=f"{kind} {i}", planned_at=today_at(0, i))
    testapp.login(manager.login)
    statements = []

    def count(conn, cursor, statement, *args):
        if "interactions" in statement or "phones" in statement or "contacts" in statement:
            statements.append(statement)

    engine = dbsession.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        page = testapp.get("/")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(rows(page)) == 40
    # Counts, one query per group, the rows, their phones: not one per row.
    assert len(statements) <= 10, statements


# --- acting from My day ---------------------------------------------------------------------------

def test_call_attempts_are_counted_with_one_click(testapp, dbsession, clients, manager, org):
    call = clients.interaction(responsible=manager, organization=org, subject="Дозвониться",
                               planned_at=today_at(0, 1))
    testapp.login(manager.login)
    url = f"/clients/interactions/{call.id}/attempt"
    page = testapp.post_csrf(url, {"outcome": "no_answer", "part": "day"}, headers=HX)
    assert page.headers["HX-Retarget"] == "#ix-day"
    assert page.text.lstrip().startswith('<div class="card shadow-sm ix-day" id="ix-day"')
    assert "No answer: attempt 1 is noted." in page.text
    testapp.post_csrf(url, {"outcome": "no_answer", "part": "day"}, headers=HX)
    testapp.post_csrf(url, {"outcome": "could_not_talk", "part": "day"}, headers=HX)
    dbsession.refresh(call)
    assert attempts(dbsession, call) == {"no_answer": 2, "could_not_talk": 1}
    assert not call.done
    # "Talked" opens the result form right in the row.
    page = testapp.post_csrf(url, {"outcome": "talked", "part": "day"}, headers=HX)
    assert f'id="ix-result-{call.id}"' in page.text
    assert attempts(dbsession, call)["talked"] == 1


def test_attempts_work_without_javascript(testapp, dbsession, clients, manager, org):
    call = clients.interaction(responsible=manager, organization=org, planned_at=today_at(0, 1))
    testapp.login(manager.login)
    url = f"/clients/interactions/{call.id}/attempt"
    page = testapp.post_csrf(url, {"outcome": "no_answer", "part": "day", "came_from": "/"},
                             status=303)
    assert page.headers["Location"] == "http://example.com/"
    page = testapp.post_csrf(url, {"outcome": "talked", "part": "day", "came_from": "/"},
                             status=303)
    assert page.headers["Location"].startswith(
        f"http://example.com/clients/interactions/{call.id}/result?came_from=")
    assert attempts(dbsession, call) == {"no_answer": 1, "talked": 1}
    testapp.post_csrf(url, {"outcome": "sneezed"}, status=303)
    assert attempts(dbsession, call) == {"no_answer": 1, "talked": 1}


def test_result_and_next_step_in_one_form_from_my_day(testapp, dbsession, factory, clients,
                                                      manager, org):
    accountant = factory.user(roles=["accountant"], full_name="Орлова Наталья",
                              departments=[factory.department("Бухгалтерия")])
    call = clients.interaction(responsible=manager, organization=org, subject="Про счёт",
                               planned_at=today_at(0, 1))
    result = clients.classifier("interaction_result", "Asks for an invoice")
    testapp.login(manager.login)
    form = testapp.get(f"/clients/interactions/{call.id}/result?part=row", headers=HX)
    assert f'id="ix-result-{call.id}"' in form.text and "Орлова Наталья" in form.text
    version = re.search(r'name="version" value="(\d+)"', form.text).group(1)
    tomorrow = (dt.datetime.now(MOSCOW).date() + dt.timedelta(days=1)).isoformat()
    page = testapp.post_csrf(f"/clients/interactions/{call.id}/result", {
        "part": "day", "version": version, "result": str(result.id),
        "result_text": "Нужен счёт", "steps-0-kind": "email",
        "steps-0-responsible": str(accountant.id), "steps-0-date": tomorrow,
        "steps-0-time": "10:00", "steps-0-subject": "Счёт клиенту",
        "steps-1-kind": "call", "steps-1-responsible": str(manager.id),
        "steps-1-date": tomorrow, "steps-1-time": "16:00", "steps-1-subject": "Проверить оплату"},
        headers=HX)
    assert page.headers["HX-Retarget"] == "#ix-day"
    assert "Done. Next:" in page.text and "Орлова Наталья" in page.text
    assert "Про счёт" not in rows(page)  # done: gone from the day
    dbsession.refresh(call)
    assert call.done and call.result_id == result.id and call.result_text == "Нужен счёт"
    assert attempts(dbsession, call) == {"talked": 1}  # a call with a result was a conversation
    steps = list(dbsession.scalars(sa.select(Interaction).where(
        Interaction.parent_id == call.id).order_by(Interaction.planned_at)))
    assert [(s.kind, s.responsible_id, s.subject) for s in steps] == [
        ("email", accountant.id, "Счёт клиенту"), ("call", manager.id, "Проверить оплату")]


def test_result_form_errors_stay_in_the_row(testapp, dbsession, factory, clients, manager, org):
    gone = factory.user(full_name="Ушедший Сотрудник")
    gone.state = "deactivated"
    call = clients.interaction(responsible=manager, organization=org, planned_at=today_at(0, 1))
    testapp.login(manager.login)
    page = testapp.post_csrf(f"/clients/interactions/{call.id}/result", {
        "part": "day", "version": str(call.version), "result_text": "x" * 20001,
        "steps-0-kind": "call", "steps-0-responsible": str(gone.id),
        "steps-0-date": "2026-13-45", "steps-0-time": "10:00", "steps-0-subject": "a"},
        headers=HX, status=400)
    assert page.text.lstrip().startswith('<div class="ix-row')
    assert 'id="error-result_text"' in page.text and 'id="error-steps-0-date"' in page.text
    assert 'id="error-steps-0-responsible"' in page.text
    dbsession.refresh(call)
    assert not call.done
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Interaction).where(
        Interaction.parent_id == call.id)) == 0


def test_a_result_saved_meanwhile_by_someone_else_is_not_overwritten(
        testapp, dbsession, factory, clients, manager, org):
    call = clients.interaction(responsible=manager, organization=org, planned_at=today_at(0, 1))
    first = clients.classifier("interaction_result", "Interested")
    second = clients.classifier("interaction_result", "Not interested")
    testapp.login(manager.login)
    version = str(call.version)
    call.done_at, call.result = utcnow(), first  # saved from another tab
    dbsession.flush()
    page = testapp.post_csrf(f"/clients/interactions/{call.id}/result", {
        "part": "day", "version": version, "result": str(second.id)}, headers=HX, status=409)
    assert "changed this interaction" in page.text and 'id="ix-day-error"' in page.text
    dbsession.refresh(call)
    assert call.result_id == first.id
    # Without JavaScript: the result page says so and keeps what was typed.
    page = testapp.post_csrf(f"/clients/interactions/{call.id}/result", {
        "version": version, "result": str(second.id), "result_text": "Моё"}, status=409)
    assert 'id="conflict"' in page.text and "Моё" in page.text


def test_reschedule_from_my_day(testapp, dbsession, clients, manager, org):
    call = clients.interaction(responsible=manager, organization=org, subject="Перенести",
                               planned_at=today_at(9, 30))
    testapp.login(manager.login)
    url = f"/clients/interactions/{call.id}/reschedule"
    page = testapp.post_csrf(url, {"part": "day", "version": str(call.version),
                                   "shift": "tomorrow"}, headers=HX)
    assert "Moved to" in page.text and "Перенести" not in rows(page)
    dbsession.refresh(call)
    local = call.planned_at.astimezone(MOSCOW)
    assert local.date() == dt.datetime.now(MOSCOW).date() + dt.timedelta(days=1)
    assert local.time() == dt.time(9, 30)  # tomorrow at the same time
    # To a chosen date and time; a bad one is refused in the row.
    page = testapp.post_csrf(url, {"part": "day", "version": str(call.version),
                                   "date": "2026-02-30", "time": "10:00"}, headers=HX,
                             status=400)
    assert 'id="error-date"' in page.text and "<details class=\"ix-resched\" open>" in page.text
    day = (dt.datetime.now(MOSCOW).date() + dt.timedelta(days=3)).isoformat()
    testapp.post_csrf(url, {"version": str(call.version), "date": day, "time": "14:15",
                            "came_from": "/"}, status=303)
    dbsession.refresh(call)
    assert call.planned_at.astimezone(MOSCOW).strftime("%Y-%m-%d %H:%M") == f"{day} 14:15"


def test_my_day_carries_one_reschedule_form_for_all_its_calls(testapp, dbsession, clients,
                                                              manager, org):
    calls = [clients.interaction(responsible=manager, organization=org, subject=f"Звонок {i}",
                                 planned_at=today_at(9, 30 + i, days=-i)) for i in range(4)]
    testapp.login(manager.login)
    page = testapp.get("/")
    block = page.html.select_one("#ix-day")
    # One form for the block (the dialog the rows' buttons fill), not a hidden one per call.
    forms = [f for f in page.html.select("form") if f.select("button[name=shift]")]
    assert [f.get("id") for f in forms] == ["ix-resched-form"]
    assert forms[0].find_parent("dialog")["id"] == "ix-resched-dialog"
    assert forms[0].select_one("input[name=csrf_token]")["value"]
    assert not block.select(".ix-row form[action$='/reschedule']")
    # Each row's button carries what fills it, and is a plain link to the call's reschedule page.
    buttons = {int(b.find_parent(class_="ix-row")["data-id"]): b
               for b in block.select("a[data-ix-resched]")}
    assert sorted(buttons) == sorted(c.id for c in calls)
    call = calls[2]
    button = buttons[call.id]
    local = call.planned_at.astimezone(MOSCOW)
    assert button["data-ix-resched"].endswith(f"/clients/interactions/{call.id}/reschedule")
    assert (button["data-date"], button["data-time"], button["data-version"]) == (
        local.date().isoformat(), local.strftime("%H:%M"), str(call.version))
    # Without JavaScript: the link leads to the reschedule page, which moves the call and
    # comes back to My day.
    form = testapp.get(button["href"]).forms["reschedule-form"]
    day = (dt.datetime.now(MOSCOW).date() + dt.timedelta(days=2)).isoformat()
    form["date"], form["time"] = day, "11:45"
    answer = form.submit(status=303)
    assert answer.location.endswith("/")
    dbsession.refresh(call)
    assert call.planned_at.astimezone(MOSCOW).strftime("%Y-%m-%d %H:%M") == f"{day} 11:45"
    # With it: the dialog's fields as the script fills them, posted to the button's URL.
    call = calls[0]
    page = testapp.post_csrf(buttons[call.id]["data-ix-resched"], {
        "part": "day", "came_from": "/", "version": buttons[call.id]["data-version"],
        "shift": "tomorrow", "date": "", "time": ""}, headers=HX)
    assert "Moved to" in page.text and "Звонок 0" not in rows(page)
    assert len(page.html.select("#ix-resched-form")) == 1
    dbsession.refresh(call)
    assert call.planned_at.astimezone(MOSCOW).date() == (
        dt.datetime.now(MOSCOW).date() + dt.timedelta(days=1))


def test_only_the_responsible_works_through_their_day(testapp, factory, clients, manager, org):
    call = clients.interaction(responsible=manager, organization=org, planned_at=today_at(0, 1))
    colleague = factory.user(roles=["sales"], departments=manager.departments)
    testapp.login(colleague.login)
    testapp.get(f"/clients/interactions/{call.id}", status=200)  # same department: may see
    testapp.post_csrf(f"/clients/interactions/{call.id}/attempt", {"outcome": "talked"},
                      status=403)
    testapp.post_csrf(f"/clients/interactions/{call.id}/result", {"result": ""}, status=403)
    testapp.post_csrf(f"/clients/interactions/{call.id}/reschedule", {"shift": "hour"},
                      status=403)


def test_a_long_day_shows_the_first_of_each_kind_and_how_many_more(testapp, clients, manager,
                                                                   org):
    for i in range(14):
        clients.interaction(responsible=manager, organization=org, subject=f"Звонок {i:02d}",
                            planned_at=today_at(0, 1, days=-i))
    clients.interaction(responsible=manager, organization=org, subject="Единственная встреча",
                        kind="meeting", planned_at=today_at(23, 50))
    testapp.login(manager.login)
    page = testapp.get("/")
    shown = rows(page)
    # The most overdue first; the meeting is not crowded out by the calls.
    assert shown[:2] == ["Звонок 13", "Звонок 12"] and len(shown) == 11
    assert shown[-1] == "Единственная встреча"
    assert "4 more…" in page.text and 'id="ix-day-total">15<' in page.text
