"""Business rules of tickets, shared by the pages, the public form, e-mail intake and the tick:
numbering, routing, assignment, the conversation, changes of fields, merging duplicates,
what a workflow step does to the SLA clocks, escalation, and the requester's rating.

Services take `(dbsession, actor, ...)`; `actor` is None where the requester acts (the public
form, an e-mail, the rating link).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass, field

import sqlalchemy as sa
from pyramid.threadlocal import get_current_registry
from sqlalchemy.orm import selectinload

import portal.tickets.sla as sla
from models.clients import Contact, Organization
from models.errors import ConflictError, UserError
from models.meta import insert_ignoring, utcnow
from models.notifications import notify_many
from models.people import User, fold
from models.tickets import (
    CHANNELS,
    OPEN_STATES,
    PRIORITIES,
    STAGE_BREACHED,
    IntakeAttempt,
    Queue,
    QueueAgent,
    RoutingRule,
    Ticket,
    TicketCounter,
    TicketMessage,
    TicketWatcher,
)
from models.workflow import WorkflowHistory
from portal.core.i18n import _
from portal.notifications.sending import items as notice_items
from portal.notifications.sending import readers
from portal.tickets.notices import tell
from portal.tickets.outbox import queue_reply_mail

SUBJECT_MAX = 300
BODY_MAX = 50_000
MENTION_RE = re.compile(r"(?<![\w.])@([a-z0-9_.-]{2,64})", re.IGNORECASE)
NUMBER_RE = re.compile(r"\bT-(\d{4})-(\d{6})\b")
EMAIL_RE = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
PRIORITY_TITLES = {0: _("Low"), 1: _("Normal"), 2: _("High"), 3: _("Urgent")}
CHANNEL_TITLES = {"phone": _("Phone"), "email": _("E-mail"), "web": _("Web form"),
                  "portal": _("Portal"), "walk_in": _("Walk-in")}
# The public form: at most this many tickets from one address in the window.
INTAKE_LIMIT, INTAKE_WINDOW = 5, dt.timedelta(minutes=10)


class TicketProblem(UserError):
    """A ticket rule the user broke; the message says which."""


class AlreadyTaken(TicketProblem, ConflictError):
    """Someone else took the ticket first."""


@dataclass
class TicketInput:
    """What a new ticket says; queue and priority left empty are routed."""

    subject: str
    description: str = ""
    channel: str = "portal"
    category: str = ""
    priority: int | None = None
    queue_id: int | None = None
    organization_id: int | None = None
    contact_id: int | None = None
    requester_name: str = ""
    requester_email: str = ""
    requester_phone: str = ""
    tags: list[str] = field(default_factory=list)
    assignee_id: int | None = None


def ticket_url(ticket: Ticket) -> str:
    return f"/tickets/{ticket.number}"


def clean_tags(tags) -> list[str]:
    out = []
    for tag in tags or ():
        tag = " ".join(str(tag).split())[:40]
        if tag and tag.lower() not in {t.lower() for t in out}:
            out.append(tag)
    return out[:20]


def check_input(data: TicketInput) -> None:
    """Refuse what cannot make a ticket, naming the field."""
    data.subject = " ".join((data.subject or "").split())
    if not data.subject:
        raise TicketProblem(_("Say in a few words what the ticket is about."), "subject")
    if len(data.subject) > SUBJECT_MAX:
        raise TicketProblem(_("At most ${max} characters, please.", mapping={"max": SUBJECT_MAX}),
                            "subject")
    if len(data.description or "") > BODY_MAX:
        raise TicketProblem(_("At most ${max} characters, please.", mapping={"max": BODY_MAX}),
                            "description")
    if data.channel not in CHANNELS:
        raise TicketProblem(_("Choose a channel from the list."), "channel")
    if data.priority is not None and data.priority not in PRIORITIES:
        raise TicketProblem(_("Choose a priority from the list."), "priority")
    data.requester_email = (data.requester_email or "").strip()[:254]
    if data.requester_email and not EMAIL_RE.match(data.requester_email):
        raise TicketProblem(_("This does not look like an e-mail address."), "requester_email")
    data.requester_name = " ".join((data.requester_name or "").split())[:200]
    data.requester_phone = (data.requester_phone or "").strip()[:50]
    data.category = (data.category or "").strip()[:100]
    data.tags = clean_tags(data.tags)


# --- numbers -----------------------------------------------------------------------------------

def next_number(dbsession, year: int) -> str:
    """The year's next ticket number, "T-2026-000123": one atomic UPDATE … RETURNING on the
    year's counter, so two tickets made at the same instant never get one number."""
    table = TicketCounter.__table__
    dbsession.execute(insert_ignoring(dbsession, table, {"year": year, "last": 0}))
    last = dbsession.execute(
        sa.update(table).where(table.c.year == year).values(last=table.c.last + 1)
        .returning(table.c.last)
    ).scalar_one()
    return f"T-{year}-{last:06d}"


