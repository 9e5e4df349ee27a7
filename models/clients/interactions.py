"""Interactions with clients (calls, meetings, e-mails, faxes, letters, visits), their call
attempts, and the flush hook that keeps the security columns of contacts and interactions in
step with their organization (installed by models.clients' includeme).

An interaction belongs to `department_id` (its organization's, else its contact's, else the
responsible person's) and is owned by its author and its responsible person; its ACL is bound
by portal/interactions' includeme (`ROW_ACL`).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

import models.search as search
from models.clients.organizations import Classifier, Contact, Organization
from models.meta import Base, UTCDateTime, utcnow
from models.people import Department, Membership, User


class Interaction(Base):
    """A call, meeting, e-mail, fax, letter or visit: planned (done_at NULL) or done.

    `planned_at` is always set (a call logged as it happens is planned and done at once), so
    "My day" is `responsible_id = me AND done_at IS NULL AND planned_at < tomorrow`, and the
    client timeline is ordered by `planned_at`. `parent_id` chains follow-ups to the
    interaction whose result planned them.
    """

    __tablename__ = "interactions"
    __versioned__: dict = {}
    security_type = "interaction"
    __table_args__ = (
        # My day and the "mine" tab: to do (done_at NULL) by time; `kind` makes My day's
        # counts by kind index-only.
        sa.Index("ix_interactions_responsible_day", "responsible_id", "done_at", "planned_at",
                 "kind"),
        # The client card's and the contact page's timeline: planned by time, done by done_at.
        sa.Index("ix_interactions_organization_day", "organization_id", "done_at", "planned_at"),
        sa.Index("ix_interactions_contact_day", "contact_id", "done_at", "planned_at"),
        # The "all I may see" tab: what is to do by time, what is done newest first. Partial
        # indexes: one on (done_at, planned_at) would make SQLite believe that few rows have
        # done_at NULL (its statistics count rows per value) and walk every open interaction
        # of everyone for a query about one person or department.
        sa.Index("ix_interactions_open_time", "planned_at",
                 sqlite_where=sa.text("done_at IS NULL"),
                 postgresql_where=sa.text("done_at IS NULL")),
        # ... and the activity report's "done in the period", grouped by organization,
        # person or kind without reading the rows.
        sa.Index("ix_interactions_done_time", "done_at", "organization_id", "responsible_id",
                 "kind", sqlite_where=sa.text("done_at IS NOT NULL"),
                 postgresql_where=sa.text("done_at IS NOT NULL")),
        # The activity report: a period's planned interactions, grouped likewise, whether
        # done, from the index alone.
        sa.Index("ix_interactions_planned_time", "planned_at", "organization_id",
                 "responsible_id", "kind", "done_at"),
        sa.Index("ix_interactions_department_time", "department_id", "planned_at"),
        # "All I may see" for someone with a department's scope: the department's to do by
        # time, its done newest first (partial, as below).
        sa.Index("ix_interactions_department_open", "department_id", "planned_at",
                 sqlite_where=sa.text("done_at IS NULL"),
                 postgresql_where=sa.text("done_at IS NULL")),
        sa.Index("ix_interactions_department_done", "department_id", "done_at",
                 sqlite_where=sa.text("done_at IS NOT NULL"),
                 postgresql_where=sa.text("done_at IS NOT NULL")),
        # The "planned by me for others" tab.
        sa.Index("ix_interactions_author_day", "author_id", "done_at", "planned_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20), default="call")
    direction: Mapped[str] = mapped_column(sa.String(10), default="out")
    planned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    organization_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id"))
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contacts.id"))
    subject: Mapped[str] = mapped_column(sa.String(300), default="")
    text: Mapped[str] = mapped_column(sa.Text, default="")
    # Who wrote it down, and who must do it (a secretary plans a call for a sales manager).
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    responsible_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # The organization's department if any, else the responsible person's (security scope).
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"))
    result_id: Mapped[int | None] = mapped_column(sa.ForeignKey("classifiers.id"), index=True)
    result_text: Mapped[str] = mapped_column(sa.Text, default="")
    color: Mapped[str] = mapped_column(sa.String(20), default="")
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("interactions.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    organization: Mapped[Organization | None] = relationship()
    contact: Mapped[Contact | None] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    responsible: Mapped[User | None] = relationship(foreign_keys=[responsible_id])
    department: Mapped[Department | None] = relationship(foreign_keys=[department_id])
    result: Mapped[Classifier | None] = relationship()
    parent: Mapped[Interaction | None] = relationship(remote_side=[id], back_populates="follow_ups")
    follow_ups: Mapped[list[Interaction]] = relationship(back_populates="parent",
                                                         order_by="Interaction.planned_at")
    # Every call attempt, oldest first (today's counts: portal.interactions.rules.attempt_counts).
    attempts: Mapped[list[InteractionAttempt]] = relationship(
        back_populates="interaction", order_by="InteractionAttempt.at, InteractionAttempt.id",
        cascade="all, delete-orphan", passive_deletes=True)

    @property
    def done(self) -> bool:
        return self.done_at is not None

    def security_departments(self) -> list[int]:
        return [self.department_id] if self.department_id else []

    def security_owners(self) -> list[int]:
        return sorted({u for u in (self.author_id, self.responsible_id) if u})

    @classmethod
    def sql_in_departments(cls, ids):
        return cls.department_id.in_(ids)

    @classmethod
    def sql_owned_by(cls, user_id: int):
        return sa.or_(cls.responsible_id == user_id, cls.author_id == user_id)

    def __repr__(self) -> str:
        return f"<Interaction {self.id} {self.kind}>"


class InteractionAttempt(Base):
    """One attempt to get through on a call: no answer, could not talk, or talked; who, when.

    The counters people see ("no answer: 2") are today's, in their time zone; the rows stay,
    so the interaction's page and the client's timeline show every attempt of every day.
    Written once and never changed: an attempt is its own record of who did what when.
    """

    __tablename__ = "interaction_attempts"
    __table_args__ = (sa.Index("ix_interaction_attempts_interaction_at", "interaction_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interaction_id: Mapped[int] = mapped_column(
        sa.ForeignKey("interactions.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # models.clients.ATTEMPT_OUTCOMES
    outcome: Mapped[str] = mapped_column(sa.String(20))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    interaction: Mapped[Interaction] = relationship(back_populates="attempts")
    user: Mapped[User | None] = relationship()



# --- invariants kept on every flush -----------------------------------------------------------

def install_listeners() -> None:
    """Keep the security columns in step on every session's flush (once per process;
    models.clients' includeme calls it)."""
    if not event.contains(Session, "before_flush", _keep_security_in_step):
        event.listen(Session, "before_flush", _keep_security_in_step)


