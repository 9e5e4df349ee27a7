"""The /tickets part of the resource tree, and the public pages of requesters.

    /tickets                  the lists (ticket.view to look, ticket.add to add)
    /tickets/T-2026-000123    Ticket (its number; its id works too)
    /tickets/report           SLA compliance, satisfaction, repeat requests (ticket.report)
    /tickets/settings         queues, agents, SLA policies, hours, routing, canned responses
                              (administrators)
    /support                  the public web form and the rating page (no log-in)

The ACL of a ticket is portal/tickets/security.py's.
"""
from __future__ import annotations

import re

import sqlalchemy as sa
from pyramid.authorization import DENY_ALL, Allow, Everyone
from sqlalchemy.orm import joinedload, selectinload

from models.tickets import Queue, Ticket, TicketWatcher
from portal.resources import AdminOnly, Container, load_by_id
from portal.security.acl import ADMIN_ACE, container_acl

# What a ticket's page shows besides its own columns, read with it.
TICKET_LOADS = (
    joinedload(Ticket.queue).selectinload(Queue.agents),
    joinedload(Ticket.assignee), joinedload(Ticket.author), joinedload(Ticket.organization),
    joinedload(Ticket.contact), joinedload(Ticket.department),
    selectinload(Ticket.watchers).joinedload(TicketWatcher.user), selectinload(Ticket.pauses),
)
NUMBER = re.compile(r"^T-\d{4}-\d{6}$")


class Tickets(Container):
    """/tickets/{number}: every ticket; listing and adding follow ticket.view / ticket.add."""

    def __acl__(self):
        return container_acl(self, "ticket", ("view", "add"))

    def load(self, key: str):
        if NUMBER.match(key):
            return self.request.dbsession.scalar(
                sa.select(Ticket).where(Ticket.number == key).options(*TICKET_LOADS))
        return load_by_id(self.request, Ticket, key, TICKET_LOADS)


class TicketReports(Container):
    """/tickets/report: SLA compliance, satisfaction and load (ticket.report, scoped)."""

    def __acl__(self):
        return container_acl(self, "ticket", ("report",))


class TicketSettings(AdminOnly):
    """/tickets/settings: queues, policies, hours and rules (administrators)."""


class Support(Container):
    """/support: what a requester opens without logging in (the web form, the rating link)."""

    def __acl__(self):
        return [ADMIN_ACE, (Allow, Everyone, "submit"), DENY_ALL]


Tickets.children = {"report": TicketReports, "settings": TicketSettings}


def place_ticket(request, ticket: Ticket) -> None:
    """A ticket read by a query (a list, a search hit) takes its place under /tickets."""
    ticket.__parent__ = request.root["tickets"]
    ticket.__name__ = ticket.number
