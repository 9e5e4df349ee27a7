"""Logging and planning interactions: the form, next steps for colleagues, bad input, conflicts,
the list with its filters, and the client card's timeline."""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from models.clients import Interaction
from models.meta import utcnow
from models.notifications import Notification
from tests.clock import MOSCOW

ADD = "/clients/interactions/@@add"


@pytest.fixture
def sales(factory):
    return factory.department("Отдел продаж")


@pytest.fixture
def manager(factory, sales):
    return factory.user("popova", roles=["sales"], departments=[sales],
                        full_name="Попова Анна Сергеевна")


@pytest.fixture
def client_org(clients, manager):
    org = clients.organization("ООО «Вектор»", manager=manager)
    clients.contact("Сидоров Пётр", organization=org, position="Директор")
    return org


def local(day: dt.date, hh: int, mm: int = 0, zone="Europe/Moscow") -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm)).replace(tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)


def form(org, **extra) -> dict:
    today = dt.datetime.now(ZoneInfo("Europe/Moscow")).date()
    params = {"mode": "log", "kind": "call", "direction": "out", "organization": str(org.id),
              "organization_name": org.name, "contact": "", "subject": "Цены на март",
              "text": "Обсудили объёмы", "date": today.isoformat(), "time": "00:01",
              "responsible": "", "color": "", "result": "", "result_text": ""}
    params.update(extra)
    return params


def interactions(dbsession, **where):
    stmt = sa.select(Interaction).order_by(Interaction.id)
    for name, value in where.items():
        stmt = stmt.where(getattr(Interaction, name) == value)
    return list(dbsession.scalars(stmt))


# --- logging a call with its result and next steps ----------------------------------------------

def test_manager_logs_a_call_with_result_and_plans_a_step_for_an_accountant(
        testapp, dbsession, factory, clients, manager, client_org):
    accounting = factory.department("Бухгалтерия")
    accountant = factory.user("orlova", roles=["accountant"], departments=[accounting],
                              full_name="Орлова Наталья")
    contact = client_org.contacts[0]
    result = clients.classifier("interaction_result", "Asks for an invoice")
    testapp.login(manager.login)
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    page = testapp.post_csrf(ADD, form(
        client_org, contact=str(contact.id), result=str(result.id),
        result_text="Просит счёт на 120 мешков", **{
            "steps-0-kind": "email", "steps-0-responsible": str(accountant.id),
            "steps-0-date": tomorrow.isoformat(), "steps-0-time": "11:30",
            "steps-0-subject": "Выставить счёт",
            "steps-1-kind": "call", "steps-1-responsible": str(manager.id),
            "steps-1-date": "", "steps-1-time": "10:00", "steps-1-subject": ""}),
        status=303)
    done, step = interactions(dbsession, organization_id=client_org.id)
    assert page.headers["Location"].rstrip("/").endswith(f"/clients/interactions/{done.id}")
    assert done.done and done.done_at == done.planned_at
    assert (done.result_id, done.result_text, done.contact_id) == (
        result.id, "Просит счёт на 120 мешков", contact.id)
    assert done.author_id == done.responsible_id == manager.id
    assert done.department_id == client_org.department_id
    # The one filled-in step: an e-mail for the accountant, chained to the call.
    assert (step.kind, step.responsible_id, step.author_id, step.parent_id) == (
        "email", accountant.id, manager.id, done.id)
    assert step.planned_at == local(tomorrow, 11, 30)
    assert (step.subject, step.organization_id, step.contact_id, step.done) == (
        "Выставить счёт", client_org.id, contact.id, False)
    # She is told, in her words, and may open it.
    note = dbsession.scalar(sa.select(Notification).where(Notification.user_id == accountant.id))
    assert "Попова Анна Сергеевна" in note.title and "Выставить счёт" in note.title
    assert note.url == f"/clients/interactions/{step.id}"
    testapp.login(accountant.login)
    testapp.get(f"/clients/interactions/{step.id}", status=200)
    testapp.get(f"/clients/interactions/{step.id}/@@edit", status=200)


