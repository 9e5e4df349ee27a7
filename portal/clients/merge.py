"""Merging two organizations or two contacts into one, losing nothing (issue 3, point 7).

The kept record takes over the other's contacts, interactions, files, phones, e-mails,
addresses, important dates, employment history and the tasks and calendar events about it. For
each field where the two differ the user chooses whose value stays (by default the kept record's,
or the other's when the kept one is empty); phones, e-mails, addresses and tags are united. The
other is deleted and a `ClientMerge` row remembers it, so the kept record's change history
still shows the merged one's. Rows of later areas (tickets, deals...) that point at the merged
record are moved too: every foreign key to organizations.id / contacts.id is followed.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from models.calendar import Event
from models.clients import (
    ORGANIZATION_CLASSIFIERS,
    ClientFile,
    ClientMerge,
    Contact,
    ContactEmployment,
    Interaction,
    Organization,
)
from models.errors import UserError
from models.meta import Base
from models.tasks import Task
from portal.core.i18n import _

ORGANIZATION_FILL = ("legal_name", "inn", "kpp", "manager_id", "department_id", "discount_percent",
                     "payment_deferral_days", "credit_limit", "purchase_potential", "website",
                     *ORGANIZATION_CLASSIFIERS.values())
CONTACT_FILL = ("position", "decision_level", "birthday", "organization_id")
# Fields the merge page offers a choice for, in the order it shows them.
ORGANIZATION_CHOICES = ("name", "legal_name", "inn", "kpp", "kind", "stage", "manager_id",
                        "department_id", *ORGANIZATION_CLASSIFIERS.values(), "discount_percent",
                        "payment_deferral_days", "credit_limit", "purchase_potential", "website",
                        "notes")
TERMS = ("discount_percent", "payment_deferral_days", "credit_limit")
CONTACT_CHOICES = ("full_name", "organization_id", "position", "decision_level", "birthday",
                   "manager_id", "department_id", "notes")
KEEP, OTHER, BOTH = "keep", "other", "both"
# Task link type and event link type naming an organization / a contact (portal.tasks.client_links).
LINKS = {"organization": ("organization", "client"), "contact": ("contact", "contact")}
# Tables whose rows the functions below move through the ORM (so that they are audited).
HANDLED = {"contacts", "contact_employments", "interactions", "phones", "emails", "addresses",
           "important_dates", "client_files"}


class MergeProblem(UserError):
    """A merge or a move that cannot be done (a record with itself, a move to where they work)."""


def _fill(keep, other, names) -> None:
    for name in names:
        if getattr(keep, name) in (None, "") and getattr(other, name) not in (None, ""):
            setattr(keep, name, getattr(other, name))


def _empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def differing(keep, other, names) -> list[str]:
    """The fields among `names` whose values differ between the two records."""
    return [n for n in names if (getattr(keep, n) or None) != (getattr(other, n) or None)
            and not (_empty(getattr(keep, n)) and _empty(getattr(other, n)))]


def default_choice(keep, other, name: str) -> str:
    """The kept record's value stays unless it is empty; notes of both are joined."""
    if name == "notes":
        return BOTH
    return OTHER if _empty(getattr(keep, name)) and not _empty(getattr(other, name)) else KEEP


def _apply_choices(keep, other, names, choices: dict[str, str] | None) -> None:
    """Set each field of `keep` to the chosen record's value (defaults for those not chosen)."""
    choices = choices or {}
    for name in names:
        choice = choices.get(name)
        if choice not in (KEEP, OTHER, BOTH) or (choice == BOTH and name != "notes"):
            choice = default_choice(keep, other, name)
        if name == "notes":
            if choice == BOTH:
                keep.notes = _join_text(keep.notes, other.notes)
            elif choice == OTHER:
                keep.notes = other.notes
        elif choice == OTHER and getattr(keep, name) != getattr(other, name):
            setattr(keep, name, getattr(other, name))


