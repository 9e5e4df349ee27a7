"""/tickets/report: the support lead's dashboard (open tickets by queue and priority, the SLA
at risk, the agents' load, satisfaction by week) and the reports over a period (SLA
compliance and satisfaction per queue, repeat requests)."""
from __future__ import annotations

import csv
import datetime as dt
import io

from pyramid.response import Response
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


def period(request) -> tuple[dt.date, dt.date, dt.datetime, dt.datetime]:
    """The report's period from ?from=&to= (this month so far by default): days and UTC bounds."""
    today = local_today(request)
    start_day = parse_date(request.GET.get("from", "")) or today.replace(day=1)
    end_day = parse_date(request.GET.get("to", "")) or today
    if end_day < start_day:
        start_day, end_day = end_day, start_day
    zone = request.user_timezone
    start = dt.datetime.combine(start_day, dt.time(), zone).astimezone(dt.UTC)
    end = dt.datetime.combine(end_day + dt.timedelta(days=1), dt.time(), zone).astimezone(dt.UTC)
    return start_day, end_day, start, end


@view_config(context=TicketReports, renderer="tickets/report.jinja2", permission="report")
def report_page(request):
    now = utcnow()
    start_day, end_day, start, end = period(request)
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


def _share(value) -> str:
    return "" if value is None else f"{round(value * 100)}"


@view_config(context=TicketReports, name="compliance.csv", permission="report")
def compliance_csv(request):
    """The SLA compliance of the period as CSV (semicolons, a byte-order mark for spreadsheet
    programs), in the reader's language."""
    start_day, end_day, start, end = period(request)
    t = request.translate
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";")
    writer.writerow([t(_("Queue")), t(_("Tickets resolved")), t(_("First response on time")) + ", %",
                     t(_("Resolved on time")) + ", %", t(_("Satisfaction")), t(_("Ratings"))])
    for c in compliance(request, start, end):
        writer.writerow([c.queue, c.resolved, _share(c.first_share), _share(c.resolution_share),
                         "" if c.csat is None else f"{c.csat:.1f}", c.rated])
    name = f"sla-{start_day.isoformat()}-{end_day.isoformat()}"
    return Response(body=("\ufeff" + text.getvalue()).encode("utf-8"),
                    content_disposition=f'attachment; filename="{name}.csv"',
                    content_type="text/csv", charset="utf-8")