# --- routing and assignment -----------------------------------------------------------------------

def default_queue(dbsession) -> Queue | None:
    return dbsession.scalar(sa.select(Queue).where(Queue.active).order_by(Queue.id).limit(1))


def route(dbsession, data: TicketInput) -> tuple[Queue | None, int | None, RoutingRule | None]:
    """The first active rule whose every condition holds: its queue and priority."""
    subject = fold(data.subject)
    for rule in dbsession.scalars(sa.select(RoutingRule).where(RoutingRule.active)
                                  .order_by(RoutingRule.position, RoutingRule.id)):
        if rule.category and rule.category != data.category:
            continue
        if rule.channel and rule.channel != data.channel:
            continue
        if rule.organization_id and rule.organization_id != data.organization_id:
            continue
        words = [fold(w.strip()) for w in (rule.words or "").split(",") if w.strip()]
        if words and not any(w in subject for w in words):
            continue
        queue = dbsession.get(Queue, rule.queue_id)
        if queue is not None and queue.active:
            return queue, rule.priority, rule
    return None, None, None


def active_agents(dbsession, queue: Queue) -> list[int]:
    """The queue's agents who take new tickets: active in the queue and in the portal."""
    return list(dbsession.scalars(
        sa.select(QueueAgent.user_id).join(User, User.id == QueueAgent.user_id)
        .where(QueueAgent.queue_id == queue.id, QueueAgent.active, User.active)
        .order_by(QueueAgent.user_id)))


def open_load(dbsession, user_ids) -> dict[int, int]:
    """{agent: open tickets assigned to them} (waiting ones count: they are still theirs)."""
    rows = dbsession.execute(
        # Open is "has a place in the open lists": read through the (assignee, urgent_at) index.
        sa.select(Ticket.assignee_id, sa.func.count()).where(
            Ticket.assignee_id.in_(sorted(user_ids)), Ticket.urgent_at.is_not(None))
        .group_by(Ticket.assignee_id)).all()
    load = dict.fromkeys(user_ids, 0)
    load.update({uid: n for uid, n in rows})
    return load


def pick_agent(dbsession, queue: Queue) -> int | None:
    """Who gets a new ticket of the queue by its rule: nobody (manual), the next agent after the
    last one (round robin: the queue's cursor moves by a guarded UPDATE, so two tickets at the
    same instant go to two agents), or the agent with the fewest open tickets."""
    if queue.assignment == "manual":
        return None
    agents = active_agents(dbsession, queue)
    if not agents:
        return None
    if queue.assignment == "least_loaded":
        load = open_load(dbsession, agents)
        return min(agents, key=lambda uid: (load[uid], uid))
    table = Queue.__table__
    for _attempt in range(20):
        last = dbsession.execute(sa.select(table.c.last_assigned_id)
                                 .where(table.c.id == queue.id)).scalar()
        following = [uid for uid in agents if last is None or uid > last]
        chosen = following[0] if following else agents[0]
        moved = dbsession.execute(
            sa.update(table).where(table.c.id == queue.id,
                                   table.c.last_assigned_id.is_(None) if last is None
                                   else table.c.last_assigned_id == last)
            .values(last_assigned_id=chosen)
            .execution_options(synchronize_session=False)).rowcount
        if moved == 1:
            dbsession.expire(queue, ["last_assigned_id"])
            return chosen
    return None


def record_state(dbsession, ticket: Ticket, to_state: str, actor_id: int | None,
                 transition: str, comment: str = "") -> None:
    """A state change made by the service (assignment, a requester's answer), in the same
    history as the workflow's steps."""
    if ticket.state == to_state:
        return
    dbsession.add(WorkflowHistory(object_type="ticket", object_id=ticket.id, transition=transition,
                                  from_state=ticket.state, to_state=to_state, comment=comment,
                                  actor_id=actor_id))
    ticket.state = to_state


