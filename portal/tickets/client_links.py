"""Tickets on the client card's timeline (portal/clients/timeline.py): the open ones with what
is still to be done, the resolved and closed ones in the history, for the tickets the user may
see."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from models.clients import Contact, Organization
from models.tickets import OPEN_STATES, Ticket
from portal.clients.timeline import TimelineAction, TimelineItem, planned_and_past, timeline_provider
from portal.core.i18n import _
from portal.tickets.security import visible_tickets
from workflows.ticket import TICKET

STATE_CLASSES = {"resolved": "text-bg-success", "closed": "text-bg-secondary",
                 "cancelled": "text-bg-secondary"}


@timeline_provider("tickets")
def tickets_timeline(request, target, *, planned: int, past: int) -> list[TimelineItem]:
    if isinstance(target, Organization):
        about = Ticket.organization_id == target.id
    elif isinstance(target, Contact):
        about = Ticket.contact_id == target.id
    else:
        return []
    mine = sa.select(Ticket.id).where(about, visible_tickets(request))
    open_ = mine.where(Ticket.state.in_(OPEN_STATES)).order_by(Ticket.created_at, Ticket.id)
    done = mine.where(Ticket.state.not_in(OPEN_STATES)).order_by(Ticket.updated_at.desc(),
                                                                 Ticket.id.desc())
    rows = request.dbsession.scalars(
        sa.select(Ticket).where(planned_and_past(Ticket.id, open_, done, planned, past))
        .options(joinedload(Ticket.assignee))).all()
    translate = request.localizer.translate
    base = request.application_url + "/tickets/"
    out = []
    for t in rows:
        is_open = t.state in OPEN_STATES
        out.append(TimelineItem(
            at=t.created_at if is_open else t.updated_at,
            title=translate(_("Ticket ${number}: ${subject}",
                              mapping={"number": t.number, "subject": t.subject})),
            url=base + t.number, kind="tickets", icon="life-preserver",
            who=t.assignee.full_name if t.assignee else "",
            badge=translate(TICKET.states[t.state].title),
            badge_class="text-bg-warning" if is_open else STATE_CLASSES.get(t.state, "text-bg-light"),
            planned=is_open,
            actions=[TimelineAction(translate(_("Open")), base + t.number, "box-arrow-up-right",
                                    text=False)],
        ))
    return out
