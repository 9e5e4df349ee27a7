"""Service scheduling (issue 13): the service catalog, resources (technicians and equipment) with
skills, territories, groups and crews, working hours and time off; service jobs (work orders)
with their services, required skills, time window, assignments and history of reschedules.

A job is scheduled for one stretch [starts_at, ends_at) on one or more resources (a technician
and a vehicle; a crew of two). The stretch of each assigned resource is a row of
`resource_bookings` (models/booking.py: resource "resource:<id>", holder "job:<id>"), whose
database guard refuses two jobs of one resource that overlap — an exclusion constraint on
PostgreSQL, a trigger inside the write on SQLite — so two dispatchers acting at the same instant
cannot double-book, whatever the checks before the write saw.

Security (ROLES.md, "The coming areas"): a job belongs to its department (the service team that
does it) and to its client's department (the sales team sees its clients' jobs); own scope
means a technician assigned to it. A resource belongs to its department (resource.manage).

Times are UTC; a resource's working week is a business-hours calendar in its own time zone
(portal/tickets/hours.py's data).
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
RESOURCE_KINDS = ("technician", "equipment")
GROUP_KINDS = ("group", "crew")
STATES = ("unscheduled", "scheduled", "dispatched", "in_progress", "completed", "on_hold",
          "cancelled")
# A job in these states holds its resources (its bookings exist); the others hold nothing.
BOOKED_STATES = ("scheduled", "dispatched", "in_progress", "completed")
OPEN_STATES = ("unscheduled", "scheduled", "dispatched", "in_progress", "on_hold")
# Time off: a holiday or sick leave of a person, or a vehicle in repair (unavailability).
TIME_OFF_KINDS = ("time_off", "sick", "training", "unavailable")
DEFAULT_ZONE = "Europe/Moscow"


def resource_key(resource_id: int) -> str:
    """The resource's name in `resource_bookings`."""
    return f"resource:{resource_id}"


def job_key(job_id: int) -> str:
    """A job's name as the holder of its bookings."""
    return f"job:{job_id}"


class Territory(Base):
    """An area the service covers (a district, a city); jobs and resources have one."""

    __tablename__ = "dispatch_territories"
    __versioned__: dict = {}

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<Territory {self.id} {self.name!r}>"


class Skill(Base):
    """Something a technician can do (gas boilers, electrics), with a level 1-5 each."""

    __tablename__ = "dispatch_skills"
    __versioned__: dict = {}

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    # Whether holding it needs a certificate with an expiry date.
    certified: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<Skill {self.id} {self.name!r}>"


class ResourceGroup(Base):
    """Rows of the board grouped together (a team); a crew is booked as a whole."""

    __tablename__ = "dispatch_groups"
    __versioned__: dict = {}

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(10), default="group")
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"))
    active: Mapped[bool] = mapped_column(default=True)

    department: Mapped[Department | None] = relationship()
    members: Mapped[list[Resource]] = relationship(back_populates="group", order_by="Resource.name")


