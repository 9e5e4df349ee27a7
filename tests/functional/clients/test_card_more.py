"""The client card shows the latest of everything and leads to the rest: every interaction
(the list filtered to the client) and the whole change history (issue 3, point 3)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy_continuum import versioning_manager

from models.meta import utcnow


def commit_point(dbsession) -> None:
    """End the audit transaction, as the end of a request does (tests never commit)."""
    dbsession.flush()
    versioning_manager.clear(dbsession)


def calls_done(clients, me, org, n: int, subject: str, contact=None) -> None:
    """`n` calls done with `org` (and `contact`), one a day going back from yesterday
    ("<subject> №00" newest)."""
    now = utcnow()
    for i in range(n):
        at = now - dt.timedelta(days=i + 1)
        clients.interaction(responsible=me, organization=org, contact=contact, planned_at=at,
                            done_at=at, subject=f"{subject} №{i:02d}")


def test_a_long_timeline_leads_to_the_clients_interactions(testapp, login_as, clients):
    me = login_as("director")
    org = clients.organization("Давний клиент", manager=me)
    other = clients.organization("Другой клиент", manager=me)
    now = utcnow()
    calls_done(clients, me, org, 45, "Звонок")
    for i in range(12):
        clients.interaction(responsible=me, organization=org, subject=f"План №{i:02d}",
                            planned_at=now + dt.timedelta(days=i + 1))
    clients.interaction(responsible=me, organization=other, subject="Чужой звонок",
                        planned_at=now - dt.timedelta(hours=1), done_at=now)
    card = testapp.get(f"/clients/{org.id}")
    assert len(card.html.select("#timeline-list .timeline-item")) == 15
    assert len(card.html.select("#planned-list .timeline-item")) == 10
    assert card.html.select_one("#timeline-more") is not None
    url = card.html.select_one("#all-interactions")["href"]
    listed = testapp.get(url).text + testapp.get(url + "&page=2").text
    assert "Звонок №44" in listed and "Звонок №00" in listed  # the oldest too
    assert "План №11" in listed and "Чужой звонок" not in listed
    planned = testapp.get(card.html.select_one("#all-planned")["href"])
    assert "План №11" in planned.text and "Звонок №00" not in planned.text


def subjects(html) -> list[str]:
    return [a.get_text().removeprefix("Call: ") for a in html.select(".timeline-item .fw-semibold")]


def test_show_earlier_brings_the_next_items_until_the_first(testapp, login_as, clients):
    """The card shows the latest 15 of what happened; "Show earlier" adds the next 15 in place
    (htmx) or opens the card with more of them (without script), newest first, none twice,
    until the first; another client's are never among them."""
    me = login_as("director")
    org = clients.organization("Давний клиент", manager=me)
    other = clients.organization("Другой клиент", manager=me)
    calls_done(clients, me, org, 38, "Звонок")
    calls_done(clients, me, other, 38, "Чужой")
    card = testapp.get(f"/clients/{org.id}")
    seen = subjects(card.html.select_one("#timeline-list"))
    more = card.html.select_one("#timeline-earlier")
    pages = 0
    while more is not None:
        part = testapp.get(more["hx-get"], headers={"HX-Request": "true"})
        assert more["hx-target"] == "#timeline-list" and more["hx-swap"] == "beforeend"
        seen += subjects(part.html)
        swapped = part.html.select_one("#timeline-more[hx-swap-oob]")
        assert swapped is not None
        more = swapped.select_one("#timeline-earlier")
        pages += 1
    assert pages == 2 and seen == [f"Звонок №{i:02d}" for i in range(38)]
    # Without script: the card itself with more of them.
    fuller = testapp.get(card.html.select_one("#timeline-earlier")["href"])
    assert subjects(fuller.html.select_one("#timeline-list")) == seen[:30]
    assert "timeline=45" in fuller.html.select_one("#timeline-earlier")["href"]
    # Hostile or absurd numbers: the nearest sensible page, never an error.
    for skip in ("-5", "abc", "10000000000000000000000", ""):
        part = testapp.get(f"/clients/{org.id}/@@timeline-more?skip={skip}")
        assert subjects(part.html)[0] in ("Звонок №00", "Звонок №37") or not subjects(part.html)
    assert testapp.get(f"/clients/{org.id}?timeline=-1").status_int == 200


def test_show_earlier_needs_the_right_to_see_the_client(testapp, login_as, factory, clients):
    stranger = factory.user(roles=["sales"])
    org = clients.organization("Закрытый", manager=stranger)
    login_as("sales")
    testapp.get(f"/clients/{org.id}/@@timeline-more?skip=15", status=403)


