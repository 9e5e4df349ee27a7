"""Output encoding by construction (issue 10, DESIGN.md §11): no template marks data `|safe`
outside a short reviewed list, and hostile names (an organization, a classifier entry, a
department, a person) reach the report pages and their charts as text, never as markup."""
from __future__ import annotations

import datetime as dt
import json
import pathlib
import re

import pytest

from models.meta import utcnow
from models.tasks import Task, schedule_notices
from tests.functional.clients.conftest import ClientFactory

TEMPLATES = pathlib.Path(__file__).resolve().parents[3] / "views" / "templates"

# Every place a template may bypass autoescaping, reviewed: (template, expression).
REVIEWED = {
    # deform renders its forms through its own (chameleon) templates, which escape every value.
    ("forms/form.jinja2", "{{ form|safe }}"),
    ("admin/roles/edit.jinja2", "{{ form|safe }}"),
    ("account/tokens.jinja2", "{{ form|safe }}"),
}
# Sanitized HTML (KB articles: Markdown through nh3) reaches templates as Markup made in
# portal/kb, never through |safe in a template.

UNSAFE = re.compile(r"\{\{[^}]*?(\|\s*safe\b|Markup\s*\()[^}]*\}\}|\{%-?\s*autoescape\s+false"
                    r"|\|\s*safe\b|Markup\s*\(")

HOSTILE = "x</script><img src=x onerror=alert(1)>"


def unsafe_uses(root: pathlib.Path = TEMPLATES) -> set[tuple[str, str]]:
    """(template, expression) for every |safe, Markup( or autoescape false in the templates."""
    found = set()
    for path in sorted(root.rglob("*.jinja2")):
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(root).as_posix()
        for match in re.finditer(r"\{\{.*?\}\}|\{%.*?%\}", text, flags=re.S):
            if UNSAFE.search(match.group(0)):
                found.add((name, " ".join(match.group(0).split())))
    return found


def test_no_template_marks_data_safe_outside_the_reviewed_list():
    unreviewed = unsafe_uses() - REVIEWED
    assert not unreviewed, (
        "These template expressions bypass autoescaping; pass JSON through |tojson or a data-"
        f"attribute, or review them and add them to REVIEWED: {sorted(unreviewed)}")


def test_the_scan_sees_safe_and_markup(tmp_path):
    (tmp_path / "a.jinja2").write_text('<script>{{ chart_json|safe }}</script>{{ x | safe }}')
    (tmp_path / "b.jinja2").write_text("{{ Markup(x) }}{% autoescape false %}{{ y }}{% endautoescape %}")
    (tmp_path / "c.jinja2").write_text("{{ chart|tojson }} {{ name }} {{ form|safe }}")
    assert unsafe_uses(tmp_path) == {
        ("a.jinja2", "{{ chart_json|safe }}"), ("a.jinja2", "{{ x | safe }}"),
        ("b.jinja2", "{{ Markup(x) }}"), ("b.jinja2", "{% autoescape false %}"),
        ("c.jinja2", "{{ form|safe }}"),
    }


JSON_BLOCK = re.compile(r'<script\s+type="application/json"[^>]*>(.*?)</script>', re.S)
TOJSON_IN_DOUBLE_QUOTES = re.compile(r'="[^"]*\{\{[^}]*\|\s*tojson(?!\s*\|\s*forceescape)[^}]*\}\}')


def json_misuses(root: pathlib.Path = TEMPLATES) -> list[str]:
    """JSON blocks not filled by one `tojson` expression, and `tojson` written into a "..."
    attribute without `forceescape` (tojson leaves double quotes as they are)."""
    found = []
    for path in sorted(root.rglob("*.jinja2")):
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(root).as_posix()
        for block in JSON_BLOCK.finditer(text):
            if not re.fullmatch(r"\s*\{\{.*\|\s*tojson\s*\}\}\s*", block.group(1), flags=re.S):
                found.append(f"{name}: JSON block {block.group(1)[:60]!r}")
        for match in TOJSON_IN_DOUBLE_QUOTES.finditer(text):
            found.append(f"{name}: {match.group(0)[:80]!r}")
    return found


