"""The director's dashboard (issue 15, point 6): the company's state on one screen, each figure
with a traffic light and a link to the report it comes from.

KPIs (over what the viewer may report on: report.sales with its scope; the support and service
figures only for those who hold ticket.report / report.dispatch):

- **Plan completion, this month and year to date**: shipped (SalesFact) ÷ plan. Its light
  compares the fact with the plan *due by today* — the plans of the months gone by plus the
  share of this month's plan of the days gone by — so that a manager on pace on the 10th is
  green: ≥ 100 % of the due plan green, ≥ 90 % yellow, below red. No plan: no light.
- **Funnel**: the open deals' amount weighted by their stage's probability (its light: the
  weighted amount covers what is left of this month's plan ×1 green, ×0.7 yellow), and the win
  rate of the deals closed in the last 90 days = won ÷ (won + lost): ≥ 30 % green, ≥ 20 %
  yellow.
- **Overdue payments**: orders (confirmed or done) past their planned payment day and not
  fully paid: the amount still due and how many; light by its share of everything not yet
  paid: ≤ 5 % green, ≤ 15 % yellow.
- **SLA compliance** (last 30 days' resolved tickets meeting the resolution target: ≥ 95 %
  green, ≥ 85 % yellow) and **open tickets** (light by those past a target: none green, ≤ 3
  yellow).
- **Technician utilization** this week (booked ÷ working time): 70–95 % green, 50–110 %
  yellow, else red.

At most 15 SQL statements for the whole page (tests/functional/sales/test_dashboard.py counts
them): two for the plan, two for the funnel, one for payments, two for tickets, three for the
technicians.
"""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa

from models.meta import utcnow
from models.people import Membership
from models.sales import Deal, Order, SalesFact, SalesPlan, Stage
from models.tickets import Ticket
from portal.core.i18n import _, local_today
from portal.dispatch import report as dispatch_report
from portal.sales.reports.commission import reportable
from portal.sales.security import visible_deals, visible_facts
from portal.security.filters import best_scope, sql_filter
from portal.tickets import report as ticket_report
from portal.tickets.security import visible_tickets

# Traffic-light thresholds (green at or above the first, yellow at or above the second).
PLAN_GREEN, PLAN_YELLOW = Decimal(100), Decimal(90)  # % of the plan due by today
COVERAGE_GREEN, COVERAGE_YELLOW = Decimal("1.0"), Decimal("0.7")  # weighted ÷ plan left
WIN_RATE_GREEN, WIN_RATE_YELLOW = Decimal(30), Decimal(20)  # %
WIN_RATE_DAYS = 90
# Overdue payments: green at or below the first share of what is unpaid, yellow at the second.
OVERDUE_GREEN, OVERDUE_YELLOW = Decimal(5), Decimal(15)  # %
SLA_GREEN, SLA_YELLOW = Decimal(95), Decimal(85)  # % resolved within target
SLA_DAYS = 30
BREACHED_YELLOW = 3  # open tickets past a target: 0 green, up to this yellow
UTILIZATION_GREEN = (Decimal(70), Decimal(95))  # % booked of working time
UTILIZATION_YELLOW = (Decimal(50), Decimal(110))

GREEN, YELLOW, RED, NONE = "green", "yellow", "red", "none"
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


@dataclass
class Kpi:
    """One figure of the dashboard. `value` is a Decimal, int or None (no data); `kind` says how
    to show it (money, percent, int); `url` opens its report (relative to the application)."""

    key: str
    title: object
    value: Decimal | int | None
    kind: str
    status: str
    url: str
    detail: object = ""
    extra: dict = field(default_factory=dict)


def light(value: Decimal | None, green: Decimal, yellow: Decimal, *, lower_is_better=False
          ) -> str:
    if value is None:
        return NONE
    if lower_is_better:
        return GREEN if value <= green else YELLOW if value <= yellow else RED
    return GREEN if value >= green else YELLOW if value >= yellow else RED


