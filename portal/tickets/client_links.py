"""Tickets on the client card's timeline (portal/clients/timeline.py): the open ones with what
is still to be done, the resolved and closed ones in the history, for the tickets the user may
see."""
from __future__ import annotations

import datetime as dt
from functools import partial

import sqlalchemy as sa

from models.clients import Contact, Organization
from models.people import User
from models.tickets import OPEN_STATES, Ticket
from portal.clients.timeline import (
    TimelineItem,
    TimelineRows,
    filter_key,
    message,
    part_statement,
    planned_and_past,
    timeline_provider,
)
from portal.core.i18n import _
from portal.tickets.security import visible_tickets
from workflows.ticket import TICKET

TICKET_TITLE = _("Ticket ${number}: ${subject}")
STATE_CLASSES = {"resolved": "text-bg-success", "closed": "text-bg-secondary",
                 "cancelled": "text-bg-secondary"}


@timeline_provider("tickets")
def tickets_timeline(request, target, *, planned: int, past: int) -> TimelineRows | list:
    """Tickets about the organization (or contact) that the user may see, read with the rest of
    the timeline: open ones first to last, the others newest first."""
    if isinstance(target, Organization):
        about = Ticket.organization_id
    elif isinstance(target, Contact):
        about = Ticket.contact_id
    else:
        return []
    visible = visible_tickets(request)
    key = ("tickets", about.key, planned, past, filter_key(visible))

    def build() -> sa.Select:
        mine = sa.select(Ticket.id).where(about == sa.bindparam("ticket_about"), visible)
        open_ = mine.where(Ticket.state.in_(OPEN_STATES)).order_by(Ticket.created_at, Ticket.id)
        done = mine.where(Ticket.state.not_in(OPEN_STATES)).order_by(Ticket.updated_at.desc(),
                                                                     Ticket.id.desc())
        return (sa.select(Ticket.id, Ticket.number, Ticket.subject.label("title"), Ticket.state,
                          Ticket.created_at, Ticket.updated_at, User.full_name.label("who"))
                .outerjoin(User, User.id == Ticket.assignee_id)
                .where(planned_and_past(Ticket.id, open_, done, planned, past)))

    return TimelineRows(part_statement(key, build), partial(_ticket_items, request), key,
                        {"ticket_about": target.id}, when=_ticket_when)


def _ticket_when(row) -> tuple[bool, dt.datetime]:
    """(planned, at) of a ticket's item: an open ticket when it came; a closed one when it
    closed."""
    is_open = row.state in OPEN_STATES
    return is_open, row.created_at if is_open else row.updated_at


def _ticket_items(request, rows) -> list[TimelineItem]:
    translate = request.localizer.translate
    base = request.application_url + "/tickets/"
    title = message(translate, TICKET_TITLE)
    states: dict[str, str] = {}  # each state's name, translated once
    out = []
    for row in rows:
        is_open, at = _ticket_when(row)
        state = states.get(row.state)
        if state is None:
            state = states[row.state] = translate(TICKET.states[row.state].title)
        url = base + row.number
        out.append(TimelineItem(
            at=at,
            title=title(number=row.number, subject=row.title),
            url=url, kind="tickets", icon="life-preserver",
            who=row.who or "",
            badge=state,
            badge_class="text-bg-warning" if is_open else STATE_CLASSES.get(row.state, "text-bg-light"),
            planned=is_open,
        ))
    return out
