"""Setting up the support desk (administrators): queues with their department, lead, agents,
assignment rule, business hours and reopening days; SLA policies per queue and priority;
routing rules; canned responses. A change of hours or policies computes the targets of the
queue's open tickets again."""
from __future__ import annotations

import sqlalchemy as sa

import portal.tickets.sla as sla
from models.errors import UserError
from models.people import Department, User
from models.tickets import (
    ASSIGNMENT_MODES,
    CHANNELS,
    OPEN_STATES,
    PRIORITIES,
    CannedResponse,
    Queue,
    QueueAgent,
    RoutingRule,
    SlaPolicy,
    Ticket,
)
from portal.core.i18n import _
from portal.tickets.hours import DAYS, BusinessHours


def hours_data(zone: str, days: dict[str, str], holidays: str, workdays: str) -> dict:
    """The calendar as the form gives it (one line of intervals per weekday, one date per line
    of holidays, "2027-02-27 09:00-18:00" per line of special working days), checked."""
    special = {}
    for line in (workdays or "").splitlines():
        line = line.strip()
        if not line:
            continue
        day, _sep, spans = line.partition(" ")
        special[day] = spans.strip()
    data = {
        "zone": zone,
        "week": {d: days.get(d, "") for d in DAYS if (days.get(d) or "").strip()},
        "holidays": [x.strip() for x in (holidays or "").replace(",", "\n").splitlines() if x.strip()],
        "workdays": special,
    }
    return BusinessHours.from_data(data).to_data()


def save_queue(dbsession, queue: Queue | None, *, name: str, department_id: int | None,
               lead_id: int | None, assignment: str, reopen_days: int | None, hours: dict,
               agent_ids: list[int], active: bool = True) -> Queue:
    """Create or change a queue; its open tickets' targets follow new hours."""
    name = " ".join((name or "").split())[:200]
    if not name:
        raise UserError(_("Give the queue a name."), "name")
    clash = dbsession.scalar(sa.select(Queue.id).where(Queue.name == name))
    if clash is not None and (queue is None or clash != queue.id):
        raise UserError(_("Another queue has this name."), "name")
    department = dbsession.get(Department, department_id) if department_id else None
    if department is None:
        raise UserError(_("Choose the queue's department."), "department")
    if assignment not in ASSIGNMENT_MODES:
        raise UserError(_("Choose how tickets are assigned."), "assignment")
    if lead_id is not None and dbsession.get(User, lead_id) is None:
        raise UserError(_("Choose someone from the list."), "lead")
    days = reopen_days if reopen_days is not None else 7
    if not 0 <= days <= 365:
        raise UserError(_("Between 0 and 365 days, please."), "reopen_days")
    if queue is None:
        queue = Queue(name=name, department_id=department.id)
        dbsession.add(queue)
    old_hours, old_department = queue.hours, queue.department_id
    queue.name, queue.department_id, queue.lead_id = name, department.id, lead_id
    queue.assignment, queue.reopen_days, queue.hours, queue.active = assignment, days, hours, active
    wanted = set(agent_ids) & set(dbsession.scalars(sa.select(User.id).where(
        User.id.in_(sorted(agent_ids) or [-1]))))
    for agent in list(queue.agents):
        if agent.user_id not in wanted:
            queue.agents.remove(agent)
    have = {a.user_id for a in queue.agents}
    queue.agents.extend(QueueAgent(user_id=uid) for uid in sorted(wanted - have))
    dbsession.flush()
    if old_department != department.id or old_hours != hours:
        dbsession.execute(sa.update(Ticket).where(Ticket.queue_id == queue.id)
                          .values(department_id=queue.department_id))
        recompute_queue(dbsession, queue)
    return queue


def recompute_queue(dbsession, queue: Queue) -> int:
    """The targets of the queue's open tickets again (its hours or policies changed)."""
    n = 0
    for ticket in dbsession.scalars(sa.select(Ticket).where(
            Ticket.queue_id == queue.id, Ticket.state.in_(OPEN_STATES))):
        sla.recompute(dbsession, ticket)
        n += 1
    dbsession.flush()
    return n


def save_policies(dbsession, queue: Queue, rows: dict[int, dict]) -> None:
    """{priority: {first_response_minutes, resolution_minutes, warn_share, raise_priority,
    reassign_to_id}} for the queue; a target left empty is none."""
    for priority, values in rows.items():
        if priority not in PRIORITIES:
            continue
        share = values.get("warn_share")
        if share is not None and not 0.1 <= share <= 1:
            raise UserError(_("The warning comes at 10 to 100 percent of the target."), f"warn_{priority}")
        for key in ("first_response_minutes", "resolution_minutes"):
            value = values.get(key)
            if value is not None and not 1 <= value <= 525_600:
                raise UserError(_("A target is 1 minute to a year."), f"{key}_{priority}")
        policy = sla.policy_for(dbsession, queue.id, priority)
        if policy is None:
            policy = SlaPolicy(queue_id=queue.id, priority=priority)
            dbsession.add(policy)
        policy.first_response_minutes = values.get("first_response_minutes")
        policy.resolution_minutes = values.get("resolution_minutes")
        policy.warn_share = share if share is not None else 0.8
        policy.raise_priority = bool(values.get("raise_priority"))
        policy.reassign_to_id = values.get("reassign_to_id")
    dbsession.flush()
    recompute_queue(dbsession, queue)


def add_rule(dbsession, *, name: str, queue_id: int | None, category: str = "", channel: str = "",
             organization_id: int | None = None, words: str = "",
             priority: int | None = None) -> RoutingRule:
    queue = dbsession.get(Queue, queue_id) if queue_id else None
    if queue is None:
        raise UserError(_("Choose a queue from the list."), "queue")
    if channel and channel not in CHANNELS:
        raise UserError(_("Choose a channel from the list."), "channel")
    if priority is not None and priority not in PRIORITIES:
        raise UserError(_("Choose a priority from the list."), "priority")
    if not (category or channel or organization_id or words.strip()):
        raise UserError(_("Give at least one condition: a category, a channel, a client or "
                          "words."), "words")
    last = dbsession.scalar(sa.select(sa.func.max(RoutingRule.position))) or 0
    rule = RoutingRule(name=name[:200], queue_id=queue.id, category=category[:100],
                       channel=channel, organization_id=organization_id, words=words[:500],
                       priority=priority, position=last + 1)
    dbsession.add(rule)
    dbsession.flush()
    return rule


def add_canned(dbsession, *, title: str, body: str, queue_id: int | None) -> CannedResponse:
    title, body = " ".join((title or "").split())[:200], (body or "").strip()
    if not title or not body:
        raise UserError(_("A ready answer needs a title and a text."), "title")
    canned = CannedResponse(title=title, body=body[:20_000], queue_id=queue_id)
    dbsession.add(canned)
    dbsession.flush()
    return canned
