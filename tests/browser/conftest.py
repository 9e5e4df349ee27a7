"""Browser tests: the portal served by waitress on 127.0.0.1, driven by Debian's Chromium.

Accessibility (issue 14 point 10): `check_a11y(page)` runs axe-core (node_modules, npm) in the
page for the WCAG 2.1 A/AA and best-practice rules plus `target-size` (24 px, WCAG 2.2) and fails
on serious or critical violations, listing each (rule, element, summary). The `page` fixture
checks every page a test visits, once per URL pattern (`/clients/12` and `/clients/40` are one
page): after each `page.goto`, and for documents loaded by a click before the page's next action
(`goto`, `click`, `fill`...) and at the end of a test that passed. PORTAL_AXE=0 turns that off
(while working on a page's looks, say). A test that must leave a page out says so with
`@pytest.mark.axe_exclude("/path/pattern", reason=...)`
(none does today).
"""
from __future__ import annotations

import os
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.conftest import HERE, REQUIRE_ALL, app_settings, migrate

CHROMIUM = "/usr/bin/chromium"
# The database the live server serves, for tests that look at what a journey stored.
LIVE: dict = {}
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]

AXE_SCRIPT = Path(HERE) / "node_modules" / "axe-core" / "axe.min.js"
# What axe checks: WCAG 2.1 A and AA, axe's best practices, and tap targets of at least 24 px.
AXE_OPTIONS = {
    "runOnly": {"type": "tag",
                "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
    "rules": {"target-size": {"enabled": True}},
    "resultTypes": ["violations"],
}
FAILING_IMPACTS = ("serious", "critical")
# The automatic check of every visited page (PORTAL_AXE=0: off; see the docstring).
AXE_EVERY_PAGE = os.environ.get("PORTAL_AXE", "1") == "1"


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "axe_exclude(*patterns, reason): pages (URL patterns as url_pattern() "
        "writes them) the automatic accessibility check of the `page` fixture leaves out")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, so that the `page` fixture knows at its end whether
    the test failed (its own failure is then the one to read, not the pages left unchecked)."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


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
def page(browser, request):
    context = browser.new_context(locale="en-US", extra_http_headers={"Accept-Language": "en"},
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # A script or style the Content-Security-Policy blocks is only a console message: fail on it.
    page.on("console", lambda m: errors.append(m.text)
            if m.type == "error" and "Content Security Policy" in m.text else None)
    checker = None
    if AXE_EVERY_PAGE:
        marker = request.node.get_closest_marker("axe_exclude")
        checker = PageChecker(page, excluded=marker.args if marker else ())
    yield page
    try:
        call = getattr(request.node, "report_call", None)
        if checker is not None and not errors and call is not None and call.passed:
            checker.check_pending()
    finally:
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


# --- accessibility -------------------------------------------------------------------------

def axe_violations(page, impacts: tuple[str, ...] = FAILING_IMPACTS) -> list[dict]:
    """The axe-core violations of `impacts` on the page as it is now. axe is put into the page
    by `page.evaluate`, which the Content-Security-Policy does not govern (a <script> tag
    added by the test would be refused: no inline script)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
    result = page.evaluate("options => window.axe.run(document, options)", AXE_OPTIONS)
    return [v for v in result["violations"] if v["impact"] in impacts]


def describe_violations(violations: list[dict], where: str = "") -> str:
    """One line per violation and element: rule, impact, CSS target, what is wrong."""
    lines = [f"{len(violations)} accessibility violation(s){' on ' + where if where else ''}:"]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}  {v['helpUrl'].split('?')[0]}")
        for node in v["nodes"][:8]:
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    {' '.join(map(str, node['target']))}: {summary[:240]}")
        if len(v["nodes"]) > 8:
            lines.append(f"    … and {len(v['nodes']) - 8} more")
    return "\n".join(lines)


def check_a11y(page, where: str = "") -> None:
    """Fail when axe finds a serious or critical violation on the page as it is now."""
    violations = axe_violations(page)
    assert not violations, describe_violations(violations, where or page.url)


def url_pattern(url: str) -> str:
    """A page's URL as one pattern for its kind of page: the path with each segment that holds
    a digit (an id, a number, a date) as `*`, and the names of the query's parameters
    (`/clients/*/interactions?view`)."""
    parts = urlsplit(url)
    path = "/".join("*" if re.search(r"\d", seg) else seg for seg in parts.path.split("/"))
    keys = sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return path + ("?" + "&".join(keys) if keys else "")


class PageChecker:
    """Checks each kind of page a test visits once (PORTAL_AXE=1). Documents are noted on their
    `load` event (no page call may be made from inside an event handler) and checked at the
    next opportunity: before the page's next `goto`, `click`, `fill`, `check`, `select_option`
    or `press` (a document loaded by a click is usually acted on before it is left), after each
    `goto`, and at the end of the test."""

    ACTIONS = ("click", "fill", "check", "select_option", "press")

    def __init__(self, page, excluded: tuple[str, ...] = ()):
        self.page = page
        self.excluded = set(excluded)
        self.checked: set[str] = set()
        self.loaded: str | None = None
        self.failed = False  # one report per test: no second one at its end
        page.on("load", self._on_load)
        goto = page.goto

        def checked_goto(url, *args, **kwargs):
            self.check_pending()
            response = goto(url, *args, **kwargs)
            self.check_pending()
            return response

        page.goto = checked_goto
        for name in self.ACTIONS:
            setattr(page, name, self._checked_first(getattr(page, name)))

    def _checked_first(self, action):
        def checked(*args, **kwargs):
            self.check_pending()
            return action(*args, **kwargs)
        return checked

    def _on_load(self, frame_page) -> None:
        self.loaded = frame_page.url

    def check_pending(self) -> None:
        """Check the document now shown if it was loaded since the last check and its kind of
        page is new to this test."""
        url, self.loaded = self.loaded, None
        if url is None or self.failed or self.page.is_closed() or self.page.url != url:
            return
        pattern = url_pattern(url)
        if pattern in self.checked or pattern in self.excluded:
            return
        if self.page.evaluate("document.contentType") != "text/html":
            return
        self.checked.add(pattern)
        violations = axe_violations(self.page)
        self.failed = bool(violations)
        assert not violations, describe_violations(violations, f"{url} (page pattern {pattern})")
