"""The ticket workflow: new → assigned → in progress → waiting for the customer / for a third
party → resolved → closed; reopen within the queue's days after resolution; cancel.

Every step needs `edit` on the ticket (the queue's agents, a department head, a director: the
role matrix as portal/tickets/security.py computes it). Assignment (taking, round robin,
least loaded, reassigning) is the service's: it moves a new ticket to "assigned" and writes the
same history. While the ticket waits for the customer its resolution clock stands still
(portal/tickets/sla.py). A closed or cancelled ticket is given to nobody any more.

Bound to models.tickets.Ticket by workflows/__init__.py.
"""
import datetime as dt

from pyramid.i18n import TranslationStringFactory

from models.meta import utcnow
from workflows.engine import State, Transition, Workflow

_ = TranslationStringFactory("portal")


def _needs_assignee(request, ticket):
    if ticket.assignee_id is None:
        return _("Nobody works on the ticket yet: take it or assign it first.")
    return None


def _within_reopen_days(request, ticket):
    """A resolved or closed ticket reopens within its queue's days after the resolution;
    after that a new ticket is the way (the old one is mentioned in it)."""
    days = ticket.queue.reopen_days if ticket.queue is not None else 7
    if ticket.resolved_at is not None and utcnow() - ticket.resolved_at > dt.timedelta(days=days):
        return _("The ticket was resolved more than ${days} days ago: open a new one.",
                 mapping={"days": days})
    return None


WORKING = ("new", "assigned", "in_progress", "waiting_customer", "waiting_third_party")

TICKET = Workflow(
    name="ticket",
    initial="new",
    type_permissions=("view", "add", "edit", "assign", "report"),
    states={
        "new": State(_("New")),
        "assigned": State(_("Assigned")),
        "in_progress": State(_("In progress")),
        "waiting_customer": State(_("Waiting for the customer")),
        "waiting_third_party": State(_("Waiting for a third party")),
        "resolved": State(_("Resolved")),
        "closed": State(_("Closed"), {"assign": ()}),
        "cancelled": State(_("Cancelled"), {"assign": ()}),
    },
    transitions=[
        # Giving the ticket to someone does this (the service); offered only for a new ticket
        # that already has its person.
        Transition("assign", ("new",), "assigned", "assign", _("Mark as assigned"),
                   guard=_needs_assignee),
        Transition("start", ("new", "assigned", "waiting_customer", "waiting_third_party"),
                   "in_progress", "edit", _("Start work"), guard=_needs_assignee),
        Transition("wait_customer", ("assigned", "in_progress", "waiting_third_party"),
                   "waiting_customer", "edit", _("Wait for the customer")),
        Transition("wait_third_party", ("assigned", "in_progress", "waiting_customer"),
                   "waiting_third_party", "edit", _("Wait for a third party")),
        Transition("resolve", WORKING, "resolved", "edit", _("Resolve")),
        Transition("close", ("resolved",), "closed", "edit", _("Close")),
        Transition("reopen", ("resolved", "closed"), "in_progress", "edit", _("Reopen"),
                   guard=_within_reopen_days),
        Transition("cancel", WORKING, "cancelled", "edit", _("Cancel"), needs_comment=True),
    ],
)
