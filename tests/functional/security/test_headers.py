"""Security headers (views/headers.py) and pages the Content-Security-Policy can hold: every
response says no framing, no sniffing, same-origin referrers and scripts only from our own
files; no page carries an inline script or an on*= handler that the policy would block."""
from __future__ import annotations

import datetime as dt
import re
from configparser import ConfigParser
from pathlib import Path
from types import SimpleNamespace

import pytest
from pyramid.events import NewResponse
from pyramid.response import Response

from models.meta import utcnow
from models.tasks import Task, schedule_notices
from tests.functional.calendar.conftest import MONDAY, CalendarFactory
from tests.functional.clients.conftest import ClientFactory
from tests.functional.kb.conftest import KbFactory, url_of
from views.headers import add_security_headers, security_headers


def assert_security_headers(response) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    assert directives.get("default-src") == ["'self'"]
    assert directives.get("script-src") == ["'self'"], "scripts only from our own files"
    assert "'unsafe-eval'" not in csp and "'unsafe-inline'" not in directives.get("script-src", [])
    assert directives.get("frame-ancestors") == ["'none'"]
    assert directives.get("base-uri") == ["'self'"]
    assert directives.get("form-action") == ["'self'"]
    assert directives.get("object-src") == ["'none'"]
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("X-Frame-Options") == "DENY"
    assert response.headers.get("Referrer-Policy") == "same-origin"


def test_headers_on_a_page_a_json_answer_an_error_and_the_log_in_page(testapp, login_as):
    assert_security_headers(testapp.get("/login"))
    assert_security_headers(testapp.get("/clients/", status=303))  # anonymous: to log in
    login_as("director")
    page = testapp.get("/")
    assert page.content_type == "text/html"
    assert_security_headers(page)
    data = testapp.get("/calendar/events.json?start=2031-03-03T00:00:00&end=2031-03-10T00:00:00")
    assert data.content_type == "application/json"
    assert_security_headers(data)
    assert_security_headers(testapp.get("/no-such-page", status=404))
    assert_security_headers(testapp.get("/admin/users", status=403))
    assert_security_headers(testapp.get("/static/js/portal.js"))


def test_development_sends_no_hsts_and_production_does(testapp):
    assert "Strict-Transport-Security" not in testapp.get("/login").headers
    assert "Strict-Transport-Security" not in security_headers({"portal.hsts": ""})
    assert security_headers({"portal.hsts": "max-age=31536000"})[
        "Strict-Transport-Security"] == "max-age=31536000"


