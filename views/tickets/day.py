"""My day's block for those who work tickets: their open tickets, most urgent first, with the
SLA state of each, in one statement (nothing at all for those who work no queue)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from models.meta import utcnow
from models.tickets import OPEN_STATES, Ticket
from portal.security.filters import best_scope
from portal.tickets.lists import urgency
from portal.tickets.sla import clocks
from views.home import DayBlock, day_block
from views.tickets.display import ticket_helpers

SHOWN = 6


def _my_tickets_statement() -> sa.Select:
    """The open tickets of "me" (bound), most urgent first, with how many there are in all."""
    total = sa.func.count().over().label("total")
    return (sa.select(Ticket, total)
            .where(Ticket.assignee_id == sa.bindparam("me", type_=sa.Integer),
                   Ticket.state.in_(OPEN_STATES))
            .order_by(*urgency()).limit(SHOWN).options(joinedload(Ticket.queue)))


# Built once: My day is everyone's home page, and building the statement cost more than
# running it.
MY_TICKETS = _my_tickets_statement()


@day_block
def my_tickets(request) -> DayBlock | None:
    identity = request.identity
    if identity is None or (not identity.is_admin
                            and best_scope(request, "ticket", "edit") is None):
        return None
    rows = request.dbsession.execute(MY_TICKETS, {"me": identity.user.id}).all()
    now = utcnow()
    tickets = [t for t, _n in rows]
    return DayBlock("tickets/day_block.jinja2", {
        "tickets": tickets,
        "total": rows[0].total if rows else 0,
        "clocks": {t.id: clocks(t, now) for t in tickets},
        "list_url": request.resource_url(request.root["tickets"]),
        **ticket_helpers(request),
    }, order=25)
