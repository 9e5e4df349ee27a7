"""Hostile input at the forms (DESIGN.md §11, issue 10): as the admin, every form of the pages
below is read from the page as a browser would send it, then some of its fields are replaced by
generated values (text in any script, control characters and NULs, huge strings, numbers past
64 bits, digits that are not ASCII, dates out of any window, nothing at all) and it is sent.
No answer is a 5xx, and a refused form (4xx, or the form shown again) stores nothing: no table
gains or loses a row, and the record being edited keeps what it had.

test_hostile_input.py covers the client forms and the other add forms field by field; this file
covers the event form (new, edit, drag and drop), the knowledge base's article form, the
interaction forms and every other form the pages below show.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.calendar import Event
from models.clients import Interaction
from models.kb import Article, KbFolder
from models.meta import Base

# One login and one doomed transaction per test: the examples share them (and stay fast).
HOSTILE = settings(max_examples=25, deadline=None, derandomize=True,
                   suppress_health_check=[HealthCheck.function_scoped_fixture,
                                          HealthCheck.too_slow])
HOSTILE_FEW = settings(HOSTILE, max_examples=6)

CONTROL = "".join(chr(c) for c in range(32) if chr(c) not in "\t\n\r") + "\x7f\x85"
values = st.one_of(
    st.text(max_size=30),
    st.text(st.sampled_from(CONTROL + "ab1 -:"), min_size=1, max_size=10),
    st.integers(min_value=201, max_value=30000).map(lambda n: "Я" * n),
    st.text(st.characters(categories=["Nd", "No"]), min_size=1, max_size=4),
    st.integers(min_value=2**31 - 1, max_value=10**30).map(str),
    st.sampled_from([
        "", " ", "\x00", "a\x00b", "\u202e", "\ufeff", "%FF", "<script>x</script>", "-1", "0", "²",
        "١٢", "1e999", "NaN", "Infinity", "99999999999999999999", str(2**63), str(2**64),
        "0001-01-01", "9999-12-31", "0000-00-00", "2027-02-30", "31.02.2020", "1899-12-31",
        "2201-01-01", "24:00", "23:60", "99:99", "-01:00", "0001-01-01T00:00", "9999-12-31T23:59",
        "DAILY", "WEEKLY", "YEARLY", "MONTHLY", "count", "until", "1000", "1001", "366", "367",
        "dept:99999999999", "dept:²", "personal", "company", "client", "contact", "ticket",
        "call", "meeting", "email", "log", "plan", "on", "1", "true",
    ]),
)


# --- reading a form as the browser sends it -----------------------------------------------------

def forms_on(page) -> list[tuple[str, list[tuple[str, str]]]]:
    """(action, [(name, value)]) of every POST form of the page, filled as it is shown."""
    soup = BeautifulSoup(page.text, "html.parser")
    out = []
    for form in soup.find_all("form"):
        if (form.get("method") or "get").lower() != "post":
            continue
        fields: list[tuple[str, str]] = []
        for el in form.find_all(["input", "select", "textarea"]):
            name = el.get("name")
            if not name or el.has_attr("disabled"):
                continue
            if el.name == "textarea":
                fields.append((name, el.text))
            elif el.name == "select":
                chosen = el.find_all("option", selected=True) or el.find_all("option")[:1]
                fields.extend((name, o.get("value", o.text)) for o in chosen)
            elif el.get("type") in ("checkbox", "radio"):
                if el.has_attr("checked"):
                    fields.append((name, el.get("value", "on")))
            elif el.get("type") not in ("file", "submit", "button", "image", "reset"):
                fields.append((name, el.get("value", "")))
        action = form.get("action") or page.request.path_qs
        out.append((re.sub(r"^https?://[^/]+", "", action), fields))
    return out


def with_values(fields, changes: dict, extra: dict) -> list[tuple[str, str]]:
    """The form's fields with `changes` in place of their values (and `extra` fields added)."""
    out = [(n, changes.get(n, v)) for n, v in fields if n != "csrf_token"]
    names = {n for n, _v in out}
    out += [(n, v) for n, v in {**extra, **changes}.items() if n not in names]
    return out


