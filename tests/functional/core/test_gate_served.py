"""Requests take turns in a served portal (portal/core/gate.py) when the ini file says so: many
simultaneous requests to waitress's threads, and never two computing at once; without the setting
they compute side by side (the race tests of the areas rely on that)."""
from __future__ import annotations

import threading
import urllib.error
import urllib.request
from pathlib import Path

import plaster
import pytest
from waitress import create_server

import models
from portal import main
from portal.core.gate import Gate
from tests.conftest import app_settings, migrate

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
REQUESTS = 24


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('gate') / 'portal.sqlite'}"
    engine = models.get_engine({"sqlalchemy.url": url})
    migrate(engine)
    yield url, engine
    engine.dispose()


class Watched:
    """Wraps a Gate's enter/leave to count the requests inside at once."""

    def __init__(self, gate: Gate):
        self.gate, self.now, self.most, self.entered = gate, 0, 0, 0
        self.lock = threading.Lock()
        enter, leave = gate.enter, gate.leave

        def watched_enter():
            ticket = enter()
            with self.lock:
                self.now += 1
                self.entered += 1
                self.most = max(self.most, self.now)
            return ticket

        def watched_leave(ticket):
            with self.lock:
                self.now -= 1
            leave(ticket)

        gate.enter, gate.leave = watched_enter, watched_leave


def hammer(app) -> list[int]:
    """REQUESTS simultaneous GETs of the log-in page and of an unknown address; their statuses."""
    server = create_server(app, host="127.0.0.1", port=0, threads=8)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.effective_port}"
    barrier = threading.Barrier(REQUESTS, timeout=30)
    statuses: list[int] = []

    def get(path):
        barrier.wait()
        try:
            with urllib.request.urlopen(base + path, timeout=30) as res:
                statuses.append(res.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)

    threads = [threading.Thread(target=get, args=("/login" if i % 2 else "/no/such/page",))
               for i in range(REQUESTS)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        server.close()
    return statuses


def test_requests_compute_one_at_a_time_when_the_ini_says_so(database):
    url, engine = database
    settings = dict(app_settings(url), dbengine=engine)
    settings["portal.requests_at_once"] = "1"
    settings["portal.slow_request_seconds"] = "30"
    app = main({}, **settings)
    gate = app.registry["portal.gate"]
    assert (gate.width, gate.patience) == (1, 30.0)
    watched = Watched(gate)
    statuses = hammer(app)
    assert sorted(statuses) == [200] * (REQUESTS // 2) + [404] * (REQUESTS // 2)
    assert watched.entered == REQUESTS  # every request went through the gate...
    assert watched.most == 1  # ...and never two at once
    assert gate.inside == 0  # the turns of the refused (404) ones were given back too


def test_without_the_setting_requests_go_straight_in(database):
    url, engine = database
    app = main({}, **dict(app_settings(url), dbengine=engine))
    assert "portal.gate" not in app.registry
    assert sorted(hammer(app)) == [200] * (REQUESTS // 2) + [404] * (REQUESTS // 2)


def test_the_shipped_ini_files_let_one_request_compute_at_a_time():
    root = Path(__file__).resolve().parents[3]
    for name in ("development.ini", "production.ini"):
        settings = plaster.get_loader(str(root / name), protocols=["wsgi"]).get_settings("app:main")
        assert settings["portal.requests_at_once"] == "1", name
