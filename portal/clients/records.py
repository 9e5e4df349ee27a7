"""Saving an organization or a contact person from its form, for the web pages, the API and
scripts alike (`save_organization`, `save_contact`: a dbsession, the person saving, the record or
None for a new one, and the form read by portal/clients/forms.py).

Saving refuses an INN another organization has (`InvalidForm` names it: `inn_owner`), warns
about organizations or contacts with the same phone or e-mail (or a very similar name) and saves
only once the user confirmed exactly those (`UnconfirmedDuplicates`), and never overwrites a
record someone else saved after the form was opened (`models.errors.EditConflict`, with what
differs; optimistic locking on `version`). Nothing is saved when one of these is raised.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from models.clients import Contact, ContactEmployment, Organization
from models.errors import EditConflict, UserError
from models.meta import utcnow
from models.people import User
from portal.audit.log import last_change
from portal.clients.forms import (
    ROW_KINDS,
    TERMS,
    ContactForm,
    OrganizationForm,
    conflict_fields,
    rows_summary,
)
from portal.clients.rules import Duplicate, contact_duplicates, inn_owner, organization_duplicates
from portal.core.i18n import _


class InvalidForm(UserError):
    """The form has mistakes: `errors` ({field: message}); `inn_owner`, the organization that
    has the INN already, when that is one of them."""

    def __init__(self, errors: dict, inn_owner: Organization | None = None):
        field, message = next(iter(errors.items()), (None, ""))
        super().__init__(message, field)
        self.errors, self.inn_owner = errors, inn_owner


class UnconfirmedDuplicates(UserError):
    """Records that look like the one being saved: the user should look at them first, then
    confirm (`duplicate_ids`) to save anyway."""

    def __init__(self, duplicates: list[Duplicate]):
        super().__init__(_("This looks like a record that already exists."))
        self.duplicates = duplicates


def duplicate_ids(duplicates: list[Duplicate]) -> str:
    """The ids of the duplicates shown, as the form carries them back when the user confirms."""
    return ",".join(str(d.obj.id) for d in sorted(duplicates, key=lambda d: d.obj.id))


def _confirmed(confirmed: str, duplicates: list[Duplicate]) -> bool:
    """The user saw exactly these duplicates and chose to save anyway."""
    shown = {x for x in (confirmed or "").split(",") if x}
    return {str(d.obj.id) for d in duplicates} <= shown


def refuse_inn(dbsession, form, inn: str, exclude_id: int | None) -> Organization | None:
    """The organization that has this INN already (the form's INN error then says so)."""
    owner = inn_owner(dbsession, inn, exclude_id=exclude_id)
    if owner is not None:
        form.errors["inn"] = _("An organization with the INN ${inn} is already recorded: "
                               "${name}.", mapping={"inn": inn, "name": owner.name})
    return owner


# --- organizations -------------------------------------------------------------------------------

def save_organization(dbsession, actor: User, org: Organization | None, form: OrganizationForm,
                      *, may_terms: bool) -> Organization:
    """Check the form and save it into `org` (a new organization when None); returns it.
    `may_terms`: whether the person may see (and so set) the terms. A new organization's main
    contact person (`form.contact`) is saved with it, in the same savepoint: both or neither."""
    clean = form.check(dbsession, may_terms)
    contact = form.check_contact() if org is None else None
    exclude_id = org.id if org is not None else None
    owner = None
    if "inn" not in form.errors and clean.get("inn"):
        owner = refuse_inn(dbsession, form, clean["inn"], exclude_id)
    if form.errors:
        raise InvalidForm(form.errors, owner)
    if org is not None and form.version != org.version:
        raise organization_conflict(dbsession, org, form, may_terms)
    duplicates = organization_duplicates(
        dbsession, name=clean["name"], phones=[p["number"] for p in clean["phones"]],
        emails=[e["address"] for e in clean["emails"]], exclude_id=exclude_id)
    if duplicates and not _confirmed(form.confirmed, duplicates):
        raise UnconfirmedDuplicates(duplicates)
    new = org is None
    if new:
        org = Organization(created_by_id=actor.id)
    try:
        # A savepoint: if someone saved in the meantime, their version stays untouched.
        with dbsession.begin_nested():
            OrganizationForm.apply(org, clean)
            if new:
                dbsession.add(org)
            dbsession.flush()
            if contact is not None:
                _write_main_contact(dbsession, actor, org, contact)
    except StaleDataError:
        raise organization_conflict(dbsession, org, form, may_terms) from None
    except sa.exc.IntegrityError:
        # Someone recorded the same INN at the same moment: the unique index refused this
        # save (the savepoint is rolled back, nothing of it is kept).
        owner = refuse_inn(dbsession, form, clean["inn"], exclude_id) if clean["inn"] else None
        if owner is None:
            raise
        raise InvalidForm(form.errors, owner) from None
    return org


def _write_main_contact(dbsession, actor: User, org: Organization, values: dict) -> Contact:
    """The main contact person of a new organization, as the contact form would save them."""
    clean = {"full_name": values["full_name"], "position": values["position"],
             "phones": [{"kind": "work", "number": values["phone"]}] if values["phone"] else [],
             "emails": [{"kind": "work", "address": values["email"]}] if values["email"] else [],
             "addresses": [], "dates": []}
    return _write_contact(dbsession, actor, None, clean, org)


def organization_conflict(dbsession, org: Organization, form: OrganizationForm,
                          may_terms: bool) -> EditConflict:
    """Someone saved `org` after the form was opened: who, when, and what differs (the terms
    only for those who may see them)."""
    dbsession.refresh(org)
    saved = OrganizationForm.from_record(org)
    keys = [k for k in form.values if k not in TERMS or may_terms]
    return EditConflict(org, *last_change(dbsession, org), _differences(saved, form, keys))


def _differences(saved, form, keys) -> list[tuple[str, str, str]]:
    return (conflict_fields(saved.values, form.values, keys)
            + conflict_fields(rows_summary(saved.rows), rows_summary(form.rows), ROW_KINDS))


# --- contacts --------------------------------------------------------------------------------------

def save_contact(dbsession, actor: User, contact: Contact | None, form: ContactForm,
                 organization: Organization | None) -> Contact:
    """Check the form and save it into `contact` (a new one when None); returns it.
    `organization`: the contact's (None for a private person, who then has a responsible
    manager of their own). A new contact of an organization starts a job there today."""
    private = organization is None
    clean = form.check(dbsession, private)
    if form.errors:
        raise InvalidForm(form.errors)
    if contact is not None and form.version != contact.version:
        raise contact_conflict(dbsession, contact, form, private)
    duplicates = contact_duplicates(
        dbsession, phones=[p["number"] for p in clean["phones"]],
        emails=[e["address"] for e in clean["emails"]],
        exclude_id=contact.id if contact is not None else None)
    if duplicates and not _confirmed(form.confirmed, duplicates):
        raise UnconfirmedDuplicates(duplicates)
    try:
        with dbsession.begin_nested():
            contact = _write_contact(dbsession, actor, contact, clean, organization)
    except StaleDataError:
        raise contact_conflict(dbsession, contact, form, private) from None
    return contact


def _write_contact(dbsession, actor: User, contact: Contact | None, clean: dict,
                   organization: Organization | None) -> Contact:
    new = contact is None
    if new:
        contact = Contact(created_by_id=actor.id)
        if organization is not None:
            contact.employments.append(ContactEmployment(
                organization=organization, organization_name=organization.name,
                position=clean["position"], started_on=utcnow().date()))
    ContactForm.apply(contact, clean)
    if new:
        contact.organization = organization
        dbsession.add(contact)
    current = next((e for e in contact.employments
                    if e.ended_on is None and e.organization_id == contact.organization_id
                    and contact.organization_id is not None), None)
    if current is not None and current.position != contact.position:
        current.position = contact.position
    dbsession.flush()
    return contact


def contact_conflict(dbsession, contact: Contact, form: ContactForm,
                     private: bool) -> EditConflict:
    """Someone saved `contact` after the form was opened: who, when, and what differs."""
    dbsession.refresh(contact)
    saved = ContactForm.from_record(contact)
    keys = [k for k in form.values if k != "manager_id" or private]
    return EditConflict(contact, *last_change(dbsession, contact),
                        _differences(saved, form, keys))
