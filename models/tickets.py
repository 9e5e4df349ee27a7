"""Support tickets: queues and their agents, SLA policies, routing rules, tickets with their
conversation, pauses of the SLA clock, watchers, attachments and canned responses (issue 12).

A ticket waits in a queue (a team, usually a department: `queues.department_id`), and belongs to
that department for security: department scope means the queue's department or the client's
department (the client's sales team sees its tickets); own scope means the author, the assignee,
a watcher, or the client's responsible manager (ROLES.md, "The coming areas").

Things that must happen once are refused by the database:
- a ticket's number comes from `ticket_counters` by one atomic UPDATE … RETURNING per year, and
  `tickets.number` is unique;
- an e-mail is taken in once: `ticket_messages.message_id` is unique;
- an SLA warning or breach is said once: `ticket_sla_alerts` is unique per (ticket, clock, stage)
  and version of the targets;
- a rating is recorded once: the UPDATE that records it requires `rated_at IS NULL`.

Times are UTC. The SLA targets (`first_response_due_at`, `resolution_due_at`) are computed by
portal/tickets/sla.py from the queue's business hours and the pauses, and stored so that lists
order by urgency in SQL; empty while the clock is paused or stopped.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

import models.search as search
from models.clients import Contact, Organization
from models.meta import Base, UTCDateTime, utcnow
from models.people import Department, User, fold

PRIORITIES = {0: "low", 1: "normal", 2: "high", 3: "urgent"}
CHANNELS = ("phone", "email", "web", "portal", "walk_in")
OPEN_STATES = ("new", "assigned", "in_progress", "waiting_customer", "waiting_third_party")
# The clock of the resolution target stops while the customer is to answer.
PAUSED_STATES = ("waiting_customer",)
DONE_STATES = ("resolved", "closed", "cancelled")
ASSIGNMENT_MODES = ("manual", "round_robin", "least_loaded")
# Stages of an SLA clock's alerts: nothing said, warned at the queue's share, breached.
STAGE_NONE, STAGE_WARNED, STAGE_BREACHED = 0, 1, 2


class Queue(Base):
    """A team that works tickets: its department, lead, agents, how it assigns, its hours."""

    __tablename__ = "ticket_queues"
    __versioned__: dict = {}

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    lead_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    assignment: Mapped[str] = mapped_column(sa.String(20), default="manual")
    # Round robin: the agent who got the last ticket (the next one goes to the one after).
    last_assigned_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # Business hours (portal/tickets/hours.py's data: zone, week, holidays, workdays).
    hours: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    reopen_days: Mapped[int] = mapped_column(sa.SmallInteger, default=7)
    active: Mapped[bool] = mapped_column(default=True)

    department: Mapped[Department] = relationship()
    lead: Mapped[User | None] = relationship(foreign_keys=[lead_id])
    agents: Mapped[list[QueueAgent]] = relationship(
        back_populates="queue", cascade="all, delete-orphan", order_by="QueueAgent.id")

    def __repr__(self) -> str:
        return f"<Queue {self.id} {self.name!r}>"


class QueueAgent(Base):
    """A person who works a queue's tickets; an inactive agent gets no new ones (on leave)."""

    __tablename__ = "ticket_queue_agents"
    __versioned__: dict = {}
    __table_args__ = (sa.UniqueConstraint("queue_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    queue_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket_queues.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)

    queue: Mapped[Queue] = relationship(back_populates="agents")
    user: Mapped[User] = relationship()


class SlaPolicy(Base):
    """A queue's targets for one priority, in minutes of its business hours."""

    __tablename__ = "ticket_sla_policies"
    __versioned__: dict = {}
    __table_args__ = (sa.UniqueConstraint("queue_id", "priority"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    queue_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket_queues.id", ondelete="CASCADE"))
    priority: Mapped[int] = mapped_column(sa.SmallInteger)
    first_response_minutes: Mapped[int | None] = mapped_column(sa.Integer)
    resolution_minutes: Mapped[int | None] = mapped_column(sa.Integer)
    # The warning comes when this share of a target is used.
    warn_share: Mapped[float] = mapped_column(sa.Float, default=0.8)
    # On breach, besides telling the queue's lead: raise the priority one step, and/or give the
    # ticket to this person.
    raise_priority: Mapped[bool] = mapped_column(default=False)
    reassign_to_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class RoutingRule(Base):
    """Where a new ticket goes: the first active rule (by position) whose every given condition
    holds sends it to `queue_id`, with `priority` if given."""

    __tablename__ = "ticket_routing_rules"
    __versioned__: dict = {}

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    category: Mapped[str] = mapped_column(sa.String(100), default="")
    channel: Mapped[str] = mapped_column(sa.String(20), default="")
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"))
    # Words, separated by commas: any of them in the subject (case-insensitive, any alphabet).
    words: Mapped[str] = mapped_column(sa.String(500), default="")
    queue_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket_queues.id", ondelete="CASCADE"))
    priority: Mapped[int | None] = mapped_column(sa.SmallInteger)
    active: Mapped[bool] = mapped_column(default=True)

    queue: Mapped[Queue] = relationship()
    organization: Mapped[Organization | None] = relationship()


class TicketCounter(Base):
    """The last number given to a ticket in a year (T-2026-000123): taken by one atomic UPDATE."""

    __tablename__ = "ticket_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


class Ticket(Base):
    __tablename__ = "tickets"
    __versioned__: dict = {}
    __table_args__ = (
        # The lists of open tickets, most urgent first: everyone's, a queue's, an agent's, by
        # state (waiting), a department's.
        sa.Index("ix_tickets_urgent", "urgent_at"),
        sa.Index("ix_tickets_queue_urgent", "queue_id", "urgent_at"),
        sa.Index("ix_tickets_assignee_urgent", "assignee_id", "urgent_at"),
        sa.Index("ix_tickets_state_urgent", "state", "urgent_at"),
        sa.Index("ix_tickets_department_urgent", "department_id", "urgent_at"),
        # Resolved and closed ones, newest first; the reports' periods.
        sa.Index("ix_tickets_created", "created_at"),
        sa.Index("ix_tickets_resolved", "resolved_at"),
        sa.Index("ix_tickets_rated", "rated_at"),
        sa.Index("ix_tickets_organization_created", "organization_id", "created_at"),
        sa.Index("ix_tickets_author_created", "author_id", "created_at"),
    )
    security_type = "ticket"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    subject: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="SET NULL"))
    contact_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    # A requester who is not (yet) a contact of ours.
    requester_name: Mapped[str] = mapped_column(sa.String(200), default="")
    requester_email: Mapped[str] = mapped_column(sa.String(254), default="", index=True)
    requester_phone: Mapped[str] = mapped_column(sa.String(50), default="")
    channel: Mapped[str] = mapped_column(sa.String(20), default="portal")
    category: Mapped[str] = mapped_column(sa.String(100), default="")
    priority: Mapped[int] = mapped_column(sa.SmallInteger, default=1)
    queue_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket_queues.id"))
    # The queue's department (what department scope means for agents).
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id"))
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # Workflow state (workflows/ticket.py).
    state: Mapped[str] = mapped_column(sa.String(24), default="new")
    tags: Mapped[list] = mapped_column(sa.JSON, default=list)
    duplicate_of_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    search_text: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_response_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # SLA: the targets as instants (recomputed on every change of policy, pause or state).
    first_response_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolution_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # When the warning of each clock is due (the policy's share of the target used).
    first_response_warn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolution_warn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The next instant `portal tick` has something to say about the ticket (a warning or a
    # breach not yet said); empty when nothing is pending. The tick reads only these rows.
    sla_next_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    # The order of the open lists: the nearest target still running (the first response until
    # it is made, then the resolution), else ten years after creation (no target: after all
    # that have one, oldest first); empty once the ticket is resolved, closed or cancelled.
    urgent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Since when the clocks stand still (the open pause's start); empty while they run.
    paused_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Which computation of the targets the alerts were said for (bumped when they change).
    sla_version: Mapped[int] = mapped_column(default=0)
    # Satisfaction: a secret link's hash, then the score (1-5) and comment, once.
    rating_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    rating: Mapped[int | None] = mapped_column(sa.SmallInteger)
    rating_comment: Mapped[str] = mapped_column(sa.Text, default="")
    rated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    queue: Mapped[Queue] = relationship()
    department: Mapped[Department] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    organization: Mapped[Organization | None] = relationship()
    contact: Mapped[Contact | None] = relationship()
    duplicate_of: Mapped[Ticket | None] = relationship(remote_side=[id])
    watchers: Mapped[list[TicketWatcher]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan", order_by="TicketWatcher.id")
    pauses: Mapped[list[TicketPause]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan", order_by="TicketPause.id")

    def set_subject(self, subject: str) -> None:
        self.subject = subject
        self.search_text = fold(" ".join(filter(None, (
            self.number, subject, self.requester_name, self.requester_email))))

    @property
    def is_open(self) -> bool:
        return (self.state or "new") in OPEN_STATES

    @property
    def priority_name(self) -> str:
        return PRIORITIES.get(self.priority, "normal")

    @property
    def requester(self) -> str:
        if self.contact is not None:
            return self.contact.full_name
        return self.requester_name or self.requester_email or self.requester_phone

    def participant_ids(self) -> set[int]:
        """Colleagues who hear about the ticket: the assignee, the author and the watchers."""
        out = {w.user_id for w in self.watchers}
        out.update(u for u in (self.assignee_id, self.author_id) if u)
        return out

    # --- security: the ACL is portal/tickets/security.py's; these say whose the ticket is.
    def security_departments(self) -> list[int]:
        out = [self.department_id] if self.department_id else []
        org = self.organization
        if org is not None and org.department_id and org.department_id not in out:
            out.append(org.department_id)
        return out

    def security_owners(self) -> list[int]:
        """The author, the assignee, the watchers and the client's responsible manager."""
        out = set(self.participant_ids())
        if self.organization is not None and self.organization.manager_id:
            out.add(self.organization.manager_id)
        return sorted(out)

    @classmethod
    def sql_in_departments(cls, ids):
        return sa.or_(cls.department_id.in_(ids), cls.organization_id.in_(
            sa.select(Organization.id).where(Organization.department_id.in_(ids))))

    @classmethod
    def sql_owned_by(cls, user_id: int):
        return sa.or_(
            cls.author_id == user_id,
            cls.assignee_id == user_id,
            cls.id.in_(sa.select(TicketWatcher.ticket_id).where(TicketWatcher.user_id == user_id)),
            cls.organization_id.in_(
                sa.select(Organization.id).where(Organization.manager_id == user_id)),
        )

    def __repr__(self) -> str:
        return f"<Ticket {self.number} {self.subject!r}>"


NO_TARGET = dt.timedelta(days=3650)


def ticket_document(ticket: Ticket) -> tuple[str, str]:
    """What tickets are found by: their number and subject, then who asked."""
    return (search.text_of(ticket.number, ticket.subject),
            search.text_of(ticket.requester_name, ticket.requester_email))


def includeme(config) -> None:
    # Kind code 12 in the shared search index (models/search/); rewritten only when these
    # change, not on every change of state or target.
    search.register(config, "ticket", Ticket, ticket_document, code=12,
                    fields=("number", "subject", "requester_name", "requester_email"))


class TicketWatcher(Base):
    __tablename__ = "ticket_watchers"
    __versioned__: dict = {}
    __table_args__ = (sa.UniqueConstraint("ticket_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)

    ticket: Mapped[Ticket] = relationship(back_populates="watchers")
    user: Mapped[User] = relationship()


class TicketPause(Base):
    """A time the SLA clock stood still (waiting for the customer); `ended_at` empty: now."""

    __tablename__ = "ticket_pauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    ticket: Mapped[Ticket] = relationship(back_populates="pauses")


class TicketMessage(Base):
    """One entry of the conversation: a reply to the requester ("reply"), an internal note
    ("note", never shown or sent to the requester), a message from the requester ("incoming"),
    or a change told in words ("change")."""

    __tablename__ = "ticket_messages"
    __versioned__: dict = {}
    __table_args__ = (sa.Index("ix_ticket_messages_ticket_created", "ticket_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(10), default="reply")
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    from_name: Mapped[str] = mapped_column(sa.String(200), default="")
    from_email: Mapped[str] = mapped_column(sa.String(254), default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    # The e-mail's Message-ID (incoming, or ours when sent): an e-mail is taken in once.
    message_id: Mapped[str | None] = mapped_column(sa.String(300), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship()
    attachments: Mapped[list[TicketAttachment]] = relationship(
        back_populates="message", order_by="TicketAttachment.id")


class TicketAttachment(Base):
    """A file of a ticket (from a message or added on the page), stored once by content."""

    __tablename__ = "ticket_attachments"
    __versioned__: dict = {}

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ticket_messages.id", ondelete="SET NULL"), index=True)
    uploader_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(100), default="application/octet-stream")
    size: Mapped[int] = mapped_column(sa.Integer, default=0)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    message: Mapped[TicketMessage | None] = relationship(back_populates="attachments")


class TicketSlaAlert(Base):
    """An SLA warning or breach said about a ticket: once per clock, stage and computation of
    the targets (a unique row claims it, so two ticks never say it twice)."""

    __tablename__ = "ticket_sla_alerts"
    __table_args__ = (sa.UniqueConstraint("ticket_id", "clock", "stage", "sla_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"))
    # "first_response" or "resolution"
    clock: Mapped[str] = mapped_column(sa.String(20))
    stage: Mapped[int] = mapped_column(sa.SmallInteger)
    sla_version: Mapped[int] = mapped_column(default=0)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CannedResponse(Base):
    """A ready answer agents insert into a reply (for one queue, or for all)."""

    __tablename__ = "ticket_canned_responses"
    __versioned__: dict = {}

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    queue_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ticket_queues.id", ondelete="CASCADE"))
    active: Mapped[bool] = mapped_column(default=True)


class IntakeAttempt(Base):
    """A submission of the public web form, counted per address for its rate limit."""

    __tablename__ = "ticket_intake_attempts"
    __table_args__ = (sa.Index("ix_ticket_intake_attempts_addr_at", "remote_addr", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    remote_addr: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
