"""Hostile input at every form of the ticket pages (DESIGN.md §11): generated values (any
script, control characters, huge strings, numbers past 64 bits, non-ASCII digits, nothing at
all) in some fields of each form as the page shows it; no answer is a 5xx, and a refused form
stores nothing."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from portal.tickets import service
from tests.functional.core.test_hostile_forms import (
    HOSTILE,
    Poster,
    changed_tables,
    forms_on,
    snapshot,
    try_every_form,
    values,
    with_values,
)
from tests.functional.tickets.desk import desk  # noqa: F401

NEW_TICKET = ["subject", "description", "channel", "category", "priority", "queue",
              "organization", "contact", "requester_name", "requester_email", "requester_phone",
              "tags"]


def test_generated_values_at_every_ticket_form(testapp, dbsession, factory, desk):
    admin = factory.user("root", roles=["admin"])
    testapp.login(admin.login)
    ticket = desk.ticket(subject="Проверка форм", requester_email="c@example.org")
    token = service.after_transition(dbsession, ticket, "in_progress", "resolved")
    ticket.state = "in_progress"
    pages = [f"/tickets/{ticket.number}", "/tickets/add", "/tickets/settings",
             f"/tickets/settings?queue={desk.queue.id}", "/support", f"/support/rate/{token}",
             f"/tickets/{ticket.number}/draft-article"]
    tried = try_every_form(testapp, dbsession, pages)
    assert len(tried) >= 12, tried
    assert testapp.get(f"/tickets/{ticket.number}").status_int == 200


@HOSTILE
@given(changes=st.dictionaries(st.sampled_from(NEW_TICKET), values, min_size=1, max_size=4))
def test_generated_values_at_the_new_ticket_form(testapp, dbsession, desk, changes):
    testapp.login(desk.lead.login)
    poster = Poster(testapp)
    page = testapp.get("/tickets/add")
    [(action, fields)] = [(a, f) for a, f in forms_on(page) if a.endswith("/tickets/add")]
    before = snapshot(dbsession)
    good = {"subject": "Тема"}
    response = poster.post(action, with_values(fields, {**good, **changes}, {}))
    assert response.status_int < 500, changes
    if response.status_int != 303:
        assert changed_tables(before, snapshot(dbsession)) == {}, changes
