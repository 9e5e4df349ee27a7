"""Tickets in the audit log, in words (portal/audit/log.py's extension points).

Registers queues, their agents and tickets, so that the admin audit log tells "Changed ticket
T-2026-000012 “Printer jams”: assignee Petrov → Sidorova", and its undo reaches them too: a
hand-over (portal/people/handover.py) moves queue memberships, queue leads and open tickets in
one change, and undoing that change gives them all back.

The SLA clock's bookkeeping (due and warning moments, the urgency key) is recorded but never
told: the ticket's page shows its clock.
"""
from __future__ import annotations

from models.tickets import Queue, QueueAgent, Ticket
from portal.audit.log import (
    DELETE,
    INSERT,
    UPDATE,
    AuditedTable,
    name_of,
    register_name_kind,
    register_table,
)
from portal.core.i18n import _
from workflows.ticket import TICKET

# Bookkeeping of the SLA clock and the lists; never told.
HIDDEN = ("urgent_at", "sla_next_at", "sla_version", "first_response_warn_at",
          "resolution_warn_at", "rating_token_hash", "last_assigned_id")

FIELDS = {
    "ticket_queues": {
        "name": _("name"), "department_id": _("department"), "lead_id": _("lead"),
        "assignment": _("assignment"), "active": _("active"), "reopen_days": _("reopen within, days"),
        "hours": _("working hours"),
    },
    "ticket_queue_agents": {
        "queue_id": _("queue"), "user_id": _("agent"), "active": _("gets new tickets"),
    },
    "tickets": {
        "subject": _("subject"), "state": _("status"), "priority": _("priority"),
        "queue_id": _("queue"), "department_id": _("department"), "assignee_id": _("assignee"),
        "organization_id": _("organization"), "contact_id": _("contact"),
        "category": _("category"),
    },
}

USER_COLUMNS = ("lead_id", "user_id", "assignee_id", "author_id")


def _ticket_label(row) -> str:
    return f"{row.number} “{row.subject}”"


def _want(names, row) -> None:
    for column in USER_COLUMNS:
        if getattr(row, column, None) is not None:
            names.want("user", getattr(row, column))
    if getattr(row, "department_id", None) is not None:
        names.want("department", row.department_id)
    if getattr(row, "queue_id", None) is not None:
        names.want("ticket_queue", row.queue_id)


def _field_value(column, value, names):
    if column in USER_COLUMNS:
        return (names.user(value) if value else None), "ref"
    if column == "department_id":
        return names.department(value), "ref"
    if column == "queue_id":
        return name_of(names, "ticket_queue", value), "ref"
    if column == "state":
        state = TICKET.states.get(value)
        return (state.title if state else value), "ref"
    if column == "hours":
        # The week, holidays and zone as stored (JSON): the queue's settings page shows them.
        return _("changed"), "ref"
    return None


def _sentence(op, created, deleted, changed, mapping):
    return _({INSERT: created, DELETE: deleted}.get(op, changed), mapping=mapping)


def _describe_queue(version, op, fields, names):
    return (_sentence(op, _("Created ticket queue “${name}”"), _("Deleted ticket queue “${name}”"),
                      _("Changed ticket queue “${name}”"), {"name": version.name}),
            None, fields if op == UPDATE else [])


def _describe_agent(version, op, fields, names):
    m = {"who": names.user(version.user_id), "queue": name_of(names, "ticket_queue", version.queue_id)}
    return (_sentence(op, _("${who} works the queue “${queue}”"),
                      _("${who} no longer works the queue “${queue}”"),
                      _("Changed ${who} in the queue “${queue}”"), m), None,
            fields if op == UPDATE else [])


def _describe_ticket(version, op, fields, names):
    m = {"ticket": _ticket_label(version)}
    return (_sentence(op, _("Opened ticket ${ticket}"), _("Deleted ticket ${ticket}"),
                      _("Changed ticket ${ticket}"), m), None, fields if op == UPDATE else [])


def includeme(config) -> None:
    """Tell the audit log how to describe this area's tables."""
    register_name_kind(config, "ticket_queue", Queue, lambda row: row.name)
    tables = [
        ("ticket_queues", Queue, _("Ticket queues"), _describe_queue,
         lambda names, row: _("queue “${name}”", mapping={"name": row.name})),
        ("ticket_queue_agents", QueueAgent, _("Agents of ticket queues"), _describe_agent,
         lambda names, row: _("agent ${who} of the queue “${queue}”", mapping={
             "who": names.user(row.user_id),
             "queue": name_of(names, "ticket_queue", row.queue_id)})),
        ("tickets", Ticket, _("Tickets"), _describe_ticket,
         lambda names, row: _("ticket ${ticket}", mapping={"ticket": _ticket_label(row)})),
    ]
    for table, model, label, describe, row_label in tables:
        register_table(config, table, AuditedTable(
            model=model, label=label, fields=FIELDS[table], describe=describe,
            row_label=row_label, field_value=_field_value, want_names=_want), hidden=HIDDEN)