def test_json_reaches_pages_through_tojson_only():
    assert json_misuses() == []


def test_the_json_scan_sees_misuses(tmp_path):
    (tmp_path / "a.jinja2").write_text(
        '<script type="application/json" id="x">{{ chart_json }}</script>'
        '<script type="application/json" id="y">{{ chart|tojson }}</script>'
        '<div data-a="{{ chart|tojson }}" data-b="{{ chart|tojson|forceescape }}"'
        " data-c='{{ chart|tojson }}'></div>")
    assert json_misuses(tmp_path) == ["a.jinja2: JSON block '{{ chart_json }}'",
                                      """a.jinja2: '="{{ chart|tojson }}'"""]


# --- hostile names on the report pages ------------------------------------------------------

def chart_data(page) -> dict:
    """The chart's data as the page's script reads it."""
    canvas = page.html.select_one("canvas[data-chart]")
    if canvas is not None:
        return json.loads(canvas["data-chart"])
    return json.loads(page.html.select_one("#chart-data").get_text())


def assert_only_text(page) -> None:
    assert "<img" not in page.text, "a name was written into the page as markup"
    assert "</script><" not in page.text
    assert "onerror=alert(1)>" not in page.text


MSK = dt.timezone(dt.timedelta(hours=3))
PERIOD = {"from": "2025-03-01", "to": "2025-03-31"}


@pytest.fixture
def hostile_clients(dbsession, factory):
    """An organization, its manager and its advertising source, all named HOSTILE, with a call."""
    clients = ClientFactory(dbsession, factory)
    manager = factory.user(roles=["sales"], full_name=HOSTILE,
                           departments=[factory.department(HOSTILE)])
    source = clients.classifier("source", HOSTILE)
    org = clients.organization(HOSTILE, manager=manager, source=source, stage="purchase",
                               created_at=dt.datetime(2025, 3, 2, 12, tzinfo=MSK))
    clients.interaction(responsible=manager, organization=org, kind="call",
                        planned_at=dt.datetime(2025, 3, 3, 12, tzinfo=MSK),
                        done_at=dt.datetime(2025, 3, 3, 15, tzinfo=MSK))
    return org


@pytest.mark.parametrize("group", ["organization", "employee"])
def test_activity_report_shows_hostile_names_as_text(testapp, login_as, hostile_clients, group):
    login_as("director")
    page = testapp.get("/reports/activity", {**PERIOD, "by": group})
    assert_only_text(page)
    assert HOSTILE in chart_data(page)["labels"]
    assert HOSTILE in [td.get_text() for td in page.html.select("#report-table tbody td")]


def test_advertising_report_shows_a_hostile_source_as_text(testapp, login_as, hostile_clients):
    login_as("director")
    page = testapp.get("/reports/advertising", PERIOD)
    assert_only_text(page)
    assert HOSTILE in chart_data(page)["labels"]


@pytest.fixture
def hostile_tasks(dbsession, factory):
    """A late task of a person and a department both named HOSTILE."""
    dept = factory.department(HOSTILE)
    person = factory.user(departments=[dept], full_name=HOSTILE)
    author = factory.user()
    now = utcnow()
    task = Task(author_id=author.id, assignee_id=person.id, department_id=dept.id,
                due_at=now - dt.timedelta(days=3), due_has_time=True, state="done",
                done_at=now - dt.timedelta(days=1))
    task.set_title("Late task")
    schedule_notices(task)
    dbsession.add(task)
    dbsession.flush()
    return task


@pytest.mark.parametrize("group", ["person", "department"])
def test_task_discipline_report_shows_hostile_names_as_text(testapp, login_as, hostile_tasks,
                                                            group):
    login_as("director")
    today = dt.date.today()
    page = testapp.get("/tasks/report", {"from": (today - dt.timedelta(days=10)).isoformat(),
                                         "to": (today + dt.timedelta(days=10)).isoformat(),
                                         "by": group})
    assert_only_text(page)
    assert HOSTILE in chart_data(page)["labels"]