def log_change(dbsession, ticket: Ticket, actor_id: int | None, event: dict) -> TicketMessage:
    """A change told in words on the ticket's page (portal/tickets/activity.py tells it)."""
    import json

    message = TicketMessage(ticket_id=ticket.id, kind="change", author_id=actor_id,
                            body=json.dumps(event, ensure_ascii=False))
    dbsession.add(message)
    return message


def give_to(dbsession, actor: User | None, ticket: Ticket, user_id: int | None, *, registry,
            how: str = "assigned") -> None:
    """The ticket is now `user_id`'s (None: back to the queue). A new ticket becomes
    "assigned"; the new assignee hears."""
    if ticket.assignee_id == user_id:
        return
    previous = ticket.assignee_id
    ticket.assignee_id = user_id
    ticket.assignee = dbsession.get(User, user_id) if user_id else None
    ticket.updated_at = utcnow()
    if user_id is not None and ticket.state == "new":
        record_state(dbsession, ticket, "assigned", actor.id if actor else None, "assign")
    elif user_id is None and ticket.state == "assigned":
        # Back to the queue before anyone started: it waits to be taken again.
        record_state(dbsession, ticket, "new", actor.id if actor else None, "release")
    log_change(dbsession, ticket, actor.id if actor else None,
               {"event": how, "from": previous, "to": user_id})
    dbsession.flush()
    if user_id is not None and (actor is None or user_id != actor.id):
        tell(dbsession, registry, {user_id}, "ticket_assigned",
             _("Ticket ${number} is yours: ${subject}",
               mapping={"number": ticket.number, "subject": ticket.subject}),
             ticket.description[:300], ticket_url(ticket))


def take(dbsession, actor: User, ticket: Ticket, *, registry) -> None:
    """An agent takes an unassigned ticket: one guarded UPDATE (still nobody's, still open), so
    of two agents taking it at the same instant exactly one has it."""
    if ticket.assignee_id is not None or not ticket.is_open:
        raise AlreadyTaken(_("Someone has already taken this ticket."), "take")
    dbsession.flush()
    won = dbsession.execute(
        sa.update(Ticket).where(Ticket.id == ticket.id, Ticket.assignee_id.is_(None),
                                Ticket.state.in_(OPEN_STATES))
        .values(assignee_id=actor.id).execution_options(synchronize_session=False)).rowcount
    if won != 1:
        dbsession.expire(ticket)
        raise AlreadyTaken(_("Someone else took this ticket a moment ago."), "take")
    # The loaded row still says nobody's: give_to records the change through the ORM (audited).
    give_to(dbsession, actor, ticket, actor.id, registry=registry, how="taken")


# --- creating ------------------------------------------------------------------------------------

def create_ticket(dbsession, actor: User | None, data: TicketInput, *, registry,
                  now: dt.datetime | None = None) -> Ticket:
    """A new ticket: checked, numbered, routed (rules, unless the queue is chosen), its SLA
    targets computed, assigned by the queue's rule unless someone is named; the queue's lead
    and agents hear of an unassigned one."""
    check_input(data)
    now = now or utcnow()
    queue = dbsession.get(Queue, data.queue_id) if data.queue_id else None
    if data.queue_id and (queue is None or not queue.active):
        raise TicketProblem(_("Choose a queue from the list."), "queue")
    routed_queue, routed_priority, _rule = route(dbsession, data)
    queue = queue or routed_queue or default_queue(dbsession)
    if queue is None:
        raise TicketProblem(_("No queue takes tickets yet: an administrator sets one up first."),
                            "queue")
    priority = data.priority if data.priority is not None else (
        routed_priority if routed_priority is not None else 1)
    organization = dbsession.get(Organization, data.organization_id) if data.organization_id else None
    contact = dbsession.get(Contact, data.contact_id) if data.contact_id else None
    if contact is not None and organization is None and contact.organization_id:
        organization = contact.organization
    ticket = Ticket(
        number=next_number(dbsession, now.year), description=(data.description or "").strip(),
        channel=data.channel, category=data.category, priority=priority, queue=queue,
        queue_id=queue.id, department_id=queue.department_id, organization=organization,
        contact=contact, requester_name=data.requester_name,
        requester_email=data.requester_email or (contact.emails[0].address
                                                 if contact is not None and contact.emails else ""),
        requester_phone=data.requester_phone, author_id=actor.id if actor else None,
        tags=data.tags, state="new", created_at=now, updated_at=now)
    ticket.set_subject(data.subject)
    dbsession.add(ticket)
    dbsession.flush()
    sla.recompute(dbsession, ticket, now)
    assignee = data.assignee_id if data.assignee_id else pick_agent(dbsession, queue)
    if assignee is not None:
        give_to(dbsession, actor, ticket, assignee, registry=registry)
    else:
        tell(dbsession, registry, {queue.lead_id, *active_agents(dbsession, queue)}, "ticket_new",
             _("New ticket in ${queue}: ${subject}",
               mapping={"queue": queue.name, "subject": ticket.subject}),
             ticket.description[:300], ticket_url(ticket), exclude=actor.id if actor else None)
    dbsession.flush()
    return ticket


