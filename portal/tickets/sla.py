"""SLA of tickets: the targets of a ticket from its queue's policy and business hours, the state
of each clock as a ticket shows it, and the warnings and escalations `portal tick` makes.

Two clocks run from a ticket's creation (from the next opening of its queue's hours when it
comes at night or on a holiday): the first response and the resolution. Both stand still while
the ticket waits for the customer and while it is resolved (a reopened ticket goes on from where
it stopped); a lunch break or a night stops them as the queue's hours say. A change of priority
or queue moves the ticket to the other policy and computes the targets again from its creation,
keeping the pauses (`recompute`).

The targets are stored as instants (`first_response_due_at`, `resolution_due_at`, their warning
instants, and `sla_next_at`, the next one not yet said) so that lists sort by urgency in SQL
and the tick reads only the tickets that have something due. Each warning and breach is said
once: a row of `ticket_sla_alerts`, unique per ticket, clock, stage and computation of the
targets, claims it (two ticks at the same instant: one says it).
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from zope.sqlalchemy import mark_changed

from models.meta import insert_ignoring, utcnow
from models.tickets import (
    NO_TARGET,
    OPEN_STATES,
    STAGE_BREACHED,
    STAGE_WARNED,
    SlaPolicy,
    Ticket,
    TicketPause,
    TicketSlaAlert,
)
from portal.core.i18n import _
from portal.tickets.hours import BusinessHours, due_at

# A queue that has set no hours works Monday to Friday, 9 to 18 with an hour's lunch, Moscow.
DEFAULT_HOURS = {
    "zone": "Europe/Moscow",
    "week": {day: ["09:00-13:00", "14:00-18:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
    "holidays": [],
    "workdays": {},
}
CLOCKS = ("first_response", "resolution")
CLOCK_TITLES = {"first_response": _("First response"), "resolution": _("Resolution")}


@lru_cache(maxsize=256)
def _hours_from(text: str) -> BusinessHours:
    return BusinessHours.from_data(json.loads(text))


def hours_of(queue) -> BusinessHours:
    """The queue's business hours (read once per distinct schedule)."""
    data = queue.hours if queue is not None and queue.hours else DEFAULT_HOURS
    return _hours_from(json.dumps(data, sort_keys=True))


def policy_for(dbsession, queue_id: int, priority: int) -> SlaPolicy | None:
    return dbsession.scalar(sa.select(SlaPolicy).where(
        SlaPolicy.queue_id == queue_id, SlaPolicy.priority == priority))


def pauses_of(ticket: Ticket) -> list[tuple[dt.datetime, dt.datetime | None]]:
    return [(p.started_at, p.ended_at) for p in ticket.pauses]


def _targets(ticket: Ticket, policy: SlaPolicy | None, hours: BusinessHours):
    """{clock: (due, warn)}: the instants each target is reached, counted from the creation
    over the business hours less the pauses (None while paused short of the target, or when
    the policy sets no such target). Computed for stopped clocks too: whether a target was met
    is their due instant against the moment they stopped."""
    pauses = pauses_of(ticket)
    out = {}
    for clock in CLOCKS:
        minutes = getattr(policy, f"{clock}_minutes", None) if policy is not None else None
        if not minutes or ticket.state == "cancelled":
            out[clock] = (None, None)
            continue
        target = minutes * 60
        due = due_at(hours, ticket.created_at, target, pauses)
        warn = due_at(hours, ticket.created_at, int(target * policy.warn_share), pauses)
        out[clock] = (due, warn)
    return out


def running(ticket: Ticket, clock: str) -> bool:
    """Whether the clock still runs towards its target: the first response until someone
    answers, the resolution until the ticket is resolved (or cancelled)."""
    if not ticket.is_open:
        return False
    return ticket.first_response_at is None if clock == "first_response" else True