# Sessions and the counters of throttles (log-ins, the public ticket form): a refused attempt
# counts too, or a flood of bad ones would never be slowed down.
IGNORED_TABLES = {"sessions", "user_sessions", "login_attempts", "login_log", "throttle",
                  "login_throttle", "transaction", "alembic_version", "ticket_intake_attempts"}


def snapshot(dbsession) -> dict[str, int]:
    """Rows per table (those a refused form must not change)."""
    dbsession.flush()
    tables = [t for t in Base.metadata.sorted_tables
              if t.name not in IGNORED_TABLES and not t.name.endswith("_version")]
    query = sa.union_all(*[sa.select(sa.literal(t.name).label("name"),
                                     sa.func.count().label("n")).select_from(t) for t in tables])
    return dict(dbsession.execute(query).all())


def changed_tables(before: dict, after: dict) -> dict:
    return {name: (before[name], after[name]) for name in before if before[name] != after[name]}


class Poster:
    """Sends a form as the logged-in test app, with the session's CSRF token."""

    def __init__(self, testapp):
        self.app = testapp
        self.token = testapp.csrf_token()

    def post(self, url, params):
        return self.app.post(url, [*params, ("csrf_token", self.token)], status="*",
                             expect_errors=True)


def refused(response) -> bool:
    return response.status_int >= 400 or (
        response.status_int == 200 and "text/html" in response.content_type)


# --- the records the forms are about ----------------------------------------------------------------

@pytest.fixture
def admin(login_as):
    return login_as("admin")


@pytest.fixture
def records(dbsession, factory, admin, request_for):
    """An organization with a contact, an interaction, a room, an event, a KB folder with an
    article, and a task: the records whose forms are tried."""
    from models.calendar import Room
    from models.clients import Contact, Organization
    from models.kb import ArticleVersion
    from models.tasks import Task
    from portal.calendar.changes import EventInput, create_event

    org = Organization(name="ООО «Вектор»", manager=admin)
    dbsession.add(org)
    dbsession.flush()
    contact = Contact(full_name="Сидоров Пётр", organization=org)
    dbsession.add(contact)
    item = Interaction(kind="call", responsible=admin, author=admin, organization=org,
                       contact=contact, subject="Цены", planned_at=dt.datetime(2031, 3, 3, 7, tzinfo=dt.UTC))
    room = Room(name="Нева", kind="room", capacity=8)
    folder = KbFolder(title="Регламенты", slug="rules")
    dbsession.add_all([item, room, folder])
    dbsession.flush()
    article = Article(folder_id=folder.id, title="Отпуск", slug="leave", body="Текст.",
                      summary="", state="published", author_id=admin.id)
    dbsession.add(article)
    dbsession.flush()
    dbsession.add(ArticleVersion(article_id=article.id, number=1, title=article.title, summary="",
                                 body=article.body, tags="", author_id=admin.id))
    start = dt.datetime(2031, 3, 3, 7, tzinfo=dt.UTC)
    event = create_event(request_for(admin), EventInput(
        title="Планёрка", start=start, end=start + dt.timedelta(hours=1), timezone="Europe/Moscow",
        room_ids=[room.id])).event
    series = create_event(request_for(admin), EventInput(
        title="Еженедельная", start=start + dt.timedelta(hours=3),
        end=start + dt.timedelta(hours=4), timezone="Europe/Moscow",
        rrule="FREQ=WEEKLY;COUNT=4")).event
    task = Task(title="Отчёт за март", author_id=admin.id, assignee_id=admin.id)
    dbsession.add(task)
    dbsession.flush()
    return {"org": org, "contact": contact, "interaction": item, "room": room, "event": event,
            "series": series, "folder": folder, "article": article, "task": task,
            "admin": admin}


