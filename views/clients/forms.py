"""Adding and editing organizations and contacts: validation, duplicates, edit conflicts.

/clients/add                          a new organization          (organization.add)
/clients/{id}/edit                    edit it                     (organization.edit)
/clients/{id}/contacts/add            a new contact of it         (contact.add)
/clients/contacts/add                 a new private person        (contact.add)
/clients/{id}/contacts/{cid}/edit     edit a contact              (contact.edit)

Saving refuses an INN another organization has (with a link to it), warns about organizations
or contacts with the same phone or e-mail (or a very similar name) and saves only once the user
confirms, and never overwrites a record someone else saved after the form was opened: it shows
their values instead (optimistic locking on `version`).
"""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from models.clients import (
    ADDRESS_KINDS,
    DECISION_LEVELS,
    EMAIL_KINDS,
    ORGANIZATION_CLASSIFIERS,
    ORGANIZATION_KINDS,
    PHONE_KINDS,
    STAGES,
    Contact,
    ContactEmployment,
    Organization,
)
from models.meta import utcnow
from models.people import Department, Membership, User
from portal.clients.rules import (
    ADDRESS_KIND_LABELS,
    CLASSIFIER_LIST_LABELS,
    DECISION_LABELS,
    EMAIL_KIND_LABELS,
    KIND_LABELS,
    PHONE_KIND_LABELS,
    STAGE_LABELS,
    classifiers,
    contact_duplicates,
    inn_owner,
    organization_duplicates,
)
from portal.clients.forms import (
    TERMS,
    Conflict,
    ContactForm,
    OrganizationForm,
    conflict_fields,
    last_change,
    rows_summary,
)
from portal.clients.resources import (
    Clients,
    ContactsSection,
    OrganizationContacts,
    contact_url,
    locate,
    organization_url,
)
from portal.core.i18n import _