# --- the conversation ----------------------------------------------------------------------------

def mentioned_users(dbsession, text: str) -> list[User]:
    logins = {m.lower() for m in MENTION_RE.findall(text or "")}
    if not logins:
        return []
    return list(dbsession.scalars(sa.select(User).where(User.login.in_(sorted(logins)), User.active)
                                  .order_by(User.full_name, User.id)))


def add_message(dbsession, actor: User, ticket: Ticket, body: str, *, public: bool, registry,
                may_view=None, now: dt.datetime | None = None) -> TicketMessage:
    """A reply to the requester (`public`) or an internal note. A reply is the first response
    if none was made yet, and goes to the requester by e-mail; a note's @mentions of colleagues
    who may see the ticket (`may_view(user_ids) -> ids`) tell them and make them watchers."""
    body = (body or "").strip()
    if not body:
        raise TicketProblem(_("Write something first."), "body")
    if len(body) > BODY_MAX:
        raise TicketProblem(_("At most ${max} characters, please.", mapping={"max": BODY_MAX}), "body")
    now = now or utcnow()
    message = TicketMessage(ticket_id=ticket.id, kind="reply" if public else "note",
                            author_id=actor.id, from_name=actor.full_name, body=body,
                            created_at=now)
    dbsession.add(message)
    ticket.updated_at = now
    if public and ticket.first_response_at is None:
        ticket.first_response_at = now
        sla.recompute(dbsession, ticket, now)
    dbsession.flush()
    if public:
        queue_reply_mail(dbsession, ticket, message)
    mentioned = [u for u in mentioned_users(dbsession, body) if u.id != actor.id]
    allowed = may_view({u.id for u in mentioned}) if may_view else set()
    reached = [u for u in mentioned if u.id in allowed]
    watching = {w.user_id for w in ticket.watchers}
    for user in reached:
        if user.id not in watching and user.id != ticket.assignee_id:
            ticket.watchers.append(TicketWatcher(user_id=user.id))
    dbsession.flush()
    snippet = body if len(body) <= 300 else body[:297] + "…"
    tell(dbsession, registry, {u.id for u in reached}, "mention",
         _("${name} mentioned you: ${title}", mapping={"name": actor.full_name,
                                                        "title": ticket.subject}),
         snippet, ticket_url(ticket) + f"#message-{message.id}", exclude=actor.id)
    others = ticket.participant_ids() - {u.id for u in reached} - {actor.id}
    if may_view:
        others &= may_view(others)
    tell(dbsession, registry, others, "ticket_changed",
         _("New message on ${number}: ${subject}", mapping={"number": ticket.number,
                                                            "subject": ticket.subject}),
         f"{actor.full_name}: {snippet}", ticket_url(ticket) + f"#message-{message.id}",
         exclude=actor.id)
    return message


