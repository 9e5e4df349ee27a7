"""An event's change history in words: on the admin audit log (with undo) and on the event's
page, for those who may see the event; others' answers only for those who see the answers."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy_continuum import versioning_manager

from tests.functional.calendar.conftest import form


def commit_point(dbsession) -> None:
    """End the audit transaction, as the end of a request does (tests never commit)."""
    dbsession.flush()
    versioning_manager.clear(dbsession)


def last_transaction(dbsession) -> int:
    return dbsession.scalar(sa.select(sa.func.max(versioning_manager.transaction_cls.id)))


def history_text(page) -> str:
    part = page.test_app.get(page.html.select_one("#history-body [hx-get]")["hx-get"])
    return " ".join(part.html.text.split())


def audit_entry(page, transaction_id: int) -> str:
    return " ".join(page.html.find(attrs={"data-transaction": str(transaction_id)}).text.split())


def test_an_edit_is_told_in_words_on_the_event_page_and_in_the_audit_log(
    testapp, factory, cal, dbsession, login_as
):
    organizer = factory.user(full_name="Волков Андрей")
    anna = factory.user(full_name="Попова Анна")
    room = cal.room("Переговорная «Нева»")
    commit_point(dbsession)
    event = cal.event(organizer, "Бюджет на 2032 год", user_ids=[anna.id])
    commit_point(dbsession)
    testapp.login(organizer.login)
    testapp.post_csrf(
        f"/calendar/{event.id}/edit",
        form(title="Бюджет 2032", people=[anna.id], rooms=[room.id], start_time="11:00",
             end_time="12:30", location="3 этаж"),
        status=303,
    )
    commit_point(dbsession)
    edit = last_transaction(dbsession)

    text = history_text(testapp.get(f"/calendar/{event.id}"))
    assert "Changed event “Бюджет 2032”" in text
    assert "title: “Бюджет на 2032 год” “Бюджет 2032”" in text
    assert "location: — “3 этаж”" in text
    assert "Booked Переговорная «Нева» for “Бюджет 2032”" in text
    assert "Planned event “Бюджет на 2032 год”" in text
    assert "Invited Попова Анна to “Бюджет 2032”" in text
    assert "Волков Андрей" in text

    login_as("admin")
    entry = audit_entry(testapp.get("/admin/audit"), edit)
    assert "Changed event “Бюджет 2032”" in entry and "Волков Андрей" in entry
    assert "start:" in entry and "Booked Переговорная «Нева»" in entry
    # Only the event's tables, when the log is filtered by them.
    filtered = testapp.get("/admin/audit", params={"table": "events"})
    assert filtered.html.find(attrs={"data-transaction": str(edit)}) is not None


def test_an_admin_undoes_a_change_of_an_event(testapp, factory, cal, dbsession, login_as):
    organizer = factory.user(full_name="Волков Андрей")
    event = cal.event(organizer, "Планёрка", location="Кабинет 5")
    commit_point(dbsession)
    dbsession.info["actor_id"] = organizer.id
    event.location = "Кабинет 7"
    commit_point(dbsession)
    change = last_transaction(dbsession)
    login_as("admin")
    detail = testapp.get(f"/admin/audit/{change}")
    assert "location: “Кабинет 5” “Кабинет 7”" in " ".join(detail.html.text.split())
    testapp.post_csrf(f"/admin/audit/{change}/revert", status=303)
    dbsession.refresh(event)
    assert event.location == "Кабинет 5"


def test_a_cancelled_occurrence_and_a_cancelled_event_are_named(
    testapp, factory, cal, dbsession
):
    organizer = factory.user()
    weekly = cal.event(organizer, "Летучка", rrule="FREQ=WEEKLY;COUNT=4")
    commit_point(dbsession)
    testapp.login(organizer.login)
    testapp.post_csrf(f"/calendar/{weekly.id}/cancel",
                      {"at": "20310310T070000Z", "scope": "this"}, status=303)
    commit_point(dbsession)
    testapp.post_csrf(f"/calendar/{weekly.id}/cancel", {"scope": "all"}, status=303)
    commit_point(dbsession)
    text = history_text(testapp.get(f"/calendar/{weekly.id}"))
    assert "Cancelled an occurrence of “Летучка”" in text
    assert "cancelled occurrence: — Mar 10, 2031" in text
    assert "Cancelled event “Летучка”" in text
    assert "Every week, 4 times" in text


def test_answers_are_in_the_history_only_for_those_who_see_the_answers(
    testapp, factory, cal, dbsession
):
    organizer = factory.user(full_name="Волков Андрей")
    anna = factory.user(full_name="Попова Анна")
    igor = factory.user(full_name="Лебедев Игорь")
    event = cal.event(organizer, "Переговоры", user_ids=[anna.id, igor.id])
    commit_point(dbsession)
    testapp.login(anna.login)
    testapp.post_csrf(f"/calendar/{event.id}/answer", {"answer": "declined"}, status=303)
    commit_point(dbsession)
    declined = "Попова Анна declined the invitation to “Переговоры”"
    assert declined in history_text(testapp.get(f"/calendar/{event.id}"))
    testapp.login(organizer.login)
    assert declined in history_text(testapp.get(f"/calendar/{event.id}"))
    testapp.login(igor.login)
    text = history_text(testapp.get(f"/calendar/{event.id}"))
    assert "Planned event “Переговоры”" in text and declined not in text


def test_only_those_who_may_view_the_event_see_its_history(testapp, factory, cal, dbsession):
    organizer = factory.user()
    guest = factory.user()
    secret = cal.event(organizer, "Увольнение Иванова", visibility="private", user_ids=[guest.id])
    busy = cal.event(organizer, "Собеседование", visibility="busy")
    commit_point(dbsession)
    testapp.login(factory.user().login)
    for event in (secret, busy):
        page = testapp.get(f"/calendar/{event.id}", status=403)
        assert event.title not in page.text
    testapp.login(guest.login)
    assert "Planned event “Увольнение Иванова”" in history_text(testapp.get(f"/calendar/{secret.id}"))
