"""Client records: organizations, contact persons, interactions, classifiers (issue 3).

Business rules (validation, normalisation, duplicates, merge) live in portal/clients/rules.py; the
labels shown to people for the codes below live there too (`portal.clients.rules.LABELS`).

Security (portal/security/policy.py): organizations and contacts belong to their `department_id` and
are owned by their responsible `manager_id`; a contact of an organization mirrors that
organization's department and manager (kept in step by `portal.clients.rules.sync_contacts`).
Interactions belong to `department_id` and are owned by their author and responsible person.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, validates

from models import search
from models.meta import Base, UTCDateTime, utcnow
from models.people import Department, User, digits, fold

# --- codes (labels: portal.clients.rules.LABELS) ----------------------------------------------------

ORGANIZATION_KINDS = ("client", "prospect", "supplier", "partner", "agency")
STAGES = ("attraction", "interest", "evaluation", "purchase", "loyalty")
DECISION_LEVELS = ("decision_maker", "influencer", "user", "other")
PHONE_KINDS = ("work", "mobile", "fax", "home", "other")
EMAIL_KINDS = ("work", "personal", "billing", "other")
ADDRESS_KINDS = ("legal", "actual", "postal", "delivery")
INTERACTION_KINDS = ("call", "meeting", "email", "fax", "letter", "visit")
ATTEMPT_OUTCOMES = ("no_answer", "could_not_talk", "talked")
DIRECTIONS = ("out", "in")
COLORS = ("", "red", "orange", "yellow", "green", "blue", "purple")
# Admin-editable lists (Classifier.list); seeded from config/classifiers.yaml.
CLASSIFIER_LISTS = ("industry", "region", "group", "category", "source", "interaction_result")
# Organization column of each list that an organization carries.
ORGANIZATION_CLASSIFIERS = {"industry": "industry_id", "region": "region_id", "group": "group_id",
                            "category": "category_id", "source": "source_id"}

LEGAL_FORMS = re.compile(
    r"\b(ооо|оао|зао|пао|ао|нао|ип|тоо|чп|нко|ано|муп|гуп|фгуп|llc|ltd|inc|gmbh|corp|co)\b")


def name_key(name: str | None) -> str:
    """A company name folded for duplicate search: no legal form, quotes or punctuation.

    «ООО "Ромашка"», "Ромашка, ООО" and "ромашка" share the key "ромашка".
    """
    text = LEGAL_FORMS.sub(" ", fold(name))
    text = re.sub(r"[^\w]+", " ", text)
    return " ".join(text.split())[:300]


PHONE_EXTENSION_RE = re.compile(r"(?:доб|ext|вн|x)\.?\s*(\d{1,6})\s*$", re.IGNORECASE)


def normalize_phone(text: str | None) -> str:
    """Digits of a phone number, Russian numbers as 7XXXXXXXXXX ("8 (495) 123-45-67" → 74951234567).

    An extension at the end ("доб. 12", "ext 12") is not part of it.
    """
    d = digits(PHONE_EXTENSION_RE.sub("", text or ""))
    if len(d) == 11 and d[0] == "8":
        d = "7" + d[1:]
    elif len(d) == 10 and d[0] in "3489":
        d = "7" + d
    return d[:20]


def phone_search_terms(normalized: str) -> list[str]:
    """The number whole, without the country code and as its last 7 digits (how people type it)."""
    out = [normalized]
    if len(normalized) > 10:
        out.append(normalized[-10:])
    if len(normalized) > 7:
        out.append(normalized[-7:])
    return out


def month_day(value: dt.date | None) -> int | None:
    """Month * 100 + day, so "dates in the next N days" is one indexed range query."""
    return value.month * 100 + value.day if value else None


class Classifier(Base):
    """One entry of an admin-editable list (industry, region, group, category, source, result)."""

    __tablename__ = "classifiers"
    __versioned__: dict = {}
    __table_args__ = (sa.UniqueConstraint("list", "title"),
                      sa.Index("ix_classifiers_list_order", "list", "sort_order"))

    id: Mapped[int] = mapped_column(primary_key=True)
    list: Mapped[str] = mapped_column(sa.String(40))
    # Stable key of a seeded entry (config/classifiers.yaml); "" for entries admins add.
    code: Mapped[str] = mapped_column(sa.String(60), default="")
    title: Mapped[str] = mapped_column(sa.String(200))
    sort_order: Mapped[int] = mapped_column(default=0)
    # Retired entries stay on the rows that use them but are no longer offered.
    active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<Classifier {self.list}:{self.title}>"


class ManagedRow:
    """Security of a client record: the rows of its department, owned by its responsible
    manager (DESIGN.md §5); the same rules as an ACL and as SQL."""

    def __acl__(self):
        from portal.security.policy import row_acl
        return row_acl(self)

    def security_departments(self) -> list[int]:
        return [self.department_id] if self.department_id else []

    def security_owners(self) -> list[int]:
        return [self.manager_id] if self.manager_id else []

    @classmethod
    def sql_in_departments(cls, ids):
        return cls.department_id.in_(ids)

    @classmethod
    def sql_owned_by(cls, user_id: int):
        return cls.manager_id == user_id


class Organization(ManagedRow, Base):
    """A counterparty: client, prospect, supplier, partner or advertising agency."""

    __tablename__ = "organizations"
    __versioned__: dict = {}
    security_type = "organization"
    __table_args__ = (
        # Lists are sorted by name_key within these filters.
        sa.Index("ix_organizations_manager_name", "manager_id", "name_key"),
        sa.Index("ix_organizations_department_name", "department_id", "name_key"),
        sa.Index("ix_organizations_stage_name", "stage", "name_key"),
        sa.Index("ix_organizations_kind_name", "kind", "name_key"),
        # Filtered by kind and stage, recently changed first: the page, its count and the
        # department/manager of the security filter, all read from the index.
        sa.Index("ix_organizations_kind_stage_updated", "kind", "stage", "updated_at", "id",
                 "department_id", "manager_id"),
        # One organization per INN, held by the database too (two saves at once); an unknown
        # INN ("") may repeat. ix_organizations_inn stays for lookups: SQLite uses a partial
        # index only when the query repeats its condition.
        sa.Index("uq_organizations_inn", "inn", unique=True,
                 sqlite_where=sa.text("inn != ''"), postgresql_where=sa.text("inn != ''")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    legal_name: Mapped[str] = mapped_column(sa.String(500), default="")
    # Folded name without legal form (name_key()): duplicate search and similar names.
    name_key: Mapped[str] = mapped_column(sa.String(300), default="", index=True)
    # INN: 10 digits (company) or 12 (individual entrepreneur); "" when unknown.
    inn: Mapped[str] = mapped_column(sa.String(12), default="", index=True)
    kpp: Mapped[str] = mapped_column(sa.String(9), default="")
    kind: Mapped[str] = mapped_column(sa.String(20), default="client")
    stage: Mapped[str] = mapped_column(sa.String(20), default="attraction")
    industry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("classifiers.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("classifiers.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("classifiers.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("classifiers.id"), index=True)
    source_id: Mapped[int | None] = mapped_column(sa.ForeignKey("classifiers.id"), index=True)
    manager_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"))
    # Terms: visible only with organization.view_terms.
    discount_percent: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    payment_deferral_days: Mapped[int | None] = mapped_column()
    credit_limit: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    # Expected purchases per year, in roubles.
    purchase_potential: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    website: Mapped[str] = mapped_column(sa.String(300), default="")
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    # Comma-separated, as typed ("vip, опт"); searchable.
    tags: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Optimistic locking: an UPDATE that finds another version raises StaleDataError.
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    industry: Mapped[Classifier | None] = relationship(foreign_keys=[industry_id])
    region: Mapped[Classifier | None] = relationship(foreign_keys=[region_id])
    group: Mapped[Classifier | None] = relationship(foreign_keys=[group_id])
    category: Mapped[Classifier | None] = relationship(foreign_keys=[category_id])
    source: Mapped[Classifier | None] = relationship(foreign_keys=[source_id])
    manager: Mapped[User | None] = relationship(foreign_keys=[manager_id])
    department: Mapped[Department | None] = relationship(foreign_keys=[department_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    phones: Mapped[list[Phone]] = relationship(
        back_populates="organization", cascade="all, delete-orphan", order_by="Phone.sort_order",
        foreign_keys="Phone.organization_id")
    emails: Mapped[list[Email]] = relationship(
        back_populates="organization", cascade="all, delete-orphan", order_by="Email.sort_order",
        foreign_keys="Email.organization_id")
    addresses: Mapped[list[Address]] = relationship(
        back_populates="organization", cascade="all, delete-orphan",
        order_by="Address.sort_order", foreign_keys="Address.organization_id")
    important_dates: Mapped[list[ImportantDate]] = relationship(
        back_populates="organization", cascade="all, delete-orphan",
        order_by="ImportantDate.md", foreign_keys="ImportantDate.organization_id")
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="organization", order_by="Contact.full_name")

    @validates("name")
    def _set_name(self, key, value):
        self.name_key = name_key(value)
        return value

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in (self.tags or "").split(",") if t.strip()]

    def __getitem__(self, key: str):
        """Traversal: /clients/{id}/contacts (portal/clients/resources.py)."""
        from portal.clients.resources import organization_children
        return organization_children(self, key)

    def __repr__(self) -> str:
        return f"<Organization {self.id} {self.name}>"


class Contact(ManagedRow, Base):
    """A contact person: of an organization, or a private person (organization_id NULL)."""

    __tablename__ = "contacts"
    __versioned__: dict = {}
    security_type = "contact"
    __table_args__ = (
        sa.Index("ix_contacts_organization_name", "organization_id", "full_name"),
        sa.Index("ix_contacts_department_name", "department_id", "full_name"),
        sa.Index("ix_contacts_manager_name", "manager_id", "full_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id"))
    full_name: Mapped[str] = mapped_column(sa.String(200), index=True)
    position: Mapped[str] = mapped_column(sa.String(200), default="")
    decision_level: Mapped[str] = mapped_column(sa.String(20), default="")
    birthday: Mapped[dt.date | None] = mapped_column(sa.Date)
    birth_md: Mapped[int | None] = mapped_column(index=True)
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    # Security: the organization's department and manager, or (private person) their own.
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"))
    manager_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    organization: Mapped[Organization | None] = relationship(back_populates="contacts")
    department: Mapped[Department | None] = relationship(foreign_keys=[department_id])
    manager: Mapped[User | None] = relationship(foreign_keys=[manager_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    phones: Mapped[list[Phone]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", order_by="Phone.sort_order",
        foreign_keys="Phone.contact_id")
    emails: Mapped[list[Email]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", order_by="Email.sort_order",
        foreign_keys="Email.contact_id")
    addresses: Mapped[list[Address]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", order_by="Address.sort_order",
        foreign_keys="Address.contact_id")
    important_dates: Mapped[list[ImportantDate]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", order_by="ImportantDate.md",
        foreign_keys="ImportantDate.contact_id")
    employments: Mapped[list[ContactEmployment]] = relationship(
        back_populates="contact", cascade="all, delete-orphan",
        order_by="ContactEmployment.started_on.desc(), ContactEmployment.id.desc()")

    @validates("birthday")
    def _set_birthday(self, key, value):
        self.birth_md = month_day(value)
        return value

    def __repr__(self) -> str:
        return f"<Contact {self.id} {self.full_name}>"


class ContactEmployment(Base):
    """Where a contact worked: one row per organization (the current one has no `ended_on`)."""

    __tablename__ = "contact_employments"
    __versioned__: dict = {}

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(sa.ForeignKey("contacts.id", ondelete="CASCADE"),
                                            index=True)
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="SET NULL"), index=True)
    # The name then: kept when the organization is renamed, merged away or deleted.
    organization_name: Mapped[str] = mapped_column(sa.String(300), default="")
    position: Mapped[str] = mapped_column(sa.String(200), default="")
    started_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    ended_on: Mapped[dt.date | None] = mapped_column(sa.Date)

    contact: Mapped[Contact] = relationship(back_populates="employments")
    organization: Mapped[Organization | None] = relationship()


class _OwnedByOrganizationOrContact:
    """Child rows that belong to exactly one organization or one contact."""

    @property
    def owner(self):
        return self.organization if self.organization_id or self.organization else self.contact


def _owner_check() -> sa.CheckConstraint:
    return sa.CheckConstraint(
        "(organization_id IS NULL) <> (contact_id IS NULL)", name="one_owner")


class Phone(_OwnedByOrganizationOrContact, Base):
    __tablename__ = "phones"
    __versioned__: dict = {}
    __table_args__ = (_owner_check(),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20), default="work")
    # As typed ("+7 (495) 123-45-67 доб. 12"), and digits only with 8→7 ("74951234567").
    number: Mapped[str] = mapped_column(sa.String(60))
    normalized: Mapped[str] = mapped_column(sa.String(20), default="", index=True)
    extension: Mapped[str] = mapped_column(sa.String(10), default="")
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    sort_order: Mapped[int] = mapped_column(default=0)

    organization: Mapped[Organization | None] = relationship(
        back_populates="phones", foreign_keys=[organization_id])
    contact: Mapped[Contact | None] = relationship(back_populates="phones",
                                                   foreign_keys=[contact_id])

    @validates("number")
    def _set_number(self, key, value):
        self.normalized = normalize_phone(value)
        return value


class Email(_OwnedByOrganizationOrContact, Base):
    __tablename__ = "emails"
    __versioned__: dict = {}
    __table_args__ = (_owner_check(),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20), default="work")
    address: Mapped[str] = mapped_column(sa.String(254))
    # Lower-case, trimmed: the duplicate-search key.
    normalized: Mapped[str] = mapped_column(sa.String(254), default="", index=True)
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    sort_order: Mapped[int] = mapped_column(default=0)

    organization: Mapped[Organization | None] = relationship(
        back_populates="emails", foreign_keys=[organization_id])
    contact: Mapped[Contact | None] = relationship(back_populates="emails",
                                                   foreign_keys=[contact_id])

    @validates("address")
    def _set_address(self, key, value):
        self.normalized = (value or "").strip().lower()
        return value


class Address(_OwnedByOrganizationOrContact, Base):
    __tablename__ = "addresses"
    __versioned__: dict = {}
    __table_args__ = (_owner_check(),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20), default="actual")
    postal_code: Mapped[str] = mapped_column(sa.String(10), default="")
    city: Mapped[str] = mapped_column(sa.String(120), default="")
    # The rest of the address, as written ("ул. Ленина, д. 5, офис 12").
    text: Mapped[str] = mapped_column(sa.String(500), default="")
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    sort_order: Mapped[int] = mapped_column(default=0)

    organization: Mapped[Organization | None] = relationship(
        back_populates="addresses", foreign_keys=[organization_id])
    contact: Mapped[Contact | None] = relationship(back_populates="addresses",
                                                   foreign_keys=[contact_id])

    @property
    def one_line(self) -> str:
        return ", ".join(p for p in (self.postal_code, self.city, self.text) if p)


class ImportantDate(_OwnedByOrganizationOrContact, Base):
    """A date to remember every year (founding day, a director's birthday) or once."""

    __tablename__ = "important_dates"
    __versioned__: dict = {}
    __table_args__ = (_owner_check(),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    date: Mapped[dt.date] = mapped_column(sa.Date)
    md: Mapped[int] = mapped_column(index=True, default=0)
    yearly: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str] = mapped_column(sa.String(300), default="")

    organization: Mapped[Organization | None] = relationship(
        back_populates="important_dates", foreign_keys=[organization_id])
    contact: Mapped[Contact | None] = relationship(back_populates="important_dates",
                                                   foreign_keys=[contact_id])

    @validates("date")
    def _set_date(self, key, value):
        self.md = month_day(value) or 0
        return value


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

    def __acl__(self):
        from portal.security.policy import row_acl
        return row_acl(self)

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


class ClientFile(Base):
    """A file on a client card: a contract, a price list, a scan... of an organization, and
    optionally about one of its contact persons. The content is in the shared store
    (portal/files/storage.py) under its `sha256`; the organization's permissions decide who may see
    (view), attach and delete (edit) it."""

    __tablename__ = "client_files"
    __versioned__: dict = {}
    __table_args__ = (sa.Index("ix_client_files_organization_at", "organization_id",
                               "uploaded_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship()
    contact: Mapped[Contact | None] = relationship()
    uploaded_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<ClientFile {self.id} {self.filename}>"


class ClientMerge(Base):
    """Two records merged into one: `merged_id` (deleted) now lives on as `kept_id`.

    The kept record's change history includes the merged one's (portal.audit.log).
    """

    __tablename__ = "client_merges"
    __table_args__ = (sa.Index("ix_client_merges_kind_kept", "kind", "kept_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # "organization" or "contact"
    kind: Mapped[str] = mapped_column(sa.String(20))
    kept_id: Mapped[int] = mapped_column()
    merged_id: Mapped[int] = mapped_column(index=True)
    merged_name: Mapped[str] = mapped_column(sa.String(300), default="")
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User | None] = relationship()


class SavedSegment(Base):
    """A named filter of a list, saved by one person (`query`: the list's query string)."""

    __tablename__ = "saved_segments"
    __table_args__ = (sa.UniqueConstraint("user_id", "area", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    # Which list: "organizations", "contacts", "interactions"...
    area: Mapped[str] = mapped_column(sa.String(40))
    name: Mapped[str] = mapped_column(sa.String(100))
    query: Mapped[str] = mapped_column(sa.String(2000), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class UserSetting(Base):
    """A person's setting by key, e.g. "clients.reminder_days" (portal.clients.rules.get_setting)."""

    __tablename__ = "user_settings"
    __table_args__ = (sa.UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(60))
    value: Mapped[str] = mapped_column(sa.String(500), default="")


class SentReminder(Base):
    """A reminder already delivered, so that `portal tick` sends each one once.

    `key` names what and when, e.g. "contact-birthday:42:2026" or "date:7:2026".
    """

    __tablename__ = "sent_reminders"
    __table_args__ = (sa.UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(120))
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class ClientImport(Base):
    """One import of organizations or contacts from a CSV/XLSX file: upload → map → preview → run.

    The uploaded file is kept under var/files/ (`file_path`); `mapping` and `report` are JSON.
    """

    __tablename__ = "client_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # "organizations" or "contacts"
    target: Mapped[str] = mapped_column(sa.String(20), default="organizations")
    file_name: Mapped[str] = mapped_column(sa.String(255), default="")
    file_path: Mapped[str] = mapped_column(sa.String(500), default="")
    # uploaded | mapped | done | failed
    state: Mapped[str] = mapped_column(sa.String(20), default="uploaded")
    # skip | update | create
    duplicates: Mapped[str] = mapped_column(sa.String(10), default="skip")
    mapping: Mapped[str] = mapped_column(sa.Text, default="{}")
    total_rows: Mapped[int] = mapped_column(default=0)
    created_count: Mapped[int] = mapped_column(default=0)
    updated_count: Mapped[int] = mapped_column(default=0)
    skipped_count: Mapped[int] = mapped_column(default=0)
    failed_count: Mapped[int] = mapped_column(default=0)
    report: Mapped[str] = mapped_column(sa.Text, default="[]")

    user: Mapped[User] = relationship()


# --- invariants kept on every flush -----------------------------------------------------------

@event.listens_for(Session, "before_flush")
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
    from models.people import Membership

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


# --- full-text search documents (models/search.py) ---------------------------------------------

def _contact_points(obj) -> list[str]:
    parts: list[str] = []
    for phone in obj.phones:
        # Digits only: as typed ("123-45-67") PostgreSQL would read "-45" as a number.
        parts.extend(phone_search_terms(phone.normalized))
    for email in obj.emails:
        # Whole, and word by word (PostgreSQL reads an address or a host name as one token).
        parts.extend((email.normalized, re.sub(r"[\W_]+", " ", email.normalized)))
    return parts


LEGAL_FORM_WORDS = {"ооо", "оао", "зао", "пао", "ао", "нао", "ип", "тоо", "чп", "нко", "ано",
                    "муп", "гуп", "фгуп", "llc", "ltd", "inc", "gmbh", "corp"}
search.NOISE_WORDS.update(LEGAL_FORM_WORDS)


def without_legal_form(name: str | None) -> str:
    """The name without "ООО", "АО"... (they match every other company: search noise)."""
    return " ".join(w for w in re.split(r"(\W+)", name or "")
                    if fold(w) not in LEGAL_FORM_WORDS).strip()


def organization_document(org: Organization) -> tuple[str, str]:
    """Name and legal name; tax ids, phones, e-mails, site, tags, cities, notes, contact names."""
    site = re.sub(r"^https?://(www\.)?", "", org.website or "")
    body = [org.inn, org.kpp, *_contact_points(org), site, re.sub(r"[\W_]+", " ", site), org.tags,
            *(a.city for a in org.addresses), org.notes,
            *(c.full_name for c in org.contacts)]
    title = search.text_of(without_legal_form(org.name), without_legal_form(org.legal_name))
    return title, search.text_of(*body)


def contact_document(contact: Contact) -> tuple[str, str]:
    """Name; position, phones, e-mails, organization, notes."""
    org = contact.organization
    body = [contact.position, *_contact_points(contact), org.name if org else "", contact.notes]
    return search.text_of(contact.full_name), search.text_of(*body)


def includeme(config) -> None:
    """Organizations and contacts in the shared search index, kept in step on flush."""
    search.register(config, "organization", Organization, organization_document, code=1)
    search.register(config, "contact", Contact, contact_document, code=2)
    for child in (Phone, Email, Address):
        search.touches(config, child, _owners_of_point)
    search.touches(config, Contact, lambda contact: search.owners(contact, "organization"))
    search.touches(config, Organization,
                   lambda org: list(org.contacts) if search.changed(org, "name") else [])


def _owners_of_point(row) -> list:
    """The organization or contact a phone, e-mail or address belongs to."""
    return search.owners(row, "organization", "contact")
