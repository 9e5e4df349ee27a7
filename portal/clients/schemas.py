"""The client forms as colander schemas: the organization and contact forms, moving a contact,
the merge page's choices, an import's settings (read with portal/core/forms.py).

A schema says what each field accepts (its type, the length of its column, the codes it may
hold), how what people type is normalised (spaces squeezed, an INN without spaces, a KPP in
capitals, a website with https://), and the rules across fields (a KPP belongs to companies
only). `read(schema.bind(dbsession=...), cstruct)` gives the clean values and {field: message};
the web forms (portal/clients/forms.py), the API and the tests read through the same schemas.

Every field's problem shows at once, the cross-field ones too: "the name is missing" and "the
KPP is not for an individual entrepreneur" come together. Repeated rows (phones, e-mails,
addresses, dates) are keyed by row: "phones-2".
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

import colander
import sqlalchemy as sa

from models.clients import (
    ADDRESS_KINDS,
    DECISION_LEVELS,
    EMAIL_KINDS,
    ORGANIZATION_CLASSIFIERS,
    ORGANIZATION_KINDS,
    PHONE_KINDS,
    STAGES,
    Address,
    Classifier,
    ClassifierList,
    Contact,
    Email,
    ImportantDate,
    Organization,
    Phone,
)
from models.people import Department, User
from portal.clients.merge import BOTH, KEEP, OTHER
from portal.clients.rules import (
    clean_inn,
    clean_website,
    email_problem,
    inn_problem,
    kpp_problem,
    phone_problem,
)
from portal.core.forms import (
    NOT_READ,
    Choice,
    DateText,
    Fields,
    Reference,
    Rows,
    exists,
    length,
    limited,
    lines,
    one_of,
    problem,
    read,
    reference,
    required_text,
    squeezed,
    text,
)
from portal.core.i18n import _
from portal.core.parsing import parse_int

# --- types of the client forms -------------------------------------------------------------------

MONEY_MAX = Decimal("999999999999.99")
NOTES_MAX = 20000
MAX_DEFERRAL_DAYS = 3650


def parse_decimal(value: str) -> Decimal | None:
    """A number as people type it: "1 500 000,50" → Decimal("1500000.50"); "" → None."""
    number_text = "".join((value or "").split()).replace(",", ".").replace("\u00a0", "")
    if not number_text:
        return None
    try:
        number = Decimal(number_text)
    except InvalidOperation:
        raise ValueError(number_text) from None
    if not number.is_finite():
        raise ValueError(number_text)
    return number


class Amount(colander.SchemaType):
    """A sum or a percentage as typed ("1 500 000,50", "7,5"), within [low, high]; "" → None."""

    def __init__(self, low: Decimal, high: Decimal, range_message):
        self.low, self.high, self.range_message = low, high, range_message

    def deserialize(self, node, cstruct):
        try:
            number = parse_decimal(cstruct if isinstance(cstruct, str) else "")
        except ValueError:
            raise colander.Invalid(node, _("Enter a number, e.g. 1500000 or 7,5.")) from None
        if number is None:
            return None
        if not self.low <= number <= self.high:
            raise colander.Invalid(node, self.range_message)
        return number.quantize(Decimal("0.01"))


class WholeDays(colander.SchemaType):
    """A number of days, 0 to MAX_DEFERRAL_DAYS; "" → None."""

    def deserialize(self, node, cstruct):
        value = cstruct.strip() if isinstance(cstruct, str) else ""
        if not value:
            return None
        days = parse_int(value)
        if days is None or days > MAX_DEFERRAL_DAYS:
            raise colander.Invalid(node, _("Enter whole days from 0 to 3650."))
        return days


# --- phones, e-mails, addresses, dates ------------------------------------------------------------

MAX_ROWS = 20


def _phone_row(node, row) -> None:
    message = phone_problem(row["number"])
    if message:
        problem(node, message)


def _email_row(node, row) -> None:
    message = email_problem(row["address"])
    if message:
        problem(node, message)


def _postal_code_row(node, row) -> None:
    if row["postal_code"] and not row["postal_code"].isdigit():
        problem(node, _("A postal code is made of digits (6 in Russia)."))


def _date_row(node, row) -> None:
    if not row["title"]:
        problem(node, _("Say what the date is (e.g. “Founding day”)."))
    if row["date"] is None:
        problem(node, _("Enter the date."))


def _no_repeated_emails(node, rows) -> None:
    seen, error = set(), colander.Invalid(node)
    for pos, row in enumerate(rows):
        if row is NOT_READ:
            continue
        address = row["address"].lower()
        if address in seen:
            child = colander.Invalid(node.children[0], _("This e-mail is already in the list."))
            error.add(child, pos)
        seen.add(address)
    if error.children:
        raise error


def _rows(name: str, row: colander.SchemaNode, *checks) -> colander.SchemaNode:
    return colander.SchemaNode(Rows(*checks), row, name=name, missing=())


def contact_points() -> list[colander.SchemaNode]:
    """The phones, e-mails, addresses and important dates of an organization or a contact."""
    phone = colander.SchemaNode(
        colander.Mapping(), text(one_of(PHONE_KINDS, "work"), name="kind"),
        text(squeezed(length(Phone, "number")), name="number"), validator=_phone_row)
    email = colander.SchemaNode(
        colander.Mapping(), text(one_of(EMAIL_KINDS, "work"), name="kind"),
        text(limited(str.strip, length(Email, "address")), name="address"),
        validator=_email_row)
    address = colander.SchemaNode(
        colander.Mapping(), text(one_of(ADDRESS_KINDS, "actual"), name="kind"),
        text(squeezed(length(Address, "postal_code")), name="postal_code"),
        text(squeezed(length(Address, "city")), name="city"),
        text(squeezed(length(Address, "text")), name="text"), validator=_postal_code_row)
    date = colander.SchemaNode(
        colander.Mapping(), text(squeezed(length(ImportantDate, "title")), name="title"),
        colander.SchemaNode(DateText(), name="date", missing=None),
        text(lambda v: v != "0", name="yearly", missing=True), validator=_date_row)
    return [_rows("phones", phone), _rows("emails", email, _no_repeated_emails),
            _rows("addresses", address), _rows("dates", date)]


# --- the organization form -------------------------------------------------------------------------

def required_lists(dbsession) -> set[str]:
    """The admin-editable lists an organization must have an entry of (Administration →
    Classifiers: "required"); the form and the import refuse an organization without one."""
    return set(dbsession.scalars(sa.select(ClassifierList.list)
                                 .where(ClassifierList.required.is_(True))))


TERMS = ("discount_percent", "payment_deferral_days", "credit_limit", "purchase_potential")


def _tax_ids(node, values) -> None:
    """The INN (its checksum) and the KPP, which companies have and entrepreneurs do not."""
    error = colander.Invalid(node)
    inn = values.get("inn", "")
    message = inn_problem(inn)
    if message:
        error["inn"] = message
    message = kpp_problem(values.get("kpp", ""), inn)
    if message:
        error["kpp"] = message
    if error.children:
        raise error


# What an organization without an entry of a required list is told (whole sentences: the
# pages translate a message, not the messages inside its placeholders).
REQUIRED_MESSAGES = {
    "category": _("Choose the category: an administrator made it required."),
    "group": _("Choose the group: an administrator made it required."),
    "region": _("Choose the region: an administrator made it required."),
    "source": _("Choose the advertising source: an administrator made it required."),
    "industry": _("Choose the industry: an administrator made it required."),
}


def required_message(list_name: str):
    """What an organization without an entry of a required list is told."""
    return REQUIRED_MESSAGES[list_name]


def _present(message):
    def validate(node, value):
        if value is None:
            problem(node, message)
    return validate


def organization_schema(may_terms: bool, required: set[str] | frozenset = frozenset()
                        ) -> colander.SchemaNode:
    """The organization form; the terms (discount, deferral, credit limit, potential) only for
    people who may see them; `required`, the lists it must have an entry of (required_lists).
    Bind it to a `dbsession` (the lists' entries, people, departments must exist)."""
    nodes = [
        required_text("name", _("Enter the organization's name."),
                      squeezed(length(Organization, "name"))),
        text(squeezed(length(Organization, "legal_name")), name="legal_name"),
        text(limited(clean_inn), name="inn"),
        text(limited(lambda v: "".join(v.split()).upper()), name="kpp"),
        text(one_of(ORGANIZATION_KINDS, "client"), name="kind", missing="client"),
        text(one_of(STAGES, "attraction"), name="stage", missing="attraction"),
    ]
    for list_name, column in ORGANIZATION_CLASSIFIERS.items():
        is_there = exists(Classifier, _("Choose a value from the list."),
                          where=lambda node, list_name=list_name: Classifier.list == list_name)
        if list_name in required:
            needed = required_message(list_name)
            nodes.append(colander.SchemaNode(
                Reference(), name=column, missing=colander.required, missing_msg=needed,
                validator=colander.All(_present(needed), is_there)))
        else:
            nodes.append(colander.SchemaNode(Reference(), name=column, missing=None,
                                             validator=is_there))
    nodes += [
        reference(User, _("Choose a person from the list."), name="manager_id"),
        reference(Department, _("Choose a department from the list."), name="department_id"),
        text(limited(clean_website, length(Organization, "website")), name="website"),
        text(limited(lambda v: ", ".join(t.strip() for t in v.split(",") if t.strip()),
                     length(Organization, "tags")), name="tags"),
        text(lines(NOTES_MAX), name="notes"),
    ]
    if may_terms:
        nodes += [
            colander.SchemaNode(Amount(Decimal(0), Decimal(100),
                                       _("A discount is between 0 and 100 %.")),
                                name="discount_percent", missing=None),
            colander.SchemaNode(WholeDays(), name="payment_deferral_days", missing=None),
            colander.SchemaNode(Amount(Decimal(0), MONEY_MAX, _("Enter an amount of 0 or more.")),
                                name="credit_limit", missing=None),
            colander.SchemaNode(Amount(Decimal(0), MONEY_MAX, _("Enter an amount of 0 or more.")),
                                name="purchase_potential", missing=None),
        ]
    return colander.SchemaNode(Fields(_tax_ids), *nodes, *contact_points())


# --- the new organization's main contact person ("quick entry") ------------------------------------

MAIN_CONTACT = ("full_name", "position", "phone", "email")


def _named_if_any(node, values) -> None:
    """A contact person is optional; one given (any of their fields) needs a name."""
    if not values.get("full_name") and any(values.get(k) for k in MAIN_CONTACT[1:]):
        error = colander.Invalid(node)
        error["full_name"] = _("Enter the contact person's name, or clear their fields.")
        raise error


def _phone(node, value) -> None:
    message = phone_problem(value)
    if message:
        problem(node, message)


def _email(node, value) -> None:
    message = email_problem(value)
    if message:
        problem(node, message)


def main_contact_schema() -> colander.SchemaNode:
    """The main contact person typed into the new-organization form: name, position, one phone,
    one e-mail, read as the contact form reads them."""
    return colander.SchemaNode(
        Fields(_named_if_any),
        text(squeezed(length(Contact, "full_name")), name="full_name"),
        text(squeezed(length(Contact, "position")), name="position"),
        text(squeezed(length(Phone, "number")), name="phone", validator=_phone),
        text(limited(str.strip, length(Email, "address")), name="email", validator=_email))


# --- the contact form -------------------------------------------------------------------------------

def _not_in_future(node, value) -> None:
    if value is not None and value > dt.date.today():
        problem(node, _("A birthday cannot be in the future."))


def contact_schema(private: bool) -> colander.SchemaNode:
    """The contact form; a private person (no organization) has a responsible manager of their
    own. Bind it to a `dbsession`."""
    nodes = [
        required_text("full_name", _("Enter the person's name."),
                      squeezed(length(Contact, "full_name"))),
        text(squeezed(length(Contact, "position")), name="position"),
        text(one_of(DECISION_LEVELS, ""), name="decision_level"),
        colander.SchemaNode(DateText(), name="birthday", missing=None, validator=_not_in_future),
        text(lines(NOTES_MAX), name="notes"),
    ]
    if private:
        nodes.append(reference(User, _("Choose a person from the list."), name="manager_id"))
    return colander.SchemaNode(Fields(), *nodes, *contact_points())


# --- moving a contact to another organization -------------------------------------------------------

PRIVATE = "private"


class MoveTarget(colander.SchemaType):
    """Where the person works now: an organization's id, or PRIVATE (no organization)."""

    def deserialize(self, node, cstruct):
        value = cstruct if isinstance(cstruct, str) else ""
        if value == PRIVATE:
            return PRIVATE
        org_id = parse_int(value)
        if org_id is None:
            raise colander.Invalid(node, _("Choose where the person works now."))
        return org_id


def move_schema() -> colander.SchemaNode:
    """The form that moves a contact: where to, their position there, since when (blank: today;
    whether the user may add contacts to that organization is the page's question)."""
    return colander.SchemaNode(
        Fields(),
        colander.SchemaNode(MoveTarget(), name="target"),
        text(squeezed(length(Contact, "position")), name="position"),
        colander.SchemaNode(DateText(), name="on", missing=None))


# --- merging: whose value stays, field by field ------------------------------------------------------

def merge_choices_schema(fields) -> colander.SchemaNode:
    """The merge page's choices ("choice-<field>": keep, other; for the notes both too), read
    into {field: choice} for the fields the page offered."""
    return colander.SchemaNode(Fields(), *[
        colander.SchemaNode(Choice((KEEP, OTHER, BOTH) if name == "notes" else (KEEP, OTHER)),
                            name=f"choice-{name}", missing=colander.drop)
        for name in fields])


def merge_choices(post, fields) -> dict[str, str]:
    values, _errors = read(merge_choices_schema(fields), post)
    return {key.removeprefix("choice-"): value for key, value in values.items()}


# --- an import's settings: which column is which field, duplicates, the responsible manager ---------

def import_settings_schema(columns: int, fields, duplicates) -> colander.SchemaNode:
    """The import wizard's settings: "col-<n>" (the field the file's column n fills; anything
    else: not imported), "duplicates" (one of `duplicates`, the first by default) and "manager"
    (the person responsible for new records, if chosen). Whether the mapping makes sense is
    portal.clients.import_fields.mapping_problems' question."""
    return colander.SchemaNode(
        Fields(),
        *[colander.SchemaNode(Choice(tuple(fields)), name=f"col-{n}", missing=colander.drop)
          for n in range(columns)],
        colander.SchemaNode(Choice(tuple(duplicates)), name="duplicates", missing=colander.drop),
        colander.SchemaNode(Reference(), name="manager", missing=None))


def import_settings(post, columns: int, fields, duplicates) -> tuple[dict[int, str], str,
                                                                   int | None]:
    """(column → field, what to do with duplicates, the manager's id) as posted."""
    values, _errors = read(import_settings_schema(columns, fields, duplicates), post)
    mapping = {int(key.removeprefix("col-")): value for key, value in values.items()
               if key.startswith("col-")}
    return mapping, values.get("duplicates", duplicates[0]), values.get("manager")
