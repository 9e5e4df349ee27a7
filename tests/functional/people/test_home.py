"""My day: greeting, unread notifications, birthdays this week, colleagues."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from models.notifications import notify


def test_my_day_shows_notifications_birthdays_and_colleagues(testapp, factory, dbsession):
    dept = factory.department("Бухгалтерия")
    me = factory.user(departments=[dept], full_name="Орлова Наталья Геннадьевна")
    colleague = factory.user(departments=[dept], full_name="Богданова Светлана Юрьевна",
                             birthday=dt.date.today().replace(year=1990) + dt.timedelta(days=2))
    stranger = factory.user(full_name="Далёкий Человек Иванович",
                            birthday=dt.date.today().replace(year=1985) + dt.timedelta(days=20))
    notify(dbsession, me.id, "Отчёт готов", url="/people")
    dbsession.flush()
    testapp.login(me.login)
    page = testapp.get("/")
    assert "Наталья" in page.text
    assert "Отчёт готов" in page.text
    bell = page.html.select_one("#bell-count")
    assert bell is not None and bell.text.strip() == "1"
    birthdays = page.html.select_one("#home-birthdays").text
    assert colleague.full_name in birthdays and stranger.full_name not in birthdays
    assert colleague.full_name in page.html.select_one("#home-colleagues").text


def test_areas_add_blocks_to_my_day(testapp, factory):
    from views.home import DAY_BLOCKS, DayBlock

    def block(request):
        return DayBlock("home/card_block.jinja2", {
            "id": "calls-today", "title": "Calls for today", "icon": "telephone", "empty": "",
            "items": [{"text": "Позвонить в ООО «Ромашка»", "url": "/people", "note": "10:30"}]},
            column="main")

    DAY_BLOCKS.add("test.block", block)
    try:
        testapp.login(factory.user().login)
        page = testapp.get("/")
        assert "Позвонить в ООО «Ромашка»" in page.html.select_one("#calls-today").text
    finally:
        DAY_BLOCKS.remove("test.block")


def test_my_day_names_only_the_birthdays_of_people_one_may_see(testapp, factory, dbsession):
    """The directory's person.view rule holds on My day too: a role that sees only its own
    department's people hears of no other department's birthdays."""
    import datetime as dt

    from models.roles import RoleGrant
    from tests.functional.people.test_people import department_scoped_role, without_employee_role

    narrow = department_scoped_role(dbsession, factory, "narrow")
    mine, other = factory.department("Свой отдел"), factory.department("Чужой отдел")
    without_employee_role(dbsession, mine, other)
    me = factory.user("viewer", departments=[mine])
    dbsession.add(RoleGrant(role=narrow, user=me))
    today = dt.date.today()
    factory.user("nearby", full_name="Коллега Свой", departments=[mine], birthday=today)
    factory.user("faraway", full_name="Коллега Чужой", departments=[other], birthday=today)
    dbsession.flush()
    testapp.login(me.login)
    page = testapp.get("/")
    assert "Коллега Свой" in page.text
    assert "Коллега Чужой" not in page.text


def test_a_week_of_many_birthdays_shows_the_nearest_and_how_many_more(testapp, factory):
    """A big company has dozens of birthdays a week: My day names the nearest eight, soonest
    first, and says how many more, leading to the directory."""
    from views.home import BIRTHDAYS_SHOWN

    # The reader's day (Moscow, the default zone), not the machine's: from 21:00 UTC they differ.
    today = dt.datetime.now(ZoneInfo("Europe/Moscow")).date()
    days = [today + dt.timedelta(days=i % 7) for i in range(BIRTHDAYS_SHOWN + 3)]
    people = [factory.user(full_name=f"Именинник {i:02d}",
                           birthday=dt.date(1992, day.month, day.day))  # 1992: a leap year
              for i, day in enumerate(days)]
    testapp.login(factory.user().login)
    page = testapp.get("/")
    names = [a.text for a in page.html.select("#home-birthdays a[href*='/people/']")]
    # The nearest eight: today's two, tomorrow's two, ... the fourth day's two.
    assert sorted(names) == sorted(p.full_name for p, day in zip(people, days, strict=True)
                                   if (day - today).days < 4)
    more = page.html.select_one("#home-birthdays-more")
    assert more.text == "and 3 more this week" and more["href"].endswith("/people#birthdays")
    testapp.post_csrf("/language", {"lang": "ru", "came_from": "/"}, status=303)
    assert "ещё 3 на этой неделе" in testapp.get("/").html.select_one("#home-birthdays-more").text