def one_form(testapp, url: str, form_id: str | None = None):
    """(action, fields) of the page's form with that id (or its first POST form)."""
    page = testapp.get(url, status=200)
    if form_id is not None:
        soup = BeautifulSoup(page.text, "html.parser")
        form = soup.find("form", id=form_id)
        assert form is not None, (url, form_id)
        page_forms = forms_on(page)
        all_forms = [f for f in soup.find_all("form") if (f.get("method") or "").lower() == "post"]
        return page_forms[all_forms.index(form)]
    return forms_on(page)[0]


# --- the event form ---------------------------------------------------------------------------------

EVENT_FIELDS = ["title", "calendar", "timezone", "all_day", "start_date", "start_time", "end_date",
                "end_time", "location", "guests", "visibility", "description", "freq", "interval",
                "byday", "monthly_by", "ends", "until", "count", "reminder", "link_type", "link_id",
                "rooms", "people", "departments", "guest_contacts"]
EVENT_GOOD = {"title": "Совещание", "start_date": "2031-03-04", "start_time": "10:00",
              "end_date": "2031-03-04", "end_time": "11:00"}


def event_state(dbsession, event: Event) -> tuple:
    dbsession.refresh(event)
    return (event.title, event.start_at, event.end_at, event.rrule, event.location,
            event.description, event.sequence)


@HOSTILE
@given(changes=st.dictionaries(st.sampled_from(EVENT_FIELDS), values, min_size=1, max_size=4))
def test_generated_values_at_the_new_event_form(testapp, dbsession, records, changes):
    poster = Poster(testapp)
    action, fields = one_form(testapp, "/calendar/add", "event-form")
    before = snapshot(dbsession)
    response = poster.post(action, with_values(fields, {**EVENT_GOOD, **changes}, {}))
    assert response.status_int < 500, changes
    if refused(response):
        assert changed_tables(before, snapshot(dbsession)) == {}, changes
    else:
        event = dbsession.scalars(sa.select(Event).order_by(Event.id.desc())).first()
        assert not any(ch in CONTROL for ch in event.title + event.location + event.description)
        testapp.get(f"/calendar/{event.id}", status=200)


@HOSTILE
@given(changes=st.dictionaries(st.sampled_from([*EVENT_FIELDS, "scope"]), values, min_size=1,
                               max_size=4),
       which=st.sampled_from(["event", "series"]))
def test_generated_values_at_the_edit_event_form(testapp, dbsession, records, changes, which):
    poster = Poster(testapp)
    event = records[which]
    url = f"/calendar/{event.id}/edit"
    action, fields = one_form(testapp, url, "event-form")
    before, state = snapshot(dbsession), event_state(dbsession, event)
    response = poster.post(action, with_values(fields, changes, {}))
    assert response.status_int < 500, changes
    if refused(response):
        assert changed_tables(before, snapshot(dbsession)) == {}, changes
        assert event_state(dbsession, event) == state, changes
    else:
        testapp.get(f"/calendar/{event.id}", status=200)


MOVE_VALUES = st.one_of(values, st.sampled_from([
    "2031-03-05T10:00", "2031-03-05T10:00:00", "2031-03-05", "2031-03-05T25:00", "0001-01-01T00:00",
    "9999-12-31T23:59", "1900-01-01T00:00", "2200-12-31T23:00", "2201-01-01T00:00",
    "2031-03-30T02:30", "2031-03-05T10:00+05:00"]))


@HOSTILE
@given(start=MOVE_VALUES, end=MOVE_VALUES, all_day=st.sampled_from(["", "1", "true", "\x00"]),
       at=st.sampled_from(["", "20310303T100000Z", "20310310T100000Z", "x", "99999999T999999Z"]),
       which=st.sampled_from(["event", "series"]))
def test_generated_drag_and_drop_moves(testapp, dbsession, records, start, end, all_day, at,
                                       which):
    poster = Poster(testapp)
    event = records[which]
    before, state = snapshot(dbsession), event_state(dbsession, event)
    response = poster.post(f"/calendar/{event.id}/move",
                           [("start", start), ("end", end), ("allDay", all_day), ("at", at)])
    assert response.status_int < 500, (start, end)
    if response.status_int >= 400:
        assert response.json["ok"] is False and response.json["message"]
        assert changed_tables(before, snapshot(dbsession)) == {}, (start, end)
        assert event_state(dbsession, event) == state, (start, end)


