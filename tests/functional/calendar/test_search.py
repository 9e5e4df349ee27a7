"""Events in the header search and on /calendar/search: found by title, place and description,
filtered in SQL by what the person may read (private and busy-only events of others never
show, not even as "busy", since a hit would tell what they are about)."""

from __future__ import annotations

import datetime as dt
import itertools

import views.search.header
from models.calendar import Event
from tests.functional.calendar.conftest import MONDAY, form


def groups_of(page) -> dict[str, list[str]]:
    out = {}
    for section in page.html.select("section.search-group"):
        title = section.select_one("h2").contents[0].strip()
        out[title] = [a.select_one(".fw-semibold").text.strip() for a in section.select("a.search-hit")]
    return out


def found_events(testapp, q: str) -> list[str]:
    return groups_of(testapp.get("/search", params={"q": q})).get("Events", [])


def test_events_are_found_by_title_place_and_description(testapp, factory, cal):
    organizer = factory.user()
    cal.event(organizer, "Бюджет на 2032 год", location="Переговорная «Нева»",
              description="Подготовить смету расходов")
    cal.event(organizer, "Планёрка отдела")
    testapp.login(factory.user().login)
    for q in ("БЮДЖЕТ", "бюдж 2032", "нева", "смету"):
        assert found_events(testapp, q) == ["Бюджет на 2032 год"], q
    assert found_events(testapp, "планерка") == ["Планёрка отдела"]
    assert found_events(testapp, "отпуск") == []
    page = testapp.get("/search", params={"q": "бюджет"})
    hit = page.html.select_one("section.search-group a.search-hit")
    assert "/calendar/" in hit["href"]
    assert "Переговорная «Нева»" in hit.text and "2031" in hit.text


def test_private_events_of_others_never_show(testapp, factory, cal, login_as):
    organizer = factory.user()
    guest = factory.user()
    cal.event(organizer, "Увольнение Иванова", visibility="private", user_ids=[guest.id])
    login_as("employee")
    assert found_events(testapp, "увольнение") == []
    assert testapp.get("/calendar/search", params={"q": "увольнение"}).html.select_one(
        "#found-events") is None
    for person in (organizer, guest):
        testapp.login(person.login)
        assert found_events(testapp, "увольнение") == ["Увольнение Иванова"]
    # A secretary edits every event (event.edit: all), but a private one is not hers to read.
    login_as("secretary")
    assert found_events(testapp, "увольнение") == []
    assert testapp.get("/calendar/search", params={"q": "увольнение"}).html.select_one(
        "#found-events") is None


def test_busy_only_events_of_others_do_not_tell_their_words(testapp, factory, cal):
    organizer = factory.user()
    colleague = factory.user()
    cal.event(organizer, "Собеседование кандидата", visibility="busy", user_ids=[colleague.id],
              location="Кабинет директора")
    testapp.login(factory.user().login)
    for q in ("собеседование", "кабинет директора"):
        assert found_events(testapp, q) == [], q
        page = testapp.get("/search", params={"q": q})
        assert "Busy" not in page.text and page.html.select_one("#no-results") is not None
    testapp.login(colleague.login)
    assert found_events(testapp, "собеседование") == ["Собеседование кандидата"]


def test_a_changed_event_is_found_by_its_new_words_and_a_cancelled_one_says_so(
    testapp, factory, cal
):
    organizer = factory.user()
    event = cal.event(organizer, "Встреча с поставщиком")
    testapp.login(organizer.login)
    testapp.post_csrf(f"/calendar/{event.id}/edit", form(title="Встреча с банком"), status=303)
    assert found_events(testapp, "поставщиком") == []
    assert found_events(testapp, "банком") == ["Встреча с банком"]
    testapp.post_csrf(f"/calendar/{event.id}/cancel", {"scope": "all"}, status=303)
    page = testapp.get("/search", params={"q": "банком"})
    assert "Cancelled" in page.html.select_one("section.search-group a.search-hit").text


def test_the_group_shows_a_few_and_the_calendar_search_lists_all(testapp, factory, cal):
    organizer = factory.user()
    for i in range(12):
        cal.event(organizer, f"Обучение продажам, часть {i + 1}",
                  start=MONDAY + dt.timedelta(days=i), visibility="private" if i == 11 else "public")
    testapp.login(factory.user().login)
    page = testapp.get("/search", params={"q": "обучение"})
    assert len(groups_of(page)["Events"]) == views.search.header.GROUP_LIMIT
    more = [a for a in page.html.select("a.more-link") if "/calendar/search" in a["href"]][0]
    assert "11" in more.text
    listing = testapp.get(more["href"])
    assert listing.html.select_one("#found-count").text.strip() == "Found: 11"
    titles = [a.select_one(".fw-semibold").text.strip() for a in listing.html.select("#found-events a")]
    # Upcoming first, the nearest first; the private one of someone else is not there.
    assert titles == [f"Обучение продажам, часть {i + 1}" for i in range(11)]


def test_the_sql_filter_agrees_with_each_events_permission(testapp, factory, cal, request_for,
                                                            dbsession):
    """For people of every kind, the search finds exactly the events whose page they may open."""
    from views.calendar.search import event_search

    dept = factory.department("Продажи")
    people = [factory.user(departments=[dept]) for _ in range(3)]
    secretary = factory.user(roles=["secretary"])
    events = []
    for n, (visibility, organizer, invited) in enumerate(itertools.product(
            ("public", "busy", "private"), people[:2], ([], [people[2].id]))):
        events.append(cal.event(organizer, f"Сверка {n}", visibility=visibility, user_ids=invited,
                                start=MONDAY + dt.timedelta(hours=n)))
    for person in [*people, secretary, factory.user()]:
        request = request_for(person)
        found = set(dbsession.scalars(event_search(request, "сверка")))
        for event in events:
            event.__parent__, event.__name__ = request.root["calendar"], str(event.id)
        allowed = {e for e in events if request.has_permission("view", e)}
        assert found == allowed, person.login
        assert all(isinstance(e, Event) for e in found)


def test_tasks_are_found_only_where_the_person_may_see_them(testapp, factory, login_as,
                                                            dbsession):
    from models.tasks import Task

    sales, supply = factory.department("Продажи"), factory.department("Снабжение")
    head = factory.user(roles=["dept_head"], departments=[sales])
    seller, buyer = factory.user(departments=[sales]), factory.user(departments=[supply])

    def task(author, assignee, title, dept):
        row = Task(author_id=author.id, assignee_id=assignee.id, department_id=dept.id)
        row.set_title(title)
        dbsession.add(row)
        dbsession.flush()
        return row

    ours = task(seller, seller, "Счёт для «Ромашки»", sales)
    theirs = task(buyer, buyer, "Счёт поставщику", supply)
    testapp.login(head.login)
    found = groups_of(testapp.get("/search", params={"q": "счет"})).get("Tasks", [])
    assert found == [f"#{ours.id} Счёт для «Ромашки»"]
    testapp.login(buyer.login)
    assert groups_of(testapp.get("/search", params={"q": f"#{theirs.id}"}))["Tasks"] == [
        f"#{theirs.id} Счёт поставщику"]
    assert "Tasks" not in groups_of(testapp.get("/search", params={"q": f"#{ours.id}"}))