def share(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(CENT)


class _PlanScope:
    """report.sales over plans: own = the plan's manager; department = managers who are members
    of the user's departments (a plan has no department of its own)."""

    security_type = "report"

    def sql_in_departments(self, ids):
        return SalesPlan.manager_id.in_(
            sa.select(Membership.user_id).where(Membership.department_id.in_(ids)))

    def sql_owned_by(self, user_id: int):
        return SalesPlan.manager_id == user_id


def plan_kpis(request, today: dt.date) -> tuple[list[Kpi], Decimal]:
    """This month's and the year's completion; and what is left of this month's plan."""
    db = request.dbsession
    first, this = today.year * 100 + 1, today.year * 100 + today.month
    plans = dict(db.execute(
        sa.select(SalesPlan.month, sa.func.sum(SalesPlan.amount))
        .where(sql_filter(request, _PlanScope(), "sales"), SalesPlan.month >= first,
               SalesPlan.month <= this)
        .group_by(SalesPlan.month)).all())
    facts = dict(db.execute(
        sa.select(SalesFact.month, sa.func.sum(SalesFact.amount))
        .where(visible_facts(request), SalesFact.month >= first, SalesFact.month <= this,
               SalesFact.shipped_on <= today)
        .group_by(SalesFact.month)).all())
    days = calendar.monthrange(today.year, today.month)[1]
    elapsed = Decimal(today.day) / Decimal(days)
    month_plan = Decimal(plans.get(this) or 0)
    month_fact = Decimal(facts.get(this) or 0)
    year_plan = sum((Decimal(v or 0) for v in plans.values()), Decimal(0))
    year_fact = sum((Decimal(v or 0) for v in facts.values()), Decimal(0))
    year_due = year_plan - month_plan + month_plan * elapsed
    url = "/sales/reports/@@plan_fact"
    out = [
        Kpi("plan_month", _("Plan completion, this month"), share(month_fact, month_plan),
            "percent", light(share(month_fact, month_plan * elapsed), PLAN_GREEN, PLAN_YELLOW),
            f"{url}?from={today.replace(day=1).isoformat()}&to="
            f"{today.replace(day=days).isoformat()}",
            extra={"fact": month_fact, "plan": month_plan}),
        Kpi("plan_year", _("Plan completion, year to date"), share(year_fact, year_plan),
            "percent", light(share(year_fact, year_due), PLAN_GREEN, PLAN_YELLOW),
            f"{url}?year={today.year}", extra={"fact": year_fact, "plan": year_plan}),
    ]
    return out, max(month_plan - month_fact, Decimal(0))


def funnel_kpis(request, today: dt.date, plan_left: Decimal) -> list[Kpi]:
    db = request.dbsession
    visible = visible_deals(request)
    weighted = db.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Deal.amount * Stage.probability), 0))
        .join(Stage, Stage.id == Deal.stage_id)
        .where(visible, Deal.state == "open"))
    weighted = (Decimal(weighted or 0) / HUNDRED).quantize(CENT)
    since = today - dt.timedelta(days=WIN_RATE_DAYS)
    won, lost = db.execute(
        sa.select(sa.func.coalesce(sa.func.sum(sa.case((Deal.state == "won", 1), else_=0)), 0),
                  sa.func.coalesce(sa.func.sum(sa.case((Deal.state == "lost", 1), else_=0)), 0))
        .where(visible, Deal.state.in_(("won", "lost")), Deal.closed_on > since,
               Deal.closed_on <= today)).one()
    rate = share(won, won + lost)
    coverage = (weighted / plan_left) if plan_left else None
    funnel = "/sales/reports/@@funnel"
    return [
        Kpi("funnel", _("Open deals, weighted"), weighted, "money",
            light(coverage, COVERAGE_GREEN, COVERAGE_YELLOW), funnel,
            _("by the probability of their stage")),
        Kpi("win_rate", _("Win rate, last 90 days"), rate, "percent",
            light(rate, WIN_RATE_GREEN, WIN_RATE_YELLOW),
            f"{funnel}?from={since.isoformat()}&to={today.isoformat()}",
            extra={"won": int(won), "lost": int(lost)}),
    ]


