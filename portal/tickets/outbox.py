"""E-mail to requesters: replies of agents and the rating link on resolution, queued in the
portal's outbox in the transaction of the change (sent by `portal tick` once it commits, and
only when SMTP is configured). The ticket's number in the subject threads the requester's
answer back to the ticket (portal/tickets/intake.py)."""
from __future__ import annotations

from models.notifications import MailMessage, mail_enabled
from models.tickets import Ticket, TicketMessage


def subject_of(ticket: Ticket) -> str:
    return f"[{ticket.number}] {ticket.subject}"[:300]


def queue_reply_mail(dbsession, ticket: Ticket, message: TicketMessage) -> MailMessage | None:
    """The agent's reply, to the requester's address (none: nothing to send)."""
    if not ticket.requester_email or not mail_enabled(dbsession):
        return None
    mail = MailMessage(to_addr=ticket.requester_email, subject=subject_of(ticket),
                       body=message.body, kind="ticket_reply")
    dbsession.add(mail)
    return mail


def queue_rating_mail(dbsession, ticket: Ticket, token: str, base: str) -> MailMessage | None:
    """"Your request is resolved: how did we do?" with the one-click rating link."""
    if not ticket.requester_email or not mail_enabled(dbsession):
        return None
    link = f"{base.rstrip('/')}/support/rate/{token}"
    body = (f"{ticket.number}: {ticket.subject}\n\n"
            f"Ваше обращение решено. Оцените, пожалуйста, нашу работу / "
            f"Your request is resolved. Please rate our work:\n{link}")
    mail = MailMessage(to_addr=ticket.requester_email, subject=subject_of(ticket), body=body,
                       kind="ticket_rating")
    dbsession.add(mail)
    return mail
