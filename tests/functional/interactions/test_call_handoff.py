"""Handing work to a colleague from a call (issue 14, point 3): a next step of the call form may
be a task for a person or a department's queue, with a due date; the form offers the client's
responsible manager first; logging a call offers to close the planned step it fulfils; the
confirmation names who got what. All or nothing: the call and its tasks in one transaction."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from babel.dates import format_date

from models.clients import Interaction
from models.notifications import Notification
from models.roles import Role, RolePermission
from models.tasks import Task
from tests.clock import local_at, local_today

ADD = "/clients/interactions/@@add"


@pytest.fixture
def office(factory, clients):
    """The secretary, the sales manager responsible for the client, and accounting."""
    sales = factory.department("Отдел продаж")
    accounting = factory.department("Бухгалтерия")
    secretariat = factory.department("Секретариат")
    manager = factory.user("popova", roles=["sales"], departments=[sales],
                           full_name="Попова Анна Сергеевна", position="Менеджер по продажам")
    accountant = factory.user("vinogradova", roles=["accountant"], departments=[accounting],
                              full_name="Виноградова Татьяна")
    secretary = factory.user("belova", roles=["secretary"], departments=[secretariat],
                             full_name="Белова Елена")
    org = clients.organization("ООО «Вектор»", manager=manager)
    contact = clients.contact("Сидоров Пётр", organization=org)

    class Office:
        pass

    o = Office()
    o.__dict__.update(sales=sales, accounting=accounting, manager=manager,
                      accountant=accountant, secretary=secretary, org=org, contact=contact)
    return o


def call_form(office, **extra) -> dict:
    params = {"mode": "log", "kind": "call", "direction": "in",
              "organization": str(office.org.id), "organization_name": office.org.name,
              "contact": str(office.contact.id), "subject": "Закрывающие документы",
              "text": "Просят акты за квартал", "date": local_today().isoformat(),
              "time": "00:01", "responsible": "", "color": "", "result": "",
              "result_text": ""}
    params.update(extra)
    return params


def task_step(who: str, title="Подготовить документы", due: dt.date | None = None,
              n: int = 0, time: str = "") -> dict:
    due = due or local_today() + dt.timedelta(days=2)
    return {f"steps-{n}-kind": "task", f"steps-{n}-responsible": who,
            f"steps-{n}-subject": title, f"steps-{n}-date": due.isoformat(),
            f"steps-{n}-time": time}


def tasks(dbsession) -> list[Task]:
    return list(dbsession.scalars(sa.select(Task).order_by(Task.id)))


def calls(dbsession) -> list[Interaction]:
    return list(dbsession.scalars(sa.select(Interaction).order_by(Interaction.id)))


# --- a task for a department's queue or a person, from the call form ---------------------------

@pytest.mark.parametrize("language", ["en", "ru"])
def test_secretary_gives_accounting_a_task_from_the_call(testapp, dbsession, office, language):
    due = local_today() + dt.timedelta(days=2)
    testapp.login(office.secretary.login)
    page = testapp.post_csrf(ADD, call_form(office, **task_step(f"dept:{office.accounting.id}",
                                                                due=due)),
                             headers={"Accept-Language": language}, status=303)
    (call,) = calls(dbsession)
    (task,) = tasks(dbsession)
    assert call.done and call.author_id == office.secretary.id
    assert (task.title, task.department_id, task.assignee_id, task.author_id, task.state) == (
        "Подготовить документы", office.accounting.id, None, office.secretary.id, "open")
    assert task.due_on == due and not task.due_has_time
    # About the client, and naming the call it came from.
    assert (task.link_type, task.link_id) == ("organization", office.org.id)
    assert f"/clients/interactions/{call.id}/" in task.description
    # Accounting hears of it.
    told = dbsession.scalars(sa.select(Notification.user_id).where(
        Notification.kind == "task_assigned")).all()
    assert office.accountant.id in told
    # The confirmation names who got what, and when it is due.
    shown = testapp.get(page.headers["Location"], headers={"Accept-Language": language}).text
    assert "Подготовить документы" in shown and "Бухгалтерия" in shown
    assert format_date(due, "d MMMM", locale=language) in shown
    if language == "en":
        assert "is given to the department" in shown
    assert "${" not in shown


def test_a_task_for_the_clients_manager_names_her(testapp, dbsession, office):
    testapp.login(office.secretary.login)
    page = testapp.post_csrf(ADD, call_form(office, **task_step(str(office.manager.id),
                                                                time="15:30")), status=303)
    (task,) = tasks(dbsession)
    assert (task.assignee_id, task.department_id) == (office.manager.id, office.sales.id)
    assert task.due_has_time and task.due_at == local_at(task.due_on, 15, 30)
    shown = testapp.get(page.headers["Location"]).text
    assert "is given to Попова Анна Сергеевна, due" in shown and "15:30" in shown


def test_a_call_step_and_a_task_step_together(testapp, dbsession, office):
    tomorrow = local_today() + dt.timedelta(days=1)
    testapp.login(office.secretary.login)
    testapp.post_csrf(ADD, call_form(office, **{
        "steps-0-kind": "call", "steps-0-responsible": str(office.manager.id),
        "steps-0-date": tomorrow.isoformat(), "steps-0-time": "11:00",
        "steps-0-subject": "Перезвонить"}, **task_step(f"dept:{office.accounting.id}", n=1)),
        status=303)
    call, step = calls(dbsession)
    assert (step.kind, step.responsible_id, step.parent_id) == ("call", office.manager.id,
                                                                call.id)
    assert len(tasks(dbsession)) == 1


def test_the_form_offers_the_clients_manager_first(testapp, office):
    testapp.login(office.secretary.login)
    page = testapp.get(f"{ADD}?organization={office.org.id}&contact={office.contact.id}")
    assert "Попова Анна Сергеевна" in page.html.find(id="client-manager").text
    for name in ("responsible", "steps-0-responsible"):
        options = page.html.find("select", id=name).find_all("option")
        assert options[0]["value"] == str(office.manager.id), name
        assert "Попова Анна Сергеевна" in options[0].text
        # Offered once, not again in her department.
        assert [o["value"] for o in options].count(str(office.manager.id)) == 1
    queue_values = [o["value"] for o in page.html.find("select", id="steps-0-responsible")
                    .find_all("option")]
    assert f"dept:{office.accounting.id}" in queue_values
    assert "task" in [o["value"] for o in page.html.find("select", id="steps-0-kind")
                      .find_all("option")]


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_form_renders_in_both_languages(testapp, office, language):
    testapp.login(office.secretary.login)
    page = testapp.get(f"{ADD}?organization={office.org.id}",
                       headers={"Accept-Language": language})
    assert page.html.find("html")["lang"].startswith(language)
    assert "${" not in page.text
    assert page.html.find(id="client-manager") is not None


# --- who may give a task; nothing half-stored ----------------------------------------------------

def test_without_the_right_to_give_tasks_nothing_is_stored(testapp, dbsession, office):
    """Nobody has "task.add" here: the call form says so next to the step, and neither the call
    nor any of its steps is stored."""
    dbsession.execute(sa.delete(RolePermission).where(
        RolePermission.type == "task", RolePermission.permission == "add"))
    dbsession.flush()
    dbsession.expire_all()
    testapp.login(office.secretary.login)
    tomorrow = local_today() + dt.timedelta(days=1)
    page = testapp.post_csrf(ADD, call_form(office, **{
        "steps-0-kind": "call", "steps-0-responsible": str(office.manager.id),
        "steps-0-date": tomorrow.isoformat(), "steps-0-time": "11:00",
        "steps-0-subject": "Перезвонить"}, **task_step(f"dept:{office.accounting.id}", n=1)),
        status=400)
    error = page.html.find(id="error-steps-1-responsible")
    assert error is not None and "Give tasks" in error.text and "Бухгалтерия" in error.text
    assert calls(dbsession) == [] and tasks(dbsession) == []
    # What was typed is shown again.
    assert page.html.find("select", id="steps-1-kind").find("option", selected=True)[
        "value"] == "task"


def test_the_right_to_give_tasks_is_the_role_matrixs(testapp, dbsession, office, factory):
    """Nobody's default roles give tasks here, but a role of the matrix that holds "task.add"
    does: its holder hands the task over, the secretary without it may not."""
    dbsession.execute(sa.delete(RolePermission).where(
        RolePermission.type == "task", RolePermission.permission == "add"))
    role = Role(name="callers", title="Callers")
    for key, scope in (("organization.view", "all"), ("contact.view", "all"),
                       ("interaction.view", "own"), ("interaction.add", "all"),
                       ("task.add", "all")):
        type_name, permission = key.split(".")
        role.permissions.append(RolePermission(type=type_name, permission=permission,
                                               scope=scope))
    dbsession.add(role)
    dbsession.flush()
    caller = factory.user("caller", roles=["callers"], departments=[office.sales])
    testapp.login(office.secretary.login)
    testapp.post_csrf(ADD, call_form(office, **task_step(str(office.manager.id))), status=400)
    assert calls(dbsession) == [] and tasks(dbsession) == []
    testapp.login(caller.login)
    testapp.post_csrf(ADD, call_form(office, **task_step(str(office.manager.id))), status=303)
    assert [t.author_id for t in tasks(dbsession)] == [caller.id]


@pytest.mark.parametrize(("step", "field", "words"), [
    ({"steps-0-date": "31.02.2026"}, "date", "is not a date"),
    ({"steps-0-date": "not a day"}, "date", "is not a date"),
    ({"steps-0-responsible": "dept:999999"}, "responsible", "no longer exists"),
    ({"steps-0-responsible": "999999"}, "responsible", "no longer exists"),
    ({"steps-0-responsible": "dept:abc"}, "responsible", "Choose a person or a department"),
    ({"steps-0-responsible": "dept:1 OR 1=1"}, "responsible", "Choose a person"),
    ({"steps-0-subject": ""}, "subject", "Say what needs to be done"),
    ({"steps-0-time": "25:99"}, "time", "not a time of day"),
    ({"steps-0-kind": "call"}, "responsible", "can take only a task"),
    ({"steps-0-kind": "rocket"}, "kind", "Choose what it is"),
])
def test_hostile_task_steps_are_form_errors(testapp, dbsession, office, step, field, words):
    testapp.login(office.secretary.login)
    params = call_form(office, **task_step(f"dept:{office.accounting.id}"))
    params.update(step)
    page = testapp.post_csrf(ADD, params, status=400)
    error = page.html.find(id=f"error-steps-0-{field}")
    assert error is not None and words in error.text, page.html.find(id="form-errors")
    assert calls(dbsession) == [] and tasks(dbsession) == []


def test_a_due_date_in_the_past_is_refused_today_is_fine(testapp, dbsession, office):
    testapp.login(office.secretary.login)
    yesterday = local_today() - dt.timedelta(days=1)
    page = testapp.post_csrf(ADD, call_form(office, **task_step(
        f"dept:{office.accounting.id}", due=yesterday)), status=400)
    assert "has passed" in page.html.find(id="error-steps-0-date").text
    assert tasks(dbsession) == []
    testapp.post_csrf(ADD, call_form(office, **task_step(
        f"dept:{office.accounting.id}", due=local_today())), status=303)
    assert [t.due_on for t in tasks(dbsession)] == [local_today()]


def test_a_queue_nobody_works_in_is_refused(testapp, dbsession, office, factory):
    empty = factory.department("Пустой отдел")
    testapp.login(office.secretary.login)
    page = testapp.post_csrf(ADD, call_form(office, **task_step(f"dept:{empty.id}")),
                             status=400)
    assert "Nobody works in" in page.html.find(id="error-steps-0-responsible").text
    assert tasks(dbsession) == []


def test_a_deactivated_person_gets_no_task(testapp, dbsession, office):
    office.accountant.state = "deactivated"
    dbsession.flush()
    testapp.login(office.secretary.login)
    page = testapp.post_csrf(ADD, call_form(office, **task_step(str(office.accountant.id))),
                             status=400)
    assert "deactivated" in page.html.find(id="error-steps-0-responsible").text
    assert tasks(dbsession) == []


# --- the planned step a call fulfils -------------------------------------------------------------

def test_logging_a_call_offers_to_close_my_planned_call_checked(testapp, dbsession, office,
                                                                clients):
    planned = clients.interaction(responsible=office.manager, organization=office.org,
                                  contact=office.contact, subject="Позвонить о договоре",
                                  planned_at=local_at(local_today() - dt.timedelta(days=3), 10))
    testapp.login(office.manager.login)
    page = testapp.get(f"{ADD}?organization={office.org.id}&contact={office.contact.id}")
    box = page.html.find("input", id="close_planned")
    assert box is not None and box.has_attr("checked") and box["value"] == str(planned.id)
    assert "Позвонить о договоре" in page.html.find(id="close-planned").text
    page = testapp.post_csrf(ADD, call_form(office, planned_offered=str(planned.id),
                                            close_planned=str(planned.id)), status=303)
    shown = testapp.get(page.headers["Location"]).text
    dbsession.expire_all()
    assert planned.done
    (call,) = [c for c in calls(dbsession) if c.id != planned.id]
    assert call.parent_id == planned.id
    assert "is marked done" in shown and "Позвонить о договоре" in shown


def test_someone_elses_or_a_future_planned_call_is_offered_unticked(testapp, dbsession, office,
                                                                    clients):
    """The secretary planned it for the manager (she may change it, so it is offered, but it is
    not hers to do); one she may not change is not offered at all."""
    not_hers = clients.interaction(responsible=office.manager, organization=office.org,
                        contact=office.contact, subject="Не её", author=office.manager,
                        planned_at=local_at(local_today() - dt.timedelta(days=9), 0, 5))
    theirs = clients.interaction(responsible=office.manager, organization=office.org,
                                 contact=office.contact, subject="Звонок менеджера",
                                 author=office.secretary,
                                 planned_at=local_at(local_today(), 0, 5))
    testapp.login(office.secretary.login)
    page = testapp.get(f"{ADD}?organization={office.org.id}&contact={office.contact.id}")
    box = page.html.find("input", id="close_planned")
    assert box is not None and box["value"] == str(theirs.id) and not box.has_attr("checked")
    # Not ticked: the call is logged, the planned one stays planned.
    testapp.post_csrf(ADD, call_form(office, planned_offered=str(theirs.id)), status=303)
    dbsession.expire_all()
    assert not theirs.done
    # My own, but for next week: offered, not ticked.
    theirs.done_at, not_hers.done_at = theirs.planned_at, not_hers.planned_at
    mine = clients.interaction(responsible=office.manager, organization=office.org,
                               contact=office.contact, subject="На следующей неделе",
                               planned_at=local_at(local_today() + dt.timedelta(days=7), 10))
    testapp.login(office.manager.login)
    page = testapp.get(f"{ADD}?organization={office.org.id}&contact={office.contact.id}")
    box = page.html.find("input", id="close_planned")
    assert box["value"] == str(mine.id) and not box.has_attr("checked")


def test_a_forged_planned_id_closes_nothing(testapp, dbsession, office, clients, factory):
    """An id of another client's planned call, or of one the user may not change: ignored."""
    other_org = clients.organization("ООО «Другое»", manager=office.manager)
    elsewhere = clients.interaction(responsible=office.manager, organization=other_org,
                                    planned_at=local_at(local_today(), 0, 5))
    testapp.login(office.manager.login)
    testapp.post_csrf(ADD, call_form(office, planned_offered=str(elsewhere.id),
                                     close_planned=str(elsewhere.id)), status=303)
    testapp.post_csrf(ADD, call_form(office, planned_offered="x", close_planned="1e9"),
                      status=303)
    dbsession.expire_all()
    assert not elsewhere.done


