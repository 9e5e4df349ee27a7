"""Adding and editing organizations and contacts: validation, duplicates, edit conflicts.

/clients/add                          a new organization          (organization.add)
/clients/{id}/edit                    edit it                     (organization.edit)
/clients/{id}/contacts/add            a new contact of it         (contact.add)
/clients/contacts/add                 a new private person        (contact.add)
/clients/{id}/contacts/{cid}/edit     edit a contact              (contact.edit)

The pages translate HTTP to portal/clients/records.py's `save_organization` / `save_contact`
and back: its refusals become the form again, with the errors next to the fields (and a link to
the organization that has the INN), the possible duplicates to confirm, or someone else's newer
values next to the user's (an edit conflict).
"""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy.orm import selectinload

from models.clients import (
    ADDRESS_KINDS,
    DECISION_LEVELS,
    EMAIL_KINDS,
    ORGANIZATION_CLASSIFIERS,
    ORGANIZATION_KINDS,
    PHONE_KINDS,
    STAGES,
    Contact,
    Organization,
)
from models.errors import EditConflict
from models.people import Department, Membership, User
from portal.clients.forms import ContactForm, OrganizationForm
from portal.clients.import_fields import flash
from portal.clients.records import (
    InvalidForm,
    UnconfirmedDuplicates,
    duplicate_ids,
    save_contact,
    save_organization,
)
from portal.clients.resources import (
    Clients,
    ContactsSection,
    OrganizationContacts,
    contact_url,
    organization_url,
)
from portal.clients.rules import (
    ADDRESS_KIND_LABELS,
    CLASSIFIER_LIST_LABELS,
    DECISION_LABELS,
    EMAIL_KIND_LABELS,
    KIND_LABELS,
    PHONE_KIND_LABELS,
    STAGE_LABELS,
    classifiers,
)
from portal.clients.schemas import required_lists
from portal.core.i18n import _
from portal.core.parsing import parse_int
from portal.resources import locate

ORGANIZATION_FIELD_LABELS = {
    "name": _("Name"), "legal_name": _("Legal name"), "inn": _("INN"), "kpp": _("KPP"),
    "kind": _("Kind"), "stage": _("Stage"), "manager_id": _("Responsible manager"),
    "department_id": _("Department"), "website": _("Website"), "tags": _("Tags"),
    "notes": _("Notes"), "discount_percent": _("Discount, %"),
    "payment_deferral_days": _("Payment deferral, days"), "credit_limit": _("Credit limit"),
    "purchase_potential": _("Purchase potential"), "phones": _("Phones"),
    "emails": _("E-mails"), "addresses": _("Addresses"), "dates": _("Important dates"),
    "contact_full_name": _("Contact person: name"), "contact_position": _("Contact person: position"),
    "contact_phone": _("Contact person: phone"), "contact_email": _("Contact person: e-mail"),
    **{column: CLASSIFIER_LIST_LABELS[name] for name, column in ORGANIZATION_CLASSIFIERS.items()},
}
CONTACT_FIELD_LABELS = {
    "full_name": _("Name"), "position": _("Position"), "decision_level": _("Decision level"),
    "birthday": _("Birthday"), "notes": _("Notes"), "manager_id": _("Responsible manager"),
    "phones": _("Phones"), "emails": _("E-mails"), "addresses": _("Addresses"),
    "dates": _("Important dates"),
}


def people_choices(dbsession) -> list[User]:
    """Active people by name, with their departments (for "responsible manager")."""
    return list(dbsession.scalars(
        sa.select(User).where(User.active)
        .options(selectinload(User.memberships).selectinload(Membership.department))
        .order_by(User.full_name)))


def common_choices(request) -> dict:
    return {
        "phone_kinds": [(k, PHONE_KIND_LABELS[k]) for k in PHONE_KINDS],
        "email_kinds": [(k, EMAIL_KIND_LABELS[k]) for k in EMAIL_KINDS],
        "address_kinds": [(k, ADDRESS_KIND_LABELS[k]) for k in ADDRESS_KINDS],
        "people": people_choices(request.dbsession),
    }


def _may_view(request):
    def may_view(obj) -> bool:
        return request.has_permission("view", locate(request, obj))
    return may_view


def _url_of(request):
    def url_of(obj) -> str:
        if isinstance(obj, Organization):
            return organization_url(request, obj)
        return contact_url(request, obj)
    return url_of


# --- organizations -------------------------------------------------------------------------------

