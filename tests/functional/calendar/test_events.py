"""Planning events: attendees and answers, rooms that cannot be double-booked, warnings about
people's overlaps, visibility, and the bad inputs of the event form."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from models.calendar import Event, EventAttendee
from models.notifications import Notification
from tests.functional.calendar.conftest import MONDAY, form


def notes_of(dbsession, user, kind=None):
    stmt = sa.select(Notification).where(Notification.user_id == user.id)
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    return list(dbsession.scalars(stmt))


def test_meeting_with_a_room_and_two_colleagues_invites_them(testapp, factory, cal, dbsession):
    dept = factory.department("Отдел продаж")
    director = factory.user(departments=[dept], full_name="Волков Андрей")
    anna = factory.user(departments=[dept], full_name="Попова Анна")
    igor = factory.user(departments=[dept], full_name="Лебедев Игорь")
    room = cal.room("Переговорная «Нева»")
    testapp.login(director.login)
    res = testapp.post_csrf(
        "/calendar/add",
        form(
            title="Переговоры с «Ромашкой»",
            people=[anna.id, igor.id],
            rooms=[room.id],
            guests="Иван Петров <ivan@romashka.example>",
        ),
        status=303,
    )
    event = dbsession.scalar(sa.select(Event).where(Event.title == "Переговоры с «Ромашкой»"))
    assert res.location.endswith(f"/calendar/{event.id}")
    assert event.start_at == MONDAY and event.end_at == MONDAY + dt.timedelta(hours=1)
    assert [r.name for r in event.rooms] == ["Переговорная «Нева»"]
    answers = {a.display_name: a.answer for a in event.attendees}
    assert answers == {
        "Волков Андрей": "accepted",
        "Попова Анна": "needs_action",
        "Лебедев Игорь": "needs_action",
        "Иван Петров": "needs_action",
    }
    invitation = notes_of(dbsession, anna, "event_invitation")
    assert len(invitation) == 1 and "Переговоры с «Ромашкой»" in invitation[0].title
    assert notes_of(dbsession, director, "event_invitation") == []
    page = testapp.get(f"/calendar/{event.id}")
    assert "Переговорная «Нева»" in page.html.select_one("#event-where").text
    assert "Иван Петров" in page.html.select_one("#attendees").text


def test_booking_a_taken_room_is_refused_naming_the_event(testapp, factory, cal, dbsession):
    room = cal.room("Переговорная «Нева»")
    boss = factory.user(full_name="Директор")
    cal.event(boss, "Совет директоров", room_ids=[room.id])
    me = factory.user()
    testapp.login(me.login)
    res = testapp.post_csrf(
        "/calendar/add",
        form(title="Моя встреча", rooms=[room.id], start_time="10:30", end_time="11:30"),
        status=400,
    )
    error = res.html.select_one("#error-rooms").text
    assert "Переговорная «Нева»" in error and "Совет директоров" in error
    assert dbsession.scalar(sa.select(Event).where(Event.title == "Моя встреча")) is None
    # Right after the first meeting, the room is free.
    testapp.post_csrf(
        "/calendar/add",
        form(title="Моя встреча", rooms=[room.id], start_time="11:00", end_time="12:00"),
        status=303,
    )


def test_a_weekly_booking_blocks_the_room_on_every_occurrence(testapp, factory, cal):
    room = cal.room("Зал")
    cal.event(factory.user(), "Еженедельная планёрка", room_ids=[room.id], rrule="FREQ=WEEKLY;COUNT=10")
    testapp.login(factory.user().login)
    res = testapp.post_csrf(
        "/calendar/add",
        form(title="Через месяц", rooms=[room.id], start_date="2031-03-31", end_date="2031-03-31"),
        status=400,
    )
    assert "Еженедельная планёрка" in res.html.select_one("#error-rooms").text


def test_overlapping_events_of_a_person_give_a_warning_but_are_saved(testapp, factory, cal, dbsession):
    busy = factory.user(full_name="Занятой Сотрудник")
    cal.event(busy, "Уже занят")
    testapp.login(factory.user().login)
    testapp.post_csrf("/calendar/add", form(title="Пересекается", people=[busy.id]), status=303)
    page = testapp.get("/calendar")
    assert "Занятой Сотрудник" in page.html.select_one(".alert-warning").text
    assert dbsession.scalar(sa.select(Event).where(Event.title == "Пересекается")) is not None


def test_bad_inputs_get_a_message_next_to_the_field_and_store_nothing(testapp, factory, dbsession):
    gone = factory.user(full_name="Уволенный Сотрудник", state="deactivated")
    testapp.login(factory.user().login)
    cases = [
        (form(end_time="09:00"), "error-end", "after the start"),
        (form(title=""), "error-title", "title"),
        (form(freq="WEEKLY", ends="never"), "error-repeat", "needs an end"),
        (form(freq="DAILY", ends="count", count="0"), "error-repeat", "from 1 to"),
        (
            form(
                timezone="Europe/Berlin",
                start_date="2031-03-30",
                end_date="2031-03-30",
                start_time="02:30",
                end_time="04:00",
            ),
            "error-start",
            "does not exist",
        ),
        (form(people=[gone.id]), "error-attendees", "deactivated"),
        (form(guests="не почта"), "error-guests", "not an e-mail"),
        (form(start_date="03.03.2031"), "error-start", "YYYY-MM-DD"),
        (form(calendar="company"), "error-calendar", "calendar"),
    ]
    for values, field, words in cases:
        res = testapp.post_csrf("/calendar/add", values, status=400)
        node = res.html.select_one(f"#{field}")
        assert node is not None and words in node.text, (values, res.html.select_one(".invalid-feedback"))
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Event)) == 0


def test_an_attendee_answers_and_the_organizer_sees_it(testapp, factory, cal, dbsession):
    organizer = factory.user(full_name="Организатор")
    guest = factory.user(full_name="Приглашённая Анна")
    event = cal.event(organizer, "Обсуждение", user_ids=[guest.id])
    testapp.login(guest.login)
    page = testapp.get(f"/calendar/{event.id}")
    assert page.html.select_one("#my-answer") is not None
    testapp.post_csrf(f"/calendar/{event.id}/answer", {"answer": "accepted"}, status=303)
    assert event.attendee_for(guest.id).answer == "accepted"
    told = notes_of(dbsession, organizer, "event_answer")
    assert len(told) == 1 and "Приглашённая Анна" in told[0].title
    testapp.login(organizer.login)
    page = testapp.get(f"/calendar/{event.id}")
    row = [li for li in page.html.select("#attendees li") if "Приглашённая Анна" in li.text][0]
    assert row["data-answer"] == "accepted" and "Accepted" in row.text
    # Someone not invited cannot answer.
    testapp.login(factory.user().login)
    testapp.post_csrf(f"/calendar/{event.id}/answer", {"answer": "accepted"}, status=303)
    assert len(event.attendees) == 2


def test_only_the_organizer_and_the_secretary_may_edit(testapp, factory, cal, login_as):
    organizer = factory.user()
    event = cal.event(organizer, "Моё событие")
    login_as("employee")
    testapp.get(f"/calendar/{event.id}", status=200)
    testapp.get(f"/calendar/{event.id}/edit", status=403)
    testapp.post_csrf(f"/calendar/{event.id}/cancel", {"scope": "all"}, status=403)
    login_as("secretary")
    testapp.get(f"/calendar/{event.id}/edit", status=200)
    testapp.login(organizer.login)
    res = testapp.post_csrf(f"/calendar/{event.id}/edit", form(title="Новое название"), status=303)
    assert event.title == "Новое название"
    assert res.location.endswith(f"/calendar/{event.id}")


def test_busy_only_and_private_events_narrow_what_others_see(testapp, factory, cal):
    dept = factory.department("Бухгалтерия")
    owner = factory.user(departments=[dept])
    invited = factory.user(departments=[dept])
    busy = cal.event(owner, "Визит к врачу", visibility="busy", calendar="department", department_id=dept.id)
    private = cal.event(
        owner,
        "Секретный проект",
        visibility="private",
        user_ids=[invited.id],
        calendar="department",
        department_id=dept.id,
        start=MONDAY + dt.timedelta(hours=3),
    )
    colleague = factory.user(departments=[dept])
    testapp.login(colleague.login)
    window = "start=2031-03-03T00:00:00&end=2031-03-10T00:00:00"
    items = testapp.get(f"/calendar/events.json?{window}&src=dept:{dept.id}").json
    assert [(i["title"], i["extendedProps"]["url"]) for i in items] == [("Busy", None)]
    testapp.get(f"/calendar/{busy.id}", status=403)
    testapp.get(f"/calendar/{private.id}", status=403)
    # The team view shows both as busy time, without details.
    team = testapp.get(f"/calendar/team.json?{window}&dept={dept.id}").json
    assert sorted(e["title"] for e in team["events"]) == ["Busy", "Busy"]
    testapp.login(invited.login)
    items = testapp.get(f"/calendar/events.json?{window}&src=mine").json
    assert [i["title"] for i in items] == ["Секретный проект"]
    testapp.get(f"/calendar/{private.id}", status=200)


def test_calendars_show_personal_department_and_company_events(testapp, factory, cal, login_as):
    dept = factory.department("Секретариат")
    secretary = login_as("secretary", departments=[dept])
    cal.event(
        secretary,
        "Корпоратив",
        calendar="company",
        all_day=True,
        start=dt.datetime(2031, 3, 6, 21, 0, tzinfo=dt.UTC),
        minutes=24 * 60,
    )
    cal.event(secretary, "Отчёт отдела", calendar="department", department_id=dept.id)
    reader = factory.user(departments=[dept])
    testapp.login(reader.login)
    items = testapp.get("/calendar/events.json?start=2031-03-03T00:00:00&end=2031-03-10T00:00:00").json
    by_title = {i["title"]: i for i in items}
    assert set(by_title) == {"Корпоратив", "Отчёт отдела"}
    party = by_title["Корпоратив"]
    assert party["allDay"] is True and party["start"] == "2031-03-07" and party["end"] == "2031-03-08"
    assert by_title["Отчёт отдела"]["start"] == "2031-03-03T10:00:00"
    assert by_title["Отчёт отдела"]["editable"] is False
    # Only those who may edit every event put events in the company calendar.
    page = testapp.get("/calendar/add")
    assert not page.html.select('#calendar option[value="company"]')


def test_event_times_are_shown_in_the_viewers_time_zone(testapp, factory, cal):
    organizer = factory.user()
    event = cal.event(organizer, "Созвон с Владивостоком")
    far = factory.user(timezone="Asia/Vladivostok")
    testapp.login(far.login)
    items = testapp.get(
        "/calendar/events.json?start=2031-03-03T00:00:00&end=2031-03-04T00:00:00&src=company"
    ).json
    assert items == []
    event.calendar = "company"
    items = testapp.get(
        "/calendar/events.json?start=2031-03-03T00:00:00&end=2031-03-04T00:00:00&src=company"
    ).json
    assert items[0]["start"] == "2031-03-03T17:00:00"


def test_a_bad_period_for_the_json_is_refused(testapp, factory):
    testapp.login(factory.user().login)
    testapp.get("/calendar/events.json?start=x&end=y", status=400)
    testapp.get("/calendar/events.json?start=2031-01-01&end=2031-12-01", status=400)


def test_my_day_lists_todays_events(testapp, factory, cal):
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Asia/Vladivostok")
    me = factory.user(timezone=zone.key)
    # Noon of the person's today (in their zone, not the server's): today whatever the hour.
    today = dt.datetime.now(zone).date()
    noon = dt.datetime.combine(today, dt.time(12, 0), zone)
    cal.event(me, "Сегодняшняя встреча", start=noon, timezone=zone.key)
    cal.event(me, "Завтрашняя встреча", start=noon + dt.timedelta(days=1), timezone=zone.key)
    testapp.login(me.login)
    block = testapp.get("/").html.select_one("#home-events").text
    assert "Сегодняшняя встреча" in block
    assert "Завтрашняя встреча" not in block


def test_my_day_names_the_rooms_and_shows_a_series_moved_occurrence_once(testapp, factory, cal,
                                                                        request_for):
    """Today's events on My day: the rooms each books, and a
    daily series whose today was moved shows the moved occurrence, not the original (the
    rooms and the series' changes read in one statement)."""
    from zoneinfo import ZoneInfo

    from portal.calendar.changes import EventInput, update_event
    from portal.calendar.recurrence import utc_stamp

    zone = ZoneInfo("Europe/Moscow")
    me = factory.user(timezone=zone.key)
    today = dt.datetime.now(zone).date()
    at = dt.datetime.combine(today, dt.time(9, 0), zone)
    first, second = cal.room("Зал «Ладога»"), cal.room("Зал «Онега»")
    cal.event(me, "Разбор заявок", start=at + dt.timedelta(hours=4), room_ids=[second.id, first.id])
    series = cal.event(me, "Утренняя планёрка", start=at - dt.timedelta(days=1),
                       rrule="FREQ=DAILY;COUNT=5")
    update_event(request_for(me), series, EventInput(
        title="Планёрка позже", start=at + dt.timedelta(hours=2), timezone=zone.key,
        end=at + dt.timedelta(hours=3), rrule="FREQ=DAILY;COUNT=5"),
        scope="this", stamp=utc_stamp(at.astimezone(dt.UTC)))
    testapp.login(me.login)
    text = testapp.get("/").html.select_one("#home-events").text
    assert "Планёрка позже" in text and "Утренняя планёрка" not in text
    assert "Зал «Ладога», Зал «Онега»" in text  # booked in this order by the service


def test_guest_of_an_event_is_linked_to_a_client_record(testapp, factory, cal, dbsession):
    from tests.functional.clients.conftest import ClientFactory

    sales = factory.department("Отдел продаж")
    organizer = factory.user(roles=["sales"], departments=[sales])
    client = ClientFactory(dbsession, factory).organization("ООО «Ромашка»", department=sales)
    testapp.login(organizer.login)
    res = testapp.post_csrf(
        "/calendar/add",
        form(title="Встреча с клиентом", link_type="client", link_id=str(client.id)),
        status=303,
    )
    link = testapp.get(res.location).html.select_one("#event-link a")
    assert link.text == "Client: ООО «Ромашка»" and link["href"].rstrip("/").endswith(f"/clients/{client.id}")
    res = testapp.post_csrf(
        "/calendar/add", form(title="Плохая ссылка", link_type="client", link_id="abc"), status=400
    )
    assert "number" in res.html.select_one("#error-link").text


def test_the_calendar_page_and_form_render(testapp, factory, cal):
    me = factory.user()
    cal.room("Проектор", kind="equipment", capacity=None)
    testapp.login(me.login)
    page = testapp.get("/calendar")
    assert page.html.select_one("#calendar") is not None
    form_page = testapp.get("/calendar/add?start=2031-03-03T14:00:00&end=2031-03-03T15:30:00")
    assert form_page.html.select_one("#start_time")["value"] == "14:00"
    assert form_page.html.select_one("#end_time")["value"] == "15:30"
    assert "Проектор" in form_page.html.select_one(".room-grid").text
    assert testapp.get("/calendar/team").status_int == 200
    assert testapp.get("/calendar/rooms").status_int == 200


def test_the_people_picker_finds_colleagues(testapp, factory):
    factory.user(full_name="Семёнова Ирина")
    testapp.login(factory.user().login)
    found = testapp.get("/calendar/people.json", {"q": "семён"}).json
    assert [p["name"] for p in found] == ["Семёнова Ирина"]


def test_attendees_from_a_whole_department(testapp, factory, dbsession):
    dept = factory.department("Снабжение")
    a = factory.user(departments=[dept])
    b = factory.user(departments=[dept])
    testapp.login(factory.user().login)
    testapp.post_csrf("/calendar/add", form(title="Для всего снабжения", departments=[dept.id]), status=303)
    event = dbsession.scalar(sa.select(Event).where(Event.title == "Для всего снабжения"))
    via = {
        x.user_id: x.via_department_id
        for x in dbsession.scalars(sa.select(EventAttendee).where(EventAttendee.event_id == event.id))
    }
    assert via[a.id] == dept.id and via[b.id] == dept.id


def test_a_refused_edit_keeps_the_event_as_it_was_and_tells_nobody(testapp, factory, cal, dbsession):
    organizer = factory.user()
    guest = factory.user()
    taken, free = cal.room("Переговорная «Нева»"), cal.room("Переговорная «Волга»")
    cal.event(factory.user(), "Совет директоров", room_ids=[taken.id])
    event = cal.event(organizer, "Планёрка", user_ids=[guest.id], room_ids=[free.id],
                      location="Кабинет 5")
    before = (event.title, event.start_at, event.end_at, event.location, event.sequence)
    notes = dbsession.scalar(sa.select(sa.func.count()).select_from(Notification))
    testapp.login(organizer.login)
    for values, field in [
        (form(title="Новое название", end_time="09:00", people=[guest.id]), "error-end"),
        (form(title="Новое название", rooms=[taken.id], people=[guest.id]), "error-rooms"),
        (form(title="Новое название", people=[], freq="WEEKLY", ends="never"), "error-repeat"),
    ]:
        page = testapp.post_csrf(f"/calendar/{event.id}/edit", values, status=400)
        assert page.html.select_one(f"#{field}") is not None
        # What was typed is shown again, to be corrected.
        assert page.html.select_one("#title")["value"] == "Новое название"
    dbsession.expire_all()
    assert (event.title, event.start_at, event.end_at, event.location, event.sequence) == before
    assert {a.user_id for a in event.attendees} == {organizer.id, guest.id}
    assert [b.room_id for b in event.bookings] == [free.id]
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Notification)) == notes


