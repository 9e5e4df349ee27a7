"""The board of one's tasks by state in a real Chromium (issue 14, point 7): a card dragged from
New to In progress starts the task and stays there after a reload; a drag the workflow refuses
puts the card back and says why; the "Move to…" menu does the same from the keyboard; at 390 px
the columns stack."""

from __future__ import annotations

import uuid

from tests.browser.conftest import check_a11y, log_in, wait_until


def new_task_for_me(page, base: str, title: str) -> str:
    page.goto(f"{base}/tasks/add")
    page.fill('input[name="title"]', title)
    me = page.locator('select[name="assign_to"] option', has_text="Me (")
    page.select_option('select[name="assign_to"]', value=me.get_attribute("value"))
    with page.expect_navigation():
        page.click("button[name=save]")
    return page.url.rstrip("/").rsplit("/", 1)[-1]


def card(page, task_id: str):
    return page.locator(f'.kanban-card[data-task="{task_id}"]')


def column_of(page, task_id: str) -> str:
    return card(page, task_id).evaluate("el => el.closest('.kanban-column').dataset.state")


def test_dragging_a_card_takes_the_workflow_step_and_a_refused_drag_snaps_back(page, live_server):
    base = live_server
    log_in(page, base, "popova")
    task_id = new_task_for_me(page, base, f"Сверить счета {uuid.uuid4().hex[:6]}")
    page.goto(f"{base}/tasks/board")
    assert column_of(page, task_id) == "open"
    check_a11y(page, "the task board")

    card(page, task_id).drag_to(page.locator('.kanban-column[data-state="in_progress"] .kanban-cards'))
    wait_until(page, "document.querySelector('#kanban-message .alert-success') !== null")
    assert column_of(page, task_id) == "in_progress"
    page.reload()
    assert column_of(page, task_id) == "in_progress"

    # No step leads from In progress back to New: the card goes back, and the board says why.
    card(page, task_id).drag_to(page.locator('.kanban-column[data-state="open"] .kanban-cards'))
    wait_until(page, "document.querySelector('#kanban-message .alert-danger') !== null")
    assert column_of(page, task_id) == "in_progress"
    assert "cannot go from" in page.locator("#kanban-message").inner_text()
    page.reload()
    assert column_of(page, task_id) == "in_progress"


def test_the_move_to_menu_works_from_the_keyboard_at_390_px(page, live_server):
    base = live_server
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, base, "popova")
    task_id = new_task_for_me(page, base, f"Подготовить акт {uuid.uuid4().hex[:6]}")
    page.goto(f"{base}/tasks/board")
    # Stacked columns, nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    lefts = page.evaluate(
        "[...document.querySelectorAll('.kanban-column')].map(c => c.getBoundingClientRect().left)")
    assert len(set(lefts)) == 1
    summary = card(page, task_id).locator(".kanban-move summary")
    summary.focus()
    page.keyboard.press("Enter")
    done = card(page, task_id).locator('button[name="to"][value="done"]')
    done.focus()
    page.keyboard.press("Enter")
    wait_until(page, "document.querySelector('#kanban-message .alert-success') !== null")
    assert column_of(page, task_id) == "done"
    page.reload()
    assert column_of(page, task_id) == "done"


def test_the_repeat_form_shows_the_next_five_dates_as_the_rule_is_chosen(page, live_server):
    """Not the board, but the same point of the issue: the series' next dates, live."""
    base = live_server
    log_in(page, base, "popova")
    page.goto(f"{base}/tasks/add")
    page.fill('input[name="due_date"]', "2031-01-01")
    page.select_option('select[name="repeat"]', "monthly_weekday")
    assert page.locator('select[name="month_week"]').is_visible()
    assert not page.locator('input[name="month_day"]').is_visible()
    page.select_option('select[name="month_week"]', "-1")
    page.select_option('select[name="month_weekday"]', "4")
    wait_until(page, "document.querySelectorAll('#repeat-preview time').length === 5"
                     " && document.querySelector('#repeat-preview time').dateTime === '2031-01-31'")
    days = page.eval_on_selector_all("#repeat-preview time", "els => els.map(e => e.dateTime)")
    assert days == ["2031-01-31", "2031-02-28", "2031-03-28", "2031-04-25", "2031-05-30"]
    assert page.locator("#repeat-preview li").first.inner_text() == "Friday, 31 January 2031"
    check_a11y(page, "the task form with a repeating rule")