def requester_message(dbsession, ticket: Ticket, body: str, *, from_name: str = "",
                      from_email: str = "", message_id: str | None = None, registry,
                      now: dt.datetime | None = None) -> TicketMessage:
    """The requester wrote (an e-mail, the web form): the message is stored once (its
    Message-ID is unique); a ticket waiting for them goes back to work, a resolved one within
    its queue's days reopens; the assignee (or the queue) hears."""
    now = now or utcnow()
    message = TicketMessage(ticket_id=ticket.id, kind="incoming", from_name=from_name[:200],
                            from_email=from_email[:254], body=(body or "").strip()[:BODY_MAX],
                            message_id=message_id, created_at=now)
    dbsession.add(message)
    dbsession.flush()
    ticket.updated_at = now
    if ticket.state == "waiting_customer":
        record_state(dbsession, ticket, "in_progress", None, "customer_answered")
        sla.resume(ticket, now)
        sla.recompute(dbsession, ticket, now)
    elif ticket.state in ("resolved", "closed"):
        record_state(dbsession, ticket, "in_progress", None, "reopen")
        ticket.resolved_at = ticket.closed_at = None
        sla.resume(ticket, now)
        sla.recompute(dbsession, ticket, now)
    dbsession.flush()
    who = {ticket.assignee_id} if ticket.assignee_id else {ticket.queue.lead_id,
                                                            *active_agents(dbsession, ticket.queue)}
    tell(dbsession, registry, who | {w.user_id for w in ticket.watchers}, "ticket_changed",
         _("The requester wrote on ${number}: ${subject}",
           mapping={"number": ticket.number, "subject": ticket.subject}),
         message.body[:300], ticket_url(ticket) + f"#message-{message.id}")
    return message


# --- changing fields -----------------------------------------------------------------------------

def update_fields(dbsession, actor: User, ticket: Ticket, values: dict, *,
                  now: dt.datetime | None = None) -> list[str]:
    """Priority, queue, category, tags, client: what changed, logged. A new priority or queue
    moves the ticket to that policy and computes its targets again from its creation."""
    now = now or utcnow()
    changed = []
    if "priority" in values and values["priority"] != ticket.priority:
        if values["priority"] not in PRIORITIES:
            raise TicketProblem(_("Choose a priority from the list."), "priority")
        log_change(dbsession, ticket, actor.id, {"event": "priority", "from": ticket.priority,
                                                  "to": values["priority"]})
        ticket.priority = values["priority"]
        changed.append("priority")
    if "queue_id" in values and values["queue_id"] != ticket.queue_id:
        queue = dbsession.get(Queue, values["queue_id"]) if values["queue_id"] else None
        if queue is None or not queue.active:
            raise TicketProblem(_("Choose a queue from the list."), "queue")
        log_change(dbsession, ticket, actor.id, {"event": "queue", "from": ticket.queue.name,
                                                  "to": queue.name})
        ticket.queue, ticket.queue_id, ticket.department_id = queue, queue.id, queue.department_id
        changed.append("queue")
    if "category" in values and (values["category"] or "") != ticket.category:
        ticket.category = (values["category"] or "").strip()[:100]
        changed.append("category")
    if "tags" in values:
        tags = clean_tags(values["tags"])
        if tags != list(ticket.tags or []):
            ticket.tags = tags
            changed.append("tags")
    if "subject" in values and " ".join((values["subject"] or "").split()) != ticket.subject:
        subject = " ".join((values["subject"] or "").split())
        if not subject or len(subject) > SUBJECT_MAX:
            raise TicketProblem(_("Say in a few words what the ticket is about."), "subject")
        ticket.set_subject(subject)
        changed.append("subject")
    if changed:
        ticket.updated_at = now
    if {"priority", "queue"} & set(changed):
        sla.recompute(dbsession, ticket, now)
    dbsession.flush()
    return changed


def set_client(dbsession, actor: User, ticket: Ticket, organization: Organization | None) -> bool:
    """Whose ticket it is: the organization (none: an unknown requester). The contact goes
    when it belongs to another organization. Whether it changed."""
    new_id = organization.id if organization is not None else None
    if new_id == ticket.organization_id:
        return False
    log_change(dbsession, ticket, actor.id, {"event": "client", "from": (
        ticket.organization.name if ticket.organization else ""),
        "to": organization.name if organization is not None else ""})
    ticket.organization, ticket.organization_id = organization, new_id
    if ticket.contact is not None and ticket.contact.organization_id != new_id:
        ticket.contact, ticket.contact_id = None, None
    ticket.updated_at = utcnow()
    dbsession.flush()
    return True


