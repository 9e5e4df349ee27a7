"""Tasks across departments in a real Chromium: a task sent to another department waits in its
queue, and after a member takes it, it is in the taker's My day."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import log_in


def log_out(page) -> None:
    page.click("#usermenu")
    with page.expect_navigation():
        page.click("text=Log out")


def test_a_task_sent_to_another_department_is_taken_from_its_queue_into_my_day(page, live_server):
    base = live_server
    title = f"Уточнить сроки поставки стоек {uuid.uuid4().hex[:6]}"
    moment = dt.datetime.now(ZoneInfo("Europe/Moscow"))
    if moment.hour == 23 and moment.minute >= 50:
        # "Due today" would become yesterday half-way through (it failed once at 23:58).
        pytest.skip("the day the task is due ends during the test")
    today = moment.date().isoformat()

    # A sales manager sends the task to the supply department's queue, due today.
    log_in(page, base, "popova")
    page.click('#sections a[data-section="tasks"]')
    with page.expect_navigation():
        page.click("#new-task")
    page.fill('input[name="title"]', title)
    option = page.locator('select[name="assign_to"] option', has_text="Отдел снабжения —")
    page.select_option('select[name="assign_to"]', value=option.get_attribute("value"))
    page.fill('input[name="due_date"]', today)
    with page.expect_navigation():
        page.click("button[name=save]")
    assert page.locator("#in-queue").is_visible()
    log_out(page)

    # A supply manager finds it in the department's queue (and in My day's queue block).
    log_in(page, base, "golubev")
    assert title in page.locator("#day-queue").inner_text()
    assert title not in page.locator("#day-tasks").inner_text()
    page.goto(f"{base}/tasks?view=queue")
    with page.expect_navigation():
        page.click(f"#tasks >> text={title}")
    with page.expect_navigation():
        page.click("#take-task")
    assert "Голубев Константин Ильич" in page.locator("#fact-assignee").inner_text()

    # Now it is theirs: out of the queue, in My day among today's tasks.
    page.goto(f"{base}/")
    assert title in page.locator("#day-due-today").inner_text()
    queue = page.locator("#day-queue")
    assert queue.count() == 0 or title not in queue.inner_text()
    page.goto(f"{base}/tasks?view=queue")
    assert title not in page.locator("#tasks").inner_text()