def recompute(dbsession, ticket: Ticket, now: dt.datetime | None = None) -> bool:
    """Compute the ticket's targets again (its policy, hours and pauses as they are now); when
    they change, the alerts already said no longer count for them. True when they changed."""
    now = now or utcnow()
    dbsession.flush()
    policy = policy_for(dbsession, ticket.queue_id, ticket.priority)
    targets = _targets(ticket, policy, hours_of(ticket.queue))
    before = (ticket.first_response_due_at, ticket.resolution_due_at)
    ticket.first_response_due_at, ticket.first_response_warn_at = targets["first_response"]
    ticket.resolution_due_at, ticket.resolution_warn_at = targets["resolution"]
    changed = before != (ticket.first_response_due_at, ticket.resolution_due_at)
    if changed:
        ticket.sla_version = (ticket.sla_version or 0) + 1
    ticket.sla_next_at = next_check(dbsession, ticket)
    ticket.urgent_at = urgency_of(ticket)
    return changed


def urgency_of(ticket: Ticket) -> dt.datetime | None:
    """Where the ticket stands in the open lists (models.tickets.Ticket.urgent_at)."""
    if not ticket.is_open:
        return None
    if running(ticket, "first_response") and ticket.first_response_due_at is not None:
        return ticket.first_response_due_at
    if ticket.resolution_due_at is not None:
        return ticket.resolution_due_at
    return ticket.created_at + NO_TARGET


def next_check(dbsession, ticket: Ticket) -> dt.datetime | None:
    """The earliest warning or breach instant of the ticket not said yet."""
    said = set()
    if ticket.id is not None:
        said = set(dbsession.execute(sa.select(TicketSlaAlert.clock, TicketSlaAlert.stage).where(
            TicketSlaAlert.ticket_id == ticket.id,
            TicketSlaAlert.sla_version == ticket.sla_version)).all())
    return _next_unsaid(ticket, said)


def _next_unsaid(ticket: Ticket, said: set) -> dt.datetime | None:
    """The earliest instant of `ticket` whose (clock, stage) is not in `said`."""
    pending = []
    for clock in CLOCKS:
        if not running(ticket, clock):
            continue
        due = getattr(ticket, f"{clock}_due_at")
        warn = getattr(ticket, f"{clock}_warn_at")
        if warn is not None and (clock, STAGE_WARNED) not in said and (clock, STAGE_BREACHED) not in said:
            pending.append(warn)
        if due is not None and (clock, STAGE_BREACHED) not in said:
            pending.append(due)
    return min(pending) if pending else None


# --- pauses -------------------------------------------------------------------------------------

def pause(ticket: Ticket, at: dt.datetime) -> None:
    """The clocks stop (waiting for the customer, resolved)."""
    if ticket.paused_at is None:
        ticket.pauses.append(TicketPause(started_at=at))
        ticket.paused_at = at


def resume(ticket: Ticket, at: dt.datetime) -> None:
    """The clocks go on."""
    if ticket.paused_at is None:
        return
    for p in ticket.pauses:
        if p.ended_at is None:
            p.ended_at = max(at, p.started_at)
    ticket.paused_at = None


# --- what a ticket shows ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Clock:
    """One clock as shown: state "running", "warning", "breached", "paused", "met" or "none"."""

    name: str
    state: str
    due: dt.datetime | None
    seconds_left: int | None  # business seconds; negative when breached

    @property
    def title(self):
        return CLOCK_TITLES[self.name]


def clocks(ticket: Ticket, now: dt.datetime | None = None) -> list[Clock]:
    """The two clocks of the ticket as it shows them (no query: the stored targets)."""
    now = now or utcnow()
    hours = hours_of(ticket.queue)
    paused = ticket.paused_at is not None
    out = []
    for name in CLOCKS:
        due = getattr(ticket, f"{name}_due_at")
        warn = getattr(ticket, f"{name}_warn_at")
        if ticket.state == "cancelled":
            out.append(Clock(name, "none", None, None))
        elif not running(ticket, name):
            stop = ticket.first_response_at if name == "first_response" else ticket.resolved_at
            late = due is not None and (stop is None or due < stop)
            out.append(Clock(name, "breached" if late else "met", due, None))
        elif due is None:
            out.append(Clock(name, "paused" if paused else "none", None, None))
        elif due <= now:
            out.append(Clock(name, "breached", due, -int(hours.between(due, now))))
        else:
            state = "warning" if warn is not None and warn <= now else "running"
            out.append(Clock(name, state, due, int(hours.between(now, due))))
    return out


