"""A support request from the web form to the requester's rating, in Chromium: the form
registers it (no log-in), the routing sends it to the support queue where round robin gives it
to an agent, the agent answers with a link to a suggested article, resolves it, and the rating
link records a score."""
from __future__ import annotations

import re

import sqlalchemy as sa

from portal.tickets.service import rating_token
from tests.browser.conftest import live_engine, log_in


def test_a_web_form_request_is_answered_resolved_and_rated(page, live_server, browser):
    base = live_server
    page.goto(f"{base}/support")
    page.fill("#s-name", "Ирина Сергеевна")
    page.fill("#s-email", "irina@client.example")
    page.fill("#s-subject", "Принтер не печатает после замены картриджа")
    page.fill("#s-description", "Горит оранжевая лампочка, печать не идёт.")
    with page.expect_navigation():
        page.click("#send-request")
    registered = page.locator("#ticket-registered").inner_text()
    number = re.search(r"T-\d{4}-\d{6}", registered).group(0)

    with live_engine().connect() as conn:
        assignee = conn.execute(sa.text(
            "SELECT u.login FROM tickets t JOIN users u ON u.id = t.assignee_id "
            "WHERE t.number = :n"), {"n": number}).scalar()
    assert assignee in ("mikhailov", "alekseeva")  # the support queue's round robin

    agent = browser.new_context(locale="ru-RU", extra_http_headers={"Accept-Language": "ru"},
                                viewport={"width": 1280, "height": 900}).new_page()
    log_in(agent, base, assignee)
    agent.goto(f"{base}/tickets")
    agent.click(f"tr[data-ticket='{number}'] a")
    agent.wait_for_selector("#reply-form")
    suggested = agent.locator("[data-suggested] .insert-link").first
    suggested.wait_for()
    agent.fill("#reply-body", "Здравствуйте! Посмотрите, пожалуйста, инструкцию.")
    suggested.click()
    text = agent.locator("#reply-body").input_value()
    assert "Принтер не печатает: что проверить" in text and "/kb/" in text
    with agent.expect_navigation():
        agent.click("#send-reply")
    assert "Принтер не печатает: что проверить" in agent.locator(".message-reply").last.inner_text()
    with agent.expect_navigation():
        agent.click("button[name=name][value=resolve]")
    assert agent.locator("#ticket-state .ticket-state").get_attribute("data-state") == "resolved"

    with live_engine().connect() as conn:
        hashed = conn.execute(sa.text("SELECT rating_token_hash FROM tickets WHERE number = :n"),
                              {"n": number}).scalar()
    assert hashed  # the link went to the requester (its hash is all the portal keeps)
    token = live_rating_token(number)
    page.goto(f"{base}/support/rate/{token}?score=5")
    page.fill("#rating-comment", "Спасибо, всё заработало")
    with page.expect_navigation():
        page.click("#rating-form button")
    assert page.locator("#rating-thanks").is_visible()
    with live_engine().connect() as conn:
        score = conn.execute(sa.text("SELECT rating FROM tickets WHERE number = :n"),
                             {"n": number}).scalar()
    assert score == 5


def live_rating_token(number: str) -> str:
    """The rating link's secret as the requester's e-mail carries it: the test gives the ticket
    a fresh one (the portal keeps only its hash)."""
    token, digest = rating_token()
    with live_engine().begin() as conn:
        conn.execute(sa.text("UPDATE tickets SET rating_token_hash = :h WHERE number = :n"),
                     {"h": digest, "n": number})
    return token
