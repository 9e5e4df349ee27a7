"""The ticket lists: mine, unassigned in my queues, breaching soon, waiting, all I may see —
with search and filters, each one query filtered by what the user may see (in SQL), most urgent
first (the nearest SLA target, then priority)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from models.people import fold
from models.tickets import DONE_STATES, OPEN_STATES, PRIORITIES, Queue, Ticket
from portal.core.i18n import _
from portal.core.parsing import parse_int
from portal.tickets.security import my_queue_ids, visible_tickets

PAGE_SIZE = 50
COUNT_CAP = 10_000
# "Breaching soon": a running target within this much time, or already missed.
SOON = dt.timedelta(hours=4)
VIEWS = {
    "mine": _("Mine"),
    "queue": _("Unassigned in my queues"),
    "breaching": _("Breaching soon"),
    "waiting": _("Waiting"),
    "all": _("All"),
}
STATES = {"open": _("Open"), "done": _("Resolved and closed"), "any": _("Any state")}
WAITING = ("waiting_customer", "waiting_third_party")


@dataclass
class Filters:
    view: str = "mine"
    q: str = ""
    state: str = "open"
    queue: int | None = None
    priority: int | None = None
    organization: int | None = None
    page: int = 1

    @classmethod
    def from_params(cls, params) -> Filters:
        view = params.get("view", "mine")
        state = params.get("state", "open")
        priority = parse_int(params.get("priority", ""))
        return cls(
            view=view if view in VIEWS else "mine",
            q=" ".join(params.get("q", "").split())[:200],
            state=state if state in STATES else "open",
            queue=parse_int(params.get("queue", "")),
            priority=priority if priority in PRIORITIES else None,
            organization=parse_int(params.get("organization", "")),
            page=max(1, min(parse_int(params.get("page", "1")) or 1, 10_000)),
        )

    def params(self, **changes) -> dict:
        values = {"view": self.view, "q": self.q, "state": self.state, "queue": self.queue,
                  "priority": self.priority, "organization": self.organization,
                  "page": self.page, **changes}
        defaults = {"view": "mine", "state": "open", "page": 1}
        return {k: v for k, v in values.items() if v not in (None, "") and defaults.get(k) != v}


def urgency():
    """Most urgent first: the nearest running target (a missing one last), then priority."""
    nearest = sa.func.coalesce(Ticket.first_response_due_at, Ticket.resolution_due_at)
    first = sa.case((Ticket.first_response_at.is_(None), nearest),
                    else_=Ticket.resolution_due_at)
    return (sa.case((first.is_(None), 1), else_=0), first, Ticket.priority.desc(),
            Ticket.created_at, Ticket.id)


def ticket_query(request, f: Filters, now: dt.datetime) -> sa.Select:
    """The tickets of the list `f.view` the user may see, filtered."""
    me = request.identity.user.id
    stmt = sa.select(Ticket).where(visible_tickets(request))
    if f.view == "mine":
        stmt = stmt.where(Ticket.assignee_id == me)
    elif f.view == "queue":
        mine = [Ticket.queue_id.in_(my_queue_ids(request))]
        if request.identity.dept_scope_ids:
            mine.append(Ticket.department_id.in_(sorted(request.identity.dept_scope_ids)))
        stmt = stmt.where(Ticket.assignee_id.is_(None), sa.or_(*mine))
    elif f.view == "breaching":
        soon = now + SOON
        stmt = stmt.where(Ticket.state.in_(OPEN_STATES), sa.or_(
            sa.and_(Ticket.first_response_at.is_(None), Ticket.first_response_due_at <= soon),
            Ticket.resolution_due_at <= soon))
    elif f.view == "waiting":
        stmt = stmt.where(Ticket.state.in_(WAITING))
    if f.view not in ("breaching", "waiting"):
        if f.state == "open":
            stmt = stmt.where(Ticket.state.in_(OPEN_STATES))
        elif f.state == "done":
            stmt = stmt.where(Ticket.state.in_(DONE_STATES))
    if f.q:
        words = fold(f.q).split()
        stmt = stmt.where(*(Ticket.search_text.contains(w, autoescape=True) for w in words[:8]))
    if f.queue:
        stmt = stmt.where(Ticket.queue_id == f.queue)
    if f.priority is not None:
        stmt = stmt.where(Ticket.priority == f.priority)
    if f.organization:
        stmt = stmt.where(Ticket.organization_id == f.organization)
    return stmt


def with_people(stmt: sa.Select) -> sa.Select:
    """What a list row shows besides the ticket: read in the same statement."""
    return stmt.options(joinedload(Ticket.assignee), joinedload(Ticket.queue),
                        joinedload(Ticket.organization), joinedload(Ticket.contact))


def count_of(dbsession, stmt: sa.Select, cap: int = COUNT_CAP) -> int:
    """Rows of `stmt`, counting at most `cap` + 1 (a list of 500,000 is "10,000+")."""
    inner = stmt.with_only_columns(Ticket.id).order_by(None).limit(cap + 1).subquery()
    return dbsession.scalar(sa.select(sa.func.count()).select_from(inner))


def tab_counts(request, now: dt.datetime) -> dict[str, int]:
    """How many open tickets each working list holds, in one statement."""
    me = request.identity.user.id
    visible = visible_tickets(request)
    mine_queues = [Ticket.queue_id.in_(my_queue_ids(request))]
    if request.identity.dept_scope_ids:
        mine_queues.append(Ticket.department_id.in_(sorted(request.identity.dept_scope_ids)))
    soon = now + SOON

    def n(cond):
        return sa.func.coalesce(sa.func.sum(sa.case((cond, 1), else_=0)), 0)

    row = request.dbsession.execute(sa.select(
        n(Ticket.assignee_id == me),
        n(sa.and_(Ticket.assignee_id.is_(None), sa.or_(*mine_queues))),
        n(sa.or_(sa.and_(Ticket.first_response_at.is_(None), Ticket.first_response_due_at <= soon),
                 Ticket.resolution_due_at <= soon)),
        n(Ticket.state.in_(WAITING)),
    ).where(visible, Ticket.state.in_(OPEN_STATES))).one()
    return dict(zip(("mine", "queue", "breaching", "waiting"), (int(v) for v in row), strict=True))


def queue_choices(dbsession) -> list[Queue]:
    return list(dbsession.scalars(sa.select(Queue).where(Queue.active).order_by(Queue.name)))
