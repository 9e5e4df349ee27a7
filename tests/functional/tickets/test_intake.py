"""Tickets from e-mail and answers by e-mail, through the real parser and a real SMTP server:
a new ticket from a client's mail, the agent's reply leaving with headers that thread back,
the client's answer landing on the same ticket, and what must not become a ticket."""
from __future__ import annotations

import email
import email.policy
import tempfile
from email.message import EmailMessage
from pathlib import Path

import sqlalchemy as sa

from models.notifications import MailMessage
from models.tickets import Ticket, TicketAttachment, TicketMessage
from portal.core.mail import send_queued
from portal.tickets import service
from portal.tickets.inbound import parse_mail
from portal.tickets.intake import receive
from tests.functional.clients.conftest import ClientFactory
from tests.functional.tasks.test_mail import free_port, mail_settings, smtp  # noqa: F401
from tests.functional.tickets.desk import desk  # noqa: F401

OURS = ("support@progress.example", "portal@progress.example")
FILES = Path(tempfile.gettempdir()) / "portal-test-ticket-files"


def mail(subject="Не работает принтер", body="Здравствуйте! Принтер не печатает.",
         sender="Ирина <irina@client.example>", **headers) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@progress.example"
    if subject is not None:
        message["Subject"] = subject
    message["Message-ID"] = headers.pop("message_id", f"<{abs(hash((subject, body)))}@client.example>")
    for key, value in headers.items():
        message[key.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


def take_in(desk, raw: bytes):
    parsed = parse_mail(raw, our_addresses=OURS, our_message_domain="progress.example")
    return receive(desk.db, parsed, registry=desk.registry, settings={"portal.files_dir": str(FILES)})


def test_a_clients_mail_becomes_a_ticket_of_that_client(desk, dbsession, factory):
    clients = ClientFactory(dbsession, factory)
    org = clients.organization("ООО «Ромашка»")
    contact = clients.contact("Ирина Петрова", organization=org, emails=["Irina@Client.example"])
    taken = take_in(desk, mail())
    ticket = taken.ticket
    assert taken.outcome == "ticket" and ticket.channel == "email"
    assert (ticket.organization_id, ticket.contact_id) == (org.id, contact.id)
    assert ticket.subject == "Не работает принтер" and "не печатает" in ticket.description
    assert take_in(desk, mail()).outcome == "duplicate"  # the same message delivered again
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 1


def test_the_agents_reply_threads_the_clients_answer_back(desk, dbsession, app, smtp):
    dbsession.info["mail_enabled"] = True
    first = take_in(desk, mail(message_id="<first@client.example>")).ticket
    agent = desk.agents[0]
    service.add_message(dbsession, agent, first, "Перезагрузите принтер, пожалуйста.",
                        public=True, registry=desk.registry)
    queued = dbsession.scalar(sa.select(MailMessage).where(MailMessage.kind == "ticket_reply"))
    assert queued.to_addr == "irina@client.example"
    sent = send_queued(dbsession, {**mail_settings(smtp.port),
                                   "mail.from": "Поддержка <support@progress.example>"},
                       app.registry)
    assert sent == 2  # the acknowledgement of the new ticket, and the reply
    [out] = [m for m in (email.message_from_bytes(r.as_bytes(), policy=email.policy.default)
                         for _to, r in smtp.messages) if "Auto-Submitted" not in m]
    assert out["Subject"] == f"[{first.number}] {first.subject}"
    assert out["In-Reply-To"] == "<first@client.example>"
    assert first.number in out["Message-ID"] and "Auto-Submitted" not in out
    assert "Перезагрузите принтер" in out.get_content() and "Preferences" not in out.get_content()
    # The client answers the reply (their mail program quotes it and names it).
    answer = mail(subject=f"Re: [{first.number}] {first.subject}", body="Не помогло.\n\n> Перезагрузите",
                  message_id="<second@client.example>", In_Reply_To=out["Message-ID"],
                  References=f"<first@client.example> {out['Message-ID']}")
    taken = take_in(desk, answer)
    assert taken.outcome == "reply" and taken.ticket.id == first.id
    assert dbsession.scalar(sa.select(TicketMessage.body).where(
        TicketMessage.message_id == "<second@client.example>")) == "Не помогло."


def test_a_ticket_number_in_the_subject_threads_only_the_requesters_mail(desk, dbsession):
    ticket = take_in(desk, mail(message_id="<a@client.example>")).ticket
    own = take_in(desk, mail(subject=f"Ещё вопрос [{ticket.number}]", body="Дополнение",
                             message_id="<b@client.example>"))
    assert own.outcome == "reply" and own.ticket.id == ticket.id
    stranger = take_in(desk, mail(subject=f"[{ticket.number}] хочу посмотреть", body="Покажите",
                                  sender="mallory@evil.example", message_id="<c@evil.example>"))
    assert stranger.outcome == "ticket" and stranger.ticket.id != ticket.id


def test_auto_replies_bounces_and_our_own_mail_make_no_ticket(desk, dbsession):
    assert take_in(desk, mail(Auto_Submitted="auto-replied", subject="Out of office")).outcome \
        == "automatic"
    assert take_in(desk, mail(sender="MAILER-DAEMON@mx.example", subject="Undelivered")).outcome \
        == "automatic"
    assert take_in(desk, mail(sender="support@progress.example", subject="Loop")).outcome \
        == "automatic"
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 0


def test_a_mail_without_a_subject_and_a_huge_attachment_is_still_a_ticket(desk, dbsession, tmp_path):
    message = EmailMessage()
    message["From"] = "petr@client.example"
    message["Message-ID"] = "<huge@client.example>"
    message.set_content("Прикладываю лог.\nВторая строка")
    message.add_attachment(b"x" * (21 * 1024 * 1024), maintype="application",
                           subtype="octet-stream", filename="big.log")
    message.add_attachment(b"small log", maintype="text", subtype="plain", filename="small.txt")
    parsed = parse_mail(message.as_bytes(), our_addresses=OURS)
    taken = receive(dbsession, parsed, registry=desk.registry, settings={"portal.files_dir": str(tmp_path)})
    ticket = taken.ticket
    assert taken.outcome == "ticket" and ticket.subject == "Прикладываю лог."
    names = dbsession.scalars(sa.select(TicketAttachment.filename).where(
        TicketAttachment.ticket_id == ticket.id)).all()
    assert names == ["small.txt"]
    refused = dbsession.scalar(sa.select(TicketMessage.body).where(
        TicketMessage.ticket_id == ticket.id, TicketMessage.kind == "change"))
    assert "big.log" in refused


def test_html_mail_is_kept_as_text_without_its_script(desk, dbsession):
    message = EmailMessage()
    message["From"] = "html@client.example"
    message["Subject"] = "HTML"
    message["Message-ID"] = "<html@client.example>"
    message.set_content("<p>Привет<script>alert(1)</script></p><b>жирный</b>", subtype="html")
    ticket = take_in(desk, message.as_bytes()).ticket
    assert "Привет" in ticket.description and "<script" not in ticket.description
    assert "alert(1)" not in ticket.description


def test_an_answer_to_a_long_closed_ticket_opens_a_new_one_that_names_it(desk, dbsession):
    import datetime as dt

    old = take_in(desk, mail(message_id="<old@client.example>")).ticket
    service.after_transition(dbsession, old, "in_progress", "resolved",
                             now=old.created_at + dt.timedelta(hours=1))
    old.state = "closed"
    old.resolved_at = old.created_at - dt.timedelta(days=30)
    taken = take_in(desk, mail(subject=f"Re: [{old.number}] снова", body="Опять не печатает",
                               message_id="<again@client.example>",
                               In_Reply_To="<old@client.example>"))
    assert taken.outcome == "ticket" and taken.ticket.id != old.id
    assert old.number in taken.ticket.description


def test_the_requester_is_told_the_number_by_an_automatic_reply(desk, dbsession, app, smtp):
    dbsession.info["mail_enabled"] = True
    ticket = take_in(desk, mail(message_id="<ack@client.example>")).ticket
    ack = dbsession.scalar(sa.select(MailMessage).where(MailMessage.kind == "ticket_ack"))
    assert ack.to_addr == "irina@client.example" and ticket.number in ack.body
    send_queued(dbsession, {**mail_settings(smtp.port),
                            "mail.from": "Поддержка <support@progress.example>"}, app.registry)
    [(_to, received)] = smtp.messages
    out = email.message_from_bytes(received.as_bytes(), policy=email.policy.default)
    assert out["Auto-Submitted"] == "auto-replied" and out["In-Reply-To"] == "<ack@client.example>"
    # An answer to the acknowledgement lands on the ticket.
    taken = take_in(desk, mail(subject=f"Re: [{ticket.number}] {ticket.subject}", body="Дополняю",
                               message_id="<ack-2@client.example>", In_Reply_To=out["Message-ID"]))
    assert taken.outcome == "reply" and taken.ticket.id == ticket.id
    # An auto-reply to it makes nothing.
    assert take_in(desk, mail(subject="Автоответ", Auto_Submitted="auto-replied",
                              message_id="<ack-3@client.example>",
                              In_Reply_To=out["Message-ID"])).outcome == "automatic"
