"""The client journey of issue 3 in a real Chromium: a sales manager finds a client from the
header search, logs a call's result and plans a follow-up for a colleague in another department
(accounting); the colleague sees it in their My day and records its result there, in place."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from tests.browser.conftest import log_in, wait_until

CLIENT = "ООО «Уралхимснаб»"
CONTACT = "Ветров Константин Ильич"


@pytest.fixture(scope="module")
def client_org(live_server, tmp_path_factory):
    """A client of the sales department (Попова's), made with the app's own models in the live
    server's database, unless the demo data already has it."""
    import models
    from models.clients import Contact, Organization, Phone
    from models.people import User
    from portal.clients.rules import complete_inn, seed_classifiers

    (path,) = sorted(tmp_path_factory.getbasetemp().glob("live*/portal.sqlite"))[-1:]
    engine = models.get_engine({"sqlalchemy.url": f"sqlite:///{path}"})
    with sa.orm.Session(engine) as db:
        seed_classifiers(db)
        org = db.scalar(sa.select(Organization).where(Organization.name == CLIENT))
        if org is None:
            popova = db.scalar(sa.select(User).where(User.login == "popova"))
            org = Organization(name=CLIENT, inn=complete_inn("665812347"), manager=popova,
                               department=popova.memberships[0].department)
            org.phones.append(Phone(number="+7 343 287-11-90"))
            contact = Contact(full_name=CONTACT, organization=org, position="Директор по закупкам")
            contact.phones.append(Phone(number="+7 912 600-41-17"))
            db.add_all([org, contact])
        db.commit()
        org_id = org.id
    engine.dispose()
    return org_id


def log_out(page):
    page.click("#usermenu")
    with page.expect_navigation():
        page.click("text=Log out")


def test_call_result_and_a_follow_up_for_accounting_reach_their_my_day(page, live_server,
                                                                     client_org):
    base = live_server
    today = dt.datetime.now(ZoneInfo("Europe/Moscow")).date()
    log_in(page, base, "popova")

    # Find the client from the header search.
    page.fill(".portal-search input[name=q]", "Уралхимснаб")
    with page.expect_navigation():
        page.press(".portal-search input[name=q]", "Enter")
    with page.expect_navigation():
        page.click(f"a:has-text('{CLIENT}')")
    assert page.locator("#org-name").inner_text().startswith(CLIENT)

    # Log the call with its result and a next step for the accountant.
    with page.expect_navigation():
        page.click("#ix-card-log-call")
    assert page.input_value("#organization_name") == CLIENT
    page.select_option("#contact", label=f"{CONTACT} — Директор по закупкам")
    page.fill("#subject", "Оплата поставки")
    page.fill("#text", "Клиент готов оплатить партию реагентов")
    page.select_option("#result", label="Asks for an invoice")
    page.fill("#result_text", "Нужен счёт на 40 бочек до пятницы")
    page.select_option("#steps-0-kind", "email")
    page.select_option("#steps-0-responsible", label="Орлова Наталья Геннадьевна — Бухгалтер по расчётам")
    page.fill("#steps-0-date", today.isoformat())
    page.fill("#steps-0-time", "23:30")
    page.fill("#steps-0-subject", "Выставить счёт Уралхимснабу")
    with page.expect_navigation():
        page.click("#save-interaction")
    # Back on the card: the call is in the timeline, the step in the plan.
    assert page.locator("#org-name").is_visible()
    assert "Оплата поставки" in page.locator("#timeline").inner_text()
    planned = page.locator("#planned").inner_text()
    assert "Выставить счёт Уралхимснабу" in planned and "Орлова Наталья Геннадьевна" in planned
    log_out(page)

    # The accountant finds it in her My day, planned by Попова, and records its result there.
    log_in(page, base, "orlova")
    row = page.locator(".ix-row", has_text="Выставить счёт Уралхимснабу")
    row.wait_for()
    assert "from Попова Анна Сергеевна" in row.inner_text()
    assert CLIENT in row.inner_text()
    row.locator(".ix-result-btn").click()
    form = page.locator(".ix-inline-form")
    form.wait_for()
    form.locator("select[name=result]").select_option(label="Contract signed")
    form.locator("textarea[name=result_text]").fill("Счёт № 118 отправлен на почту")
    form.locator("button[name=save]").click()
    page.locator("#ix-day-message").wait_for()
    assert "Done." in page.locator("#ix-day-message").inner_text()
    assert page.locator(".ix-row", has_text="Выставить счёт Уралхимснабу").count() == 0
    assert page.url.rstrip("/") == base  # never left the page


def test_the_cards_change_history_comes_when_it_is_opened(page, live_server, client_org):
    """The card is drawn without its history; "Show" asks for it (htmx, under the CSP)."""
    log_in(page, live_server, "popova")
    page.goto(f"{live_server}/clients/{client_org}")
    assert page.locator("#history-body .audit-history-entry").count() == 0
    page.click("#history button[data-bs-toggle=collapse]")
    page.wait_for_selector("#history-body .audit-history-entry")
    assert CLIENT in page.inner_text("#history-body")


def test_the_manager_filter_brings_every_manager_when_it_is_about_to_be_used(page, live_server,
                                                                           client_org):
    log_in(page, live_server, "popova")
    page.goto(f"{live_server}/clients/")
    assert page.locator("#f-manager option").count() == 3  # anyone, me, nobody
    page.hover("#f-manager")
    wait_until(page, "document.querySelectorAll('#f-manager option').length > 3")
    assert "Попова Анна Сергеевна" in page.inner_text("#f-manager")