# --- portal tick ---------------------------------------------------------------------------------

def _claim(dbsession, rows: list[dict]) -> set[tuple]:
    """Say these alerts: the (ticket, clock, stage) of those this caller claimed, each claimed
    by exactly one caller however many ticks race (a unique row, inserted or left alone)."""
    if not rows:
        return set()
    table = TicketSlaAlert.__table__
    claimed = set()
    for start in range(0, len(rows), 500):
        stmt = (insert_ignoring(dbsession, table, rows[start:start + 500])
                .returning(table.c.ticket_id, table.c.clock, table.c.stage))
        # The rows that came back are the claims (a driver may not count rows of an upsert).
        claimed.update(tuple(r) for r in dbsession.execute(stmt))
    return claimed


@dataclass
class Alert:
    ticket: Ticket
    clock: str
    stage: int


def due_alerts(dbsession, now: dt.datetime, limit: int = 5000) -> list[Alert]:
    """Claim the warnings and breaches due by `now` (each once) and move every ticket read to
    its next instant: a few statements for up to `limit` tickets (what was said, one insert of
    the claims, the tickets' new instants). The caller tells people and escalates
    (portal/tickets/service.py)."""
    tickets = dbsession.scalars(
        sa.select(Ticket).where(Ticket.sla_next_at <= now, Ticket.state.in_(OPEN_STATES))
        .order_by(Ticket.sla_next_at).limit(limit)
        .options(sa.orm.selectinload(Ticket.queue))
    ).all()
    if not tickets:
        return []
    said: dict[int, set] = {t.id: set() for t in tickets}
    versions = {t.id: t.sla_version for t in tickets}
    ids = sorted(said)
    for start in range(0, len(ids), 500):
        for ticket_id, clock, stage, version in dbsession.execute(
                sa.select(TicketSlaAlert.ticket_id, TicketSlaAlert.clock, TicketSlaAlert.stage,
                          TicketSlaAlert.sla_version)
                .where(TicketSlaAlert.ticket_id.in_(ids[start:start + 500]))):
            if versions[ticket_id] == version:
                said[ticket_id].add((clock, stage))
    wanted = []
    for ticket in tickets:
        for clock in CLOCKS:
            if not running(ticket, clock):
                continue
            due = getattr(ticket, f"{clock}_due_at")
            warn = getattr(ticket, f"{clock}_warn_at")
            if due is not None and due <= now:
                stage = STAGE_BREACHED
            elif warn is not None and warn <= now:
                stage = STAGE_WARNED
            else:
                continue
            if (clock, stage) not in said[ticket.id]:
                wanted.append((ticket, clock, stage))
    claimed = _claim(dbsession, [
        {"ticket_id": t.id, "clock": clock, "stage": stage, "sla_version": t.sla_version,
         "at": now} for t, clock, stage in wanted])
    alerts = [Alert(t, clock, stage) for t, clock, stage in wanted
              if (t.id, clock, stage) in claimed]
    for t, clock, stage in wanted:
        said[t.id].add((clock, stage))  # claimed here or by another tick: said either way
    # The tickets' next instants in bulk, by primary key: bookkeeping of the tick, not a change
    # of the ticket (no version in the audit, no flush of thousands of objects).
    moves = []
    for ticket in tickets:
        following = _next_unsaid(ticket, said[ticket.id])
        if following != ticket.sla_next_at:
            moves.append({"id": ticket.id, "sla_next_at": following})
            set_committed_value(ticket, "sla_next_at", following)
    if moves:
        dbsession.execute(sa.update(Ticket), moves)
    if moves or wanted:
        mark_changed(dbsession)  # written with statements, not objects: commit them too
    return alerts
