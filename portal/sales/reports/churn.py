"""Churn (issue 15, point 8): the clients marked lost in the period, per month and by reason,
and the revenue lost with them — each client's shipments (SalesFact, returns netted) in the
twelve months before the day it was lost: from the same day a year earlier (included) to the
day it was lost (included). A client lost on 2026-03-15 loses what it bought from 2025-03-15
to 2026-03-15.

Scope: report.sales over the clients (own: the client's responsible manager; department: the
client's department and those below), and only the shipments the viewer may see. Three
statements: the lost clients, their revenue, the reasons' names.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import sqlalchemy as sa

from models.clients import Classifier, Organization
from models.sales import SalesFact
from portal.core.i18n import _
from portal.sales.reports.base import (
    Column,
    Filters,
    ReportResult,
    Table,
    chart_number,
    department_ids,
    money,
    month_key,
    month_label,
    percent,
    sales_report,
    user_names,
)
from portal.sales.reports.commission import reportable
from portal.sales.security import visible_facts

ZERO = Decimal(0)


def year_before(day: dt.date) -> dt.date:
    """The same day a year earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def lost_clients(request, filters: Filters) -> list[dict]:
    """The clients lost in the period that the user may report on, with their revenue of the
    twelve months before, oldest loss first."""
    db = request.dbsession
    where = [Organization.lost_on.is_not(None),
             Organization.lost_on >= filters.period_start,
             Organization.lost_on <= filters.period_end,
             reportable(request, Organization.department_id, Organization.manager_id)]
    if filters.manager_id is not None:
        where.append(Organization.manager_id == filters.manager_id)
    if filters.department_id is not None:
        where.append(Organization.department_id.in_(
            department_ids(request, filters.department_id)))
    if filters.organization_id is not None:
        where.append(Organization.id == filters.organization_id)
    clients = db.execute(
        sa.select(Organization.id, Organization.name, Organization.lost_on,
                  Organization.lost_reason_id, Organization.lost_note, Organization.manager_id,
                  Classifier.title)
        .outerjoin(Classifier, Classifier.id == Organization.lost_reason_id)
        .where(*where).order_by(Organization.lost_on, Organization.name)).all()
    if not clients:
        return []
    lost_on = {row.id: row.lost_on for row in clients}
    revenue: dict[int, Decimal] = defaultdict(lambda: ZERO)
    ids = sorted(lost_on)
    for lo in range(0, len(ids), 900):
        chunk = ids[lo:lo + 900]
        first = year_before(min(lost_on[i] for i in chunk))
        last = max(lost_on[i] for i in chunk)
        for org_id, day, amount in db.execute(
                sa.select(SalesFact.organization_id, SalesFact.shipped_on,
                          sa.func.sum(SalesFact.amount))
                .where(visible_facts(request), SalesFact.organization_id.in_(chunk),
                       SalesFact.month >= month_key(first), SalesFact.month <= month_key(last),
                       SalesFact.shipped_on >= first, SalesFact.shipped_on <= last)
                .group_by(SalesFact.organization_id, SalesFact.shipped_on)):
            if year_before(lost_on[org_id]) <= day <= lost_on[org_id]:
                revenue[org_id] += Decimal(amount or 0)
    return [{"id": row.id, "client": row.name, "lost_on": row.lost_on,
             "reason_id": row.lost_reason_id, "reason": row.title or "",
             "note": row.lost_note or "", "manager_id": row.manager_id,
             "revenue": money(revenue[row.id])} for row in clients]


@sales_report("churn", _("Lost clients"), 87,
              filters=("period", "manager", "department"),
              description=_("Clients lost per month and by reason, and the revenue of their "
                            "last twelve months."), icon="person-dash")
def churn_report(request, filters: Filters) -> ReportResult:
    clients = lost_clients(request, filters)
    translate = request.localizer.translate
    no_reason = translate(_("No reason given"))

    def reason_title(client) -> str:
        """The stored title of the reason as the reader reads it (titles are message ids)."""
        title = client["reason"]
        return translate(_(title))

    managers = user_names(request, (c["manager_id"] for c in clients))
    by_month: dict[int, list] = {m: [0, ZERO] for m in filters.months}
    by_reason: dict[str, list] = {}
    for client in clients:
        month = by_month.setdefault(month_key(client["lost_on"]), [0, ZERO])
        month[0] += 1
        month[1] += client["revenue"]
        reason = by_reason.setdefault(reason_title(client) if client["reason"]
                                      else no_reason, [0, ZERO])
        reason[0] += 1
        reason[1] += client["revenue"]
    count = len(clients)
    lost_revenue = sum((c["revenue"] for c in clients), ZERO)
    months = [{"month": m, "clients": n, "revenue": r} for m, (n, r) in sorted(by_month.items())]
    reasons = [{"reason": name, "clients": n, "share": percent(n, count), "revenue": r}
               for name, (n, r) in sorted(by_reason.items(), key=lambda i: (-i[1][0], i[0]))]
    rows = [{"client": c["client"], "lost_on": c["lost_on"],
             "reason": reason_title(c) if c["reason"] else no_reason,
             "note": c["note"], "manager": managers.get(c["manager_id"], ""),
             "revenue": c["revenue"]} for c in clients]
    totals = {"clients": count, "revenue": lost_revenue}
    return ReportResult(
        [Table([Column("month", _("Month"), "month"), Column("clients", _("Clients lost"), "int"),
                Column("revenue", _("Revenue lost"), "money")], months,
               {"month": None, **totals}, _("Per month")),
         Table([Column("reason", _("Reason")), Column("clients", _("Clients lost"), "int"),
                Column("share", _("Share, %"), "percent"),
                Column("revenue", _("Revenue lost"), "money")], reasons,
               {"reason": _("Total"), **totals}, _("By reason")),
         Table([Column("client", _("Client")), Column("lost_on", _("Lost on"), "date"),
                Column("reason", _("Reason")), Column("note", _("Note")),
                Column("manager", _("Manager")), Column("revenue", _("Revenue lost"), "money")],
               rows, None, _("Clients"))],
        chart={"type": "bar", "labels": [month_label(request, m["month"]) for m in months],
               "datasets": [{"label": translate(_("Clients lost")),
                             "data": [m["clients"] for m in months]},
                            {"label": translate(_("Revenue lost")),
                             "data": [chart_number(m["revenue"]) for m in months]}]},
        notes=[_("Revenue lost: what each client bought in the twelve months before the day it "
                 "was lost (returns deducted).")])