ORGANIZATION_FIELD_LABELS = {
    "name": _("Name"), "legal_name": _("Legal name"), "inn": _("INN"), "kpp": _("KPP"),
    "kind": _("Kind"), "stage": _("Stage"), "manager_id": _("Responsible manager"),
    "department_id": _("Department"), "website": _("Website"), "tags": _("Tags"),
    "notes": _("Notes"), "discount_percent": _("Discount, %"),
    "payment_deferral_days": _("Payment deferral, days"), "credit_limit": _("Credit limit"),
    "purchase_potential": _("Purchase potential"), "phones": _("Phones"),
    "emails": _("E-mails"), "addresses": _("Addresses"), "dates": _("Important dates"),
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


def _dup_ids(duplicates) -> str:
    return ",".join(str(d.obj.id) for d in sorted(duplicates, key=lambda d: d.obj.id))


def _confirmed(form, duplicates) -> bool:
    """The user saw exactly these duplicates and chose to save anyway."""
    shown = {x for x in form.confirmed.split(",") if x}
    return {str(d.obj.id) for d in duplicates} <= shown


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
                     db, name, keep_id=int(form.values[column])
                     if str(form.values.get(column) or "").isdigit() else None)])
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
        request, db, org = self.request, self.request.dbsession, self.org
        form = OrganizationForm.from_post(request.POST)
        may_terms = self.may_terms()
        clean = form.check(db, may_terms)
        owner = None
        if "inn" not in form.errors and clean["inn"]:
            owner = self.refuse_inn(form, clean["inn"])
        if form.errors:
            return self.render(form, 400, inn_owner=owner)
        if org is not None and form.version != org.version:
            return self.conflict(form)
        duplicates = organization_duplicates(
            db, name=clean["name"], phones=[p["number"] for p in clean["phones"]],
            emails=[e["address"] for e in clean["emails"]],
            exclude_id=org.id if org else None)
        if duplicates and not _confirmed(form, duplicates):
            form.confirmed = _dup_ids(duplicates)
            return self.render(form, 200, duplicates=duplicates)
        new = org is None
        if new:
            org = Organization(created_by_id=request.identity.user.id)
        try:
            # A savepoint: if someone saved in the meantime, their version stays untouched.
            with db.begin_nested():
                OrganizationForm.apply(org, clean)
                if new:
                    db.add(org)
                db.flush()
        except StaleDataError:
            return self.conflict(form)
        except sa.exc.IntegrityError:
            # Someone recorded the same INN at the same moment: the unique index refused this
            # save (the savepoint is rolled back, nothing of it is kept).
            owner = self.refuse_inn(form, clean["inn"]) if clean["inn"] else None
            if owner is None:
                raise
            return self.render(form, 400, inn_owner=owner)
        request.session.flash(_("Saved “${name}”.", mapping={"name": org.name}))
        return HTTPSeeOther(organization_url(request, org))

    def refuse_inn(self, form, inn: str) -> Organization | None:
        """The organization that has this INN already (the form's INN error then says so)."""
        owner = inn_owner(self.request.dbsession, inn,
                          exclude_id=self.org.id if self.org else None)
        if owner is not None:
            form.errors["inn"] = _("An organization with the INN ${inn} is already recorded: "
                                   "${name}.", mapping={"inn": inn, "name": owner.name})
        return owner

    def conflict(self, form):
        """Someone saved meanwhile: show their values next to the user's; save nothing."""
        db, org = self.request.dbsession, self.org
        db.refresh(org)
        saved = OrganizationForm.from_record(org)
        keys = [k for k in form.values if k not in TERMS or self.may_terms()]
        diff = conflict_fields(saved.values, form.values, keys)
        diff += conflict_fields(rows_summary(saved.rows), rows_summary(form.rows),
                                ("phones", "emails", "addresses", "dates"))
        author, at = last_change(db, org)
        form.version = org.version
        return self.render(form, 409, conflict=Conflict(author, at, diff))


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
        request, db, contact = self.request, self.request.dbsession, self.contact
        form = ContactForm.from_post(request.POST)
        clean = form.check(db, self.private)
        if form.errors:
            return self.render(form, 400)
        if contact is not None and form.version != contact.version:
            return self.conflict(form)
        duplicates = contact_duplicates(
            db, phones=[p["number"] for p in clean["phones"]],
            emails=[e["address"] for e in clean["emails"]],
            exclude_id=contact.id if contact else None)
        if duplicates and not _confirmed(form, duplicates):
            form.confirmed = _dup_ids(duplicates)
            return self.render(form, 200, duplicates=duplicates)
        try:
            with db.begin_nested():
                contact = self.save(contact, clean)
        except StaleDataError:
            return self.conflict(form)
        request.session.flash(_("Saved “${name}”.", mapping={"name": contact.full_name}))
        return HTTPSeeOther(contact_url(request, contact))

    def save(self, contact: Contact | None, clean: dict) -> Contact:
        db = self.request.dbsession
        new = contact is None
        if new:
            org = self.organization
            contact = Contact(created_by_id=self.request.identity.user.id)
            if org is not None:
                contact.employments.append(ContactEmployment(
                    organization=org, organization_name=org.name, position=clean["position"],
                    started_on=utcnow().date()))
        ContactForm.apply(contact, clean)
        if new:
            contact.organization = self.organization
            db.add(contact)
        current = next((e for e in contact.employments
                        if e.ended_on is None and e.organization_id == contact.organization_id
                        and contact.organization_id is not None), None)
        if current is not None and current.position != contact.position:
            current.position = contact.position
        db.flush()
        return contact

    def conflict(self, form):
        db, contact = self.request.dbsession, self.contact
        db.refresh(contact)
        saved = ContactForm.from_record(contact)
        keys = [k for k in form.values if k != "manager_id" or self.private]
        diff = conflict_fields(saved.values, form.values, keys)
        diff += conflict_fields(rows_summary(saved.rows), rows_summary(form.rows),
                                ("phones", "emails", "addresses", "dates"))
        author, at = last_change(db, contact)
        form.version = contact.version
        return self.render(form, 409, conflict=Conflict(author, at, diff))


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
