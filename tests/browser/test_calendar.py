"""The calendar journey in a real Chromium: a director plans a meeting with a room and two
colleagues, a colleague accepts, and booking the same room at the same time is refused."""

from __future__ import annotations

import datetime as dt
import json

from tests.browser.conftest import log_in, wait_until


def log_out(page):
    page.click("#usermenu")
    with page.expect_navigation():
        page.click("text=Log out")


def invite(page, name_part: str, full_name: str) -> None:
    page.fill("#people-search", name_part)
    option = page.locator("#people-results button", has_text=full_name)
    option.wait_for()
    option.dispatch_event("mousedown")
    page.locator("#people-chips .chip", has_text=full_name).wait_for()


def test_meeting_with_a_room_and_two_colleagues(page, live_server):
    base = live_server
    day = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    log_in(page, base, "director")
    page.click('#sections a[data-section="calendar"]')
    page.locator("#calendar .ec-toolbar").wait_for()
    with page.expect_navigation():
        page.click("#new-event")
    page.fill("#title", "Переговоры о поставках")
    page.fill("#start_date", day)
    page.fill("#start_time", "10:00")
    page.fill("#end_date", day)
    page.fill("#end_time", "11:30")
    page.click("label[for^=room-]:has-text('Переговорная «Волга»')")
    invite(page, "Попова", "Попова Анна Сергеевна")
    invite(page, "Лебедев", "Лебедев Игорь Александрович")
    with page.expect_navigation():
        page.click("#save-event")
    assert page.locator("#event-title").inner_text() == "Переговоры о поставках"
    assert "Переговорная «Волга»" in page.locator("#event-where").inner_text()
    attendees = page.locator("#attendees").inner_text()
    assert "Попова Анна Сергеевна" in attendees and "Лебедев Игорь Александрович" in attendees
    event_url = page.url
    log_out(page)

    # Anna finds the invitation in her notifications and accepts.
    log_in(page, base, "popova")
    page.goto(f"{base}/notifications")
    with page.expect_navigation():
        page.click("text=Invitation: Переговоры о поставках")
    assert page.url.split("?")[0] == event_url.split("?")[0]
    with page.expect_navigation():
        page.click("#my-answer button[value=accepted]")
    assert page.locator("#my-answer-text").inner_text() == "Accepted"
    log_out(page)

    # The organizer sees her answer.
    log_in(page, base, "director")
    page.goto(event_url)
    row = page.locator("#attendees li", has_text="Попова Анна Сергеевна")
    assert row.get_attribute("data-answer") == "accepted"
    log_out(page)

    # Someone else tries to book the same room at the same time: refused, naming the meeting.
    log_in(page, base, "semenova")
    page.goto(f"{base}/calendar/add")
    page.fill("#title", "Встреча с поставщиком")
    page.fill("#start_date", day)
    page.fill("#start_time", "11:00")
    page.fill("#end_date", day)
    page.fill("#end_time", "12:00")
    page.click("label[for^=room-]:has-text('Переговорная «Волга»')")
    with page.expect_navigation():
        page.click("#save-event")
    error = page.locator("#error-rooms").inner_text()
    assert "Переговорная «Волга»" in error and "Переговоры о поставках" in error
    assert page.locator("#title").input_value() == "Встреча с поставщиком"


def test_a_refused_drag_snaps_back_with_the_reason(page, live_server):
    """Dragging the Monday sales meeting onto Tuesday 15:00, when its room is taken by another
    meeting, is refused by the server: the event goes back and the reason is shown."""
    base = live_server
    log_in(page, base, "sokolov")
    page.goto(f"{base}/calendar?view=timeGridWeek")
    event = page.locator(".ec-event", has_text="Планёрка отдела продаж").first
    event.wait_for()
    starts = ("() => portalCalendar.getEvents().filter(e => e.title.startsWith('Планёрка'))"
              ".map(e => e.start.getTime())")
    before = page.evaluate(starts)
    box = event.bounding_box()
    grab = (box["x"] + box["width"] / 2, box["y"] + 4)
    # The point of the grid where Tuesday 15:00 is (the grab point is at the event's start).
    target = page.evaluate(
        """([gx, gy]) => {
        const grabbed = portalCalendar.dateFromPoint(gx, gy).date;
        const want = new Date(grabbed);
        want.setDate(want.getDate() + 1);
        want.setHours(15, grabbed.getMinutes() - 30);
        for (let y = 0; y < window.innerHeight * 3; y += 3) {
          for (let x = 0; x < window.innerWidth; x += 20) {
            const info = portalCalendar.dateFromPoint(x, y);
            if (info && !info.allDay && info.date.getTime() === want.getTime()) return [x + 10, y + 1];
          }
        }
        return null;
    }""",
        list(grab),
    )
    assert target is not None
    page.mouse.move(*grab)
    page.mouse.down()
    page.mouse.move(grab[0] + 10, grab[1] + 10, steps=4)
    page.mouse.move(*target, steps=12)
    page.mouse.up()
    toast = page.locator("#calendar-toasts .toast").last
    toast.wait_for()
    message = toast.inner_text()
    assert "Переговорная «Волга»" in message and "Сверка с поставщиком" in message
    wait_until(page,
               f"JSON.stringify(({starts})()) === '{json.dumps(before, separators=(',', ':'))}'")
