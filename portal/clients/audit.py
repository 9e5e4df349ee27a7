"""Client records in the audit log, in words (portal/audit/log.py's extension points).

Registers the audited client tables, the names of classifiers, organizations and contacts, and
what `history_for` shows on a client card (the organization, its phones, e-mails, addresses,
dates and contacts, including those of organizations merged into it) or a contact page.
"""
from __future__ import annotations

import sqlalchemy as sa

from models.clients import (
    Address,
    Classifier,
    ClientFile,
    ClientMerge,
    Contact,
    ContactEmployment,
    Email,
    ImportantDate,
    Interaction,
    Organization,
    Phone,
)
from portal.audit.log import (
    DELETE,
    INSERT,
    AuditedTable,
    name_of,
    register_name_kind,
    register_related,
    register_table,
)
from portal.clients.rules import (
    ADDRESS_KIND_LABELS,
    CLASSIFIER_LIST_LABELS,
    DECISION_LABELS,
    EMAIL_KIND_LABELS,
    INTERACTION_KIND_LABELS,
    KIND_LABELS,
    PHONE_KIND_LABELS,
    STAGE_LABELS,
)
from portal.core.i18n import _

HIDDEN = ("name_key", "normalized", "md", "birth_md", "version", "updated_at", "created_by_id",
          "sha256")

CODE_LABELS = {"kind": KIND_LABELS, "stage": STAGE_LABELS, "decision_level": DECISION_LABELS}
CLASSIFIER_COLUMNS = {"industry_id", "region_id", "group_id", "category_id", "source_id",
                      "result_id", "lost_reason_id"}
USER_COLUMNS = {"manager_id", "author_id", "responsible_id", "uploaded_by_id"}


def _owner(names, row):
    """«organization X» or «contact Y»: what a phone, e-mail, address or date belongs to."""
    if row.organization_id is not None:
        return _("organization ${name}", mapping={"name": name_of(names, "organization",
                                                                  row.organization_id)})
    return _("contact ${name}", mapping={"name": name_of(names, "contact", row.contact_id)})


def _want_common(names, row) -> None:
    for column in ("organization_id", "contact_id"):
        if hasattr(row, column):
            names.want(column[:-3], getattr(row, column))
    for column in USER_COLUMNS:
        if hasattr(row, column):
            names.want("user", getattr(row, column))
    if hasattr(row, "department_id"):
        names.want("department", row.department_id)
    for column in CLASSIFIER_COLUMNS:
        if hasattr(row, column):
            names.want("classifier", getattr(row, column))


def _value(table: str):
    def field_value(column, value, names):
        if column in CLASSIFIER_COLUMNS:
            return name_of(names, "classifier", value), "ref"
        if column in USER_COLUMNS:
            return names.user(value), "ref"
        if column == "department_id":
            return names.department(value), "ref"
        if column == "organization_id":
            return name_of(names, "organization", value), "ref"
        if column == "contact_id":
            return name_of(names, "contact", value), "ref"
        if column == "parent_id":
            return (f"#{value}" if value else None), "ref"
        if column in CODE_LABELS:
            return CODE_LABELS[column].get(value, value or None), "ref"
        if column == "kind":
            labels = {"phones": PHONE_KIND_LABELS, "emails": EMAIL_KIND_LABELS,
                      "addresses": ADDRESS_KIND_LABELS,
                      "interactions": INTERACTION_KIND_LABELS}.get(table, {})
            return labels.get(value, value), "ref"
        if column == "list":
            return CLASSIFIER_LIST_LABELS.get(value, value), "ref"
        return None

    return field_value


def _sentence(op, created, deleted, changed, m):
    msg = {INSERT: created, DELETE: deleted}.get(op, changed)
    return _(msg, mapping=m)


def _describe_classifier(version, op, fields, names):
    m = {"title": _(version.title), "list": CLASSIFIER_LIST_LABELS.get(version.list, version.list)}
    return (_sentence(op, _("Added “${title}” to the list ${list}"),
                      _("Deleted “${title}” from the list ${list}"),
                      _("Changed “${title}” in the list ${list}"), m), None,
            [] if op == INSERT else fields)


def _describe_organization(version, op, fields, names):
    m = {"name": version.name}
    if op == INSERT:
        keep = {"inn", "kind", "manager_id", "department_id"}
        fields = [f for f in fields if f.name in keep] if fields else []
    return (_sentence(op, _("Created organization ${name}"), _("Deleted organization ${name}"),
                      _("Changed organization ${name}"), m), None, fields)


def _describe_contact(version, op, fields, names):
    m = {"name": version.full_name}
    if op == INSERT:
        fields = []
    return (_sentence(op, _("Created contact ${name}"), _("Deleted contact ${name}"),
                      _("Changed contact ${name}"), m), None, fields)


