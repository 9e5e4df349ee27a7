"""Outside guests of an event: client contacts picked from the records the organizer may see
(stored with the contact, linked to their card), free-text guests beside them; and a private
event of a colleague that still blocks their time in the team view."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from models.calendar import Event, EventAttendee
from tests.functional.calendar.conftest import MONDAY, form
from tests.functional.clients.conftest import ClientFactory


@pytest.fixture
def world(dbsession, factory):
    """A sales manager of the North who sees the North's contacts only."""
    north, south = factory.department("Продажи Север"), factory.department("Продажи Юг")
    clients = ClientFactory(dbsession, factory)
    org = clients.organization("ООО «Ромашка»", department=north)
    return {
        "me": factory.user(roles=["sales"], departments=[north], full_name="Соколова Мария"),
        "contact": clients.contact(
            "Петров Пётр", organization=org, department_id=north.id, emails=["petrov@romashka.example"]
        ),
        "hidden": clients.contact("Сидоров Сидор", department_id=south.id, emails=["s@vasilek.example"]),
    }


def event_titled(dbsession, title):
    return dbsession.scalar(sa.select(Event).where(Event.title == title))


def test_a_client_contact_invited_as_guest_is_stored_with_the_contact_and_linked(testapp, world, dbsession):
    me, contact = world["me"], world["contact"]
    testapp.login(me.login)
    page = testapp.get("/calendar/add")
    assert page.html.select_one("#guest-contact-search") is not None
    testapp.post_csrf(
        "/calendar/add",
        form(
            title="Встреча с «Ромашкой»",
            guest_contacts=[str(contact.id)],
            guests="Гость <guest@example.org>",
        ),
        status=303,
    )
    event = event_titled(dbsession, "Встреча с «Ромашкой»")
    guests = {(a.contact_id, a.guest_name, a.guest_email) for a in event.attendees if a.user_id is None}
    assert guests == {
        (contact.id, "Петров Пётр", "petrov@romashka.example"),
        (None, "Гость", "guest@example.org"),
    }
    page = testapp.get(f"/calendar/{event.id}")
    links = page.html.select("#attendees a.guest-contact")
    assert [a.text for a in links] == ["Петров Пётр"]
    assert links[0]["href"].rstrip("/").endswith(f"/contacts/{contact.id}")
    # The edit form shows the contact as a chosen guest and the free-text guest as text.
    edit = testapp.get(f"/calendar/{event.id}/edit")
    assert [i["value"] for i in edit.html.select("#guest-contact-chips input")] == [str(contact.id)]
    assert edit.html.select_one("#guests").text.strip() == "Гость <guest@example.org>"
    # Saved again without the contact: the contact is no longer a guest, the other one stays.
    testapp.post_csrf(
        f"/calendar/{event.id}/edit",
        form(title="Встреча с «Ромашкой»", guests="Гость <guest@example.org>"),
        status=303,
    )
    assert [(a.contact_id, a.guest_name) for a in event.attendees if a.user_id is None] == [(None, "Гость")]


def test_a_contact_one_may_not_see_is_refused_and_nothing_is_stored(testapp, world, dbsession):
    testapp.login(world["me"].login)
    res = testapp.post_csrf(
        "/calendar/add",
        form(title="Тайная встреча", guest_contacts=[str(world["hidden"].id)]),
        status=400,
    )
    message = res.html.select_one("#error-guest_contacts")
    assert "You may not see the client contact" in message.text
    assert event_titled(dbsession, "Тайная встреча") is None
    assert dbsession.scalar(
        sa.select(sa.func.count())
        .select_from(EventAttendee)
        .where(EventAttendee.contact_id == world["hidden"].id)
    ) == 0


def test_the_guest_contact_is_not_linked_for_who_may_not_see_it(testapp, world, dbsession, factory, cal):
    event = cal.event(world["me"], "Встреча", guest_contacts=[(world["contact"].id, "Петров Пётр", "")])
    outsider = factory.user(departments=[factory.department("Склад")])
    testapp.login(outsider.login)
    page = testapp.get(f"/calendar/{event.id}")
    assert "Петров Пётр" in page.html.select_one("#attendees").text
    assert page.html.select("#attendees a.guest-contact") == []


def test_an_editor_who_may_not_see_the_contact_keeps_the_guest(testapp, world, dbsession, cal):
    hidden = world["hidden"]
    event = cal.event(world["me"], "Встреча", guest_contacts=[(hidden.id, "Сидоров Сидор", "s@v.example")])
    # Invited by someone who saw the contact (here: through the service); the organizer does not.
    testapp.login(world["me"].login)
    testapp.post_csrf(
        f"/calendar/{event.id}/edit", form(title="Встреча", guest_contacts=[str(hidden.id)]), status=303
    )
    assert [(a.contact_id, a.guest_name) for a in event.attendees if a.user_id is None] == [
        (world["hidden"].id, "Сидоров Сидор")
    ]


def test_a_private_event_of_a_colleague_blocks_their_time_as_busy_in_the_team_view(testapp, factory, cal):
    dept = factory.department("Бухгалтерия")
    colleague = factory.user(departments=[dept], full_name="Коллега")
    cal.event(colleague, "Визит к врачу", visibility="private", location="Поликлиника №5")
    cal.event(
        colleague,
        "Личная серия",
        visibility="private",
        start=MONDAY + dt.timedelta(hours=3),
        rrule="FREQ=DAILY;COUNT=3",
    )
    viewer = factory.user(departments=[factory.department("Склад")])
    testapp.login(viewer.login)
    window = "start=2031-03-03T00:00:00&end=2031-03-10T00:00:00"
    team = testapp.get(f"/calendar/team.json?{window}&dept={dept.id}").json
    events = sorted(team["events"], key=lambda e: e["start"])
    assert len(events) == 4
    for e in events:
        assert e["title"] == "Busy" and e["resourceIds"] == [colleague.id]
        assert e["extendedProps"]["url"] is None and e["extendedProps"]["location"] == ""
        assert not e["editable"]
    assert "Визит к врачу" not in str(team) and "Поликлиника" not in str(team) and "Личная" not in str(team)
    # Nor do their own calendars show it to the viewer.
    items = testapp.get(f"/calendar/events.json?{window}&src=mine").json
    assert items == []


def test_the_team_view_lists_only_people_one_may_see_in_the_directory(testapp, factory, dbsession):
    """person.view holds in the team view as in the directory: a role that sees only its own
    department's people gets no other department's rows (nor their busy times)."""
    from models.roles import RoleGrant, RolePermission
    from tests.functional.people.test_people import department_scoped_role, without_employee_role

    mine, other = factory.department("Свой"), factory.department("Чужой")
    without_employee_role(dbsession, mine, other)
    narrow = department_scoped_role(dbsession, factory, "narrow_team")
    narrow.permissions.append(RolePermission(type="event", permission="view", scope="own"))
    viewer = factory.user(departments=[mine])
    dbsession.add(RoleGrant(role=narrow, user=viewer))
    stranger = factory.user(departments=[other], full_name="Незнакомец")
    neighbour = factory.user(departments=[mine], full_name="Сосед")
    dbsession.flush()
    testapp.login(viewer.login)
    window = "start=2031-03-03T00:00:00&end=2031-03-10T00:00:00"
    theirs = testapp.get(f"/calendar/team.json?{window}&dept={other.id}").json
    ours = testapp.get(f"/calendar/team.json?{window}&dept={mine.id}").json
    assert stranger.id not in [r["id"] for r in theirs["resources"]]
    assert neighbour.id in [r["id"] for r in ours["resources"]]
