"""My day's one attempts form in a real Chromium (issue 11): a row's outcome button submits the
block's single form to that call's URL, with htmx (the block swapped in place, the count on that
row) and without JavaScript (a plain POST and back to My day)."""
from __future__ import annotations

import sqlalchemy as sa

from tests.browser.conftest import live_engine, log_in
from tests.browser.test_my_day_reschedule import planned_call


def attempts_of(item_id: int) -> list[str]:
    from models.clients import InteractionAttempt

    with sa.orm.Session(live_engine()) as db:
        return sorted(db.scalars(sa.select(InteractionAttempt.outcome).where(
            InteractionAttempt.interaction_id == item_id)))


def test_a_rows_attempt_button_records_that_calls_attempt_in_place(page, live_server):
    first = planned_call("Дозвон первый", 23, 31)
    second = planned_call("Дозвон второй", 23, 32)
    log_in(page, live_server, "orlova")
    page.locator(".ix-row", has_text="Дозвон второй").wait_for()
    assert page.locator("#ix-attempt-form").count() == 1
    assert page.locator(".ix-row form").count() == 0

    page.locator(f"#ix-row-{second} button[value=no_answer]").click()
    page.locator("#ix-day-message").wait_for()
    assert "No answer: attempt 1 is noted." in page.locator("#ix-day-message").inner_text()
    assert page.locator(f"#ix-row-{second} .ix-no_answer .ix-count").inner_text() == "1"
    assert page.locator(f"#ix-row-{first} .ix-count").count() == 0
    assert attempts_of(second) == ["no_answer"] and attempts_of(first) == []
    assert page.url.rstrip("/") == live_server  # never left the page

    # In the block swapped in: the first row's "Could not talk".
    page.locator(f"#ix-row-{first} button[value=could_not_talk]").click()
    page.locator(f"#ix-row-{first} .ix-could_not_talk .ix-count").wait_for()
    assert attempts_of(first) == ["could_not_talk"]
    assert page.locator("#ix-attempt-form").count() == 1
    page.mouse.move(0, 0)  # the page's check of contrast looks at buttons at rest


def test_attempt_buttons_work_without_javascript(browser, live_server):
    call = planned_call("Дозвон без скрипта", 23, 33)
    context = browser.new_context(locale="en-US", java_script_enabled=False,
                                  extra_http_headers={"Accept-Language": "en"})
    page = context.new_page()
    try:
        log_in(page, live_server, "orlova")
        with page.expect_navigation():
            page.locator(f"#ix-row-{call} button[value=no_answer]").click()
        assert page.url.rstrip("/") == live_server
        assert page.locator(f"#ix-row-{call} .ix-no_answer .ix-count").inner_text() == "1"
        assert attempts_of(call) == ["no_answer"]
    finally:
        context.close()
