"""The ticket lists: mine, unassigned in my queues, breaching soon, waiting, all I may see —
with search and filters, each one query filtered by what the user may see (in SQL), most urgent
first (the nearest SLA target, then priority)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from models import search
from models.tickets import DONE_STATES, PRIORITIES, Queue, Ticket
from portal.core.i18n import _
from portal.core.parsing import parse_int
from portal.tickets.security import my_queue_ids, visible_tickets
from portal.tickets.service import NUMBER_RE as NUMBER

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
    """Most urgent first (the nearest target still running: Ticket.urgent_at), read through
    its index; then the newest."""
    return (Ticket.urgent_at, Ticket.id)


def newest():
    """Newest first: by number, which grows with time (read backwards through the primary
    key, each row checked against the filter until a page is full)."""
    return (Ticket.id.desc(),)


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
        stmt = stmt.where(Ticket.urgent_at <= now + SOON)
    elif f.view == "waiting":
        stmt = stmt.where(Ticket.state.in_(WAITING))
    if f.view not in ("breaching", "waiting"):
        if f.state == "open":
            stmt = stmt.where(Ticket.urgent_at.is_not(None))
        elif f.state == "done":
            stmt = stmt.where(Ticket.state.in_(DONE_STATES))
    if f.q:
        stmt = stmt.where(search_clause(request.dbsession, f.q, everyone=request.identity.is_admin))
    if f.queue:
        stmt = stmt.where(Ticket.queue_id == f.queue)
    if f.priority is not None:
        stmt = stmt.where(Ticket.priority == f.priority)
    if f.organization:
        stmt = stmt.where(Ticket.organization_id == f.organization)
    return stmt


def ordered(stmt: sa.Select, f: Filters) -> sa.Select:
    """Open lists most urgent first; the others newest first."""
    if f.view in ("breaching", "waiting") or f.state == "open":
        return stmt.order_by(*urgency())
    return stmt.order_by(*newest())


def search_clause(dbsession, q: str, everyone: bool = False):
    """WHERE of the tickets found by `q`: every word begins a word of its number, subject or
    requester (the shared search index, models/search.py), or `q` is its number. `everyone`:
    the list is read through the matches (an administrator's); else each ticket of the list's
    own index is looked up among them ("+ 0")."""
    number = NUMBER.search(q.upper())
    ids = search.ids_of(dbsession, "ticket", q)
    found = (Ticket.id if everyone else Ticket.id + 0).in_(ids) if ids is not None else sa.false()
    return sa.or_(Ticket.number == number.group(0), found) if number else found


def with_people(stmt: sa.Select) -> sa.Select:
    """What a list row shows besides the ticket: read in the same statement."""
    return stmt.options(joinedload(Ticket.assignee), joinedload(Ticket.queue),
                        joinedload(Ticket.organization), joinedload(Ticket.contact))


def count_of(dbsession, stmt: sa.Select, cap: int = COUNT_CAP) -> int:
    """Rows of `stmt`, counting at most `cap` + 1 (a list of 500,000 is "10,000+")."""
    inner = stmt.with_only_columns(Ticket.id).order_by(None).limit(cap + 1).subquery()
    return dbsession.scalar(sa.select(sa.func.count()).select_from(inner))


TAB_CAP = 99


def tab_counts(request, now: dt.datetime) -> dict[str, int]:
    """How many open tickets each working list holds (past TAB_CAP: TAB_CAP + 1, shown as
    "99+"): one statement of four counts, each read through its own index and stopping there."""
    me = request.identity.user.id
    visible = visible_tickets(request)
    mine_queues = [Ticket.queue_id.in_(my_queue_ids(request))]
    if request.identity.dept_scope_ids:
        mine_queues.append(Ticket.department_id.in_(sorted(request.identity.dept_scope_ids)))

    def n(*where):
        some = sa.select(Ticket.id).where(*where).limit(TAB_CAP + 1).subquery()
        return sa.select(sa.func.count()).select_from(some).scalar_subquery()

    row = request.dbsession.execute(sa.select(
        n(Ticket.assignee_id == me, Ticket.urgent_at.is_not(None)),
        n(Ticket.assignee_id.is_(None), Ticket.urgent_at.is_not(None), sa.or_(*mine_queues),
          visible),
        n(Ticket.urgent_at <= now + SOON, visible),
        n(Ticket.state.in_(WAITING), visible),
    )).one()
    return dict(zip(("mine", "queue", "breaching", "waiting"), (int(v) for v in row), strict=True))


def queue_choices(dbsession) -> list[Queue]:
    return list(dbsession.scalars(sa.select(Queue).where(Queue.active).order_by(Queue.name)))
