"""Every kind of notice the portal sends is stored as a message id and parameters and read in the
reader's language and time zone when it is read: an English and a Russian reader each get it in
their own language, a switch of language changes how the stored notice reads, no `${` is ever
shown, and a moment shows in the reader's zone without seconds.

SCENARIOS sends each kind through the code that sends it in the portal; a kind listed in
models.notifications.NOTICE_KINDS without a scenario here fails `test_every_kind_has_a_scenario`.
People and records have Latin names, so that an English reading holds no Cyrillic at all.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from models.kb import Article
from models.meta import utcnow
from models.notifications import (
    NOTICE_KINDS,
    MailMessage,
    Notification,
    NotificationSettings,
    notify,
    notify_many,
)
from models.tasks import NOTICE_NONE, Task
from portal.calendar.changes import EventInput, answer_invitation, cancel_event, update_event
from portal.calendar.reminders import send_event_reminders
from portal.clients.reminders import send_reminders
from portal.core.i18n import _, zone_of
from portal.core.mail import MailConfig, build_message, compose_digests, localizer_for
from portal.interactions.rules import tell_responsible
from portal.kb.articles import on_transition
from portal.kb.must_read import notify_must_read
from portal.notifications.messages import render_notice
from portal.notifications.sending import tell
from portal.tasks.jobs import birthday_notices, fire_due_soon, fire_overdue, fire_reminders
from portal.tasks.service import add_comment, tell_assigned, update_task
from tests.functional.calendar.conftest import CalendarFactory
from tests.functional.clients.conftest import ClientFactory
from tests.functional.dispatch.test_notices import DISPATCH_SCENARIOS
from tests.functional.kb.conftest import KbFactory

# 10:00 in Moscow, 17:00 in Vladivostok.
AT = dt.datetime(2031, 3, 3, 7, 0, tzinfo=dt.UTC)
CYRILLIC = re.compile("[А-Яа-яЁё]")


class World:
    """The readers (English in Moscow, Russian in Vladivostok, in one department), whoever acts,
    and the factories a scenario needs."""

    def __init__(self, app, dbsession, factory, request_for):
        self.app, self.db, self.registry = app, dbsession, app.registry
        self.factory, self.request_for = factory, request_for
        self.team = factory.department("Sales team")
        self.en = factory.user("reader_en", departments=[self.team], locale="en",
                               timezone="Europe/Moscow", full_name="Anna Smith")
        self.ru = factory.user("reader_ru", departments=[self.team], locale="ru",
                               timezone="Asia/Vladivostok", full_name="Boris Petrov")
        self.boss = factory.user("boss", roles=["admin"], departments=[factory.department("Board")],
                                 full_name="Victor Boss")
        self.readers = (self.en, self.ru)

    def task(self, **fields) -> Task:
        task = Task(author_id=fields.pop("author", self.boss).id, due_at=AT, due_has_time=True,
                    **fields)
        task.set_title("Quarterly report")
        self.db.add(task)
        self.db.flush()
        return task


# --- each kind, sent by the code that sends it --------------------------------------------------

def task_assigned(w: World):
    tell_assigned(w.db, w.registry, w.task(department_id=w.team.id), actor_id=w.boss.id)


def task_changed(w: World):
    task = w.task(author=w.en, assignee_id=w.ru.id, department_id=w.team.id)
    update_task(w.db, w.boss, task, {"priority": 2, "title": "Annual report"}, registry=w.registry,
                request=w.request_for(w.boss))


def mention(w: World):
    task = w.task(author=w.en, assignee_id=w.ru.id, department_id=w.team.id)
    add_comment(w.db, w.boss, task, "@reader_en @reader_ru have a look", registry=w.registry,
                request=w.request_for(w.boss))


def task_due(w: World):
    now = utcnow()
    soon = w.task(department_id=w.team.id, notice_stage=NOTICE_NONE)
    soon.due_at = now + dt.timedelta(hours=2)
    late = w.task(author=w.en, assignee_id=w.ru.id, department_id=w.team.id, notice_stage=NOTICE_NONE)
    late.due_at = now - dt.timedelta(hours=1)
    w.db.flush()
    fire_due_soon(w.db, w.registry, now)
    fire_overdue(w.db, w.registry, now)


def reminder(w: World):
    task = w.task(department_id=w.team.id)
    task.remind_at = utcnow() - dt.timedelta(minutes=1)
    w.db.flush()
    fire_reminders(w.db, w.registry)


def birthday(w: World):
    now = utcnow()
    soon = now.astimezone(zone_of(w.ru)).date() + dt.timedelta(days=2)
    w.factory.user("colleague", departments=[w.team], full_name="Carl Jones",
                   birthday=soon.replace(year=1990))
    birthday_notices(w.db, w.registry, now)


def _event(w: World, organizer=None, **fields):
    cal = CalendarFactory(w.db, w.factory, w.request_for)
    fields.setdefault("user_ids", [w.en.id, w.ru.id])
    return cal.event(organizer or w.boss, "Budget meeting", start=fields.pop("start", AT), **fields)


def event_invitation(w: World):
    _event(w)


def event_change(w: World):
    event = _event(w)
    w.db.execute(sa.delete(Notification))
    data = EventInput(title=event.title, start=AT + dt.timedelta(hours=1), end=AT + dt.timedelta(hours=2),
                      timezone="Europe/Moscow", user_ids=[w.en.id, w.ru.id])
    update_event(w.request_for(w.boss), event, data)


def event_cancellation(w: World):
    cancel_event(w.db, w.boss, _event(w), registry=w.registry)


def event_answer(w: World):
    for organizer in w.readers:
        event = _event(w, organizer, user_ids=[w.boss.id])
        answer_invitation(w.db, w.boss, event, "declined", registry=w.registry)


def reminder_event(w: World):
    _event(w, start=(utcnow() + dt.timedelta(minutes=10)).replace(microsecond=0), reminder_minutes=15)
    send_event_reminders(w.request_for(None))


def _articles(w: World, **fields) -> list[Article]:
    kb = KbFactory(w.db, w.factory)
    folder = kb.folder("Rules", slug="rules")
    for reader in w.readers:
        kb.share(folder, "reviewer", user=reader)
    return [kb.article(folder, f"Fire safety {i}", author=author, **fields)
            for i, author in enumerate(w.readers)]


def _step(w: World, article, name: str, comment: str = ""):
    on_transition(SimpleNamespace(obj=article, request=w.request_for(w.boss),
                                  transition=SimpleNamespace(name=name), comment=comment))


def kb_review(w: World):
    _step(w, _articles(w, state="pending")[0], "submit")


def kb_published(w: World):
    for article in _articles(w):
        _step(w, article, "publish")


def kb_rejected(w: World):
    for article in _articles(w, state="pending"):
        _step(w, article, "reject", "Add the screenshots, please")


def kb_must_read(w: World):
    notify_must_read(w.request_for(w.boss), _articles(w, must_read=True)[0])


def client_dates(w: World):
    clients = ClientFactory(w.db, w.factory)
    now = utcnow()
    for reader in w.readers:
        org = clients.organization(f"Vector {reader.login}", manager=reader)
        today = now.astimezone(zone_of(reader)).date()
        clients.contact("Peter Sidorov", organization=org,
                        birthday=(today + dt.timedelta(days=3)).replace(year=1980))
    send_reminders(w.db, w.registry, now)


def interaction_planned(w: World):
    clients = ClientFactory(w.db, w.factory)
    org = clients.organization("Vector")
    items = [clients.interaction(responsible=reader, author=w.boss, organization=org,
                                 subject="Send the invoice", planned_at=AT)
             for reader in w.readers]
    tell_responsible(w.db, w.boss, items, w.registry)


def _desk(w: World, lead=None, agents=()):
    from models.tickets import Queue, QueueAgent, SlaPolicy

    queue = Queue(name=f"Support {len(agents)}", department_id=w.team.id,
                  lead_id=lead.id if lead else None, assignment="manual")
    queue.agents = [QueueAgent(user_id=a.id) for a in agents]
    w.db.add(queue)
    w.db.flush()
    w.db.add(SlaPolicy(queue_id=queue.id, priority=1, first_response_minutes=60,
                       resolution_minutes=240))
    w.db.flush()
    return queue


def _ticket(w: World, queue, **fields):
    from portal.tickets.service import TicketInput, create_ticket

    return create_ticket(w.db, w.boss, TicketInput(subject="Printer is down", queue_id=queue.id,
                                                   **fields), registry=w.registry, now=AT)


def ticket_new(w: World):
    _ticket(w, _desk(w, lead=w.en, agents=[w.ru]))


def ticket_assigned(w: World):
    from portal.tickets.service import give_to

    queue = _desk(w)
    for reader in w.readers:
        give_to(w.db, w.boss, _ticket(w, queue), reader.id, registry=w.registry)


def ticket_changed(w: World):
    from models.tickets import TicketWatcher
    from portal.tickets.service import requester_message

    ticket = _ticket(w, _desk(w), assignee_id=w.en.id)
    ticket.watchers.append(TicketWatcher(user_id=w.ru.id))
    requester_message(w.db, ticket, "Still broken", from_email="client@example.org",
                      registry=w.registry, now=AT)


def ticket_sla(w: World):
    from portal.tickets.service import sla_job

    _ticket(w, _desk(w, lead=w.en), assignee_id=w.ru.id)
    sla_job(w.db, w.registry, AT + dt.timedelta(days=30))


def handover(w: World):
    from models.clients import Organization
    from portal.people.handover import hand_over

    leaver = w.factory.user("leaver", departments=[w.team], full_name="Peter Leaving")
    w.db.add(Organization(name="Leaving Ltd", manager_id=leaver.id))
    w.task(assignee_id=leaver.id)
    w.db.flush()
    for reader in w.readers:
        hand_over(w.db, w.boss, leaver, {"tasks": reader, "clients": reader},
                  registry=w.registry, now=AT)
        w.task(assignee_id=leaver.id)
        w.db.add(Organization(name="Leaving Ltd 2", manager_id=leaver.id))
        w.db.flush()


def deal_assigned(w: World):
    from decimal import Decimal

    from models.clients import Organization
    from models.sales import Deal, Pipeline, Stage
    from portal.sales.deals import reassign

    pipeline = Pipeline(code="notices", name="Direct", channel="notices")
    w.db.add(pipeline)
    w.db.flush()
    stage = Stage(pipeline_id=pipeline.id, name="Proposal", position=1, probability=40)
    client = Organization(name="Buying Ltd")
    w.db.add_all([stage, client])
    w.db.flush()
    for reader in w.readers:
        deal = Deal(title="Forty chairs", organization_id=client.id, pipeline_id=pipeline.id,
                    stage_id=stage.id, amount=Decimal("1250.50"), owner_id=w.boss.id)
        w.db.add(deal)
        w.db.flush()
        reassign(w.db, w.boss, deal, reader.id, registry=w.registry, now=AT)


SCENARIOS = {f.__name__: f for f in (
    handover, deal_assigned,
    ticket_new, ticket_assigned, ticket_changed, ticket_sla,
    task_assigned, task_changed, mention, task_due, reminder, birthday,
    event_invitation, event_change, event_cancellation, event_answer, reminder_event,
    kb_review, kb_published, kb_rejected, kb_must_read, client_dates, interaction_planned)}
SCENARIOS.update(DISPATCH_SCENARIOS)


# --- reading ----------------------------------------------------------------------------------

@pytest.fixture
def world(app, dbsession, factory, request_for):
    return World(app, dbsession, factory, request_for)


def read(app, note, locale: str, user) -> tuple[str, str]:
    return tuple(render_notice(note, localizer_for(app.registry, locale), zone_of(user)))


def messages_in(node):
    """Every message id in a stored title or body (with its plural, if any)."""
    if isinstance(node, dict):
        if "$msg" in node:
            yield node["$msg"], node.get("$plural")
        for value in node.values():
            yield from messages_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from messages_in(value)


def moments_in(node):
    if isinstance(node, dict):
        if "$at" in node and node.get("$time", True):
            yield dt.datetime.fromisoformat(node["$at"].replace("Z", "+00:00"))
        for value in node.values():
            yield from moments_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from moments_in(value)


def test_every_kind_has_a_scenario():
    assert set(SCENARIOS) == NOTICE_KINDS - {"info"}


def test_an_unknown_kind_is_refused(dbsession, factory):
    with pytest.raises(ValueError, match="NOTICE_KINDS"):
        notify(dbsession, factory.user().id, "Hello", kind="no_such_kind")


@pytest.mark.parametrize("kind", sorted(SCENARIOS))
def test_each_reader_reads_the_notice_in_their_language_and_zone(kind, app, world, dbsession):
    SCENARIOS[kind](world)
    dbsession.flush()
    russian = localizer_for(app.registry, "ru")
    for reader in world.readers:
        notes = list(dbsession.scalars(sa.select(Notification).where(
            Notification.user_id == reader.id, Notification.kind == kind)))
        assert notes, f"{reader.login} got no {kind} notice"
        for note in notes:
            assert note.message, "stored as a message id and parameters"
            json.dumps([note.params, note.body_params])  # plain JSON
            stored = [{**(note.params or {}), "$msg": note.message}]
            if note.body_message:
                stored.append({**(note.body_params or {}), "$msg": note.body_message})
            # Every message in it has a Russian translation (a new message without one fails).
            for msgid, plural in messages_in(stored):
                if not re.search(r"\w", re.sub(r"\$\{[^}]*\}", "", msgid)):
                    continue  # nothing but placeholders: nothing to translate
                translated = (russian.pluralize(msgid, plural, 5, domain="portal") if plural
                              else russian.translate(_(msgid)))
                assert CYRILLIC.search(translated), f"no Russian for {msgid!r}"
            english, in_russian = read(app, note, "en", reader), read(app, note, "ru", reader)
            assert CYRILLIC.search(in_russian[0]) and not CYRILLIC.search(" ".join(english))
            # As each reader reads it now: their own language.
            own = read(app, note, reader.locale, reader)
            assert own == (english if reader.locale == "en" else in_russian)
            for text in (*english, *in_russian):
                assert "${" not in text and not re.search(r"\d:\d\d:\d\d|\d{4}-\d\d-\d\d", text)
            for moment in moments_in(stored):
                local = moment.astimezone(zone_of(reader))
                assert f"{local:%H:%M}" in " ".join(own)
    # Switching a person's language changes how the stored notice reads.
    world.ru.locale = "en"
    note = dbsession.scalar(sa.select(Notification).where(Notification.user_id == world.ru.id))
    assert not CYRILLIC.search(" ".join(read(app, note, world.ru.locale, world.ru)))


def test_the_inbox_and_my_day_read_notices_in_the_current_language(testapp, world, dbsession):
    task_assigned(world)
    testapp.login("reader_ru")
    for page, selector in (("/notifications", "#notifications"), ("/", "#home-notifications")):
        text = testapp.get(page).html.select_one(selector).text
        assert "Новая задача в очереди отдела «Sales team»: Quarterly report" in text, page
        assert "3 мар. 2031, 17:00" in text  # Vladivostok
    testapp.post_csrf("/language", {"lang": "en", "came_from": "/"}, status=303)
    for page, selector in (("/notifications", "#notifications"), ("/", "#home-notifications")):
        text = testapp.get(page).html.select_one(selector).text
        assert "New task in the queue of Sales team: Quarterly report" in text, page
        assert "Due 3 Mar 2031, 17:00" in text and not CYRILLIC.search(text)


def test_notices_written_before_show_as_they_were_stored(testapp, world, dbsession):
    dbsession.add(Notification(user_id=world.ru.id, title="Старое уведомление", body="Как было",
                               kind="task_changed"))
    dbsession.flush()
    testapp.login("reader_ru")
    text = testapp.get("/notifications").html.select_one("#notifications").text
    assert "Старое уведомление" in text and "Как было" in text


def test_an_email_is_written_in_the_recipients_language_when_it_leaves(app, world, dbsession):
    dbsession.info["mail_enabled"] = True
    for reader in world.readers:
        reader.email = f"{reader.login}@example.com"
    for reader in world.readers:
        dbsession.add(NotificationSettings(user_id=reader.id, default_channel="email", channels={},
                                           digest=reader is world.ru))
    dbsession.flush()
    tell(dbsession, app.registry, [world.en.id, world.ru.id], "task_due",
         _("Due soon: ${title}", mapping={"title": "Quarterly report"}),
         _("Due ${when}", mapping={"when": AT}), "/tasks/1")
    config = MailConfig({"portal.base_url": "https://portal.example"})
    mail = dbsession.scalar(sa.select(MailMessage).where(MailMessage.user_id == world.en.id))
    sent = build_message(config, mail, localizer_for(app.registry, "en"), zone=zone_of(world.en))
    assert sent["Subject"] == "Due soon: Quarterly report"
    assert "Due 3 Mar 2031, 10:00" in sent.get_content()
    # The digest gathers the day's notices as the reader reads them when it is made.
    world.ru.locale = "en"
    dbsession.flush()
    assert compose_digests(dbsession, app.registry, AT.replace(hour=23)) == 1
    digest = dbsession.scalar(sa.select(MailMessage).where(MailMessage.user_id == world.ru.id,
                                                           MailMessage.kind == "digest"))
    assert "Due soon: Quarterly report" in digest.body and "Due 3 Mar 2031, 17:00" in digest.body
    world.ru.locale = "ru"
    ru_mail = build_message(config, dbsession.scalar(sa.select(MailMessage).where(
        MailMessage.user_id == world.ru.id, MailMessage.kind == "task_due")),
        localizer_for(app.registry, "ru"), zone=zone_of(world.ru))
    assert CYRILLIC.search(ru_mail["Subject"]) and "${" not in ru_mail.get_content()
    assert notify_many(dbsession, []) == 0
