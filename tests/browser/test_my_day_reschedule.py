"""My day's one reschedule dialog in a real Chromium (issue 11): a row's button fills the
block's single form with that call's date, time and version; a quick shift or a typed date
moves the call in place, and what is stored is the move of that call, not another row's."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from tests.browser.conftest import live_engine, log_in

MOSCOW = ZoneInfo("Europe/Moscow")


def planned_call(subject: str, hh: int, mm: int) -> int:
    """A call of Орлова's (the demo plans none for her, so her day shows it) today at hh:mm
    (Moscow), made in the live server's database."""
    from models.clients import Interaction
    from models.people import User

    day = dt.datetime.now(MOSCOW).date()
    when = dt.datetime.combine(day, dt.time(hh, mm)).replace(tzinfo=MOSCOW).astimezone(dt.UTC)
    with sa.orm.Session(live_engine()) as db:
        orlova = db.scalar(sa.select(User).where(User.login == "orlova"))
        item = Interaction(kind="call", responsible=orlova, author=orlova, subject=subject,
                           planned_at=when)
        db.add(item)
        db.commit()
        return item.id


def planned_at(item_id: int) -> str:
    from models.clients import Interaction

    with sa.orm.Session(live_engine()) as db:
        return db.get(Interaction, item_id).planned_at.astimezone(MOSCOW).strftime(
            "%Y-%m-%d %H:%M")


def test_a_row_button_fills_the_one_dialog_and_moves_that_call(page, live_server):
    first = planned_call("Перенос первый", 23, 41)
    second = planned_call("Перенос второй", 23, 42)
    today = dt.datetime.now(MOSCOW).date()
    log_in(page, live_server, "orlova")
    page.locator(".ix-row", has_text="Перенос первый").wait_for()
    assert page.locator("#ix-resched-form").count() == 1

    # The second row's button: the dialog shows its date and time; "Tomorrow" moves it.
    page.locator(f"#ix-row-{second} [data-ix-resched]").click()
    dialog = page.locator("#ix-resched-dialog")
    dialog.wait_for(state="visible")
    assert "Перенос второй" in dialog.inner_text()
    assert page.input_value("#ix-resched-form input[name=date]") == today.isoformat()
    assert page.input_value("#ix-resched-form input[name=time]") == "23:42"
    dialog.locator("button[name=shift][value=tomorrow]").click()
    page.locator("#ix-day-message").wait_for()
    assert "Moved to" in page.locator("#ix-day-message").inner_text()
    assert page.locator(".ix-row", has_text="Перенос второй").count() == 0
    assert planned_at(second) == f"{today + dt.timedelta(days=1)} 23:42"
    assert planned_at(first) == f"{today} 23:41"
    assert page.url.rstrip("/") == live_server  # never left the page

    # In the block swapped in, the first row's button: a typed date and time.
    page.locator(f"#ix-row-{first} [data-ix-resched]").click()
    dialog.wait_for(state="visible")
    assert page.input_value("#ix-resched-form input[name=time]") == "23:41"
    day = today + dt.timedelta(days=3)
    page.fill("#ix-resched-form input[name=date]", day.isoformat())
    page.fill("#ix-resched-form input[name=time]", "10:05")
    dialog.locator("button.btn-primary").click()
    page.locator(".ix-row", has_text="Перенос первый").wait_for(state="detached")
    assert planned_at(first) == f"{day} 10:05"
    assert not dialog.is_visible()
