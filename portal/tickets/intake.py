"""Tickets from e-mail: each message of the support mailbox (portal/tickets/mailbox.py, polled
by `portal tick`) becomes a new ticket or a message on the ticket it answers.

Threading, in this order: the ticket whose message the mail answers (In-Reply-To, then
References, against the Message-IDs stored on ticket messages and the ticket numbers in ours);
then a ticket number in the subject ("Re: [T-2026-000123] …"), when the sender is that ticket's
requester (a stranger's mail naming someone else's ticket makes a ticket of its own). An answer
to a resolved ticket within its queue's days reopens it; after that a new ticket is made that
names the old one.

Never twice: a message is taken in once (`ticket_messages.message_id` is unique; a copy
delivered again or a second tick reading it at the same time adds nothing). Never a loop:
auto-replies, bounces and our own mail coming back are not turned into tickets, and a sender
who made more than SENDER_LIMIT tickets within the last hour makes no more.
"""
from __future__ import annotations

import datetime as dt
import io
import logging
from dataclasses import dataclass

import sqlalchemy as sa

import portal.tickets.service as service
from models.clients import Contact, Email
from models.meta import utcnow
from models.tickets import OPEN_STATES, Ticket, TicketAttachment, TicketMessage
from portal.files.storage import store
from portal.tickets.inbound import InboundMail, thread_keys
from portal.tickets.outbox import queue_ack_mail
from portal.tickets.service import TicketInput, create_ticket, requester_message

log = logging.getLogger(__name__)
SENDER_LIMIT = 20


@dataclass(frozen=True)
class Taken:
    """What became of a message: "ticket" (a new one), "reply" (on an existing one),
    "duplicate", "automatic", "refused" or "limited"; the ticket when there is one."""

    outcome: str
    ticket: Ticket | None = None


def _known(dbsession, message_id: str) -> bool:
    return bool(message_id) and dbsession.scalar(
        sa.select(TicketMessage.id).where(TicketMessage.message_id == message_id)) is not None


def find_thread(dbsession, mail: InboundMail) -> Ticket | None:
    """The ticket the mail answers, if any (see the module's docstring)."""
    for number in mail.thread_ticket_numbers:
        found = service.find_by_number(dbsession, number)
        if found is not None:
            return found
    keys = [k for k in thread_keys(mail) if k]
    if keys:
        ticket_id = dbsession.scalar(
            sa.select(TicketMessage.ticket_id).where(TicketMessage.message_id.in_(keys))
            .order_by(TicketMessage.id.desc()).limit(1))
        if ticket_id is not None:
            return dbsession.get(Ticket, ticket_id)
    for number in mail.ticket_numbers:
        found = service.find_by_number(dbsession, number)
        if found is not None and found.requester_email.lower() == mail.sender.lower():
            return found
    return None


def client_by_email(dbsession, address: str) -> tuple[int | None, int | None]:
    """(organization, contact) whose e-mail this is, if exactly one contact (or organization)
    has it."""
    if not address:
        return None, None
    rows = dbsession.execute(
        sa.select(Email.contact_id, Email.organization_id)
        .where(Email.normalized == address.strip().lower()).limit(2)).all()
    if len(rows) != 1:
        return None, None
    contact_id, organization_id = rows[0]
    if contact_id is not None:
        contact = dbsession.get(Contact, contact_id)
        return (contact.organization_id if contact else None), contact_id
    return organization_id, None


def _attach(dbsession, settings, ticket: Ticket, message: TicketMessage, mail: InboundMail) -> None:
    for item in mail.attachments:
        if item.inline:
            continue
        try:
            stored = store(settings, io.BytesIO(item.data), item.filename, limit=len(item.data) + 1,
                           check_type=False)
        except Exception:
            log.warning("attachment %r of %s not stored", item.filename, mail.message_id)
            continue
        dbsession.add(TicketAttachment(
            ticket_id=ticket.id, message_id=message.id, filename=stored.name,
            content_type=stored.content_type or item.content_type or "application/octet-stream",
            size=stored.size, sha256=stored.sha256))


def receive(dbsession, mail: InboundMail, *, registry, settings: dict | None = None,
            now: dt.datetime | None = None) -> Taken:
    """Take one parsed message in (see the module's docstring)."""
    now = now or utcnow()
    settings = settings or {}
    if mail.refused:
        log.warning("mail %s not taken in: %s", mail.message_id, mail.refused)
        return Taken("refused")
    if mail.is_automatic:
        log.info("mail %s is automatic (%s): not a ticket", mail.message_id, mail.automatic_reason)
        return Taken("automatic")
    if _known(dbsession, mail.message_id):
        return Taken("duplicate")
    text = (mail.reply_text or mail.text or "").strip()
    ticket = find_thread(dbsession, mail)
    notes = [{"name": r.filename, "size": r.size, "limit": r.limit}
             for r in mail.refused_attachments]
    if ticket is not None and (ticket.is_open or (ticket.state in ("resolved", "closed")
                               and _may_reopen(ticket, now))):
        message = requester_message(dbsession, ticket, text, from_name=mail.sender_name,
                                    from_email=mail.sender, message_id=mail.message_id,
                                    registry=registry, now=now)
        _attach(dbsession, settings, ticket, message, mail)
        _refusals(dbsession, ticket, notes)
        return Taken("reply", ticket)
    recent = dbsession.scalar(sa.select(sa.func.count()).select_from(Ticket).where(
        Ticket.requester_email == mail.sender, Ticket.created_at >= now - dt.timedelta(hours=1)))
    if mail.sender and recent >= SENDER_LIMIT:
        log.warning("mail %s: %s made %d tickets within the hour; not another", mail.message_id,
                    mail.sender, recent)
        return Taken("limited")
    organization_id, contact_id = client_by_email(dbsession, mail.sender)
    subject = mail.subject or subject_from(text, mail.sender)
    description = text
    if ticket is not None:
        description = f"{ticket.number}: {ticket.subject}\n\n{text}"
    new = create_ticket(dbsession, None, TicketInput(
        subject=subject[:service.SUBJECT_MAX], description=description, channel="email",
        organization_id=organization_id, contact_id=contact_id,
        requester_name=mail.sender_name[:200], requester_email=mail.sender[:254]),
        registry=registry, now=now)
    message = TicketMessage(ticket_id=new.id, kind="incoming", from_name=mail.sender_name[:200],
                            from_email=mail.sender[:254], body=text[:service.BODY_MAX],
                            message_id=mail.message_id, created_at=now)
    dbsession.add(message)
    dbsession.flush()
    _attach(dbsession, settings, new, message, mail)
    _refusals(dbsession, new, notes)
    queue_ack_mail(dbsession, new)
    return Taken("ticket", new)


def subject_from(text: str, sender: str) -> str:
    """A subject for a mail that has none: its first line, else its sender."""
    for line in text.splitlines():
        line = " ".join(line.split())
        if line:
            return line if len(line) <= 80 else line[:79] + "…"
    return sender or "—"


def _may_reopen(ticket: Ticket, now: dt.datetime) -> bool:
    if ticket.state in OPEN_STATES:
        return True
    days = ticket.queue.reopen_days if ticket.queue is not None else 7
    return ticket.resolved_at is None or now - ticket.resolved_at <= dt.timedelta(days=days)


def _refusals(dbsession, ticket: Ticket, notes) -> None:
    for note in notes:
        service.log_change(dbsession, ticket, None, {"event": "attachment_refused", **note})
    dbsession.flush()