def _join_text(a: str, b: str) -> str:
    a, b = (a or "").strip(), (b or "").strip()
    if not b or b in a:
        return a
    return f"{a}\n\n{b}" if a else b


def _move_children(keep, other) -> None:
    """Phones, e-mails, addresses and dates of `other` move to `keep` unless `keep` has them."""
    owner = "organization" if isinstance(keep, Organization) else "contact"
    numbers = {p.normalized for p in keep.phones}
    for phone in list(other.phones):
        if phone.normalized not in numbers:
            setattr(phone, owner, keep)
            numbers.add(phone.normalized)
    addresses = {e.normalized for e in keep.emails}
    for email in list(other.emails):
        if email.normalized not in addresses:
            setattr(email, owner, keep)
            addresses.add(email.normalized)
    places = {a.one_line.casefold() for a in keep.addresses}
    for address in list(other.addresses):
        if address.one_line.casefold() not in places:
            setattr(address, owner, keep)
    dates = {(d.title.casefold(), d.date) for d in keep.important_dates}
    for date in list(other.important_dates):
        if (date.title.casefold(), date.date) not in dates:
            setattr(date, owner, keep)


def _repoint_other_tables(dbsession, target_table: str, keep_id: int, other_id: int) -> None:
    """Foreign keys of other areas' tables that point at the merged row now point at the kept one."""
    for table in Base.metadata.sorted_tables:
        if table.name in HANDLED or table.name.endswith("_version"):
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name == target_table and fk.column.name == "id":
                column = fk.parent
                dbsession.execute(table.update().where(column == other_id).values(
                    {column.name: keep_id}))


def _move_links(dbsession, kind: str, keep_id: int, other_id: int) -> None:
    """Tasks and calendar events about the merged record are about the kept one now.

    Their (link_type, link_id) pairs are no foreign keys, so _repoint_other_tables misses them;
    they move through the ORM so that their own change history records it.
    """
    task_type, event_type = LINKS[kind]
    for task in dbsession.scalars(sa.select(Task).where(Task.link_type == task_type,
                                                        Task.link_id == other_id)):
        task.link_id = keep_id
    for event in dbsession.scalars(sa.select(Event).where(Event.link_type == event_type,
                                                          Event.link_id == other_id)):
        event.link_id = keep_id


def merge_organizations(dbsession, keep: Organization, other: Organization,
                        user_id: int | None = None, choices: dict[str, str] | None = None,
                        fields: tuple[str, ...] = ORGANIZATION_CHOICES) -> Organization:
    """Merge `other` into `keep` (see the module's docstring); returns `keep`.

    `choices` maps a field of `fields` to KEEP or OTHER (notes also BOTH); fields not chosen
    get `default_choice`. Fields outside `fields` (e.g. terms the user may not see) are only
    filled when empty in `keep`. The merged record's INN, when not chosen, stays in its history.
    """
    if keep.id == other.id:
        raise MergeProblem(_("An organization cannot be merged with itself."))
    choices = dict(choices or {})
    if "inn" in fields:
        inn_choice = choices.get("inn")
        if inn_choice not in (KEEP, OTHER):
            inn_choice = default_choice(keep, other, "inn")
    else:
        inn_choice = default_choice(keep, other, "inn")
    if inn_choice == OTHER and other.inn and other.inn != keep.inn:
        # An INN belongs to one organization (a unique index): the merged one gives it up first.
        inn, other.inn = other.inn, ""
        dbsession.flush()
        keep.inn = inn
    choices["inn"] = KEEP
    _apply_choices(keep, other, fields, choices)
    _fill(keep, other, [n for n in ORGANIZATION_FILL if n not in fields])
    tags = keep.tag_list + [t for t in other.tag_list
                            if t.casefold() not in {k.casefold() for k in keep.tag_list}]
    keep.tags = ", ".join(tags)[:500]
    _move_children(keep, other)
    for contact in list(other.contacts):
        contact.organization = keep
    for job in dbsession.scalars(sa.select(ContactEmployment)
                                 .where(ContactEmployment.organization_id == other.id)):
        job.organization_id = keep.id
    for interaction in dbsession.scalars(sa.select(Interaction)
                                         .where(Interaction.organization_id == other.id)):
        interaction.organization_id = keep.id
    for item in dbsession.scalars(sa.select(ClientFile)
                                  .where(ClientFile.organization_id == other.id)):
        item.organization_id = keep.id
    dbsession.flush()
    _repoint_other_tables(dbsession, "organizations", keep.id, other.id)
    _move_links(dbsession, "organization", keep.id, other.id)
    # An INN not taken over is named with the merged record, so the card still shows it.
    merged_name = f"{other.name} ({other.inn})" if other.inn and other.inn != keep.inn else \
        other.name
    dbsession.add(ClientMerge(kind="organization", kept_id=keep.id, merged_id=other.id,
                              merged_name=merged_name[:300], user_id=user_id))
    # Earlier merges into `other` now belong to `keep`.
    dbsession.execute(sa.update(ClientMerge).where(
        ClientMerge.kind == "organization", ClientMerge.kept_id == other.id).values(kept_id=keep.id))
    dbsession.delete(other)
    dbsession.flush()
    return keep