def set_contact(dbsession, actor: User, ticket: Ticket, contact: Contact | None) -> bool:
    """Who asks: a contact person of the ticket's organization (none: keep only the requester's
    name and address). Whether it changed."""
    new_id = contact.id if contact is not None else None
    if new_id == ticket.contact_id:
        return False
    if contact is not None and (ticket.organization_id is None
                                or contact.organization_id != ticket.organization_id):
        raise TicketProblem(_("Choose one of the client’s contact persons."), "contact")
    log_change(dbsession, ticket, actor.id, {"event": "contact", "from": (
        ticket.contact.full_name if ticket.contact else ""),
        "to": contact.full_name if contact is not None else ""})
    ticket.contact, ticket.contact_id = contact, new_id
    ticket.updated_at = utcnow()
    dbsession.flush()
    return True


def merge(dbsession, actor: User, ticket: Ticket, into: Ticket, *, registry) -> None:
    """`ticket` is a duplicate of `into`: its messages move there (with a note saying so), it
    is cancelled as a duplicate and points at the ticket kept."""
    if into.id == ticket.id or into.duplicate_of_id == ticket.id:
        raise TicketProblem(_("A ticket cannot be a duplicate of itself."), "into")
    if not ticket.is_open:
        raise TicketProblem(_("Only an open ticket can be merged into another."), "into")
    dbsession.execute(sa.update(TicketMessage).where(
        TicketMessage.ticket_id == ticket.id, TicketMessage.kind != "change")
        .values(ticket_id=into.id).execution_options(synchronize_session=False))
    ticket.duplicate_of_id = into.id
    log_change(dbsession, ticket, actor.id, {"event": "merged_into", "number": into.number})
    log_change(dbsession, into, actor.id, {"event": "merged_from", "number": ticket.number})
    record_state(dbsession, ticket, "cancelled", actor.id, "merge", into.number)
    sla.resume(ticket, utcnow())
    sla.recompute(dbsession, ticket)
    for w in ticket.watchers:
        if w.user_id not in {x.user_id for x in into.watchers}:
            into.watchers.append(TicketWatcher(user_id=w.user_id))
    dbsession.flush()


# --- what a workflow step does -------------------------------------------------------------------

def rating_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(24)
    return token, hashlib.sha256(token.encode()).hexdigest()


def after_transition(dbsession, ticket: Ticket, from_state: str, to_state: str,
                     now: dt.datetime | None = None) -> str | None:
    """The clocks and dates follow the step; returns a new rating token on resolution (the
    caller sends the requester the link; only its hash is kept)."""
    now = now or utcnow()
    token = None
    if to_state == "waiting_customer":
        sla.pause(ticket, now)
    elif from_state == "waiting_customer":
        sla.resume(ticket, now)
    if to_state == "resolved":
        ticket.resolved_at = now
        sla.pause(ticket, now)
        if ticket.rated_at is None:
            token, ticket.rating_token_hash = rating_token()
    elif from_state in ("resolved", "closed") and to_state in OPEN_STATES:
        ticket.resolved_at = ticket.closed_at = None
        sla.resume(ticket, now)
    if to_state == "closed":
        ticket.closed_at = now
    if to_state == "cancelled":
        sla.resume(ticket, now)
    ticket.updated_at = now
    sla.recompute(dbsession, ticket, now)
    return token


# --- escalation -----------------------------------------------------------------------------------