def _keep_security_in_step(session, flush_context, instances) -> None:
    """Contacts follow their organization's department and manager; interactions get a department.

    A contact of an organization is visible and editable exactly like the organization, so its
    security columns are copies; an interaction belongs to its organization's department, else
    to the responsible person's (first) department.
    """
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Organization):
            if obj in session.new or search.changed(obj, "department_id", "manager_id",
                                                    "department", "manager"):
                for contact in obj.contacts:
                    _copy_security(contact, obj)
        elif isinstance(obj, Contact):
            org = obj.organization
            if obj.organization_id is not None and (org is None or org.id != obj.organization_id) \
                    and search.changed(obj, "organization_id"):
                org = session.get(Organization, obj.organization_id)
            if org is not None:
                _copy_security(obj, org)
        elif isinstance(obj, Interaction) and obj.department_id is None:
            obj.department_id = interaction_department(session, obj)


def _copy_security(contact: Contact, org: Organization) -> None:
    # The relationship may be set before its foreign key is (org.manager = someone).
    department_id = org.department.id if org.department is not None else org.department_id
    manager_id = org.manager.id if org.manager is not None else org.manager_id
    if contact.department_id != department_id:
        contact.department_id = department_id
    if contact.manager_id != manager_id:
        contact.manager_id = manager_id


def interaction_department(session, interaction: Interaction) -> int | None:
    """The department an interaction belongs to: its organization's, else its contact's, else
    the responsible person's (or the author's) first department."""
    org = interaction.organization
    if org is None and interaction.organization_id is not None:
        org = session.get(Organization, interaction.organization_id)
    if org is not None and org.department_id is not None:
        return org.department_id
    contact = interaction.contact
    if contact is None and interaction.contact_id is not None:
        contact = session.get(Contact, interaction.contact_id)
    if contact is not None and contact.department_id is not None:
        return contact.department_id
    user_id = interaction.responsible_id or (interaction.responsible.id
                                             if interaction.responsible else None)
    user_id = user_id or interaction.author_id or (interaction.author.id
                                                   if interaction.author else None)
    if user_id is None:
        return None
    with session.no_autoflush:
        return session.scalar(sa.select(Membership.department_id)
                              .where(Membership.user_id == user_id)
                              .order_by(Membership.id).limit(1))
