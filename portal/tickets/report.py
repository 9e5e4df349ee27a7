"""The support lead's figures, each one query over the tickets the user may report on (in SQL):
open tickets by queue and priority, the SLA at risk, the agents' load, satisfaction by week;
SLA compliance and satisfaction over a period; repeat requests (one client, one category,
again within N days)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from models.clients import Organization
from models.people import User
from models.tickets import Queue, Ticket
from portal.tickets.security import visible_tickets


@dataclass
class Compliance:
    queue: str
    resolved: int
    first_met: int
    first_total: int
    resolution_met: int
    rated: int
    rating_sum: int

    @property
    def first_share(self) -> float | None:
        return self.first_met / self.first_total if self.first_total else None

    @property
    def resolution_share(self) -> float | None:
        return self.resolution_met / self.resolved if self.resolved else None

    @property
    def csat(self) -> float | None:
        return self.rating_sum / self.rated if self.rated else None


def open_figures(request) -> list[tuple]:
    """The open tickets the user may report on, counted by (queue, priority, assignee,
    waiting): one pass that both the table by queue and the agents' load are read from."""
    waiting = Ticket.state.in_(("waiting_customer", "waiting_third_party"))
    return request.dbsession.execute(
        sa.select(Queue.name, Ticket.priority, Ticket.assignee_id, waiting, sa.func.count())
        .join(Queue, Queue.id == Ticket.queue_id)
        .where(visible_tickets(request, "report"), Ticket.urgent_at.is_not(None))
        .group_by(Queue.name, Ticket.priority, Ticket.assignee_id, waiting)).all()


def open_by_queue(request, figures=None) -> list[tuple[str, dict[int, int]]]:
    """[(queue, {priority: open tickets})], queues by name."""
    out: dict[str, dict[int, int]] = {}
    for name, priority, _assignee, _waiting, n in (figures if figures is not None
                                                   else open_figures(request)):
        by_priority = out.setdefault(name, {})
        by_priority[priority] = by_priority.get(priority, 0) + n
    return sorted(out.items())


def at_risk(request, now: dt.datetime, within: dt.timedelta = dt.timedelta(hours=4),
            limit: int = 10) -> list[Ticket]:
    """Open tickets whose next target is missed or comes within `within`, nearest first (read
    through the index of the open lists' order)."""
    return list(request.dbsession.scalars(
        sa.select(Ticket).where(visible_tickets(request, "report"), Ticket.urgent_at <= now + within)
        .order_by(Ticket.urgent_at, Ticket.id).limit(limit)
        .options(sa.orm.joinedload(Ticket.assignee), sa.orm.joinedload(Ticket.queue))).unique())


def agent_load(request, figures=None) -> list[tuple[User, int, int]]:
    """[(agent, open tickets, of them waiting)], the busiest first."""
    counts: dict[int, list[int]] = {}
    for _name, _priority, assignee, waiting, n in (figures if figures is not None
                                                  else open_figures(request)):
        if assignee is not None:
            pair = counts.setdefault(assignee, [0, 0])
            pair[0] += n
            pair[1] += n if waiting else 0
    people = {u.id: u for u in request.dbsession.scalars(
        sa.select(User).where(User.id.in_(sorted(counts) or [-1])))}
    rows = [(people[uid], n, w) for uid, (n, w) in counts.items() if uid in people]
    return sorted(rows, key=lambda r: (-r[1], r[0].full_name))


def csat_by_week(request, now: dt.datetime, weeks: int = 8) -> list[tuple[dt.date, float, int]]:
    """[(Monday, average score, ratings)] for the last `weeks` weeks with ratings."""
    since = now - dt.timedelta(weeks=weeks)
    rows = request.dbsession.execute(
        sa.select(Ticket.rated_at, Ticket.rating)
        .where(visible_tickets(request, "report"), Ticket.rated_at >= since,
               Ticket.rating.is_not(None))).all()
    weeks_: dict[dt.date, list[int]] = {}
    for at, rating in rows:
        day = at.date()
        weeks_.setdefault(day - dt.timedelta(days=day.weekday()), []).append(rating)
    return [(monday, sum(v) / len(v), len(v)) for monday, v in sorted(weeks_.items())]


def compliance(request, start: dt.datetime, end: dt.datetime) -> list[Compliance]:
    """Per queue, for the tickets resolved in [start, end): how many met the first-response and
    the resolution targets (a target missed is a due instant before the answer or the
    resolution), and their satisfaction."""
    first_known = sa.and_(Ticket.first_response_at.is_not(None))
    first_met = sa.and_(first_known, sa.or_(Ticket.first_response_due_at.is_(None),
                                            Ticket.first_response_at <= Ticket.first_response_due_at))
    rows = request.dbsession.execute(
        sa.select(Queue.name, sa.func.count(),
                  sa.func.sum(sa.case((first_met, 1), else_=0)),
                  sa.func.sum(sa.case((first_known, 1), else_=0)),
                  sa.func.sum(sa.case((Ticket.resolution_due_at.is_(None), 1), else_=0)),
                  sa.func.count(Ticket.rating), sa.func.coalesce(sa.func.sum(Ticket.rating), 0))
        .join(Queue, Queue.id == Ticket.queue_id)
        .where(visible_tickets(request, "report"), Ticket.resolved_at >= start,
               Ticket.resolved_at < end)
        .group_by(Queue.name).order_by(Queue.name)).all()
    return [Compliance(name, n, int(fm or 0), int(ft or 0), int(rm or 0), int(rated or 0),
                       int(total or 0)) for name, n, fm, ft, rm, rated, total in rows]


def repeat_requests(request, start: dt.datetime, end: dt.datetime, days: int = 30,
                    limit: int = 20) -> list[tuple[str, str, int]]:
    """[(client, category, tickets)]: clients who came back with one category within `days` of
    an earlier ticket, among the tickets made in [start, end); `tickets` counts the first one
    and its repeats. One statement over the period and the `days` before it."""
    rows = request.dbsession.execute(
        sa.select(Ticket.organization_id, Ticket.requester_email, Ticket.category,
                  Ticket.created_at)
        .where(visible_tickets(request, "report"),
               Ticket.created_at >= start - dt.timedelta(days=days), Ticket.created_at < end,
               Ticket.category != "",
               sa.or_(Ticket.organization_id.is_not(None), Ticket.requester_email != ""))
        .order_by(Ticket.created_at)).all()
    window = dt.timedelta(days=days)
    last: dict[tuple, dt.datetime] = {}
    counts: dict[tuple, int] = {}
    for org, email, category, created in rows:
        key = (("org", org) if org is not None else ("email", email.lower()), category)
        previous = last.get(key)
        if previous is not None and created - previous <= window and created >= start:
            counts[key] = counts.get(key, 1) + 1
        last[key] = created
    top = sorted(counts.items(), key=lambda kv: -kv[1])[:limit]
    names = dict(request.dbsession.execute(sa.select(Organization.id, Organization.name).where(
        Organization.id.in_([k[0][1] for k, _n in top if k[0][0] == "org"] or [-1]))).all())
    return [(names.get(k[0][1], "?") if k[0][0] == "org" else k[0][1], k[1], n) for k, n in top]
