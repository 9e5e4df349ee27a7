"""Who may do what with a ticket: its computed ACL (bound to the model by portal.tickets'
includeme) and the same rules as SQL for every list, search, export and count.

The role matrix applies as for any row (portal.security.acl.row_acl, narrowed by the workflow
state): department scope reaches the tickets of the queue's department and those of clients
of the department (the sales team sees its clients' tickets); own scope reaches the author, the
assignee, the watchers and the client's responsible manager. Besides, a queue's active agents
work its tickets (view, edit, assign: take and hand over) whatever their department, as long as
the state allows it.
"""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.authorization import DENY_ALL, Allow

from models.tickets import QueueAgent, Ticket
from portal.security.acl import row_acl
from portal.security.filters import Kept, rights_key, sql_filter

AGENT_PERMISSIONS = ("view", "edit", "assign")


def agent_ids(ticket: Ticket) -> list[int]:
    queue = ticket.queue
    return [a.user_id for a in queue.agents if a.active] if queue is not None else []


def ticket_acl(ticket: Ticket) -> list:
    """The matrix's ACL for the ticket, and the queue's agents where the state lets anyone."""
    acl = row_acl(ticket)
    assert acl[-1] == DENY_ALL
    workflow = getattr(ticket, "workflow", None)
    rules = workflow.state_permissions(ticket.state) if workflow is not None else {}
    extra = [(Allow, f"user:{uid}", permission)
             for permission in AGENT_PERMISSIONS if rules.get(permission, None) != ()
             for uid in agent_ids(ticket)]
    return [*acl[:-1], *extra, DENY_ALL]


def my_queue_ids(request) -> sa.Select:
    """The queues the user works as an active agent (a subquery)."""
    return sa.select(QueueAgent.queue_id).where(
        QueueAgent.user_id == request.identity.user.id, QueueAgent.active)


def visible_tickets(request, permission: str = "view"):
    """WHERE for the tickets the user may `permission` (view by default): `ticket_acl` as SQL.
    Made once per set of rights."""
    return _VISIBLE.get((permission, rights_key(request)),
                        lambda: _visible_clause(request, permission))


_VISIBLE = Kept(4096)


def _visible_clause(request, permission: str):
    identity = request.identity
    if identity is None:
        return sa.false()
    clause = sql_filter(request, Ticket, permission)
    if identity.is_admin or permission not in AGENT_PERMISSIONS:
        return clause
    return sa.or_(clause, Ticket.queue_id.in_(my_queue_ids(request)))
