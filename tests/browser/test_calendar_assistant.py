"""The scheduling assistant in a real Chromium: the director invites a colleague who is busy at
the time typed, the assistant marks her busy and proposes free times; a click (or Enter) on one
fills the form's start and end, and then everyone is free."""

from __future__ import annotations

import datetime as dt

from tests.browser.conftest import log_in, wait_until
from tests.browser.test_calendar import invite, log_out
from tests.clock import local_today


def a_tuesday() -> str:
    """A Tuesday seven weeks ahead (a working day no other browser test plans on)."""
    day = local_today() + dt.timedelta(days=49)
    return (day + dt.timedelta(days=(1 - day.weekday()) % 7)).isoformat()


def plan(page, base, title, day, start, end, people=()):
    page.goto(f"{base}/calendar/add")
    page.fill("#title", title)
    page.fill("#start_date", day)
    page.fill("#start_time", start)
    page.fill("#end_date", day)
    page.fill("#end_time", end)
    for part, name in people:
        invite(page, part, name)


def test_the_assistant_marks_a_busy_colleague_and_proposes_a_free_time(page, live_server):
    base = live_server
    day = a_tuesday()
    # Anna is busy from 10:00 to 12:00 that day.
    log_in(page, base, "popova")
    plan(page, base, "Приём у стоматолога", day, "10:00", "12:00")
    page.select_option("#visibility", "private")
    with page.expect_navigation():
        page.click("#save-event")
    log_out(page)

    log_in(page, base, "director")
    plan(page, base, "Совещание по закупкам", day, "10:30", "11:30",
         [("Попова", "Попова Анна Сергеевна")])
    anna = page.locator("#assistant-grid tr[data-kind=person]", has_text="Попова Анна Сергеевна")
    wait_until(page, "document.querySelector('#assistant').dataset.state === 'busy'")
    assert "Busy" in anna.inner_text()
    # Her private appointment is only "busy" to the director.
    assert "стоматолога" not in page.locator("#assistant").inner_text()
    assert "Попова Анна Сергеевна" in page.locator("#assistant-status").inner_text()
    first = page.locator("#assistant-times button").first
    first.wait_for()
    proposed = first.inner_text()
    # The keyboard reaches it: focus and Enter.
    first.focus()
    page.keyboard.press("Enter")
    wait_until(page, "document.querySelector('#assistant').dataset.state === 'free'")
    start, end = page.input_value("#start_time"), page.input_value("#end_time")
    assert f"{start}–{end}" in proposed
    assert not "10:00" <= start < "12:00" and not "10:00" < end <= "12:00"
    assert page.input_value("#start_date") == day
    assert "Free" in anna.inner_text()
    with page.expect_navigation():
        page.click("#save-event")
    assert page.locator("#event-title").inner_text() == "Совещание по закупкам"
    log_out(page)


def test_the_assistant_offers_a_free_room_of_the_needed_size(page, live_server):
    base = live_server
    log_in(page, base, "director")
    plan(page, base, "Разбор проекта", a_tuesday(), "15:00", "16:00")
    page.fill("#assistant-size", "4")
    # The rooms offered for four people (not the list drawn before the size was typed).
    wait_until(page, "(document.querySelector('#assistant').dataset.shown || '').includes('size=4')")
    room = page.locator("#assistant-rooms button.assistant-room").first
    room.wait_for()
    name = room.inner_text().split(" · ")[0]
    room.click()
    wait_until(page, "!!document.querySelector('#assistant-rooms button[aria-pressed=true]')")
    checked = page.locator(".room-grid input[name=rooms]:checked")
    assert checked.count() == 1
    assert name in page.locator(f"label[for={checked.get_attribute('id')}]").inner_text()
    log_out(page)


def test_the_director_puts_two_heads_of_other_departments_side_by_side(page, live_server):
    base = live_server
    log_in(page, base, "director")
    page.goto(f"{base}/calendar/team?dept=")
    page.locator("#team-empty").wait_for()
    for part, name in (("Соколов", "Соколов Дмитрий Игоревич"), ("Фёдорова", "Фёдорова Юлия Николаевна")):
        # With the keyboard: type, the first match is highlighted, Enter picks it.
        page.fill("#people-search", part)
        page.locator("#people-results button", has_text=name).wait_for()
        page.keyboard.press("Enter")
        page.locator("#people-chips .chip", has_text=name).wait_for()
    wait_until(page, "document.querySelectorAll('#team-list h3').length === 2")
    assert [h.text_content() for h in page.locator("#team-list h3").all()] == [
        "Соколов Дмитрий Игоревич", "Фёдорова Юлия Николаевна"]
    assert page.locator("#team-empty").is_hidden()
    assert "people=" in page.url
    # The week view opens the list (the blocks are narrow there), titles in full.
    page.click(".ec-button:has-text('Week')")
    wait_until(page, "document.querySelector('#team-list-box').open")
    log_out(page)