def merge_contacts(dbsession, keep: Contact, other: Contact, user_id: int | None = None,
                   choices: dict[str, str] | None = None) -> Contact:
    """Merge contact `other` into `keep`: phones, e-mails, dates, jobs, interactions, tasks and
    events move; `choices` as for merge_organizations."""
    if keep.id == other.id:
        raise MergeProblem(_("A contact cannot be merged with itself."))
    _apply_choices(keep, other, CONTACT_CHOICES, choices)
    _move_children(keep, other)
    for job in list(other.employments):
        job.contact = keep
    for interaction in dbsession.scalars(sa.select(Interaction)
                                         .where(Interaction.contact_id == other.id)):
        interaction.contact_id = keep.id
    for item in dbsession.scalars(sa.select(ClientFile).where(ClientFile.contact_id == other.id)):
        # A file about a person stays with the organization it was attached to.
        item.contact_id = keep.id if item.organization_id == keep.organization_id else None
    dbsession.flush()
    _repoint_other_tables(dbsession, "contacts", keep.id, other.id)
    _move_links(dbsession, "contact", keep.id, other.id)
    dbsession.add(ClientMerge(kind="contact", kept_id=keep.id, merged_id=other.id,
                              merged_name=other.full_name[:300], user_id=user_id))
    dbsession.execute(sa.update(ClientMerge).where(
        ClientMerge.kind == "contact", ClientMerge.kept_id == other.id).values(kept_id=keep.id))
    dbsession.delete(other)
    dbsession.flush()
    return keep


def move_contact(dbsession, contact: Contact, target: Organization | None, *,
                 position: str | None = None, on: dt.date | None = None) -> Contact:
    """Move a contact to another organization (or make them a private person).

    The current job ends `on` (today by default) and, for an organization, a new one starts
    the same day: the employment history keeps where they were.
    """
    on = on or dt.date.today()
    if target is not None and target.id == contact.organization_id:
        raise MergeProblem(_("The contact already works at ${name}.", mapping={"name": target.name}))
    for job in contact.employments:
        if job.ended_on is None:
            job.ended_on = on
    if contact.organization is not None and not any(
            j.organization_id == contact.organization_id for j in contact.employments):
        # A contact made before employment history existed: record the job that ends now.
        contact.employments.append(ContactEmployment(
            organization=contact.organization, organization_name=contact.organization.name,
            position=contact.position, ended_on=on))
    if position is not None:
        contact.position = position
    if target is not None:
        contact.employments.append(ContactEmployment(
            organization=target, organization_name=target.name, position=contact.position,
            started_on=on))
    contact.organization = target
    dbsession.flush()
    return contact
