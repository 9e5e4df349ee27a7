"""Two people booking one room for overlapping times at the same instant, over HTTP against a
served portal (waitress on 127.0.0.1, a SQLite file database): 50 pairs of simultaneous
`POST /calendar/add`, and no double booking stored — one of each pair gets the room, the other
the clear refusal, nobody a server error. (The issue found 14–17 double bookings in 20 pairs.)
"""

from __future__ import annotations

import datetime as dt
import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
import sqlalchemy as sa
import transaction
from waitress import create_server

import models
from models.booking import ResourceBooking
from models.calendar import Event, EventRoom, Room
from portal import main
from tests.conftest import TEST_PASSWORD, Factory, app_settings, migrate
from tests.functional.calendar.conftest import form

PAIRS = 50
FIRST_DAY = dt.date(2031, 3, 3)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The portal served over a fresh SQLite file, with two people and a room."""
    url = f"sqlite:///{tmp_path_factory.mktemp('race') / 'portal.sqlite'}"
    engine = models.get_engine({"sqlalchemy.url": url})
    migrate(engine)
    settings = app_settings(url)
    settings["dbengine"] = engine
    app = main({}, **settings)
    with transaction.manager:
        db = models.get_tm_session(app.registry["dbsession_factory"], transaction.manager)
        people = Factory(db)
        dept = people.department("Sales")
        logins = [people.user(login=f"booker{i}", departments=[dept]).login for i in range(2)]
        room = Room(name="Blue room", kind="room")
        db.add(room)
        db.flush()
        room_id = room.id
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}", engine, logins, room_id
    server.close()
    engine.dispose()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kw):
        return None


class Browser:
    """One person's cookies and CSRF token."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect())
        self.token = ""

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers={"Accept-Language": "en"})
        try:
            with self.opener.open(req, timeout=60) as res:
                return res.status, res.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def csrf(self, path: str) -> str:
        status, page = self.request(path)
        assert status == 200, (path, status)
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def log_in(self, login: str) -> None:
        token = self.csrf("/login")
        status, _page = self.request("/login", {"login": login, "password": TEST_PASSWORD,
                                                "csrf_token": token})
        assert status == 303
        self.token = self.csrf("/calendar/add")

    def book(self, values: dict) -> tuple[int, str]:
        return self.request("/calendar/add", {**values, "csrf_token": self.token})


def double_bookings(engine, room_id: int) -> int:
    with engine.connect() as conn:
        spans = conn.execute(
            sa.select(Event.id, Event.start_at, Event.end_at)
            .join(EventRoom, EventRoom.event_id == Event.id)
            .where(EventRoom.room_id == room_id, Event.status != "cancelled")
        ).all()
    return sum(1 for i, a in enumerate(spans) for b in spans[i + 1:] if a[1] < b[2] and b[1] < a[2])


def test_fifty_pairs_of_simultaneous_bookings_store_no_double_booking(served):
    base, engine, logins, room_id = served
    people = [Browser(base) for _ in logins]
    for browser, login in zip(people, logins, strict=True):
        browser.log_in(login)
    answers: list[tuple[int, str]] = []
    for pair in range(PAIRS):
        day = (FIRST_DAY + dt.timedelta(days=pair)).isoformat()
        wanted = [
            form(title=f"Pair {pair} A", rooms=[room_id], start_date=day, end_date=day,
                 start_time="10:00", end_time="11:00", freq=""),
            form(title=f"Pair {pair} B", rooms=[room_id], start_date=day, end_date=day,
                 start_time="10:30", end_time="11:30", freq=""),
        ]
        barrier = threading.Barrier(2, timeout=30)

        def go(browser, values, barrier=barrier):
            barrier.wait()
            answers.append(browser.book(values))

        threads = [threading.Thread(target=go, args=(b, v)) for b, v in zip(people, wanted, strict=True)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(90)
    statuses = sorted(status for status, _page in answers)
    assert len(answers) == 2 * PAIRS
    assert all(s in (303, 400) for s in statuses), statuses
    refusals = [page for status, page in answers if status == 400]
    assert all("is already booked at that time" in page for page in refusals)
    assert double_bookings(engine, room_id) == 0
    with engine.connect() as conn:
        stored = conn.scalar(sa.select(sa.func.count()).select_from(ResourceBooking).where(
            ResourceBooking.resource == f"room:{room_id}"))
    # One of each pair has the room.
    assert statuses.count(303) == PAIRS == stored