def escalate(dbsession, alerts, *, registry) -> int:
    """Tell about each claimed alert: a warning to the assignee (or the queue's lead when there
    is none), a breach to the queue's lead and the assignee, all notices written together; on
    a breach the policy may raise the priority one step and/or give the ticket to its named
    person."""
    if not alerts:
        return 0
    if registry is None:
        request = dbsession.info.get("request")
        registry = getattr(request, "registry", None) or get_current_registry()
    recipients = {}
    for alert in alerts:
        ticket, queue = alert.ticket, alert.ticket.queue
        who = ({queue.lead_id, ticket.assignee_id} if alert.stage == STAGE_BREACHED
               else {ticket.assignee_id or queue.lead_id})
        recipients[id(alert)] = {u for u in who if u}
    known = readers(dbsession, set().union(*recipients.values()), registry)
    notes = []
    for alert in alerts:
        ticket = alert.ticket
        clock = sla.CLOCK_TITLES[alert.clock]
        title = (_("SLA breached on ${number}: ${clock}",
                   mapping={"number": ticket.number, "clock": clock})
                 if alert.stage == STAGE_BREACHED else
                 _("SLA at risk on ${number}: ${clock}",
                   mapping={"number": ticket.number, "clock": clock}))
        notes += notice_items(dbsession, registry, recipients[id(alert)], "ticket_sla", title,
                              ticket.subject, ticket_url(ticket), known=known,
                              key=f"sla:{ticket.id}:{alert.clock}:{alert.stage}:{ticket.sla_version}")
    notify_many(dbsession, notes)
    policies = {}
    for alert in alerts:
        if alert.stage != STAGE_BREACHED:
            continue
        ticket = alert.ticket
        policy = policies.get((ticket.queue_id, ticket.priority), "?")
        if policy == "?":
            policy = policies[(ticket.queue_id, ticket.priority)] = sla.policy_for(
                dbsession, ticket.queue_id, ticket.priority)
        if policy is None:
            continue
        if policy.reassign_to_id and policy.reassign_to_id != ticket.assignee_id:
            give_to(dbsession, None, ticket, policy.reassign_to_id, registry=registry,
                    how="escalated")
        if policy.raise_priority and ticket.priority < 3:
            log_change(dbsession, ticket, None, {"event": "priority", "from": ticket.priority,
                                                  "to": ticket.priority + 1})
            ticket.priority += 1
            sla.recompute(dbsession, ticket)
    dbsession.flush()
    return len(alerts)


def sla_job(dbsession, registry, now: dt.datetime | None = None) -> int:
    """`portal tick`: the warnings and breaches due now, each said once."""
    return escalate(dbsession, sla.due_alerts(dbsession, now or utcnow()), registry=registry)


# --- the requester's rating --------------------------------------------------------------------

@dataclass(frozen=True)
class Rated:
    ticket: Ticket | None
    recorded: bool  # False: the link was used before (the score then is kept)


def ticket_for_token(dbsession, token: str) -> Ticket | None:
    if not token or len(token) > 100:
        return None
    digest = hashlib.sha256(token.encode()).hexdigest()
    return dbsession.scalar(sa.select(Ticket).where(Ticket.rating_token_hash == digest))


def rate(dbsession, token: str, score: int, comment: str = "",
         now: dt.datetime | None = None) -> Rated:
    """Record the requester's score (1–5) and comment once: the UPDATE requires that no score
    was recorded, so a link used twice (or two clicks at once) records one."""
    ticket = ticket_for_token(dbsession, token)
    if ticket is None:
        return Rated(None, False)
    if score not in range(1, 6):
        raise TicketProblem(_("Choose a score from 1 to 5."), "score")
    won = dbsession.execute(
        sa.update(Ticket).where(Ticket.id == ticket.id, Ticket.rated_at.is_(None))
        .values(rating=score, rating_comment=(comment or "").strip()[:2000],
                rated_at=now or utcnow())
        .execution_options(synchronize_session=False)).rowcount
    dbsession.expire(ticket)
    return Rated(ticket, won == 1)


# --- the public form -------------------------------------------------------------------------------

def intake_allowed(dbsession, remote_addr: str, now: dt.datetime | None = None) -> bool:
    """Count this submission from the address; False past INTAKE_LIMIT in INTAKE_WINDOW, even
    for submissions arriving at the same instant."""
    now = now or utcnow()
    addr = (remote_addr or "unknown")[:64]
    # The count and the decision are one serialized step per address, held until the commit:
    # PostgreSQL by an advisory lock; SQLite by the write lock the DELETE below takes.
    if dbsession.get_bind().dialect.name == "postgresql":
        dbsession.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                          {"key": "ticket-intake:" + addr})
    dbsession.execute(sa.delete(IntakeAttempt).where(IntakeAttempt.at < now - INTAKE_WINDOW))
    dbsession.add(IntakeAttempt(remote_addr=addr, at=now))
    dbsession.flush()
    count = dbsession.scalar(sa.select(sa.func.count()).select_from(IntakeAttempt).where(
        IntakeAttempt.remote_addr == addr, IntakeAttempt.at >= now - INTAKE_WINDOW))
    return count <= INTAKE_LIMIT


def find_by_number(dbsession, text: str) -> Ticket | None:
    match = NUMBER_RE.search(text or "")
    if match is None:
        return None
    return dbsession.scalar(sa.select(Ticket).where(Ticket.number == match.group(0))
                            .options(selectinload(Ticket.queue)))