def _describe_child(what_added, what_deleted, what_changed, value_attr):
    def describe(version, op, fields, names):
        m = {"value": value_attr(version), "owner": _owner(names, version)}
        return _sentence(op, what_added, what_deleted, what_changed, m), None, \
            ([] if op != 1 else fields)

    return describe


def _describe_employment(version, op, fields, names):
    m = {"contact": name_of(names, "contact", version.contact_id),
         "organization": version.organization_name or name_of(names, "organization",
                                                               version.organization_id)}
    return (_sentence(op, _("${contact} started at ${organization}"),
                      _("Deleted the job of ${contact} at ${organization}"),
                      _("Changed the job of ${contact} at ${organization}"), m), None,
            [] if op == INSERT else fields)


def _describe_interaction(version, op, fields, names):
    m = {"kind": INTERACTION_KIND_LABELS.get(version.kind, version.kind),
         "subject": version.subject or f"#{version.id}"}
    return (_sentence(op, _("Recorded ${kind} “${subject}”"), _("Deleted ${kind} “${subject}”"),
                      _("Changed ${kind} “${subject}”"), m), None, [] if op == INSERT else fields)


FIELDS = {
    "classifiers": {"title": _("title"), "list": _("list"), "sort_order": _("order in the list"),
                    "active": _("offered"), "code": _("code")},
    "organizations": {
        "name": _("name"), "legal_name": _("legal name"), "inn": _("INN"), "kpp": _("KPP"),
        "kind": _("kind"), "stage": _("stage"), "industry_id": _("industry"),
        "region_id": _("region"), "group_id": _("group"), "category_id": _("category"),
        "source_id": _("advertising source"), "manager_id": _("responsible manager"),
        "department_id": _("department"), "discount_percent": _("discount, %"),
        "payment_deferral_days": _("payment deferral, days"), "credit_limit": _("credit limit"),
        "purchase_potential": _("purchase potential"), "website": _("website"),
        "notes": _("notes"), "tags": _("tags"), "lost_on": _("lost on"),
        "lost_reason_id": _("client lost reason"), "lost_note": _("why the client left")},
    "contacts": {"full_name": _("name"), "organization_id": _("organization"),
                 "position": _("position"), "decision_level": _("decision level"),
                 "birthday": _("birthday"), "notes": _("notes"),
                 "department_id": _("department"), "manager_id": _("responsible manager")},
    "contact_employments": {"organization_id": _("organization"),
                            "organization_name": _("organization"), "position": _("position"),
                            "started_on": _("from"), "ended_on": _("until")},
    "phones": {"number": _("number"), "kind": _("kind"), "extension": _("extension"),
               "note": _("note"), "sort_order": _("order"),
               "organization_id": _("organization"), "contact_id": _("contact")},
    "emails": {"address": _("address"), "kind": _("kind"), "note": _("note"),
               "sort_order": _("order"), "organization_id": _("organization"),
               "contact_id": _("contact")},
    "addresses": {"kind": _("kind"), "postal_code": _("postal code"), "city": _("city"),
                  "text": _("address"), "note": _("note"), "sort_order": _("order"),
                  "organization_id": _("organization"), "contact_id": _("contact")},
    "important_dates": {"title": _("title"), "date": _("date"), "yearly": _("every year"),
                        "note": _("note"), "organization_id": _("organization"),
                        "contact_id": _("contact")},
    "client_files": {"filename": _("file name"), "content_type": _("kind of file"),
                     "size": _("size, bytes"), "organization_id": _("organization"),
                     "contact_id": _("contact"), "uploaded_by_id": _("attached by"),
                     "uploaded_at": _("attached")},
    "interactions": {"kind": _("kind"), "direction": _("direction"), "planned_at": _("planned"),
                     "done_at": _("done"), "organization_id": _("organization"),
                     "contact_id": _("contact"), "subject": _("subject"), "text": _("text"),
                     "author_id": _("author"), "responsible_id": _("responsible"),
                     "department_id": _("department"), "result_id": _("result"),
                     "result_text": _("result text"), "color": _("colour mark"),
                     "parent_id": _("follow-up of")},
}


def _file_name(row):
    return row.filename


def _phone_number(row):
    return row.number


def _email_address(row):
    return row.address


def _address_text(row):
    return ", ".join(p for p in (row.postal_code, row.city, row.text) if p)


def _date_title(row):
    return row.title


