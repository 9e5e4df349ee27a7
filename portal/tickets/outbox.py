"""E-mail to requesters: replies of agents and the rating link on resolution, queued in the
portal's outbox in the transaction of the change (sent by `portal tick` once it commits, and
only when SMTP is configured).

Each carries headers that thread the requester's answer back to the ticket: a Message-ID of
ours with the ticket number inside (also stored on the reply, so an answer quoting it is found),
In-Reply-To and References of the requester's last message, a Reply-To of the support mailbox,
and the ticket number in the subject. The rating link is marked as sent automatically
(`Auto-Submitted: auto-replied`), so that auto-responders do not answer it.

Settings (ini): `tickets.mail.from` (the sender, else `mail.from`), `tickets.mail.reply_to`
(the mailbox the intake reads, else the sender), `tickets.mail.domain` (of our Message-IDs,
else the sender's domain).
"""
from __future__ import annotations

from email.utils import parseaddr

import sqlalchemy as sa
from pyramid.threadlocal import get_current_registry

from models.notifications import MailMessage, mail_enabled
from models.tickets import Ticket, TicketMessage
from portal.tickets.inbound import reply_headers


def subject_of(ticket: Ticket) -> str:
    return f"[{ticket.number}] {ticket.subject}"[:300]


def mail_settings(dbsession) -> dict:
    request = dbsession.info.get("request")
    registry = getattr(request, "registry", None) or get_current_registry()
    return getattr(registry, "settings", None) or {}


def addresses(settings: dict) -> tuple[str, str, str]:
    """(From, Reply-To, the domain of our Message-IDs)."""
    sender = (settings.get("tickets.mail.from") or settings.get("mail.from")
              or "Support <support@localhost>").strip()
    reply_to = (settings.get("tickets.mail.reply_to") or sender).strip()
    domain = (settings.get("tickets.mail.domain") or parseaddr(sender)[1].partition("@")[2]
              or "portal.invalid").strip().lower()
    return sender, reply_to, domain


def _last_from_requester(dbsession, ticket: Ticket) -> str:
    return dbsession.scalar(
        sa.select(TicketMessage.message_id).where(
            TicketMessage.ticket_id == ticket.id, TicketMessage.kind.in_(("incoming", "reply")),
            TicketMessage.message_id.is_not(None))
        .order_by(TicketMessage.created_at.desc(), TicketMessage.id.desc()).limit(1)) or ""


def _queue(dbsession, ticket: Ticket, body: str, kind: str, automatic: bool,
           message: TicketMessage | None = None) -> MailMessage | None:
    if not ticket.requester_email or not mail_enabled(dbsession):
        return None
    sender, reply_to, domain = addresses(mail_settings(dbsession))
    last = _last_from_requester(dbsession, ticket)
    headers = reply_headers(domain=domain, ticket_number=ticket.number, reply_to=reply_to,
                            in_reply_to=last, automatic=automatic)
    headers["From"] = sender
    if message is not None and message.message_id is None:
        message.message_id = headers["Message-ID"]
    mail = MailMessage(to_addr=ticket.requester_email, subject=subject_of(ticket), body=body,
                       kind=kind, headers=headers)
    dbsession.add(mail)
    return mail


def queue_reply_mail(dbsession, ticket: Ticket, message: TicketMessage) -> MailMessage | None:
    """The agent's reply, to the requester's address (none: nothing to send)."""
    return _queue(dbsession, ticket, message.body, "ticket_reply", False, message)


def queue_rating_mail(dbsession, ticket: Ticket, token: str, base: str) -> MailMessage | None:
    """"Your request is resolved: how did we do?" with the one-click rating link, in both
    languages (the requester's is not known)."""
    link = f"{base.rstrip('/')}/support/rate/{token}"
    body = (f"{ticket.number}: {ticket.subject}\n\n"
            "Ваше обращение решено. Оцените, пожалуйста, нашу работу:\n"
            f"{link}\n\n"
            "Your request is resolved. Please rate our work:\n"
            f"{link}\n")
    return _queue(dbsession, ticket, body, "ticket_rating", True)


def queue_ack_mail(dbsession, ticket: Ticket) -> MailMessage | None:
    """"Your request is registered as T-…": sent automatically to whoever wrote in by e-mail or
    through the public form, so that they can name it (marked as an automatic reply, so that
    their own auto-responder does not answer it)."""
    body = (f"{ticket.number}: {ticket.subject}\n\n"
            f"Ваше обращение зарегистрировано под номером {ticket.number}. Чтобы дополнить его, "
            "ответьте на это письмо.\n\n"
            f"Your request is registered as {ticket.number}. To add to it, reply to this "
            "e-mail.\n")
    return _queue(dbsession, ticket, body, "ticket_ack", True)