@pytest.mark.parametrize("start, end", [
    ("0001-01-01T00:00", "0001-01-01T01:00"), ("9999-12-31T22:59", "9999-12-31T23:59"),
    ("garbage", "2031-03-03T11:00"), ("2031-03-03T10:00", ""), ("1899-12-31T10:00", "1899-12-31T11:00"),
    ("2031-02-30T10:00", "2031-02-30T11:00")])
@pytest.mark.parametrize("all_day", ["", "1"])
def test_a_move_to_a_time_the_calendar_cannot_hold_is_refused_and_changes_nothing(
        testapp, dbsession, records, start, end, all_day):
    event = records["event"]
    state = event_state(dbsession, event)
    response = Poster(testapp).post(f"/calendar/{event.id}/move",
                                    [("start", start), ("end", end), ("allDay", all_day)])
    assert response.status_int == 400
    assert response.json["ok"] is False
    assert event_state(dbsession, event) == state


def test_a_move_outside_the_years_says_which_years_in_the_users_language(testapp, dbsession,
                                                                         records):
    from models.people import User

    admin = dbsession.scalar(sa.select(User).where(User.id == records["event"].organizer_id))
    admin.language = "ru"
    dbsession.flush()
    response = Poster(testapp).post(f"/calendar/{records['event'].id}/move",
                                    [("start", "0001-01-01T00:00"), ("end", "0001-01-01T01:00")])
    assert response.status_int == 400
    assert "1900" in response.json["message"] and "2200" in response.json["message"]


def test_the_event_form_refuses_an_over_long_text_and_strips_control_characters(
        testapp, dbsession, records):
    poster = Poster(testapp)
    action, fields = one_form(testapp, "/calendar/add", "event-form")
    before = snapshot(dbsession)
    page = poster.post(action, with_values(fields, {**EVENT_GOOD, "location": "Я" * 201,
                                                    "description": "x" * 20001}, {}))
    assert page.status_int == 400 and "Please correct the errors below" in page.text
    assert "At most 200 characters" in page.text and "At most 20000 characters" in page.text
    assert changed_tables(before, snapshot(dbsession)) == {}
    response = poster.post(action, with_values(fields, {
        **EVENT_GOOD, "title": "План\x00ёрка\x07", "location": "\x1bЗал", "description": "a\tb\r\nc\x00d"},
        {}))
    assert response.status_int == 303
    event = dbsession.scalars(sa.select(Event).order_by(Event.id.desc())).first()
    assert (event.title, event.location, event.description) == ("Планёрка", "Зал", "a\tb\ncd")


# --- the knowledge base's article form ------------------------------------------------------------

ARTICLE_FIELDS = ["title", "slug", "summary", "body", "tags", "folder", "folder_id", "related",
                  "must_read", "must_read_department", "version", "comment", "state"]


def article_state(dbsession, article: Article) -> tuple:
    dbsession.refresh(article)
    return (article.title, article.body, article.slug, article.folder_id, article.version)


def address_of(dbsession, article: Article) -> str:
    """/kb/<folder>/…/<article>/ as it is now (an accepted edit may rename or move it)."""
    dbsession.refresh(article)
    parts, folder_id = [article.slug], article.folder_id
    while folder_id is not None:
        folder = dbsession.get(KbFolder, folder_id)
        parts.append(folder.slug)
        folder_id = folder.parent_id
    return "/kb/" + "".join(f"{p}/" for p in reversed(parts))


@HOSTILE
@given(changes=st.dictionaries(st.sampled_from(ARTICLE_FIELDS), values, min_size=1, max_size=4))
def test_generated_values_at_the_new_article_form(testapp, dbsession, records, changes):
    poster = Poster(testapp)
    action, fields = one_form(testapp, "/kb/rules/@@add-article", "article-form")
    before = snapshot(dbsession)
    response = poster.post(action, with_values(
        fields, {"title": "Командировки", "body": "Порядок.", **changes}, {}))
    assert response.status_int < 500, changes
    if refused(response):
        assert changed_tables(before, snapshot(dbsession)) == {}, changes


