"""Organizations and contact persons, with their phones, e-mails, addresses, important dates,
jobs (where a contact worked), the admin-editable lists that classify them, and merges.

Security: an organization belongs to its `department_id` and is owned by its responsible
`manager_id`; a contact of an organization mirrors that organization's department and manager
(kept in step on flush by models/clients/interactions.py's hook). The ACL and the traversal
below a row are bound by portal/clients' includeme (`ROW_ACL`, `ROW_CHILDREN`).
"""
from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from sqlalchemy.orm.attributes import set_committed_value

from models.clients.codes import month_day, name_key, normalize_phone
from models.meta import Base, UTCDateTime, row_child, utcnow
from models.people import Department, User


class Classifier(Base):
    """One entry of an admin-editable list (industry, region, group, category, source, result)."""

    __tablename__ = "classifiers"
    # The shown titles follow the title (and the catalogs): not history of their own.
    __versioned__: dict = {"exclude": ["shown_en", "shown_ru"]}
    __table_args__ = (sa.UniqueConstraint("list", "title"),
                      sa.Index("ix_classifiers_list_order", "list", "sort_order"),
                      # One shown title per list, in each language, even when two admins add
                      # it at the same instant (portal/admin/classifiers.py fills the keys).
                      sa.Index("uq_classifiers_list_shown_en", "list", "shown_en", unique=True),
                      sa.Index("uq_classifiers_list_shown_ru", "list", "shown_ru", unique=True))

    id: Mapped[int] = mapped_column(primary_key=True)
    list: Mapped[str] = mapped_column(sa.String(40))
    # Stable key of a seeded entry (config/classifiers.yaml); "" for entries admins add.
    code: Mapped[str] = mapped_column(sa.String(60), default="")
    title: Mapped[str] = mapped_column(sa.String(200))
    sort_order: Mapped[int] = mapped_column(default=0)
    # Retired entries stay on the rows that use them but are no longer offered.
    active: Mapped[bool] = mapped_column(default=True)
    # The title as readers see it in English and in Russian (a built-in title is a message id:
    # "Moscow" reads «Москва»), folded (case, spaces); None when not yet known, or for an old
    # entry that repeats another one's shown title.
    shown_en: Mapped[str | None] = mapped_column(sa.String(200))
    shown_ru: Mapped[str | None] = mapped_column(sa.String(200))

    def __repr__(self) -> str:
        return f"<Classifier {self.list}:{self.title}>"


class ClassifierList(Base):
    """Settings of one admin-editable list: whether an organization must have an entry of it
    (a list without a row here is optional)."""

    __tablename__ = "classifier_lists"

    list: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    required: Mapped[bool] = mapped_column(default=False)


class ManagedRow:
    """Security of a client record: the rows of its department, owned by its responsible
    manager (DESIGN.md §5); the same rules as an ACL (Base.__acl__ asks the function its area
    bound) and as SQL."""

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
        # With the department: the list's count of what a sales manager may see (those of
        # their departments, and those they manage of others) is read from indexes alone.
        sa.Index("ix_organizations_manager_name", "manager_id", "name_key", "department_id"),
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
    # A client is lost (it left: the churn report) when `lost_on` is set; why: an entry of the
    # "client_lost_reason" list, and a note (issue 15, portal/sales/churn.py).
    lost_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    lost_reason_id: Mapped[int | None] = mapped_column(sa.ForeignKey("classifiers.id"))
    lost_note: Mapped[str] = mapped_column(sa.Text, default="")
    # Optimistic locking: an UPDATE that finds another version raises StaleDataError.
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    industry: Mapped[Classifier | None] = relationship(foreign_keys=[industry_id])
    region: Mapped[Classifier | None] = relationship(foreign_keys=[region_id])
    group: Mapped[Classifier | None] = relationship(foreign_keys=[group_id])
    category: Mapped[Classifier | None] = relationship(foreign_keys=[category_id])
    source: Mapped[Classifier | None] = relationship(foreign_keys=[source_id])
    lost_reason: Mapped[Classifier | None] = relationship(foreign_keys=[lost_reason_id])
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
        """Traversal: /clients/{id}/contacts (bound by portal/clients' includeme)."""
        return row_child(self, key)

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




CONTACT_POINTS = {"phones": (Phone, Phone.sort_order), "emails": (Email, Email.sort_order),
                  "addresses": (Address, Address.sort_order),
                  "important_dates": (ImportantDate, ImportantDate.md)}


def load_contact_points(dbsession, owners: list[Organization | Contact],
                        kinds=tuple(CONTACT_POINTS)) -> None:
    """Phones, e-mails, addresses and important dates (`kinds`) of several records at once: one
    statement per kind for all of them (a client card with its contact persons), set as
    loaded. Each statement reads the organizations' rows and the contacts' rows each through
    its own index."""
    orgs = {o.id: o for o in owners if isinstance(o, Organization)}
    contacts = {c.id: c for c in owners if isinstance(c, Contact)}
    if not orgs and not contacts:
        return
    params = {"orgs": list(orgs), "contacts": list(contacts)}
    for attr in kinds:
        by_org: dict[int, list] = {}
        by_contact: dict[int, list] = {}
        for row in dbsession.scalars(contact_points_statement(attr, bool(orgs), bool(contacts)),
                                     params):
            if row.organization_id:
                by_org.setdefault(row.organization_id, []).append(row)
            else:
                by_contact.setdefault(row.contact_id, []).append(row)
        for found, records in ((by_org, orgs), (by_contact, contacts)):
            for key, owner in records.items():
                set_committed_value(owner, attr, found.get(key, []))


@functools.cache
def contact_points_statement(attr: str, of_orgs: bool, of_contacts: bool) -> sa.Select:
    """The statement of `load_contact_points` for one kind and shape, built once: the ids come
    as the expanding parameters `orgs` and `contacts`, so the page pays only for executing it."""
    model, order = CONTACT_POINTS[attr]
    parts = [sa.select(model.id).where(column.in_(sa.bindparam(name, expanding=True)))
             for column, name, wanted in ((model.organization_id, "orgs", of_orgs),
                                          (model.contact_id, "contacts", of_contacts))
             if wanted]
    return sa.select(model).where(model.id.in_(
        sa.union_all(*parts) if len(parts) > 1 else parts[0])).order_by(order, model.id)


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