# --- the result form (My day's "Result" and the page) hands over too ---------------------------

def test_the_result_form_gives_a_task_to_a_queue(testapp, dbsession, office, clients):
    planned = clients.interaction(responsible=office.manager, organization=office.org,
                                  contact=office.contact, subject="Позвонить",
                                  planned_at=local_at(local_today(), 0, 5))
    testapp.login(office.manager.login)
    page = testapp.get(f"/clients/interactions/{planned.id}/result")
    assert page.html.find("select", id="steps-0-responsible") is not None
    page = testapp.post_csrf(f"/clients/interactions/{planned.id}/result", {
        "version": str(planned.version), "result": "", "result_text": "Нужны акты",
        **task_step(f"dept:{office.accounting.id}")}, status=303)
    (task,) = tasks(dbsession)
    assert task.department_id == office.accounting.id
    assert f"/clients/interactions/{planned.id}/" in task.description
    shown = testapp.get(page.headers["Location"]).text
    assert "is given to the department" in shown and "Бухгалтерия" in shown


# --- the hints the form's script fetches when the client changes ---------------------------------

def test_client_hints_name_the_manager_and_the_planned_step(testapp, office, clients):
    planned = clients.interaction(responsible=office.secretary, organization=office.org,
                                  contact=office.contact, subject="Перезвонить Сидорову",
                                  planned_at=local_at(local_today(), 0, 5))
    testapp.login(office.secretary.login)
    page = testapp.get(f"/clients/interactions/@@client-hints?organization={office.org.id}"
                       f"&contact={office.contact.id}&kind=call")
    manager = page.html.find(id="client-manager")
    assert manager["data-manager-id"] == str(office.manager.id)
    assert "Попова Анна Сергеевна" in manager["data-manager-label"]
    box = page.html.find("input", id="close_planned")
    assert box["value"] == str(planned.id) and box.has_attr("checked")
    # Planning (not logging), or a client the user may not see: nothing to offer or name.
    page = testapp.get(f"/clients/interactions/@@client-hints?organization={office.org.id}"
                       f"&contact={office.contact.id}&mode=plan")
    assert page.html.find(id="close-planned") is None
    for query in ("organization=999999", "organization=abc&contact=' OR 1=1", ""):
        page = testapp.get(f"/clients/interactions/@@client-hints?{query}", status=200)
        assert page.html.find(id="client-manager") is None