@HOSTILE
@given(changes=st.dictionaries(st.sampled_from(ARTICLE_FIELDS), values, min_size=1, max_size=4))
def test_generated_values_at_the_edit_article_form(testapp, dbsession, records, changes):
    poster = Poster(testapp)
    article = records["article"]
    action, fields = one_form(testapp, address_of(dbsession, article) + "@@edit", "article-form")
    before, state = snapshot(dbsession), article_state(dbsession, article)
    response = poster.post(action, with_values(fields, changes, {}))
    assert response.status_int < 500, changes
    if refused(response):
        assert changed_tables(before, snapshot(dbsession)) == {}, changes
        assert article_state(dbsession, article) == state, changes


# --- the interaction forms --------------------------------------------------------------------------

INTERACTION_FIELDS = ["mode", "kind", "direction", "organization", "organization_name", "contact",
                      "subject", "text", "date", "time", "responsible", "color", "result",
                      "result_text", "version", "steps-0-kind", "steps-0-responsible",
                      "steps-0-date", "steps-0-time", "steps-0-subject", "add_step", "remove_step"]


@HOSTILE
@given(changes=st.dictionaries(st.sampled_from(INTERACTION_FIELDS), values, min_size=1,
                               max_size=4))
def test_generated_values_at_the_new_interaction_form(testapp, dbsession, records, changes):
    poster = Poster(testapp)
    org = records["org"]
    action, fields = one_form(testapp, f"/clients/interactions/@@add?organization={org.id}")
    before = snapshot(dbsession)
    response = poster.post(action, with_values(
        fields, {"subject": "Звонок", "date": "2031-03-03", "time": "10:00", **changes}, {}))
    assert response.status_int < 500, changes
    if refused(response):
        assert changed_tables(before, snapshot(dbsession)) == {}, changes


@HOSTILE
@given(changes=st.dictionaries(st.sampled_from(INTERACTION_FIELDS), values, min_size=1,
                               max_size=4))
def test_generated_values_at_the_edit_interaction_form(testapp, dbsession, records, changes):
    poster = Poster(testapp)
    item = records["interaction"]
    action, fields = one_form(testapp, f"/clients/interactions/{item.id}/@@edit")
    before = snapshot(dbsession)
    dbsession.refresh(item)
    state = (item.subject, item.planned_at, item.kind, item.organization_id, item.contact_id)
    response = poster.post(action, with_values(fields, changes, {}))
    assert response.status_int < 500, changes
    if refused(response):
        assert changed_tables(before, snapshot(dbsession)) == {}, changes
        dbsession.refresh(item)
        assert (item.subject, item.planned_at, item.kind, item.organization_id,
                item.contact_id) == state, changes


# --- every other form of these pages ------------------------------------------------------------------

def other_pages(records) -> list[str]:
    """Pages whose POST forms are tried (some forms repeat on several; each action once)."""
    org, contact, item, room = (records[k] for k in ("org", "contact", "interaction", "room"))
    event, series = records["event"], records["series"]
    return [
        f"/clients/{org.id}/edit", f"/clients/contacts/{contact.id}/edit", f"/clients/{org.id}",
        f"/clients/interactions/{item.id}", f"/clients/interactions/{item.id}/@@result",
        f"/clients/interactions/{item.id}/@@reschedule", "/clients/interactions/settings",
        f"/calendar/{event.id}", f"/calendar/{series.id}", "/calendar/rooms/add",
        f"/calendar/rooms/{room.id}/edit", "/calendar/import", "/calendar/subscribe",
        "/kb/rules/leave/", "/kb/rules/@@edit", "/kb/rules/@@move", "/kb/rules/@@sharing",
        "/kb/rules/leave/@@move", "/preferences", "/preferences/notifications", "/password",
        f"/tasks/{records['task'].id}", f"/tasks/{records['task'].id}/edit",
        f"/admin/users/{records['admin'].id}", f"/admin/users/{records['admin'].id}/edit",
        f"/admin/departments/{records['admin'].memberships[0].department_id}",
        "/admin/roles/matrix", "/admin/classifiers", "/admin/access",
    ]


