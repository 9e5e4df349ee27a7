"""E-mail through SMTP: a test server on loopback (aiosmtpd) receives what `portal tick` sends
from the outbox; nothing goes out before the transaction commits; failures are retried."""

from __future__ import annotations

import email
import socket

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from models.meta import utcnow
from models.notifications import MailMessage, NotificationSettings, notify
from portal.core.mail import MAX_ATTEMPTS, send_queued


class Inbox:
    """An SMTP server's mailbox: every message received, parsed."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content)))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


def mail_settings(port: int) -> dict:
    return {
        "mail.host": "127.0.0.1",
        "mail.port": str(port),
        "mail.from": "Портал <portal@progress.example>",
        "mail.timeout": "5",
        "portal.base_url": "https://portal.progress.example",
    }


@pytest.fixture
def by_mail(dbsession, factory):
    dbsession.info["mail_enabled"] = True
    person = factory.user(email="orlova@progress.example", full_name="Орлова Наталья")
    dbsession.add(NotificationSettings(user_id=person.id, default_channel="email", channels={}))
    dbsession.flush()
    yield person
    dbsession.info.pop("mail_enabled", None)


def test_the_tick_delivers_queued_mail_to_the_smtp_server(app, dbsession, by_mail, smtp):
    notify(
        dbsession,
        by_mail.id,
        "Новая задача для вас: Сверка",
        body="Срок 20 мая.",
        url="/tasks/7",
        kind="task_assigned",
    )
    assert send_queued(dbsession, mail_settings(smtp.port), app.registry) == 1
    [(to, message)] = smtp.messages
    assert to == ["orlova@progress.example"]
    assert (
        str(email.header.make_header(email.header.decode_header(message["Subject"])))
        == "Новая задача для вас: Сверка"
    )
    body = message.get_payload(decode=True).decode(message.get_content_charset())
    assert "Срок 20 мая." in body and "https://portal.progress.example/tasks/7" in body
    row = dbsession.scalar(sa.select(MailMessage).where(MailMessage.user_id == by_mail.id))
    assert row.status == "sent" and row.sent_at is not None
    # Sent once: the next tick has nothing to do.
    assert send_queued(dbsession, mail_settings(smtp.port), app.registry) == 0
    assert len(smtp.messages) == 1


def test_nothing_is_sent_before_the_transaction_commits(app, dbengine, dbsession, by_mail, smtp):
    notify(dbsession, by_mail.id, "Не отправлять раньше времени", kind="task_assigned")
    # Another process (a tick) sees only committed rows: this transaction has not committed.
    with Session(dbengine) as other:
        assert send_queued(other, mail_settings(smtp.port), app.registry) == 0
        other.rollback()
    assert smtp.messages == []


def test_a_failed_delivery_is_retried_later_and_given_up_at_last(app, dbsession, by_mail, smtp):
    notify(dbsession, by_mail.id, "Повторить", kind="task_assigned")
    row = dbsession.scalar(sa.select(MailMessage).where(MailMessage.user_id == by_mail.id))
    dead = mail_settings(free_port())  # nobody listens there
    now = utcnow()
    assert send_queued(dbsession, dead, app.registry, now=now) == 0
    assert row.status == "queued" and row.attempts == 1 and row.next_attempt_at > now
    assert "ConnectionRefusedError" in row.last_error
    # Not before its time, then delivered when the server is back.
    assert send_queued(dbsession, mail_settings(smtp.port), app.registry, now=now) == 0
    assert send_queued(dbsession, mail_settings(smtp.port), app.registry, now=row.next_attempt_at) == 1
    assert row.status == "sent" and len(smtp.messages) == 1
    # A message that keeps failing is marked failed after the last attempt.
    notify(dbsession, by_mail.id, "Никогда", kind="task_assigned")
    never = dbsession.scalar(sa.select(MailMessage).where(MailMessage.subject == "Никогда"))
    for _ in range(MAX_ATTEMPTS):
        send_queued(dbsession, dead, app.registry, now=never.next_attempt_at)
    assert never.status == "failed" and never.attempts == MAX_ATTEMPTS


def test_a_task_assigned_in_the_portal_reaches_the_assignee_by_e_mail(
    app, testapp, dbsession, by_mail, smtp, login_as, monkeypatch
):
    monkeypatch.setitem(app.registry.settings, "mail.host", "127.0.0.1")
    login_as("employee", full_name="Белова Елена")
    form = testapp.get("/tasks/add").forms["form"]
    form["title"] = "Подписать договор"
    form["assign_to"] = f"user:{by_mail.id}"
    form.submit("save", status=302)
    assert send_queued(dbsession, mail_settings(smtp.port), app.registry) == 1
    [(to, message)] = smtp.messages
    assert to == ["orlova@progress.example"]
    assert "Подписать договор" in str(
        email.header.make_header(email.header.decode_header(message["Subject"]))
    )


def test_mail_is_off_without_a_host(app, dbsession, by_mail):
    notify(dbsession, by_mail.id, "Тишина", kind="task_assigned")
    assert send_queued(dbsession, {"mail.host": ""}, app.registry) == 0
    # The message simply waits for SMTP to be configured: not tried, not failed, not lost.
    waiting = dbsession.scalars(sa.select(MailMessage).where(MailMessage.user_id == by_mail.id)).all()
    assert [(m.subject, m.status, m.attempts, m.sent_at) for m in waiting] == [("Тишина", "queued", 0, None)]
