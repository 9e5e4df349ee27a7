"""What the calendar polls is revalidated, not sent again (issue 11): the week's JSON, the team
view's JSON and the .ics feed carry an ETag of their content; asked again with it, an unchanged
answer is 304 with no body, a changed one comes whole with a new tag."""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from tests.functional.calendar.conftest import MONDAY
from tests.functional.core.test_static_assets import raw_get

WEEK = {"start": MONDAY.date().isoformat(), "end": (MONDAY + dt.timedelta(days=7)).date().isoformat()}


def test_the_weeks_events_answer_304_until_they_change(testapp, factory, cal):
    me = factory.user()
    event = cal.event(me, "Планёрка")
    testapp.login(me.login)
    first = testapp.get("/calendar/@@events.json", WEEK)
    tag = first.headers["ETag"]
    assert [e["title"] for e in first.json] == ["Планёрка"]
    assert "no-cache" in first.headers["Cache-Control"]
    again = testapp.get("/calendar/@@events.json", WEEK, headers={"If-None-Match": tag},
                        status=304)
    assert again.body == b""
    event.title = "Планёрка отдела"
    changed = testapp.get("/calendar/@@events.json", WEEK, headers={"If-None-Match": tag})
    assert changed.status_int == 200 and changed.json[0]["title"] == "Планёрка отдела"
    assert changed.headers["ETag"] != tag


def test_a_compressed_answer_is_revalidated_too(testapp, factory, cal):
    me = factory.user()
    for i in range(30):  # enough for the answer to be compressed
        cal.event(me, f"Встреча номер {i}", start=MONDAY + dt.timedelta(hours=i % 8))
    testapp.login(me.login)
    path = "/calendar/@@events.json?" + urlencode(WEEK)
    first = raw_get(testapp, path, **{"Accept-Encoding": "gzip"})
    assert first.content_encoding == "gzip"
    again = raw_get(testapp, path, **{"Accept-Encoding": "gzip", "If-None-Match": first.etag})
    assert again.status_int == 304 and again.body == b""


def test_the_feed_answers_304_to_a_calendar_program_that_has_it(testapp, factory, cal):
    me = factory.user()
    cal.event(me, "Мой отчёт")
    testapp.login(me.login)
    url = testapp.get("/calendar/subscribe").html.select_one("#feed-url")["value"]
    path = url.split("example.com", 1)[1]
    testapp.reset()  # the program has no session
    first = testapp.get(path)
    assert "Мой отчёт" in first.text
    testapp.get(path, headers={"If-None-Match": first.headers["ETag"]}, status=304)