def test_hsts_is_sent_when_the_setting_says_so():
    def headers(settings):
        request = SimpleNamespace(registry=SimpleNamespace(settings=settings))
        response = Response()
        add_security_headers(NewResponse(request, response))
        return response.headers

    assert headers({"portal.hsts": "max-age=31536000"})["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in headers({})
    assert_security_headers(SimpleNamespace(headers=headers({})))


def test_production_ini_asks_for_hsts():
    ini = ConfigParser(interpolation=None)
    ini.read(Path(__file__).resolve().parents[3] / "production.ini")
    assert ini["app:main"]["portal.hsts"].startswith("max-age=")


# --- pages that the policy can hold -----------------------------------------------------------

def policy_breaches(page) -> list[str]:
    """Inline scripts, on*= handlers and javascript: addresses of a page (the CSP blocks them)."""
    found = []
    for script in page.html.find_all("script"):
        if not script.get("src") and script.get("type") != "application/json":
            found.append(f"inline <script>: {script.get_text()[:80]!r}")
    for tag in page.html.find_all(True):
        for name, value in tag.attrs.items():
            if name.lower().startswith("on"):
                found.append(f"<{tag.name} {name}=...>")
            if name in ("href", "src", "action", "formaction") and isinstance(value, str) \
                    and value.strip().lower().startswith("javascript:"):
                found.append(f"<{tag.name} {name}={value!r}>")
    return found


TEMPLATES = Path(__file__).resolve().parents[3] / "views" / "templates"
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
HANDLER = re.compile(r"<[a-z][^>]*?\son[a-z]+\s*=", re.I | re.S)


def template_breaches(root: Path = TEMPLATES) -> list[str]:
    """Inline scripts, on*= handlers and javascript: addresses written in the templates."""
    found = []
    for path in sorted(root.rglob("*.jinja2")):
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(root).as_posix()
        found += [f"{name}: {m.group(0)}" for m in INLINE_SCRIPT.finditer(text)]
        found += [f"{name}: {m.group(0)[-40:]}" for m in HANDLER.finditer(text)]
        found += [f"{name}: javascript:" for _ in re.finditer(r"javascript:", text, re.I)]
    return found


def test_no_template_holds_inline_script_nor_handlers():
    assert template_breaches() == [], "move them to static/js/ (data- attributes carry the data)"


def test_the_template_scan_sees_inline_script_and_handlers(tmp_path):
    (tmp_path / "a.jinja2").write_text(
        '<script src="/static/js/x.js"></script><script type="application/json">{{ x|tojson }}</script>'
        '<script>alert(1)</script><select class="x"\n onchange="go()"><a href="javascript:x()">')
    assert template_breaches(tmp_path) == ["a.jinja2: <script>", 'a.jinja2: <select class="x"\n onchange=',
                                           "a.jinja2: javascript:"]


@pytest.fixture
def records(dbsession, factory, request_for):
    """An organization, an event, a task and a published article, seen by an admin."""
    admin = factory.user(roles=["admin"])
    clients = ClientFactory(dbsession, factory)
    org = clients.organization("ООО «Ромашка»", manager=admin)
    contact = clients.contact("Иванов Иван Иванович", organization=org)
    event = CalendarFactory(dbsession, factory, request_for).event(admin, start=MONDAY)
    task = Task(author_id=admin.id, assignee_id=admin.id, due_has_time=True,
                due_at=utcnow() + dt.timedelta(days=2))
    task.set_title("Prepare the quarterly report")
    schedule_notices(task)
    dbsession.add(task)
    kb = KbFactory(dbsession, factory)
    folder = kb.folder("IT", slug="it")
    article = kb.article(folder, "VPN", body="## Connect\n\nUse **the** client.", slug="vpn")
    dbsession.flush()
    return {"admin": admin, "org": org, "contact": contact, "event": event, "task": task,
            "folder": url_of(dbsession, folder), "article": url_of(dbsession, article)}


def pages(r) -> list[str]:
    return [
        "/", "/clients/", f"/clients/{r['org'].id}", f"/clients/{r['org'].id}/edit", "/clients/add",
        f"/clients/{r['org'].id}/contacts/{r['contact'].id}", "/clients/contacts",
        "/clients/interactions/",
        "/calendar", "/calendar/add", f"/calendar/{r['event'].id}", f"/calendar/{r['event'].id}/edit",
        "/calendar/team", "/calendar/subscribe", "/calendar/rooms",
        "/tasks", "/tasks/add", f"/tasks/{r['task'].id}", f"/tasks/{r['task'].id}/edit",
        "/tasks/report", "/tasks/recurring",
        "/kb/", r["folder"], r["article"], r["article"] + "edit", r["article"] + "versions",
        r["article"] + "attachments", "/kb/add-folder", r["folder"] + "@@sharing",
        "/reports/", "/reports/activity", "/reports/advertising",
        "/admin/roles/@@matrix", "/admin/roles/sales", "/admin/roles/@@add", "/admin/users",
        "/admin/users/@@add", f"/admin/users/{r['admin'].id}", "/admin/departments",
        "/admin/audit", "/admin/classifiers", "/admin/access",
        "/people", f"/people/{r['admin'].login}", "/preferences", "/preferences/notifications",
        "/notifications", "/search?q=VPN", "/password",
    ]


def test_pages_carry_no_inline_script_nor_handlers(testapp, login_as, records):
    login_as(records["admin"])
    breaches = {}
    for path in pages(records):
        page = testapp.get(path, status="*")
        if page.status_int in (301, 302, 303):
            page = page.follow()
        assert page.status_int == 200, f"{path} answered {page.status}"
        assert_security_headers(page)
        if found := policy_breaches(page):
            breaches[path] = found
    assert not breaches, f"The Content-Security-Policy would block these: {breaches}"


def test_the_breach_finder_sees_inline_script_and_handlers(testapp):
    page = testapp.get("/login")
    assert policy_breaches(page) == []
    page.html.body.append(page.html.new_tag("script", string="alert(1)"))
    page.html.body.append(page.html.new_tag("button", attrs={"onclick": "x()"}))
    page.html.body.append(page.html.new_tag("a", attrs={"href": "javascript:x()"}))
    assert [re.sub(r":.*", "", b) for b in policy_breaches(page)] == [
        "inline <script>", "<button onclick=...>", "<a href='javascript"]