def includeme(config) -> None:
    """Tell the audit log how to describe this area's tables."""
    register_name_kind(config, "classifier", Classifier, lambda row: _(row.title))
    register_name_kind(config, "organization", Organization, lambda row: row.name)
    register_name_kind(config, "contact", Contact, lambda row: row.full_name)

    def spec(model, label, describe, row_label, table):
        return AuditedTable(model=model, label=label, fields=FIELDS[table], describe=describe,
                            row_label=row_label, field_value=_value(table),
                            want_names=_want_common)

    tables = [
        ("classifiers", Classifier, _("Classifier lists"), _describe_classifier,
         lambda names, row: _("list entry “${title}”", mapping={"title": _(row.title)})),
        ("organizations", Organization, _("Organizations"), _describe_organization,
         lambda names, row: _("organization ${name}", mapping={"name": row.name})),
        ("contacts", Contact, _("Contacts"), _describe_contact,
         lambda names, row: _("contact ${name}", mapping={"name": row.full_name})),
        ("contact_employments", ContactEmployment, _("Contact jobs"), _describe_employment,
         lambda names, row: _("job at ${organization}",
                              mapping={"organization": row.organization_name})),
        ("phones", Phone, _("Client phones"),
         _describe_child(_("Added phone ${value} to ${owner}"),
                         _("Deleted phone ${value} of ${owner}"),
                         _("Changed phone ${value} of ${owner}"), _phone_number),
         lambda names, row: _("phone ${value} of ${owner}",
                              mapping={"value": row.number, "owner": _owner(names, row)})),
        ("emails", Email, _("Client e-mails"),
         _describe_child(_("Added e-mail ${value} to ${owner}"),
                         _("Deleted e-mail ${value} of ${owner}"),
                         _("Changed e-mail ${value} of ${owner}"), _email_address),
         lambda names, row: _("e-mail ${value} of ${owner}",
                              mapping={"value": row.address, "owner": _owner(names, row)})),
        ("addresses", Address, _("Client addresses"),
         _describe_child(_("Added address ${value} to ${owner}"),
                         _("Deleted address ${value} of ${owner}"),
                         _("Changed address ${value} of ${owner}"), _address_text),
         lambda names, row: _("address ${value} of ${owner}",
                              mapping={"value": _address_text(row), "owner": _owner(names, row)})),
        ("important_dates", ImportantDate, _("Important dates"),
         _describe_child(_("Added date “${value}” to ${owner}"),
                         _("Deleted date “${value}” of ${owner}"),
                         _("Changed date “${value}” of ${owner}"), _date_title),
         lambda names, row: _("date “${value}” of ${owner}",
                              mapping={"value": row.title, "owner": _owner(names, row)})),
        ("client_files", ClientFile, _("Client files"),
         _describe_child(_("Attached file “${value}” to ${owner}"),
                         _("Deleted file “${value}” of ${owner}"),
                         _("Changed file “${value}” of ${owner}"), _file_name),
         lambda names, row: _("file “${value}” of ${owner}",
                              mapping={"value": row.filename, "owner": _owner(names, row)})),
        ("interactions", Interaction, _("Interactions"), _describe_interaction,
         lambda names, row: _("interaction “${subject}”", mapping={"subject": row.subject})),
    ]
    for table, model, label, describe, row_label in tables:
        register_table(config, table, spec(model, label, describe, row_label, table), hidden=HIDDEN)
    register_related(config, related_history)


def _merged_ids(dbsession, kind: str, kept_id: int) -> list[int]:
    return [kept_id, *dbsession.scalars(sa.select(ClientMerge.merged_id).where(
        ClientMerge.kind == kind, ClientMerge.kept_id == kept_id))]


def related_history(obj):
    """What `history_for` shows for an organization or a contact (None for other objects)."""
    from sqlalchemy.orm import object_session

    if isinstance(obj, Organization):
        ids = _merged_ids(object_session(obj), "organization", obj.id)
        return {
            "organizations": lambda v: v.id.in_(ids),
            "contacts": lambda v: v.organization_id.in_(ids),
            "phones": lambda v: v.organization_id.in_(ids),
            "emails": lambda v: v.organization_id.in_(ids),
            "addresses": lambda v: v.organization_id.in_(ids),
            "important_dates": lambda v: v.organization_id.in_(ids),
            "client_files": lambda v: v.organization_id.in_(ids),
        }
    if isinstance(obj, Contact):
        ids = _merged_ids(object_session(obj), "contact", obj.id)
        return {
            "contacts": lambda v: v.id.in_(ids),
            "contact_employments": lambda v: v.contact_id.in_(ids),
            "phones": lambda v: v.contact_id.in_(ids),
            "emails": lambda v: v.contact_id.in_(ids),
            "addresses": lambda v: v.contact_id.in_(ids),
            "important_dates": lambda v: v.contact_id.in_(ids),
            "client_files": lambda v: v.contact_id.in_(ids),
        }
    return None

