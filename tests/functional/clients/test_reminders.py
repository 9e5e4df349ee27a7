"""Reminders of clients' birthdays and important dates: to whoever is responsible for the client,
N days ahead (their setting), exactly once per person, date and year."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from models.clients import ImportantDate, SentReminder
from models.notifications import Notification
from portal.clients.reminders import claim, due_reminders, send_reminders
from portal.clients.rules import REMINDER_DAYS, set_setting
from tests.clock import local_today

NOON = dt.time(9, 0)  # 12:00 in Moscow


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, NOON, dt.UTC)


def notes(dbsession, user) -> list[Notification]:
    return list(dbsession.scalars(sa.select(Notification).where(
        Notification.user_id == user.id, Notification.kind == "client_dates")
        .order_by(Notification.id)))


@pytest.fixture
def manager(factory):
    return factory.user("popova", roles=["sales"], full_name="Попова Анна")


@pytest.fixture
def org(clients, manager):
    return clients.organization("ООО «Вектор»", manager=manager)


def test_birthday_of_a_contact_is_reminded_days_ahead_once(app, dbsession, clients, manager, org):
    today = dt.date(2026, 3, 10)
    clients.contact("Сидоров Пётр", organization=org, birthday=dt.date(1980, 3, 13))
    clients.contact("Далёкий Именинник", organization=org, birthday=dt.date(1980, 3, 20))
    assert send_reminders(dbsession, app.registry, at(today - dt.timedelta(days=1))) == 0
    assert send_reminders(dbsession, app.registry, at(today)) == 1  # 3 days ahead by default
    (note,) = notes(dbsession, manager)
    assert note.title == "Сидоров Пётр has a birthday in 3 days"
    assert "13 March" in note.body and "turns 46" in note.body and "ООО «Вектор»" in note.body
    assert note.url.startswith(f"/clients/{org.id}/contacts/")
    # Exactly once, however often the tick runs this year.
    for later in (today, today + dt.timedelta(days=1), today + dt.timedelta(days=3)):
        assert send_reminders(dbsession, app.registry, at(later)) == 0
    assert len(notes(dbsession, manager)) == 1
    # Next year again.
    assert send_reminders(dbsession, app.registry, at(dt.date(2027, 3, 11))) == 1


def test_days_ahead_is_each_persons_setting(app, dbsession, factory, clients, manager, org):
    eager = factory.user(roles=["sales"])
    other_org = clients.organization("ООО «Заранее»", manager=eager)
    clients.contact("Ранний Именинник", organization=other_org, birthday=dt.date(1990, 6, 20))
    clients.contact("Поздний Именинник", organization=org, birthday=dt.date(1990, 6, 20))
    set_setting(dbsession, eager.id, REMINDER_DAYS, "10")
    set_setting(dbsession, manager.id, REMINDER_DAYS, "0")
    dbsession.flush()
    assert send_reminders(dbsession, app.registry, at(dt.date(2026, 6, 10))) == 1
    assert [n.title for n in notes(dbsession, eager)] == [
        "Ранний Именинник has a birthday in 10 days"]
    assert notes(dbsession, manager) == []
    # 0: on the day itself.
    assert send_reminders(dbsession, app.registry, at(dt.date(2026, 6, 20))) == 1
    assert [n.title for n in notes(dbsession, manager)] == [
        "Today is the birthday of Поздний Именинник"]


def test_settings_page_changes_the_days(testapp, dbsession, manager):
    from portal.clients.rules import reminder_days

    testapp.login(manager.login)
    page = testapp.get("/clients/interactions/@@settings")
    assert 'name="days"' in page.text and 'value="3"' in page.text
    testapp.post_csrf("/clients/interactions/@@settings", {"days": "7", "save": "save"},
                      status=302)
    assert reminder_days(dbsession, manager.id) == 7
    page = testapp.post_csrf("/clients/interactions/@@settings", {"days": "400", "save": "save"},
                             status=400)
    assert "At most 60 days." in page.text
    page = testapp.post_csrf("/clients/interactions/@@settings", {"days": "soon",
                                                                  "save": "save"}, status=400)
    assert reminder_days(dbsession, manager.id) == 7


def test_important_dates_of_organizations_and_contacts(app, dbsession, clients, manager, org):
    contact = clients.contact("Петрова Ольга", organization=org)
    org.important_dates.append(ImportantDate(title="День основания", date=dt.date(2005, 4, 2)))
    contact.important_dates.append(ImportantDate(title="Годовщина сотрудничества",
                                                 date=dt.date(2020, 4, 1)))
    # A one-off date of another year is not reminded.
    org.important_dates.append(ImportantDate(title="Разовое событие", date=dt.date(2025, 4, 2),
                                             yearly=False))
    dbsession.flush()
    assert send_reminders(dbsession, app.registry, at(dt.date(2026, 3, 31))) == 2
    titles = sorted(n.title for n in notes(dbsession, manager))
    assert titles == ["In 2 days: День основания (ООО «Вектор»)",
                      "Tomorrow: Годовщина сотрудничества (Петрова Ольга)"]
    urls = {n.url for n in notes(dbsession, manager)}
    assert f"/clients/{org.id}" in urls and f"/clients/{org.id}/contacts/{contact.id}" in urls


def test_only_the_responsible_active_manager_is_reminded(app, dbsession, factory, clients,
                                                         manager, org):
    other = factory.user(roles=["sales"], departments=manager.departments)
    gone = factory.user(roles=["sales"])
    gone_org = clients.organization("ООО «Ушедшего»", manager=gone)
    clients.contact("Клиент Ушедшего", organization=gone_org, birthday=dt.date(1970, 5, 2))
    gone.state = "deactivated"
    private = clients.contact("Частное Лицо", birthday=dt.date(1975, 5, 2), manager_id=other.id,
                              department_id=other.memberships[0].department_id)
    clients.contact("Клиентка Поповой", organization=org, birthday=dt.date(1985, 5, 2))
    dbsession.flush()
    assert send_reminders(dbsession, app.registry, at(dt.date(2026, 5, 1))) == 2
    assert [n.title for n in notes(dbsession, manager)] == [
        "Tomorrow is the birthday of Клиентка Поповой"]
    (note,) = notes(dbsession, other)
    assert note.url == f"/clients/contacts/{private.id}" and "private person" in note.body
    assert notes(dbsession, gone) == []


def test_29_february_is_remembered_on_the_28th_in_common_years(app, dbsession, clients,
                                                               manager, org):
    set_setting(dbsession, manager.id, REMINDER_DAYS, "0")
    clients.contact("Високосный Именинник", organization=org, birthday=dt.date(1988, 2, 29))
    assert send_reminders(dbsession, app.registry, at(dt.date(2027, 2, 28))) == 1
    assert send_reminders(dbsession, app.registry, at(dt.date(2027, 3, 1))) == 0


def test_across_the_new_year(app, dbsession, clients, manager, org):
    clients.contact("Новогодний Именинник", organization=org, birthday=dt.date(1980, 1, 2))
    assert send_reminders(dbsession, app.registry, at(dt.date(2026, 12, 30))) == 1
    assert dbsession.scalar(sa.select(SentReminder.key).where(
        SentReminder.user_id == manager.id)).endswith(":2027")
    assert send_reminders(dbsession, app.registry, at(dt.date(2027, 1, 1))) == 0


def test_a_reminder_claimed_by_another_tick_is_not_given_again(app, dbsession, clients, manager,
                                                               org):
    clients.contact("Сидоров Пётр", organization=org, birthday=dt.date(1980, 3, 13))
    now = at(dt.date(2026, 3, 12))
    due = due_reminders(dbsession, now)
    assert len(due) == 1
    # Two ticks found the same reminder; only the first claim wins it.
    assert claim(dbsession, due) == due
    assert claim(dbsession, due) == []
    assert send_reminders(dbsession, app.registry, now) == 0


def test_portal_tick_delivers_a_birthday_reminder_once(tmp_path):
    """The real `portal tick` (portal.core.ticker.tick in its own committed transactions) on a fresh
    database: the reminder is stored once, however often the tick runs."""
    from pyramid.paster import bootstrap

    from models.clients import Contact, Organization
    from portal import cli
    from portal.core.ticker import tick
    from portal.people.rules import create_user

    db = tmp_path / "tick.sqlite"
    ini = tmp_path / "tick.ini"
    ini.write_text(f"[app:main]\nuse = egg:portal-crm\nsqlalchemy.url = sqlite:///{db}\n"
                   "session.secret = tick-test\n")
    cli.main(["initdb", str(ini)])
    with bootstrap(str(ini)) as env:
        registry, session = env["registry"], env["request"].dbsession
        with env["request"].tm:
            manager = create_user(session, login="popova", full_name="Попова Анна",
                                  roles=["sales"], timezone="Europe/Moscow")
            org = Organization(name="ООО «Вектор»", manager=manager)
            birthday = local_today() + dt.timedelta(days=2)  # in two days, in Moscow
            session.add_all([org, Contact(full_name="Сидоров Пётр", organization=org,
                                          birthday=birthday.replace(year=1980)
                                          if (birthday.month, birthday.day) != (2, 29)
                                          else dt.date(1980, 2, 29))])
        first, second = tick(registry), tick(registry)
    assert first["client_reminders"] == 1 and second["client_reminders"] == 0
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        titles = conn.execute(sa.text(
            "SELECT title FROM notifications WHERE kind = 'client_dates'")).scalars().all()
    engine.dispose()
    assert len(titles) == 1 and titles[0].startswith("Сидоров Пётр has a birthday in ")