LEAVE_ALONE = ("/logout", "/language", "subscribe", "end-others", "revoke", "/delete")


def other_forms(testapp, records) -> list[tuple[str, list]]:
    seen, out = set(), []
    for url in other_pages(records):
        page = testapp.get(url, status="*")
        if page.status_int != 200:
            continue
        for action, fields in forms_on(page):
            key = (action.split("?")[0], tuple(sorted({n for n, _v in fields})))
            if key in seen or any(word in action for word in LEAVE_ALONE):
                continue
            seen.add(key)
            out.append((action, fields))
    return out


def test_generated_values_at_every_other_form_of_the_pages(testapp, dbsession, records):
    poster = Poster(testapp)
    forms = other_forms(testapp, records)
    assert len(forms) >= 10, [a for a, _f in forms]
    for action, fields in forms:
        hostile_check(dbsession, poster, action, fields)()


def try_every_form(testapp, dbsession, urls) -> list[str]:
    """`hostile_check` each POST form of these pages once (one action with one set of fields);
    the actions tried."""
    poster = Poster(testapp)
    seen, tried = set(), []
    for url in urls:
        page = testapp.get(url, status="*")
        for action, fields in forms_on(page):
            key = (action.split("?")[0], tuple(sorted({n for n, _v in fields})))
            if key in seen or any(word in action for word in LEAVE_ALONE):
                continue
            seen.add(key)
            tried.append(action)
            hostile_check(dbsession, poster, action, fields)()
    return tried


def hostile_check(dbsession, poster, action: str, fields: list):
    """A hypothesis test of one form: generated values in some of its fields."""
    names = sorted({n for n, _v in fields if n != "csrf_token"}) or ["q"]

    @HOSTILE_FEW
    @given(changes=st.dictionaries(st.sampled_from(names), values, min_size=1, max_size=3))
    def check(changes):
        before = snapshot(dbsession)
        response = poster.post(action, with_values(fields, changes, {}))
        assert response.status_int < 500, (action, changes)
        if response.status_int >= 400:
            assert changed_tables(before, snapshot(dbsession)) == {}, (action, changes)

    return check





DATES = ["0001-01-01", "9999-12-31", "2027-02-30", "1899-12-31", "2201-01-01", "²٠٢٠-01-01", "\x00",
         "99999999999999999999", "31.12.9999"]
TIMES = ["24:00", "23:60", "99:99", "-01:00", "²:00", "\x00", "23:59:60"]


def test_dates_and_times_out_of_any_window_at_every_dated_form(testapp, dbsession, records):
    poster = Poster(testapp)
    item, org, task = records["interaction"], records["org"], records["task"]
    valid = {"subject": "Звонок", "title": "Совещание", "steps-0-subject": "Перезвонить",
             "steps-0-kind": "call", "freq": "DAILY", "ends": "until"}
    failed = []
    for url, form_id, names in [
        (f"/clients/interactions/@@add?organization={org.id}", None,
         ["date", "time", "steps-0-date", "steps-0-time"]),
        (f"/clients/interactions/{item.id}/@@edit", None, ["date", "time"]),
        (f"/clients/interactions/{item.id}/@@result", None, ["steps-0-date", "steps-0-time"]),
        (f"/clients/interactions/{item.id}/@@reschedule", None, ["date", "time"]),
        (f"/tasks/{task.id}/edit", None, ["due_date", "due_time"]),
        ("/tasks/add", None, ["due_date", "due_time"]),
        ("/calendar/add", "event-form", ["start_date", "end_date", "until", "start_time", "end_time"]),
    ]:
        action, fields = one_form(testapp, url, form_id)
        for name in names:
            for value in DATES + TIMES:
                response = poster.post(action, with_values(fields, {**valid, name: value}, {}))
                if response.status_int >= 500:
                    failed.append((url, name, value))
    assert failed == []