def test_client_hints_hide_a_client_the_user_may_not_see(testapp, office, clients, factory):
    other = factory.user("outsider", roles=["sales"],
                         departments=[factory.department("Филиал")])
    testapp.login(other.login)
    page = testapp.get(f"/clients/interactions/@@client-hints?organization={office.org.id}")
    assert page.html.find(id="client-manager") is None


def test_the_calls_page_lists_the_tasks_handed_over(testapp, dbsession, office, factory):
    testapp.login(office.secretary.login)
    testapp.post_csrf(ADD, call_form(office, **task_step(f"dept:{office.accounting.id}"),
                                     **task_step(str(office.manager.id), title="Позвонить",
                                                 n=1)), status=303)
    (call,) = calls(dbsession)
    queue_task, manager_task = tasks(dbsession)
    page = testapp.get(f"/clients/interactions/{call.id}/")
    assert "Бухгалтерия" in page.html.find(id=f"ix-handed-{queue_task.id}").text
    assert "Попова Анна Сергеевна" in page.html.find(id=f"ix-handed-{manager_task.id}").text
    # Someone who may see the call but not those tasks is not shown them.
    director = factory.user("director", roles=["director"])
    outsider = factory.user("outsider", roles=["secretary"])
    testapp.login(outsider.login)
    page = testapp.get(f"/clients/interactions/{call.id}/")
    assert page.html.find(class_="ix-handed") is None
    testapp.login(director.login)
    assert len(testapp.get(f"/clients/interactions/{call.id}/").html.select(".ix-handed")) == 2


def test_a_step_planned_for_the_organization_is_offered_for_its_contact(testapp, dbsession,
                                                                        office, clients):
    """Planned with the organization and nobody in particular: a call logged with one of its
    people fulfils it; one planned with another person of the organization does not."""
    other = clients.contact("Кузнецова Ирина", organization=office.org)
    clients.interaction(responsible=office.manager, organization=office.org, contact=other,
                        subject="С другим человеком",
                        planned_at=local_at(local_today() - dt.timedelta(days=5), 10))
    planned = clients.interaction(responsible=office.manager, organization=office.org,
                                  subject="Обзвонить по договору",
                                  planned_at=local_at(local_today(), 0, 5))
    testapp.login(office.manager.login)
    page = testapp.get(f"{ADD}?organization={office.org.id}&contact={office.contact.id}")
    assert page.html.find("input", id="close_planned")["value"] == str(planned.id)
    testapp.post_csrf(ADD, call_form(office, planned_offered=str(planned.id),
                                     close_planned=str(planned.id)), status=303)
    dbsession.expire_all()
    assert planned.done
