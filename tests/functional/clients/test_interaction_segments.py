"""Saved segments of the interactions list: save the current filter under a name, see one's own
segments, open one, delete one's own (never someone else's)."""
from __future__ import annotations

import sqlalchemy as sa

from models.clients import SavedSegment
from models.meta import utcnow


def segments_of(dbsession, user) -> list[SavedSegment]:
    return list(dbsession.scalars(sa.select(SavedSegment).where(SavedSegment.user_id == user.id)
                                  .order_by(SavedSegment.name)))


def test_the_filter_is_saved_listed_opened_and_deleted(testapp, dbsession, login_as, clients):
    me = login_as("employee")
    org = clients.organization("ООО «Вектор»", manager=me)
    clients.interaction(responsible=me, organization=org, kind="meeting", subject="Встреча",
                        planned_at=utcnow(), done_at=utcnow())
    clients.interaction(responsible=me, organization=org, kind="call", subject="Звонок",
                        planned_at=utcnow(), done_at=utcnow())
    page = testapp.get("/clients/interactions/?kind=meeting&state=done&page=2")
    form = page.forms["save-segment"]
    assert form["query"].value == "state=done&kind=meeting"  # the filter, not the page
    form["name"] = "  Прошедшие   встречи "
    saved = form.submit(status=303)
    assert saved.headers["Location"].endswith("/clients/interactions/?state=done&kind=meeting")
    (segment,) = segments_of(dbsession, me)
    assert (segment.area, segment.name, segment.query) == (
        "interactions", "Прошедшие встречи", "state=done&kind=meeting")
    # Listed on the list, as a link to the filtered list, marked when it is the current one.
    page = testapp.get("/clients/interactions/")
    link = page.html.select_one("#segments .segment a")
    assert link.text == "Прошедшие встречи"
    opened = testapp.get(link["href"])
    assert "Встреча" in opened.html.select_one("#ix-list").text
    assert "Звонок" not in opened.html.select_one("#ix-list").text
    assert opened.html.select_one("#segments .active-segment") is not None
    # The same name again replaces its filter.
    testapp.post_csrf("/clients/interactions/@@segments",
                      {"name": "Прошедшие встречи", "query": "state=done&kind=call"}, status=303)
    (segment,) = segments_of(dbsession, me)
    assert segment.query == "state=done&kind=call"
    testapp.post_csrf("/clients/interactions/@@segments", {"delete": str(segment.id)},
                      status=303)
    assert segments_of(dbsession, me) == []


def test_segments_are_each_persons_own(testapp, dbsession, factory, login_as):
    other = factory.user()
    theirs = SavedSegment(user_id=other.id, area="interactions", name="Чужой", query="kind=call")
    dbsession.add(theirs)
    dbsession.flush()
    me = login_as("employee")
    page = testapp.get("/clients/interactions/")
    assert "Чужой" not in page.html.select_one("#segments").text
    testapp.post_csrf("/clients/interactions/@@segments", {"delete": str(theirs.id)}, status=303)
    assert dbsession.get(SavedSegment, theirs.id) is not None
    # The organization list's segments are not the interaction list's either.
    mine = SavedSegment(user_id=me.id, area="organizations", name="Клиенты", query="kind=client")
    dbsession.add(mine)
    dbsession.flush()
    assert "Клиенты" not in testapp.get("/clients/interactions/").html.select_one(
        "#segments").text
    testapp.post_csrf("/clients/interactions/@@segments", {"delete": str(mine.id)}, status=303)
    assert dbsession.get(SavedSegment, mine.id) is not None


def test_a_segment_needs_a_name_and_the_token(testapp, dbsession, login_as):
    me = login_as("employee")
    testapp.post_csrf("/clients/interactions/@@segments", {"name": "  ", "query": "kind=call"},
                      status=303)
    assert segments_of(dbsession, me) == []
    assert "Give the segment a name." in testapp.get("/clients/interactions/?kind=call").text
    testapp.post("/clients/interactions/@@segments", {"name": "Без токена", "query": "kind=call"},
                 status=400)
    assert segments_of(dbsession, me) == []


def test_the_default_list_offers_no_segment_to_save(testapp, login_as):
    login_as("employee")
    page = testapp.get("/clients/interactions/")
    assert page.html.select_one("#save-segment") is None
    assert page.html.select_one("#segments-empty") is not None