def test_secretary_plans_a_call_for_a_sales_manager(testapp, dbsession, factory, manager,
                                                    client_org):
    secretary = factory.user("belova", roles=["secretary"],
                             departments=[factory.department("Секретариат")])
    testapp.login(secretary.login)
    day = dt.date.today() + dt.timedelta(days=2)
    testapp.post_csrf(ADD, form(client_org, mode="plan", direction="in",
                                responsible=str(manager.id), date=day.isoformat(),
                                time="15:00", subject="Перезвонить клиенту"), status=303)
    (item,) = interactions(dbsession, organization_id=client_org.id)
    assert (item.done, item.direction, item.responsible_id, item.author_id) == (
        False, "in", manager.id, secretary.id)
    assert item.planned_at == local(day, 15)
    assert item.result_id is None
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.user_id == manager.id)) == 1


def test_add_form_starts_from_the_client_card(testapp, manager, client_org):
    testapp.login(manager.login)
    contact = client_org.contacts[0]
    page = testapp.get(f"{ADD}?kind=meeting&mode=plan&organization={client_org.id}"
                       f"&contact={contact.id}", status=200)
    assert 'id="kind-meeting" value="meeting" checked' in page.text
    assert 'id="mode-plan" value="plan" checked' in page.text
    assert f'value="{client_org.name}"'.replace("«", "&#171;") in page.text or \
        "Вектор" in page.text
    assert re.search(rf'<option value="{contact.id}" selected>', page.text)


def test_organization_can_be_typed_without_javascript(testapp, dbsession, manager, client_org):
    testapp.login(manager.login)
    testapp.post_csrf(ADD, form(client_org, organization="", organization_name="Вектор"),
                      status=303)
    assert len(interactions(dbsession, organization_id=client_org.id)) == 1


def test_type_ahead_finds_only_organizations_the_user_may_see(testapp, factory, clients,
                                                              manager, client_org):
    other = factory.user(roles=["sales"], departments=[factory.department("Филиал")])
    clients.organization("Вектор-Юг", manager=other)
    testapp.login(manager.login)
    found = testapp.get("/clients/interactions/@@organizations", {"q": "вектор"}).json
    assert [o["name"] for o in found] == ["ООО «Вектор»"]
    options = testapp.get(f"/clients/interactions/@@contacts?organization={client_org.id}")
    assert "Сидоров Пётр" in options.text


# --- bad input -----------------------------------------------------------------------------------

@pytest.mark.parametrize("fields, where, says", [
    ({"date": "31.02.2026"}, "date", "is not a date"),
    ({"date": "1812-09-07"}, "date", "between 2000 and 2100"),
    ({"time": "25:61"}, "time", "is not a time of day"),
    ({"time": ""}, "time", "Enter a time"),
    ({"kind": "telegram"}, "kind", "Choose what it is"),
    ({"subject": "x" * 301}, "subject", "is too long"),
    ({"text": "длинный текст " * 2000}, "text", "is too long"),
    ({"organization": "", "organization_name": ""}, "organization", "Choose the client"),
    ({"organization": "", "organization_name": "Нет такой"}, "organization", "No organization"),
])
def test_bad_input_is_refused_next_to_the_field(testapp, dbsession, manager, client_org, fields,
                                                where, says):
    testapp.login(manager.login)
    page = testapp.post_csrf(ADD, form(client_org, **fields), status=400)
    error = re.search(rf'id="error-{where}">([^<]*)<', page.text)
    assert error and says in error.group(1).replace("&#34;", '"'), page.text[:200]
    assert interactions(dbsession) == []


