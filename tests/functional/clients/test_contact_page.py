"""The contact person's page: one click to log a call, plan a meeting, write down an e-mail...
with the person and their organization filled in; edit, move and merge for those who may."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from models.clients import Interaction


@pytest.fixture
def sales(factory):
    return factory.department("Продажи")


@pytest.fixture
def manager(factory, sales):
    return factory.user("popova", roles=["sales"], departments=[sales], full_name="Попова Анна")


@pytest.fixture
def org(clients, manager):
    return clients.organization("ООО «Вектор»", manager=manager)


@pytest.fixture
def person(clients, org):
    clients.contact("Другой Сотрудник", organization=org)
    return clients.contact("Сидоров Пётр", organization=org, phones=["+7 916 000-11-22"],
                           emails=["sidorov@vector.example"])


def button(page, element_id: str) -> dict:
    """The query of the link with this id: {name: value}."""
    link = page.html.select_one(f"#{element_id}")
    assert link is not None, element_id
    parts = urlsplit(link["href"])
    return {"path": parts.path, **{k: v[0] for k, v in parse_qs(parts.query).items()}}


def test_the_contact_page_offers_to_log_and_plan_with_the_person(testapp, manager, org, person):
    testapp.login(manager.login)
    page = testapp.get(f"/clients/{org.id}/contacts/{person.id}")
    here = f"/clients/{org.id}/contacts/{person.id}"
    log = button(page, "ix-contact-log-call")
    assert log == {"path": "/clients/interactions/@@add", "kind": "call",
                   "organization": str(org.id), "contact": str(person.id), "came_from": here}
    meeting = button(page, "ix-contact-plan-meeting")
    assert (meeting["kind"], meeting["mode"], meeting["contact"]) == ("meeting", "plan",
                                                                      str(person.id))
    email = button(page, "ix-contact-log-email")
    assert (email["kind"], email["contact"]) == ("email", str(person.id))
    for more in ("plan-call", "plan-email", "log-meeting", "plan-visit", "log-letter", "log-fax"):
        assert page.html.select_one(f"#ix-contact-{more}") is not None, more
    # The form opened from there has the person (not the organization's other contact) chosen.
    form = testapp.get(page.html.select_one("#ix-contact-log-call")["href"])
    assert re.search(rf'<option value="{person.id}" selected>', form.text)
    assert f'value="{org.id}"' in form.text


def test_a_call_logged_from_the_contact_page_goes_back_there(testapp, dbsession, manager, org,
                                                             person):
    testapp.login(manager.login)
    page = testapp.get(f"/clients/{org.id}/contacts/{person.id}")
    form = testapp.get(page.html.select_one("#ix-contact-log-call")["href"])
    inputs = form.html.select("#interaction-form input[name], #interaction-form textarea[name]")
    fields = {i["name"]: i.get("value", "") for i in inputs
              if i.get("type") not in ("checkbox", "radio", "submit")}
    fields.update({"organization": str(org.id), "contact": str(person.id), "kind": "call",
                   "direction": "out", "subject": "Звонок с карточки",
                   "responsible": str(manager.id)})
    fields = {k: v for k, v in fields.items() if not k.startswith("steps-")}
    saved = testapp.post("/clients/interactions/@@add", fields, status=303)
    assert saved.headers["Location"].endswith(f"/clients/{org.id}/contacts/{person.id}")
    item = dbsession.scalar(sa.select(Interaction).where(Interaction.subject == "Звонок с карточки"))
    assert (item.organization_id, item.contact_id, item.done) == (org.id, person.id, True)
    page = testapp.get(f"/clients/{org.id}/contacts/{person.id}")
    assert "Звонок с карточки" in page.html.select_one("#timeline").text


def test_a_private_person_is_filled_in_without_an_organization(testapp, login_as, clients):
    login_as("director")
    private = clients.contact("Частное Лицо")
    page = testapp.get(f"/clients/contacts/{private.id}")
    log = button(page, "ix-contact-log-call")
    assert log["contact"] == str(private.id) and "organization" not in log
    form = testapp.get(page.html.select_one("#ix-contact-log-call")["href"])
    assert re.search(rf'<option value="{private.id}" selected>', form.text)
    assert "Now works at a company" in page.text


@pytest.mark.parametrize("role, sees", [
    ("owner", {"log", "edit", "move"}),
    ("dept_head", {"log", "edit", "move", "merge"}),
    ("colleague", {"log"}),
    ("dispatcher", {"log"}),  # every employee writes interactions down
    ("outsider", set()),  # sees clients (dispatcher), is no employee: writes nothing down
])
def test_who_gets_which_contact_buttons(testapp, factory, login_as, manager, sales, org, person,
                                        role, sees):
    if role == "owner":
        testapp.login(manager.login)
    elif role == "colleague":
        login_as(factory.user(roles=["sales"], departments=[sales]))
    elif role == "dept_head":
        login_as(factory.user(roles=["dept_head"], departments=[sales]))
    elif role == "outsider":
        login_as(factory.user(roles=["dispatcher"], departments=[]))
    else:
        login_as(role)
    page = testapp.get(f"/clients/{org.id}/contacts/{person.id}")
    ids = {"log": "ix-contact-log-call", "edit": "edit-contact", "move": "move-contact",
           "merge": "merge-contact"}
    shown = {name for name, element in ids.items() if page.html.select_one(f"#{element}")}
    assert shown == sees