def overdue_kpi(request, today: dt.date) -> Kpi:
    unpaid = Order.total - Order.paid_amount
    late = sa.and_(Order.planned_pay_on < today, unpaid > 0)
    amount, count, total = request.dbsession.execute(
        sa.select(sa.func.coalesce(sa.func.sum(sa.case((late, unpaid), else_=0)), 0),
                  sa.func.coalesce(sa.func.sum(sa.case((late, 1), else_=0)), 0),
                  sa.func.coalesce(sa.func.sum(sa.case((unpaid > 0, unpaid), else_=0)), 0))
        .where(reportable(request, Order.department_id, Order.manager_id),
               Order.state.in_(("confirmed", "done")))).one()
    amount = Decimal(amount or 0).quantize(CENT)
    status = light(share(amount, total) if total else Decimal(0), OVERDUE_GREEN, OVERDUE_YELLOW,
                   lower_is_better=True)
    return Kpi("overdue", _("Overdue payments"), amount, "money", status,
               "/sales/reports/@@payment_delays", extra={"count": int(count or 0)})


def ticket_kpis(request, now: dt.datetime) -> list[Kpi]:
    if best_scope(request, "ticket", "report") is None:
        return []
    db = request.dbsession
    rows = ticket_report.compliance(request, now - dt.timedelta(days=SLA_DAYS), now)
    resolved = sum(r.resolved for r in rows)
    met = sum(r.resolution_met for r in rows)
    sla = share(met, resolved)
    open_, breached = db.execute(
        sa.select(sa.func.count(),
                  sa.func.coalesce(sa.func.sum(sa.case((Ticket.urgent_at < now, 1), else_=0)), 0))
        .where(visible_tickets(request, "report"), Ticket.urgent_at.is_not(None))).one()
    breached = int(breached or 0)
    return [
        Kpi("sla", _("SLA compliance, last 30 days"), sla, "percent",
            light(sla, SLA_GREEN, SLA_YELLOW), "/tickets/report",
            extra={"resolved": resolved}),
        Kpi("tickets", _("Open tickets"), int(open_ or 0), "int",
            GREEN if breached == 0 else YELLOW if breached <= BREACHED_YELLOW else RED,
            "/tickets/report", extra={"breached": breached}),
    ]


def utilization_kpi(request, today: dt.date) -> list[Kpi]:
    if best_scope(request, "report", "dispatch") is None:
        return []
    monday = today - dt.timedelta(days=today.weekday())
    zone = request.user_timezone
    start = dt.datetime.combine(monday, dt.time(0), zone).astimezone(dt.UTC)
    end = dt.datetime.combine(monday + dt.timedelta(days=7), dt.time(0), zone).astimezone(dt.UTC)
    total = dispatch_report.utilization(request, dispatch_report.Filters(start, end)).total
    value = None if total.share is None else (Decimal(str(total.share)) * HUNDRED).quantize(CENT)
    if value is None:
        status = NONE
    elif UTILIZATION_GREEN[0] <= value <= UTILIZATION_GREEN[1]:
        status = GREEN
    elif UTILIZATION_YELLOW[0] <= value <= UTILIZATION_YELLOW[1]:
        status = YELLOW
    else:
        status = RED
    return [Kpi("utilization", _("Technician utilization, this week"), value, "percent", status,
                "/dispatch/report")]


def dashboard(request, today: dt.date | None = None, now: dt.datetime | None = None
              ) -> list[Kpi]:
    """Every KPI the viewer may see, in the page's order."""
    today = today or local_today(request)
    now = now or utcnow()
    plans, plan_left = plan_kpis(request, today)
    return [*plans, *funnel_kpis(request, today, plan_left), overdue_kpi(request, today),
            *ticket_kpis(request, now), *utilization_kpi(request, today)]
