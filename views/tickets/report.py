"""/tickets/report: the support lead's dashboard (open tickets by queue and priority, the SLA
at risk, the agents' load, satisfaction by week) and the reports over a period (SLA
compliance and satisfaction per queue, repeat requests)."""
from __future__ import annotations

import datetime as dt

from pyramid.view import view_config

from models.meta import utcnow
from models.tickets import PRIORITIES
from portal.core.i18n import _, local_today
from portal.core.parsing import parse_date
from portal.tickets.report import (
    agent_load,
    at_risk,
    compliance,
    csat_by_week,
    open_by_queue,
    open_figures,
    repeat_requests,
)
from portal.tickets.resources import TicketReports
from portal.tickets.service import PRIORITY_TITLES
from portal.tickets.sla import clocks
from views.tickets.display import ticket_helpers


@view_config(context=TicketReports, renderer="tickets/report.jinja2", permission="report")
def report_page(request):
    now = utcnow()
    today = local_today(request)
    start_day = parse_date(request.GET.get("from", "")) or today.replace(day=1)
    end_day = parse_date(request.GET.get("to", "")) or today
    if end_day < start_day:
        start_day, end_day = end_day, start_day
    zone = request.user_timezone
    start = dt.datetime.combine(start_day, dt.time(), zone).astimezone(dt.UTC)
    end = dt.datetime.combine(end_day + dt.timedelta(days=1), dt.time(), zone).astimezone(dt.UTC)
    risky = at_risk(request, now)
    figures = open_figures(request)
    return {
        "title": _("Support dashboard"),
        "by_queue": open_by_queue(request, figures),
        "priorities": [(p, PRIORITY_TITLES[p]) for p in sorted(PRIORITIES, reverse=True)],
        "risky": risky,
        "clocks": {t.id: clocks(t, now) for t in risky},
        "load": agent_load(request, figures),
        "csat": csat_by_week(request, now),
        "compliance": compliance(request, start, end),
        "repeats": repeat_requests(request, start, end),
        "start": start_day,
        "end": end_day,
        **ticket_helpers(request),
    }