def test_a_time_the_clocks_skip_is_refused(testapp, dbsession, factory, clients):
    berlin = factory.user(roles=["sales"], timezone="Europe/Berlin")
    org = clients.organization("ООО «Берлин»", manager=berlin)
    testapp.login(berlin.login)
    # 29 March 2026, 02:30 does not exist in Berlin: the clocks go from 02:00 to 03:00.
    page = testapp.post_csrf(ADD, form(org, mode="plan", date="2026-03-29", time="02:30"),
                             status=400)
    assert "does not exist on that day" in page.text
    assert interactions(dbsession) == []
    testapp.post_csrf(ADD, form(org, mode="plan", date="2026-03-29", time="03:30"), status=303)
    (item,) = interactions(dbsession)
    assert item.planned_at == dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC)


def test_what_happened_cannot_be_in_the_future(testapp, dbsession, manager, client_org):
    testapp.login(manager.login)
    day = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    page = testapp.post_csrf(ADD, form(client_org, date=day, time="10:00"), status=400)
    assert "cannot be in the future" in page.text


def test_next_step_for_a_deactivated_person_is_refused(testapp, dbsession, factory, manager,
                                                       client_org):
    gone = factory.user("gone", roles=["sales"], full_name="Уволенный Сотрудник")
    gone.state = "deactivated"
    dbsession.flush()
    testapp.login(manager.login)
    page = testapp.post_csrf(ADD, form(client_org, **{
        "steps-0-kind": "call", "steps-0-responsible": str(gone.id),
        "steps-0-date": (dt.date.today() + dt.timedelta(days=1)).isoformat(),
        "steps-0-time": "10:00", "steps-0-subject": "Позвонить"}), status=400)
    assert re.search(r'id="error-steps-0-responsible">[^<]*is deactivated', page.text)
    assert interactions(dbsession) == []
    page = testapp.post_csrf(ADD, form(client_org, mode="plan", responsible=str(gone.id),
                                       date=(dt.date.today() + dt.timedelta(days=1)).isoformat(),
                                       time="10:00"), status=400)
    assert re.search(r'id="error-responsible">[^<]*is deactivated', page.text)


def test_contact_must_belong_to_the_organization(testapp, dbsession, clients, manager,
                                                 client_org):
    stranger = clients.contact("Чужой Контакт", organization=clients.organization(
        "ООО «Другая»", manager=manager))
    testapp.login(manager.login)
    page = testapp.post_csrf(ADD, form(client_org, contact=str(stranger.id)), status=400)
    assert "is not a contact of" in page.text
    assert interactions(dbsession, organization_id=client_org.id) == []


def test_adding_a_step_row_keeps_what_was_typed(testapp, dbsession, manager, client_org):
    testapp.login(manager.login)
    page = testapp.post_csrf(ADD, form(client_org, subject="Сохранится", add_step="1", **{
        "steps-0-kind": "call", "steps-0-date": "", "steps-0-time": "10:00",
        "steps-0-subject": "Первый шаг"}), status=200)
    assert 'name="steps-1-kind"' in page.text and 'value="Первый шаг"' in page.text
    assert 'value="Сохранится"' in page.text
    assert interactions(dbsession) == []


# --- editing, and someone else's save in between --------------------------------------------------

def test_edit_refuses_to_overwrite_a_newer_save(testapp, dbsession, factory, clients, manager,
                                                client_org):
    head = factory.user("sokolov", roles=["dept_head"], departments=[client_org.department],
                        full_name="Соколов Дмитрий")
    item = clients.interaction(responsible=manager, organization=client_org, subject="Старое",
                               planned_at=utcnow() + dt.timedelta(days=1))
    testapp.login(manager.login)
    page = testapp.get(f"/clients/interactions/{item.id}/@@edit")
    version = re.search(r'name="version" value="(\d+)"', page.text).group(1)
    # Her head changes it meanwhile.
    item.subject = "Изменил начальник"
    dbsession.flush()
    day, time = (item.planned_at.astimezone(ZoneInfo("Europe/Moscow")).strftime(f)
                 for f in ("%Y-%m-%d", "%H:%M"))
    params = form(client_org, mode="plan", subject="Моё", date=day, time=time,
                  responsible=str(manager.id), version=version)
    page = testapp.post_csrf(f"/clients/interactions/{item.id}/@@edit", params, status=409)
    assert "Someone else changed this interaction" in page.text
    assert "Изменил начальник" in page.text and 'value="Моё"' in page.text
    dbsession.refresh(item)
    assert item.subject == "Изменил начальник"
    # Having seen it, she saves again on top of the version shown.
    params["version"] = re.search(r'name="version" value="(\d+)"', page.text).group(1)
    testapp.post_csrf(f"/clients/interactions/{item.id}/@@edit", params, status=303)
    dbsession.refresh(item)
    assert item.subject == "Моё"
    assert head  # the department head exists in the same department


