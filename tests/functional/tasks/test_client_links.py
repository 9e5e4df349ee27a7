"""Tasks and events about a client: the link is checked (the record exists and the user may see
it), named by the client's name, offered by the picker, and the client card lists them with
buttons for new ones."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from models.calendar import Event
from models.tasks import Task
from tests.functional.calendar.conftest import cal  # noqa: F401 (a fixture)
from tests.functional.calendar.conftest import form as event_form
from tests.functional.clients.conftest import ClientFactory


@pytest.fixture
def world(dbsession, factory):
    """Two sales departments, each with its client and a manager who sees only its own."""
    north, south = factory.department("Продажи Север"), factory.department("Продажи Юг")
    clients = ClientFactory(dbsession, factory)
    return {
        "me": factory.user(roles=["sales"], departments=[north], full_name="Соколова Мария"),
        "mine": clients.organization("ООО «Ромашка»", department=north),
        "theirs": clients.organization("АО «Василёк»", department=south),
        "contact": clients.contact("Петров Пётр", organization=clients.organization(
            "ЗАО «Лютик»", department=north)),
        "north": north,
    }


def task_form(testapp, me, **fields):
    form = testapp.get("/tasks/add").forms["form"]
    form["title"] = "Подготовить договор"
    form["assign_to"] = f"user:{me.id}"
    for name, value in fields.items():
        form[name] = value
    return form


def test_a_task_about_a_client_shows_its_name_and_links_to_its_card(testapp, world, dbsession):
    testapp.login(world["me"].login)
    task_form(testapp, world["me"], link_type="organization", link_id=str(world["mine"].id)).submit(
        "save", status=302
    )
    task = dbsession.scalar(sa.select(Task).order_by(Task.id.desc()))
    page = testapp.get(f"/tasks/{task.id}")
    card = f"/clients/{world['mine'].id}"
    link = [a for a in page.html.select("a") if a.get("href", "").rstrip("/").endswith(card)]
    assert link and "ООО «Ромашка»" in link[0].text
    assert "Client #" not in page.text


def test_a_task_about_a_client_one_may_not_see_or_that_does_not_exist_is_refused(testapp, world, dbsession):
    testapp.login(world["me"].login)
    before = dbsession.scalar(sa.select(sa.func.count()).select_from(Task))
    for link_id in (world["theirs"].id, 999999):
        page = task_form(
            testapp, world["me"], link_type="organization", link_id=str(link_id)
        ).submit("save", status=400)
        assert f"There is no client number {link_id}, or you may not see it." in page.text
    page = task_form(testapp, world["me"], link_type="contact", link_id="999999").submit("save", status=400)
    assert "There is no contact number 999999" in page.text
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Task)) == before


def test_an_event_about_a_client_one_may_not_see_is_refused(testapp, world, dbsession):
    testapp.login(world["me"].login)
    page = testapp.post_csrf(
        "/calendar/add",
        event_form(title="Визит", link_type="client", link_id=str(world["theirs"].id)),
        status=400,
    )
    assert "you may not see it" in page.html.select_one("#error-link").text
    assert dbsession.scalar(sa.select(Event).where(Event.title == "Визит")) is None
    res = testapp.post_csrf(
        "/calendar/add",
        event_form(title="Визит", link_type="contact", link_id=str(world["contact"].id)),
        status=303,
    )
    assert "Петров Пётр (ЗАО «Лютик»)" in testapp.get(res.location).html.select_one("#event-link").text


def test_an_editor_who_may_not_see_the_client_keeps_the_link(testapp, world, dbsession, factory, make_task):
    task = make_task(world["me"], world["me"], link_type="organization", link_id=world["mine"].id)
    # A colleague of another department to whom the task is assigned edits it.
    other = factory.user(departments=[factory.department("Склад")])
    task.assignee_id = other.id
    dbsession.flush()
    testapp.login(other.login)
    form = testapp.get(f"/tasks/{task.id}/edit").forms["form"]
    form["title"] = "Подготовить договор и счёт"
    form.submit("save", status=302)
    dbsession.refresh(task)
    assert (task.title, task.link_type, task.link_id) == ("Подготовить договор и счёт", "organization",
                                                          world["mine"].id)


def test_the_picker_offers_only_clients_one_may_see(testapp, world):
    testapp.login(world["me"].login)
    found = testapp.get("/tasks/link-options", {"link_type": "organization", "link_id": "О"}).html
    names = [o.text for o in found.select("option")]
    assert "ООО «Ромашка»" in names and "АО «Василёк»" not in names
    romashka = [o["value"] for o in found.select("option") if o.text == "ООО «Ромашка»"]
    assert romashka == [str(world["mine"].id)]
    by_number = testapp.get(
        "/tasks/link-options", {"link_type": "client", "link_id": str(world["theirs"].id)}
    ).html
    assert by_number.select("option") == []
    contacts = testapp.get("/tasks/link-options", {"link_type": "contact", "link_id": "Петров"}).html
    assert [o.text for o in contacts.select("option")] == ["Петров Пётр (ЗАО «Лютик»)"]


def test_the_client_card_lists_its_tasks_and_events_and_offers_new_ones(
    testapp, world, dbsession, factory, make_task, cal
):
    me = world["me"]
    org = world["mine"]
    make_task(me, me, title="Позвонить в «Ромашку»", link_type="organization", link_id=org.id,
              due_in=dt.timedelta(days=2))
    make_task(factory.user(), factory.user(), title="Чужая задача про «Ромашку»", link_type="organization",
              link_id=org.id, due_in=dt.timedelta(days=2))
    cal.event(me, "Встреча в «Ромашке»", start=dt.datetime(2031, 3, 3, 7, 0, tzinfo=dt.UTC),
              link_type="client", link_id=org.id)
    testapp.login(me.login)
    card = testapp.get(f"/clients/{org.id}")
    assert "Позвонить в «Ромашку»" in card.text and "Встреча в «Ромашке»" in card.text
    # A task about the client that the manager may not see stays off the card.
    assert "Чужая задача" not in card.text
    new_task = card.html.select_one("#new-task")
    new_event = card.html.select_one("#new-event")
    form = testapp.get(new_task["href"]).forms["form"]
    assert (form["link_type"].value, form["link_id"].value) == ("organization", str(org.id))
    page = testapp.get(new_event["href"])
    assert page.html.select_one("#link_type option[selected]")["value"] == "client"
    assert page.html.select_one("#link_id")["value"] == str(org.id)


def test_a_task_about_a_contact_person_links_to_their_page(testapp, world, dbsession, factory):
    """A person of an organization is named with it and lives under its card; a private person
    lives in the contacts section. Both addresses open their pages."""
    private = ClientFactory(dbsession, factory).contact("Сидорова Анна", manager=world["me"])
    testapp.login(world["me"].login)
    for contact in (world["contact"], private):
        task_form(testapp, world["me"], link_type="contact", link_id=str(contact.id)).submit(
            "save", status=302)
    tasks = dbsession.scalars(sa.select(Task).order_by(Task.id.desc()).limit(2)).all()
    expected = {
        private.id: ("Сидорова Анна", f"/clients/contacts/{private.id}/"),
        world["contact"].id: ("Петров Пётр (ЗАО «Лютик»)",
                              f"/clients/{world['contact'].organization_id}/contacts/"
                              f"{world['contact'].id}/"),
    }
    for task in tasks:
        label, path = expected[task.link_id]
        page = testapp.get(f"/tasks/{task.id}")
        links = [a for a in page.html.select("a") if a.get("href", "").endswith(path)]
        assert links and label in links[0].text, (label, path)
        assert testapp.get(links[0]["href"]).status_int == 200