class Resource(Base):
    """A row of the board: a technician (an employee) or a piece of equipment (a vehicle, an
    instrument), with its working week, skills and time off."""

    __tablename__ = "dispatch_resources"
    __versioned__: dict = {}
    __table_args__ = (
        sa.CheckConstraint("kind IN ('technician', 'equipment')", name="kind"),
        sa.CheckConstraint("kind = 'equipment' OR user_id IS NOT NULL", name="technician_user"),
        sa.Index("ix_dispatch_resources_user", "user_id", unique=True,
                 sqlite_where=sa.text("user_id IS NOT NULL"),
                 postgresql_where=sa.text("user_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(12), default="technician")
    name: Mapped[str] = mapped_column(sa.String(200))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # Equipment: its type (what a service needs: "van", "lift", "analyser").
    equipment_type: Mapped[str] = mapped_column(sa.String(100), default="")
    group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("dispatch_groups.id", ondelete="SET NULL"), index=True)
    territory_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("dispatch_territories.id", ondelete="SET NULL"), index=True)
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    # The working week: portal/tickets/hours.py's calendar data ({"zone", "week", "holidays"});
    # empty: the resource has no working hours (nothing can be planned within them).
    hours: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    active: Mapped[bool] = mapped_column(default=True)
    search_text: Mapped[str] = mapped_column(sa.Text, default="")

    user: Mapped[User | None] = relationship()
    group: Mapped[ResourceGroup | None] = relationship(back_populates="members")
    territory: Mapped[Territory | None] = relationship()
    department: Mapped[Department | None] = relationship()
    skills: Mapped[list[ResourceSkill]] = relationship(
        back_populates="resource", cascade="all, delete-orphan", order_by="ResourceSkill.id")

    @property
    def key(self) -> str:
        return resource_key(self.id)

    def set_name(self, name: str) -> None:
        self.name = name
        self.search_text = fold(" ".join(filter(None, (name, self.equipment_type))))

    # --- security (resource.view / resource.manage)
    security_type = "resource"

    def security_departments(self) -> list[int]:
        return [self.department_id] if self.department_id else []

    def security_owners(self) -> list[int]:
        return [self.user_id] if self.user_id else []

    @classmethod
    def sql_in_departments(cls, ids):
        return cls.department_id.in_(ids)

    @classmethod
    def sql_owned_by(cls, user_id: int):
        return cls.user_id == user_id

    def __repr__(self) -> str:
        return f"<Resource {self.id} {self.kind} {self.name!r}>"


class ResourceSkill(Base):
    """A technician's skill: level 1-5 and, for a certified skill, until when it is valid."""

    __tablename__ = "dispatch_resource_skills"
    __versioned__: dict = {}
    __table_args__ = (
        sa.UniqueConstraint("resource_id", "skill_id"),
        sa.CheckConstraint("level BETWEEN 1 AND 5", name="level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(
        sa.ForeignKey("dispatch_resources.id", ondelete="CASCADE"))
    skill_id: Mapped[int] = mapped_column(
        sa.ForeignKey("dispatch_skills.id", ondelete="CASCADE"), index=True)
    level: Mapped[int] = mapped_column(sa.SmallInteger, default=1)
    certificate_expires: Mapped[dt.date | None] = mapped_column(sa.Date)

    resource: Mapped[Resource] = relationship(back_populates="skills")
    skill: Mapped[Skill] = relationship()

    def valid_on(self, day: dt.date) -> bool:
        """Whether the certificate (if the skill needs one) still holds on `day`."""
        return self.certificate_expires is None or self.certificate_expires >= day


class TimeOff(Base):
    """A stretch when a resource cannot work (a holiday, sick leave, a vehicle in repair)."""

    __tablename__ = "dispatch_time_off"
    __versioned__: dict = {}
    __table_args__ = (
        sa.Index("ix_dispatch_time_off_resource", "resource_id", "starts_at"),
        sa.CheckConstraint("ends_at > starts_at", name="range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(
        sa.ForeignKey("dispatch_resources.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(16), default="time_off")
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(sa.String(500), default="")

    resource: Mapped[Resource] = relationship()


class Service(Base):
    """An entry of the service catalog: how long it takes, what it needs, what it costs."""

    __tablename__ = "dispatch_services"
    __versioned__: dict = {}

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    duration_minutes: Mapped[int] = mapped_column(default=60)
    # The type of equipment it needs ("" for none), e.g. "van".
    equipment_type: Mapped[str] = mapped_column(sa.String(100), default="")
    price: Mapped[float] = mapped_column(sa.Numeric(12, 2), default=0)
    active: Mapped[bool] = mapped_column(default=True)

    skills: Mapped[list[ServiceSkill]] = relationship(
        back_populates="service", cascade="all, delete-orphan", order_by="ServiceSkill.id")

    def __repr__(self) -> str:
        return f"<Service {self.id} {self.name!r}>"


class ServiceSkill(Base):
    """A skill a service needs, at least at `min_level`."""

    __tablename__ = "dispatch_service_skills"
    __versioned__: dict = {}
    __table_args__ = (sa.UniqueConstraint("service_id", "skill_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(
        sa.ForeignKey("dispatch_services.id", ondelete="CASCADE"))
    skill_id: Mapped[int] = mapped_column(sa.ForeignKey("dispatch_skills.id", ondelete="CASCADE"))
    min_level: Mapped[int] = mapped_column(sa.SmallInteger, default=1)

    service: Mapped[Service] = relationship(back_populates="skills")
    skill: Mapped[Skill] = relationship()


class JobCounter(Base):
    """The last number given to a job in a year (J-2026-000123): taken by one atomic UPDATE."""

    __tablename__ = "dispatch_job_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


class Job(Base):
    """A service job (work order): where, for whom, what, when it may happen, and — once
    scheduled — when it happens and on which resources."""

    __tablename__ = "dispatch_jobs"
    __versioned__: dict = {}
    __table_args__ = (
        sa.Index("ix_dispatch_jobs_state", "state", "priority"),
        sa.Index("ix_dispatch_jobs_starts", "starts_at"),
        sa.Index("ix_dispatch_jobs_ticket", "ticket_id"),
        sa.CheckConstraint("duration_minutes > 0", name="duration"),
        sa.CheckConstraint("ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at",
                           name="range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="SET NULL"), index=True)
    contact_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contacts.id", ondelete="SET NULL"))
    site_address: Mapped[str] = mapped_column(sa.String(500), default="")
    territory_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("dispatch_territories.id", ondelete="SET NULL"), index=True)
    # The service team that does the job (department scope of job.*).
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    ticket_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id", ondelete="SET NULL"))
    priority: Mapped[int] = mapped_column(sa.SmallInteger, default=1)
    duration_minutes: Mapped[int] = mapped_column(default=60)
    # How many technicians it needs (a crew of two), and a type of equipment ("" for none).
    technicians_needed: Mapped[int] = mapped_column(sa.SmallInteger, default=1)
    equipment_type: Mapped[str] = mapped_column(sa.String(100), default="")
    # The time window agreed with the client: not before, done by.
    earliest_start: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    latest_finish: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Workflow state (workflows/job.py).
    state: Mapped[str] = mapped_column(sa.String(16), default="unscheduled")
    # The plan: empty while unscheduled.
    starts_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Why the dispatcher planned it outside working hours or over time off.
    override_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    # What happened on site.
    actual_start: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    actual_end: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    work_done: Mapped[str] = mapped_column(sa.Text, default="")
    parts_used: Mapped[str] = mapped_column(sa.Text, default="")
    signed_by: Mapped[str] = mapped_column(sa.String(200), default="")
    # Fixed on the first visit (False: another visit is needed).
    fixed_first_time: Mapped[bool | None] = mapped_column()
    # A skill taken from a technician (or a certificate expired) made the plan invalid.
    flagged: Mapped[str] = mapped_column(sa.String(500), default="")
    # Bumped by every change of plan: two dispatchers moving the same job — the second is told.
    revision: Mapped[int] = mapped_column(default=0)
    search_text: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization | None] = relationship()
    contact: Mapped[Contact | None] = relationship()
    territory: Mapped[Territory | None] = relationship()
    department: Mapped[Department] = relationship()
    author: Mapped[User | None] = relationship()
    services: Mapped[list[JobService]] = relationship(
        back_populates="job", cascade="all, delete-orphan", order_by="JobService.id")
    skills: Mapped[list[JobSkill]] = relationship(
        back_populates="job", cascade="all, delete-orphan", order_by="JobSkill.id")
    assignments: Mapped[list[JobAssignment]] = relationship(
        back_populates="job", cascade="all, delete-orphan", order_by="JobAssignment.id")

    @property
    def key(self) -> str:
        return job_key(self.id)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def priority_name(self) -> str:
        return PRIORITIES.get(self.priority, "normal")

    @property
    def resource_ids(self) -> list[int]:
        return [a.resource_id for a in self.assignments]

    def technician_user_ids(self) -> list[int]:
        return sorted({a.resource.user_id for a in self.assignments
                       if a.resource is not None and a.resource.user_id})

    def set_title(self, title: str) -> None:
        self.title = title
        self.search_text = fold(" ".join(filter(None, (self.number, title, self.site_address))))

    # --- security: the matrix for "job" (portal/dispatch/security.py binds the ACL).
    security_type = "job"

    def security_departments(self) -> list[int]:
        out = [self.department_id] if self.department_id else []
        org = self.organization
        if org is not None and org.department_id and org.department_id not in out:
            out.append(org.department_id)
        return out

    def security_owners(self) -> list[int]:
        """The technicians assigned to it."""
        return self.technician_user_ids()

    @classmethod
    def sql_in_departments(cls, ids):
        return sa.or_(cls.department_id.in_(ids), cls.organization_id.in_(
            sa.select(Organization.id).where(Organization.department_id.in_(ids))))

    @classmethod
    def sql_owned_by(cls, user_id: int):
        return cls.id.in_(
            sa.select(JobAssignment.job_id).join(Resource, Resource.id == JobAssignment.resource_id)
            .where(Resource.user_id == user_id))

    def __repr__(self) -> str:
        return f"<Job {self.number} {self.title!r}>"


class JobService(Base):
    """A service of the catalog done on a job."""

    __tablename__ = "dispatch_job_services"
    __table_args__ = (sa.UniqueConstraint("job_id", "service_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("dispatch_jobs.id", ondelete="CASCADE"))
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("dispatch_services.id"), index=True)
    quantity: Mapped[int] = mapped_column(default=1)

    job: Mapped[Job] = relationship(back_populates="services")
    service: Mapped[Service] = relationship()


class JobSkill(Base):
    """A skill the job needs, at least at `min_level` (its services' skills and any added)."""

    __tablename__ = "dispatch_job_skills"
    __table_args__ = (sa.UniqueConstraint("job_id", "skill_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("dispatch_jobs.id", ondelete="CASCADE"))
    skill_id: Mapped[int] = mapped_column(sa.ForeignKey("dispatch_skills.id"), index=True)
    min_level: Mapped[int] = mapped_column(sa.SmallInteger, default=1)

    job: Mapped[Job] = relationship(back_populates="skills")
    skill: Mapped[Skill] = relationship()


class JobAssignment(Base):
    """A resource a scheduled job is planned on (its booking is in `resource_bookings`)."""

    __tablename__ = "dispatch_job_assignments"
    __table_args__ = (sa.UniqueConstraint("job_id", "resource_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("dispatch_jobs.id", ondelete="CASCADE"))
    resource_id: Mapped[int] = mapped_column(
        sa.ForeignKey("dispatch_resources.id"), index=True)

    job: Mapped[Job] = relationship(back_populates="assignments")
    resource: Mapped[Resource] = relationship()


class JobChange(Base):
    """One change of a job's plan: scheduled, moved, reassigned, resized, unscheduled — who,
    when, from what to what, and why (an override's reason)."""

    __tablename__ = "dispatch_job_changes"
    __table_args__ = (sa.Index("ix_dispatch_job_changes_job", "job_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("dispatch_jobs.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # "schedule", "move", "unschedule", "state"
    action: Mapped[str] = mapped_column(sa.String(16))
    old_starts_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    old_ends_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    old_resources: Mapped[list] = mapped_column(sa.JSON, default=list)
    new_starts_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    new_ends_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    new_resources: Mapped[list] = mapped_column(sa.JSON, default=list)
    reason: Mapped[str] = mapped_column(sa.String(500), default="")

    actor: Mapped[User | None] = relationship()


def job_document(job: Job) -> tuple[str, str]:
    """What jobs are found by: number and title, then the address."""
    return search.text_of(job.number, job.title), search.text_of(job.site_address)


def includeme(config) -> None:
    # Kind code 13 in the shared search index (models/search/).
    search.register(config, "job", Job, job_document, code=13,
                    fields=("number", "title", "site_address"))
