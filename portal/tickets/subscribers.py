"""What happens to tickets when something happens: a workflow step moves their clocks, dates
and, on resolution, sends the requester the rating link."""
from __future__ import annotations

from models.tickets import Ticket
from portal.tickets.outbox import queue_rating_mail
from portal.tickets.service import after_transition


def on_transition(event) -> None:
    """A ticket's step (workflows/ticket.py): pauses, resolution and closing dates, targets."""
    ticket = event.obj
    if not isinstance(ticket, Ticket):
        return
    dbsession = event.request.dbsession
    token = after_transition(dbsession, ticket, event.from_state, event.to_state)
    if token is not None:
        queue_rating_mail(dbsession, ticket, token, event.request.application_url)
