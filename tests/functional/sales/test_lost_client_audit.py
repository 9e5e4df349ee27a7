"""A client marked lost is told in words in the audit log (issue 15): the date, the reason by its
name and the comment, never the columns lost_on, lost_reason_id, lost_note or the reason's id."""
from __future__ import annotations

import datetime as dt

from tests.functional.sales.test_audit import audit_text, commit_point


def test_a_lost_client_is_told_in_words(sales_world, testapp, login_as):
    w = sales_world
    org = w.north_client
    commit_point(w.db)
    reason = w.client_lost_reasons["competitor"]
    org.lost_on = dt.date(2026, 3, 15)
    org.lost_reason_id = reason.id
    org.lost_note = "ушли к конкуренту"
    commit_point(w.db)
    text = audit_text(testapp, login_as, "organizations")
    assert f"Changed organization {org.name}" in text
    assert "client lost reason: — Went to a competitor" in text
    assert "why the client left:" in text and "ушли к конкуренту" in text
    assert "lost on:" in text
    for raw in ("lost_on", "lost_reason_id", "lost_note", "2026-03-15"):
        assert raw not in text
