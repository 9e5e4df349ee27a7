"""The client card's "Show earlier" in a real Chromium (issue 11): the card shows the latest 15
of what happened; each click adds the next ones to the list in place, newest first and none
twice, until the first, when the button goes."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from tests.browser.conftest import live_engine, log_in


def long_history(calls: int) -> int:
    """A client of Орлова's with `calls` calls done, one a day (in the live server's database)."""
    from models.clients import Interaction, Organization
    from models.people import User

    now = dt.datetime.now(dt.UTC)
    with sa.orm.Session(live_engine()) as db:
        orlova = db.scalar(sa.select(User).where(User.login == "orlova"))
        org = Organization(name="ООО «Долгая история»", manager=orlova,
                           department_id=orlova.memberships[0].department_id)
        db.add(org)
        db.flush()
        for i in range(calls):
            at = now - dt.timedelta(days=i + 1)
            db.add(Interaction(kind="call", responsible=orlova, author=orlova, organization=org,
                               subject=f"История {i:02d}", planned_at=at, done_at=at))
        db.commit()
        return org.id


def test_show_earlier_adds_the_next_items_in_place_until_the_first(page, live_server):
    org = long_history(33)
    log_in(page, live_server, "orlova")
    page.goto(f"{live_server}/clients/{org}")
    items = page.locator("#timeline-list .timeline-item")
    assert items.count() == 15
    for shown in (30, 33):
        page.locator("#timeline-earlier").click()
        items.nth(shown - 1).wait_for()
        assert items.count() == shown
    assert page.locator("#timeline-earlier").count() == 0  # the first one is on the page
    texts = items.all_inner_texts()
    assert [f"История {i:02d}" in text for i, text in enumerate(texts)] == [True] * 33
    assert page.url == f"{live_server}/clients/{org}"  # never left the card
