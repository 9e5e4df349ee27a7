"""Tickets as what a task is about (portal/tasks/links.py): named by number and subject, for
the tickets the user may see."""
from __future__ import annotations

import sqlalchemy as sa

from models.tickets import Ticket, TicketMessage
from portal.tasks.links import register_link_type
from portal.tickets.security import visible_tickets


@register_link_type("ticket")
def ticket_links(request, ids) -> dict[int, tuple[str, str]]:
    rows = request.dbsession.execute(
        sa.select(Ticket.id, Ticket.number, Ticket.subject)
        .where(Ticket.id.in_(sorted(ids)), visible_tickets(request))).all()
    base = request.resource_url(request.root["tickets"])
    return {i: (f"{number} {subject}", f"{base}{number}") for i, number, subject in rows}


def messages_of(dbsession, ticket: Ticket) -> list[TicketMessage]:
    """The ticket's conversation and changes, oldest first, with their authors."""
    return list(dbsession.scalars(
        sa.select(TicketMessage).where(TicketMessage.ticket_id == ticket.id)
        .options(sa.orm.joinedload(TicketMessage.author),
                 sa.orm.selectinload(TicketMessage.attachments))
        .order_by(TicketMessage.created_at, TicketMessage.id)).unique())
