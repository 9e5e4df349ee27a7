"""Handing work over from a call, in a real Chromium (issue 14, point 3): the secretary logs a
client's call and, in the same form, gives accounting a task ("prepare the documents") in its
queue with a due date; the confirmation names who got what; the chief accountant finds the task
on her My day, in the queue, saying who handed it over."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from tests.browser.conftest import check_a11y, live_engine, log_in, wait_until

CLIENT = "ООО «Документы и Право»"
TITLE = "Подготовить закрывающие документы"


@pytest.fixture(scope="module")
def client_org(live_server):
    """A client of the sales department, responsible manager Попова, in the live database."""
    from models.clients import Contact, Organization
    from models.people import User

    with sa.orm.Session(live_engine()) as db:
        org = db.scalar(sa.select(Organization).where(Organization.name == CLIENT))
        if org is None:
            popova = db.scalar(sa.select(User).where(User.login == "popova"))
            org = Organization(name=CLIENT, manager=popova,
                               department=popova.memberships[0].department)
            db.add_all([org, Contact(full_name="Гришин Олег", organization=org)])
        db.commit()
        return org.id


def log_out(page):
    page.click("#usermenu")
    with page.expect_navigation():
        page.click("text=Log out")


def test_secretary_hands_accounting_a_task_from_a_call(page, live_server, client_org):
    base = live_server
    due = dt.datetime.now(ZoneInfo("Europe/Moscow")).date() + dt.timedelta(days=2)
    log_in(page, base, "belova")
    # From My day: "Log a call", the client typed and picked from the suggestions.
    with page.expect_navigation():
        page.click("#ix-log-call")
    assert page.locator("#client-manager").count() == 0
    page.fill("#organization_name", "Документы и Право")
    page.locator("#organization-list .dropdown-item", has_text=CLIENT).click()
    # The client's responsible manager is shown, and offered first in every "who" picker.
    page.locator("#client-manager").wait_for()
    assert "Попова Анна Сергеевна" in page.locator("#client-manager").inner_text()
    for picker in ("#responsible", "#steps-0-responsible"):
        wait_until(page, f"document.querySelector('{picker} option').textContent"
                         ".includes('Попова Анна Сергеевна')")
    # No focusable control hidden from assistive technology, every control labelled.
    check_a11y(page, "the call form")

    page.fill("#subject", "Клиент просит закрывающие документы")
    page.select_option("#steps-0-kind", "task")
    # A task is due by the end of its day: the call's default time is dropped.
    assert page.input_value("#steps-0-time") == ""
    page.select_option("#steps-0-responsible", label="Queue: Бухгалтерия")
    page.fill("#steps-0-date", due.isoformat())
    page.fill("#steps-0-subject", TITLE)
    with page.expect_navigation():
        page.click("#save-interaction")
    alerts = page.locator(".alert-success").all_inner_texts()
    said = " ".join(alerts)
    assert f"Task “{TITLE}” is given to the department “Бухгалтерия”, due " \
           f"{due.day} {due.strftime('%B')}" in said, alerts
    log_out(page)

    # The chief accountant sees it on My day, in her department's queue.
    log_in(page, base, "vinogradova")
    queue = page.locator("#day-queue")
    queue.wait_for()
    item = queue.locator("li", has_text=TITLE)
    assert item.count() == 1
    assert "from Белова Елена Викторовна" in item.inner_text()
    with page.expect_navigation():
        item.locator("a", has_text=TITLE).click()
    assert CLIENT in page.content()


def test_the_interaction_list_and_my_day_pass_the_accessibility_check(page, live_server,
                                                                      client_org):
    """Tap targets of at least 24 px on the interaction list (issue 14, point 10), and My day
    with its folded groups, at a phone's width too."""
    log_in(page, live_server, "popova")
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server}/clients/interactions")
        check_a11y(page, f"the interaction list at {width} px")
        page.goto(f"{live_server}/")
        check_a11y(page, f"My day at {width} px")