class OrganizationFormView:
    template = "clients/organization_form.jinja2"

    def __init__(self, context, request):
        self.context = context
        self.request = request

    @property
    def org(self) -> Organization | None:
        return self.context if isinstance(self.context, Organization) else None

    def may_terms(self) -> bool:
        if self.org is not None:
            return bool(self.request.has_permission("view_terms", self.org))
        # A new organization: may they see the terms of one they are responsible for?
        user = self.request.identity.user
        probe = Organization(name="", manager_id=user.id,
                             department_id=user.memberships[0].department_id
                             if user.memberships else None)
        probe.__parent__, probe.__name__ = self.context, "new"
        return bool(self.request.has_permission("view_terms", probe))

    def render(self, form, status: int = 200, **extra):
        request = self.request
        request.response.status_int = status
        db = request.dbsession
        org = self.org
        required = required_lists(db)
        return {
            "title": _("Edit ${name}", mapping={"name": org.name}) if org else
            _("New organization"),
            "org": org,
            "form": form,
            "errors": form.errors,
            "may_terms": self.may_terms(),
            "kinds": [(k, KIND_LABELS[k]) for k in ORGANIZATION_KINDS],
            "stages": [(s, STAGE_LABELS[s]) for s in STAGES],
            "classifier_fields": [
                (column, CLASSIFIER_LIST_LABELS[name],
                 [(e.id, _(e.title)) for e in classifiers(
                     db, name, keep_id=parse_int(form.values.get(column)))],
                 name in required)
                for name, column in ORGANIZATION_CLASSIFIERS.items()],
            "departments": list(db.scalars(sa.select(Department)
                                           .order_by(Department.sort_order, Department.name))),
            "cancel_url": organization_url(request, org) if org else
            request.resource_url(self.context),
            "duplicates": [],
            "inn_owner": None,
            "conflict": None,
            "may_view": _may_view(request),
            "url_of": _url_of(request),
            "field_labels": ORGANIZATION_FIELD_LABELS,
            **common_choices(request),
            **extra,
        }

    def get(self):
        form = (OrganizationForm.from_record(self.org) if self.org
                else OrganizationForm.blank(self.request.identity.user))
        return self.render(form)

    def post(self):
        request = self.request
        form = OrganizationForm.from_post(request.POST)
        try:
            org = save_organization(request.dbsession, request.identity.user, self.org, form,
                                    may_terms=self.may_terms())
        except InvalidForm as invalid:
            return self.render(form, 400, inn_owner=invalid.inn_owner)
        except EditConflict as conflict:
            form.version = conflict.record.version
            return self.render(form, 409, conflict=conflict)
        except UnconfirmedDuplicates as found:
            form.confirmed = duplicate_ids(found.duplicates)
            return self.render(form, 200, duplicates=found.duplicates)
        main_contact = " ".join(form.contact.get("full_name", "").split())
        if self.org is None and main_contact:
            flash(request, _("Saved “${name}” with its contact person ${contact}.",
                             mapping={"name": org.name, "contact": main_contact}))
        else:
            flash(request, _("Saved “${name}”.", mapping={"name": org.name}))
        return HTTPSeeOther(organization_url(request, org))


@view_config(context=Clients, name="add", renderer="clients/organization_form.jinja2",
             permission="add", request_method="GET")
@view_config(context=Organization, name="edit", renderer="clients/organization_form.jinja2",
             permission="edit", request_method="GET")
def organization_form(context, request):
    return OrganizationFormView(context, request).get()


@view_config(context=Clients, name="add", renderer="clients/organization_form.jinja2",
             permission="add", request_method="POST")
@view_config(context=Organization, name="edit", renderer="clients/organization_form.jinja2",
             permission="edit", request_method="POST")
def organization_form_post(context, request):
    return OrganizationFormView(context, request).post()


# --- contacts -------------------------------------------------------------------------------------

class ContactFormView:
    template = "clients/contact_form.jinja2"

    def __init__(self, context, request):
        self.context = context
        self.request = request

    @property
    def contact(self) -> Contact | None:
        return self.context if isinstance(self.context, Contact) else None

    @property
    def organization(self) -> Organization | None:
        if self.contact is not None:
            return self.contact.organization
        if isinstance(self.context, OrganizationContacts):
            return self.context.__parent__
        return None

    @property
    def private(self) -> bool:
        return self.organization is None

    def render(self, form, status: int = 200, **extra):
        request = self.request
        request.response.status_int = status
        contact, org = self.contact, self.organization
        if contact is not None:
            cancel = contact_url(request, contact)
        elif org is not None:
            cancel = organization_url(request, org)
        else:
            cancel = request.resource_url(self.context)
        return {
            "title": _("Edit ${name}", mapping={"name": contact.full_name}) if contact else
            _("New contact person"),
            "contact": contact,
            "org": org,
            "org_url": organization_url(request, org) if org else "",
            "private": self.private,
            "form": form,
            "errors": form.errors,
            "decision_levels": [(k, DECISION_LABELS[k]) for k in DECISION_LEVELS],
            "cancel_url": cancel,
            "duplicates": [],
            "conflict": None,
            "may_view": _may_view(request),
            "url_of": _url_of(request),
            "field_labels": CONTACT_FIELD_LABELS,
            **common_choices(request),
            **extra,
        }

    def get(self):
        form = (ContactForm.from_record(self.contact) if self.contact
                else ContactForm.blank(self.request.identity.user))
        return self.render(form)

    def post(self):
        request = self.request
        form = ContactForm.from_post(request.POST)
        try:
            contact = save_contact(request.dbsession, request.identity.user, self.contact, form,
                                   self.organization)
        except InvalidForm:
            return self.render(form, 400)
        except EditConflict as conflict:
            form.version = conflict.record.version
            return self.render(form, 409, conflict=conflict)
        except UnconfirmedDuplicates as found:
            form.confirmed = duplicate_ids(found.duplicates)
            return self.render(form, 200, duplicates=found.duplicates)
        flash(request, _("Saved “${name}”.", mapping={"name": contact.full_name}))
        return HTTPSeeOther(contact_url(request, contact))


@view_config(context=OrganizationContacts, name="add", renderer="clients/contact_form.jinja2",
             permission="add", request_method="GET")
@view_config(context=ContactsSection, name="add", renderer="clients/contact_form.jinja2",
             permission="add", request_method="GET")
@view_config(context=Contact, name="edit", renderer="clients/contact_form.jinja2",
             permission="edit", request_method="GET")
def contact_form(context, request):
    return ContactFormView(context, request).get()


@view_config(context=OrganizationContacts, name="add", renderer="clients/contact_form.jinja2",
             permission="add", request_method="POST")
@view_config(context=ContactsSection, name="add", renderer="clients/contact_form.jinja2",
             permission="add", request_method="POST")
@view_config(context=Contact, name="edit", renderer="clients/contact_form.jinja2",
             permission="edit", request_method="POST")
def contact_form_post(context, request):
    return ContactFormView(context, request).post()
