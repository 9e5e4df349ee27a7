"""The notification inbox behind the bell: list, mark one read, mark all read, only one's own."""
from __future__ import annotations

import datetime as dt

from models.meta import utcnow
from models.notifications import Notification, notify


def bell(page) -> str:
    badge = page.html.select_one("#bell-count")
    return badge.text.strip() if badge is not None and "d-none" not in badge.get("class", []) else ""


def inbox_of(dbsession, user, *titles_and_urls):
    """Notifications for `user`, the first given the newest."""
    now = utcnow()
    notes = []
    for i, (title, url) in enumerate(titles_and_urls):
        note = notify(dbsession, user.id, title, body=f"About {title}", url=url)
        note.created_at = now - dt.timedelta(minutes=i)
        notes.append(note)
    dbsession.flush()
    return notes


def test_inbox_lists_own_notifications_newest_first(testapp, factory, login_as, dbsession):
    me = login_as("employee")
    other = factory.user()
    inbox_of(dbsession, me, ("Newest", ""), ("Older", "/people"))
    old = inbox_of(dbsession, me, ("Oldest", ""))[0]
    old.created_at -= dt.timedelta(days=3)
    old.read_at = utcnow()
    inbox_of(dbsession, other, ("Not for me", ""))

    page = testapp.get("/notifications")
    items = page.html.select("#notifications li.notification")
    titles = [li.select_one(".note-title").text.strip() for li in items]
    assert titles == ["Newest", "Older", "Oldest"]
    assert [("unread" in li["class"]) for li in items] == [True, True, False]
    assert "Not for me" not in page.text
    assert bell(page) == "2"
    unread_only = testapp.get("/notifications", params={"show": "unread"})
    assert len(unread_only.html.select("#notifications li.notification")) == 2


def test_mark_one_read_goes_to_its_page_and_lowers_the_bell(testapp, login_as, dbsession):
    me = login_as("employee")
    first, second = inbox_of(dbsession, me, ("Task assigned", "/people"), ("Other", ""))
    response = testapp.post_csrf("/notifications/read", {"id": first.id}, status=303)
    assert response.location == "http://example.com/people"
    dbsession.refresh(first)
    dbsession.refresh(second)
    assert first.read_at is not None and second.read_at is None
    assert bell(testapp.get("/notifications")) == "1"


def test_mark_read_with_htmx_answers_the_item_and_the_new_count(testapp, login_as, dbsession):
    me = login_as("employee")
    first, _second = inbox_of(dbsession, me, ("One", "/people"), ("Two", ""))
    token = testapp.csrf_token()
    response = testapp.post("/notifications/read", {"id": first.id, "go": "0"},
                            headers={"HX-Request": "true", "X-CSRF-Token": token}, status=200)
    item = response.html.select_one(f"#note-{first.id}")
    assert "unread" not in item["class"]
    assert response.html.select_one("#bell-count").text.strip() == "1"
    assert response.html.select_one("#unread-count").text.strip() == "1"


def test_mark_read_without_url_returns_to_the_inbox(testapp, login_as, dbsession):
    me = login_as("employee")
    note = inbox_of(dbsession, me, ("Plain", ""))[0]
    response = testapp.post_csrf("/notifications/read", {"id": note.id}, status=303)
    assert response.location.endswith("/notifications")


def test_foreign_urls_are_not_followed(testapp, login_as, dbsession):
    me = login_as("employee")
    note = inbox_of(dbsession, me, ("Phishing", "https://evil.example/"))[0]
    response = testapp.post_csrf("/notifications/read", {"id": note.id}, status=303)
    assert response.location.startswith("http://example.com/")


def test_cannot_mark_someone_elses_notification(testapp, factory, login_as, dbsession):
    login_as("employee")
    other = factory.user()
    theirs = inbox_of(dbsession, other, ("Private", "/people"))[0]
    testapp.post_csrf("/notifications/read", {"id": theirs.id}, status=404)
    testapp.post_csrf("/notifications/read", {"id": "not-a-number"}, status=404)
    dbsession.refresh(theirs)
    assert theirs.read_at is None


def test_mark_all_read_touches_only_mine(testapp, factory, login_as, dbsession):
    me = login_as("employee")
    other = factory.user()
    mine = inbox_of(dbsession, me, ("A", ""), ("B", ""))
    theirs = inbox_of(dbsession, other, ("C", ""))
    assert bell(testapp.get("/notifications")) == "2"
    testapp.post_csrf("/notifications/read-all", status=303)
    for note in mine + theirs:
        dbsession.refresh(note)
    assert all(n.read_at is not None for n in mine)
    assert theirs[0].read_at is None
    page = testapp.get("/notifications")
    assert bell(page) == ""
    assert page.html.select_one("#read-all") is None


def test_inbox_is_paginated(testapp, login_as, dbsession):
    me = login_as("employee")
    inbox_of(dbsession, me, *[(f"Note {i}", "") for i in range(35)])
    first = testapp.get("/notifications")
    assert len(first.html.select("li.notification")) == 30
    second = testapp.get("/notifications", params={"page": "2"})
    assert len(second.html.select("li.notification")) == 5


def test_marking_read_needs_csrf_and_a_login(testapp, login_as, dbsession):
    me = login_as("employee")
    note = inbox_of(dbsession, me, ("A", ""))[0]
    testapp.post("/notifications/read", {"id": note.id}, status=400)
    testapp.reset()
    testapp.get("/notifications", status=303)
    dbsession.refresh(note)
    assert note.read_at is None
    assert dbsession.get(Notification, note.id) is not None