def test_edit_moves_a_planned_interaction_and_tells_the_new_responsible(
        testapp, dbsession, factory, clients, manager, client_org):
    colleague = factory.user("lebedev", roles=["sales"], departments=[client_org.department])
    item = clients.interaction(responsible=manager, organization=client_org, subject="Встреча",
                               kind="meeting", planned_at=utcnow() + dt.timedelta(days=1))
    testapp.login(manager.login)
    day = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    testapp.post_csrf(f"/clients/interactions/{item.id}/@@edit", form(
        client_org, mode="plan", kind="meeting", subject="Встреча в офисе", date=day,
        time="12:00", responsible=str(colleague.id), color="green",
        version=str(item.version)), status=303)
    dbsession.refresh(item)
    assert (item.subject, item.responsible_id, item.color, item.done) == (
        "Встреча в офисе", colleague.id, "green", False)
    assert item.planned_at == local(dt.date.fromisoformat(day), 12)
    assert dbsession.scalar(sa.select(Notification.title).where(
        Notification.user_id == colleague.id))


# --- the list --------------------------------------------------------------------------------------

def test_list_filters_by_kind_state_and_organization(testapp, clients, manager, client_org):
    other_org = clients.organization("ООО «Другая»", manager=manager)
    now = utcnow()
    clients.interaction(responsible=manager, organization=client_org, subject="Звонок сделан",
                        done_at=now - dt.timedelta(hours=1), planned_at=now - dt.timedelta(hours=1))
    clients.interaction(responsible=manager, organization=client_org, subject="Встреча позже",
                        kind="meeting", planned_at=now + dt.timedelta(days=1))
    clients.interaction(responsible=manager, organization=other_org, subject="Просрочено",
                        planned_at=now - dt.timedelta(days=2))
    testapp.login(manager.login)

    def titles(query=""):
        page = testapp.get("/clients/interactions" + query)
        return re.findall(r'class="fw-semibold ix-list-title"[^>]*>([^<]+)<', page.text)

    # What is still to do, the most overdue first, by default.
    assert titles() == ["Просрочено", "Встреча позже"]
    assert titles("?state=all") == ["Встреча позже", "Звонок сделан", "Просрочено"]
    assert titles("?kind=meeting") == ["Встреча позже"]
    assert titles("?state=done") == ["Звонок сделан"]
    assert titles("?state=overdue") == ["Просрочено"]
    assert titles(f"?organization={client_org.id}&state=all") == ["Встреча позже",
                                                                   "Звонок сделан"]
    day = (now + dt.timedelta(days=1)).astimezone(MOSCOW).date().isoformat()  # the person's day
    assert titles(f"?start={day}&end={day}") == ["Встреча позже"]


def test_list_pages_through_many(testapp, dbsession, clients, manager, client_org):
    now = utcnow()
    dbsession.execute(sa.insert(Interaction), [
        {"kind": "call", "direction": "out", "planned_at": now - dt.timedelta(minutes=i),
         "organization_id": client_org.id, "subject": f"Звонок {i}", "text": "",
         "author_id": manager.id, "responsible_id": manager.id,
         "department_id": client_org.department_id, "result_text": "", "color": "",
         "version": 1, "created_at": now,
         "updated_at": now} for i in range(60)])
    testapp.login(manager.login)
    first = testapp.get("/clients/interactions?state=all")
    assert "1–50 of 60" in first.text and 'id="ix-next"' in first.text
    second = testapp.get("/clients/interactions?state=all&page=2")
    assert "51–60 of 60" in second.text and "Звонок 59" in second.text


