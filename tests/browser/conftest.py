"""Browser tests: the portal served by waitress on 127.0.0.1, driven by Debian's Chromium."""
from __future__ import annotations

import os
import shutil
import threading

import pytest

from tests.conftest import REQUIRE_ALL, app_settings, migrate

CHROMIUM = "/usr/bin/chromium"
# The database the live server serves, for tests that look at what a journey stored.
LIVE: dict = {}
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """A real server over a fresh SQLite database holding the demo company."""
    import transaction
    from waitress import create_server

    import models
    from portal import main
    from portal.demo.company import make_demo

    url = f"sqlite:///{tmp_path_factory.mktemp('live') / 'portal.sqlite'}"
    engine = models.get_engine({"sqlalchemy.url": url})
    migrate(engine)
    settings = app_settings(url)
    settings["dbengine"] = engine
    LIVE["engine"] = engine
    app = main({}, **settings)
    session = models.get_tm_session(app.registry["dbsession_factory"], transaction.manager)
    with transaction.manager:
        make_demo(session)
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    engine.dispose()


def live_engine():
    """The live server's database engine (after `live_server` has started)."""
    return LIVE["engine"]


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        if REQUIRE_ALL:
            pytest.fail("Chromium is required (PORTAL_REQUIRE_ALL=1) but not installed")
        pytest.skip("Chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-US", extra_http_headers={"Accept-Language": "en"},
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # A script or style the Content-Security-Policy blocks is only a console message: fail on it.
    page.on("console", lambda m: errors.append(m.text)
            if m.type == "error" and "Content Security Policy" in m.text else None)
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def log_in(page, base: str, login: str, password: str = "demo1234") -> None:
    page.goto(f"{base}/login")
    page.fill("#login", login)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")


def wait_until(page, expression: str, timeout: float = 15) -> None:
    """Wait until `expression` (JavaScript) is true in the page. Evaluated from outside the
    page (page.evaluate), never compiled inside it: the portal's Content-Security-Policy
    forbids eval, which Playwright's wait_for_function needs once it has to poll."""
    import time

    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        time.sleep(0.1)