def test_a_private_event_is_for_its_people_only_even_for_who_may_edit_every_event(
    testapp, factory, cal, login_as, dbsession
):
    room = cal.room("Переговорная «Нева»")
    organizer, invited = factory.user(), factory.user()
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    private = cal.event(organizer, "Увольнение Иванова", visibility="private", user_ids=[invited.id],
                        room_ids=[room.id], start=now - dt.timedelta(minutes=10), calendar="company")
    busy = cal.event(organizer, "Визит к врачу", visibility="busy", start=now + dt.timedelta(days=3))
    secretary = login_as("secretary")
    # She edits every event (event.edit: all) and so reads busy-only ones, but not a private one.
    testapp.get(f"/calendar/{busy.id}", status=200)
    testapp.get(f"/calendar/{private.id}", status=403)
    testapp.get(f"/calendar/{private.id}/edit", status=403)
    testapp.post_csrf(f"/calendar/{private.id}/edit", form(title="Другое"), status=403)
    testapp.post_csrf(f"/calendar/{private.id}/cancel", {"scope": "all"}, status=403)
    assert private.title == "Увольнение Иванова" and private.status != "cancelled"
    day = now.astimezone(dt.UTC).date()
    window = f"start={day - dt.timedelta(days=1)}T00:00:00&end={day + dt.timedelta(days=2)}T00:00:00"
    company = testapp.get(f"/calendar/events.json?{window}&src=company").json
    assert [i["title"] for i in company] == []
    # The room it books is busy, for everyone, without a word of what for.
    for person in (secretary, factory.user()):
        testapp.login(person.login)
        room_view = testapp.get(f"/calendar/events.json?{window}&src=room:{room.id}").json
        assert [(i["title"], i["extendedProps"]["url"]) for i in room_view] == [("Busy", None)]
        rooms = testapp.get("/calendar/rooms")
        assert "Busy now" in rooms.text and "Увольнение" not in rooms.text
    for person in (organizer, invited):
        testapp.login(person.login)
        testapp.get(f"/calendar/{private.id}", status=200)
        room_view = testapp.get(f"/calendar/events.json?{window}&src=room:{room.id}").json
        assert [i["title"] for i in room_view] == ["Увольнение Иванова"]
    testapp.login(organizer.login)
    testapp.get(f"/calendar/{private.id}/edit", status=200)