# --- the client card's timeline -------------------------------------------------------------------

def test_timeline_shows_what_happened_and_what_is_planned(request_for, clients, manager,
                                                          client_org, factory):
    from portal.clients.timeline import timeline_for

    now = utcnow()
    result = clients.classifier("interaction_result", "Interested")
    done = clients.interaction(responsible=manager, organization=client_org, subject="Было",
                               planned_at=now - dt.timedelta(days=1),
                               done_at=now - dt.timedelta(days=1), result=result)
    late = clients.interaction(responsible=manager, organization=client_org, subject="Просрочено",
                               planned_at=now - dt.timedelta(hours=2))
    soon = clients.interaction(responsible=manager, organization=client_org, subject="Будет",
                               kind="meeting", planned_at=now + dt.timedelta(days=1))
    stranger = factory.user(roles=["sales"], departments=[factory.department("Чужой")])
    request = request_for(manager, path=f"/clients/{client_org.id}")
    past = timeline_for(request, client_org, planned=False)
    assert [i.title for i in past] == ["Call: Было"]
    assert past[0].badge == "Interested" and past[0].url.rstrip("/").endswith(f"/interactions/{done.id}")
    planned = timeline_for(request, client_org, planned=True)
    assert [(i.title, i.overdue, i.badge) for i in planned] == [
        ("Call: Просрочено", True, "Overdue"), ("Meeting: Будет", False, "Planned")]
    assert f"/clients/interactions/{late.id}/result" in planned[0].actions[0].url
    assert f"/clients/interactions/{soon.id}/reschedule" in planned[1].actions[1].url
    # Someone of another department sees none of it.
    assert timeline_for(request_for(stranger), client_org, planned=True) == []


def test_client_card_offers_to_log_a_call_and_plan_a_meeting(testapp, manager, client_org):
    testapp.login(manager.login)
    card = testapp.get(f"/clients/{client_org.id}")
    log = re.search(r'href="([^"]+)" id="ix-card-log-call"', card.text).group(1)
    plan = re.search(r'href="([^"]+)" id="ix-card-plan-meeting"', card.text).group(1)
    assert f"organization={client_org.id}" in log and "kind=call" in log
    assert "mode=plan" in plan and "kind=meeting" in plan
    form = testapp.get(log.replace("&amp;", "&"))
    # The organization's only contact is chosen already.
    assert re.search(rf'<option value="{client_org.contacts[0].id}" selected>', form.text)


def test_contact_timeline_shows_only_that_persons_interactions(request_for, clients, manager,
                                                              client_org):
    from portal.clients.timeline import timeline_for

    contact = client_org.contacts[0]
    other = clients.contact("Другой Человек", organization=client_org)
    now = utcnow()
    clients.interaction(responsible=manager, organization=client_org, contact=contact,
                        subject="С Сидоровым", done_at=now, planned_at=now)
    clients.interaction(responsible=manager, organization=client_org, contact=other,
                        subject="С другим", done_at=now, planned_at=now)
    request = request_for(manager)
    assert [i.title for i in timeline_for(request, contact)] == ["Call: С Сидоровым"]


def test_list_exports_what_it_shows(testapp, clients, manager, client_org):
    now = utcnow()
    clients.interaction(responsible=manager, organization=client_org, subject="Сделано",
                        done_at=now, planned_at=now)
    clients.interaction(responsible=manager, organization=client_org, subject="Предстоит",
                        planned_at=now + dt.timedelta(days=1))
    testapp.login(manager.login)
    page = testapp.get("/clients/interactions")
    href = re.search(r'href="([^"]+)" id="ix-export-csv"', page.text).group(1)
    body = testapp.get(href.replace("&amp;", "&")).text
    assert "Предстоит" in body and "Сделано" not in body  # the list's default: to do