def test_a_contacts_page_shows_earlier_items_of_that_person_only(testapp, login_as, clients,
                                                                factory):
    """A contact person's page, like the card: the latest 15, "Show earlier" for the next ones
    until the first, never another person's calls; only for those who may see the person."""
    me = login_as("director")
    org = clients.organization("Клиент с людьми", manager=me)
    anna = clients.contact("Анна Контактная", organization=org)
    boris = clients.contact("Борис Другой", organization=org)
    calls_done(clients, me, org, 33, "Анне", contact=anna)
    calls_done(clients, me, org, 20, "Борису", contact=boris)
    page = testapp.get(f"/clients/{org.id}/contacts/{anna.id}")
    seen = subjects(page.html.select_one("#timeline-list"))
    assert len(seen) == 15
    more = page.html.select_one("#timeline-earlier")
    assert more["hx-get"].endswith(f"/contacts/{anna.id}/@@timeline-more?skip=15")
    while more is not None:
        part = testapp.get(more["hx-get"], headers={"HX-Request": "true"})
        seen += subjects(part.html)
        more = part.html.select_one("#timeline-more[hx-swap-oob] #timeline-earlier")
    assert seen == [f"Анне №{i:02d}" for i in range(33)]
    fuller = testapp.get(page.html.select_one("#timeline-earlier")["href"])
    assert subjects(fuller.html.select_one("#timeline-list")) == seen[:30]
    stranger = factory.user(roles=["sales"])
    closed = clients.organization("Закрытый", manager=stranger)
    hidden = clients.contact("Скрытая Персона", organization=closed)
    login_as("sales")
    testapp.get(f"/clients/{closed.id}/contacts/{hidden.id}/@@timeline-more?skip=15",
                status=403)


def test_a_short_timeline_has_no_show_more(testapp, login_as, clients):
    me = login_as("director")
    org = clients.organization("Новый клиент", manager=me)
    clients.interaction(responsible=me, organization=org, subject="Первый звонок",
                        done_at=utcnow())
    card = testapp.get(f"/clients/{org.id}")
    assert card.html.select_one("#timeline-more") is None
    assert card.html.select_one("#all-planned") is None
    history = testapp.get(card.html.select_one("#history-body [hx-get]")["hx-get"])
    assert history.html.select_one("#all-history") is None
    assert card.html.select_one("#all-interactions") is not None


def test_the_whole_change_history_is_one_click_away(testapp, login_as, clients, dbsession):
    me = login_as("director")
    org = clients.organization("Изменчивый", manager=me)
    commit_point(dbsession)
    for i in range(35):
        dbsession.info["actor_id"] = me.id
        org.notes = f"Заметка {i:02d}"
        commit_point(dbsession)
    card = testapp.get(f"/clients/{org.id}")
    # The card asks for its latest changes when "Show" is pressed.
    assert card.html.select_one(".audit-history-entry") is None
    part = testapp.get(card.html.select_one("#history-body [hx-get]")["hx-get"])
    assert len(part.html.select(".audit-history-entry")) == 30
    page = testapp.get(part.html.select_one("#all-history")["href"])
    assert len(page.html.select("#full-history .audit-history-entry")) == 36
    assert "Заметка 00" in page.text


def test_the_history_page_needs_the_right_to_see_the_client(testapp, login_as, factory, clients):
    stranger = factory.user(roles=["sales"])
    org = clients.organization("Закрытый", manager=stranger)
    login_as("sales")
    testapp.get(f"/clients/{org.id}/@@history", status=403)


def test_a_contacts_page_leads_to_that_persons_interactions_only(testapp, login_as, clients):
    me = login_as("director")
    org = clients.organization("Клиент с двумя людьми", manager=me)
    anna = clients.contact("Анна Контактная", organization=org)
    boris = clients.contact("Борис Другой", organization=org)
    now = utcnow()
    clients.interaction(responsible=me, organization=org, contact=anna, subject="Звонок Анне",
                        planned_at=now - dt.timedelta(days=1), done_at=now)
    clients.interaction(responsible=me, organization=org, contact=boris, subject="Звонок Борису",
                        planned_at=now - dt.timedelta(days=1), done_at=now)
    page = testapp.get(f"/clients/{org.id}/contacts/{anna.id}")
    listed = testapp.get(page.html.select_one("#all-interactions")["href"])
    assert "Звонок Анне" in listed.text and "Звонок Борису" not in listed.text
    assert "Анна Контактная" in listed.html.select_one("#ix-contact-chip").text


def test_the_contact_filter_names_no_one_the_user_may_not_see(testapp, login_as, clients, factory):
    stranger_dept = factory.department("Чужой отдел продаж")
    stranger = factory.user(departments=[stranger_dept])
    org = clients.organization("Чужой клиент", manager=stranger, department=stranger_dept)
    secret = clients.contact("Тайный Контакт", organization=org)
    login_as("sales")
    listed = testapp.get(f"/clients/interactions/?tab=all&contact={secret.id}")
    assert "Тайный Контакт" not in listed.text
    assert listed.html.select_one("#ix-contact-chip") is not None
