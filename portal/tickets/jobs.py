"""Background work of tickets, run by `portal tick`: SLA warnings and escalations."""
from __future__ import annotations

from portal.core.ticker import job
from portal.tickets.service import sla_job


@job("ticket_sla")
def ticket_sla_job(request) -> int:
    return sla_job(request.dbsession, request.registry)