def test_who_reads_and_edits_an_event_agrees_between_its_acl_and_the_sql(factory, cal, request_for,
                                                                        dbsession):
    from portal.calendar.security import details_clause, edit_clause
    from portal.resources import locate

    dept = factory.department("Бухгалтерия")
    organizer = factory.user(departments=[dept])
    invited = factory.user(departments=[dept])
    events = [
        cal.event(organizer, f"{visibility} {n}", visibility=visibility, user_ids=[invited.id],
                  calendar=calendar, department_id=dept.id if calendar == "department" else None,
                  start=MONDAY + dt.timedelta(hours=n))
        for n, (visibility, calendar) in enumerate(
            (v, c) for v in ("public", "busy", "private") for c in ("personal", "department"))
    ]
    people = [organizer, invited, factory.user(departments=[dept]), factory.user(roles=["secretary"]),
              factory.user(roles=["dept_head"], departments=[dept]), factory.user(roles=["admin"])]
    ids = [e.id for e in events]
    for person in people:
        request = request_for(person)
        for clause, permission in ((details_clause, "view"), (edit_clause, "edit")):
            in_sql = set(dbsession.scalars(sa.select(Event.id).where(Event.id.in_(ids), clause(request))))
            by_acl = {e.id for e in events if request.has_permission(permission, locate(request, e))}
            assert in_sql == by_acl, (person.login, permission)
