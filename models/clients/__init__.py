"""Client records: organizations, contact persons, interactions, classifiers (issue 3).

One package, one module per family of tables; every public name is re-exported here, so
``from models.clients import Organization`` is the way to import them:

- `codes.py`: the codes (kinds, stages, decision levels...) and how names and phone numbers are
  folded for comparing (`name_key`, `normalize_phone`);
- `organizations.py`: organizations, contacts, their phones, e-mails, addresses, important
  dates and jobs, the admin-editable lists (`Classifier`), merges (`ClientMerge`);
- `interactions.py`: calls, meetings... (`Interaction`), call attempts, and the flush hook that
  keeps the security columns of contacts and interactions in step;
- `files.py`: files on a client card; `imports.py`: imports from CSV/XLSX files;
- `settings.py`: a person's settings, saved list filters, reminders already sent;
- `documents.py`: organizations and contacts as full-text search documents.

Business rules (validation, normalisation, duplicates, merge) and the labels shown for the codes
live in portal/clients/ and portal/interactions/. Rows are resources of the tree, but their
ACLs and children are bound by those areas' includeme (models import nothing from portal).
"""
from __future__ import annotations

import models.search as search
from models.clients.codes import (
    ADDRESS_KINDS,
    ATTEMPT_OUTCOMES,
    CLASSIFIER_LISTS,
    COLORS,
    DECISION_LEVELS,
    DIRECTIONS,
    EMAIL_KINDS,
    INTERACTION_KINDS,
    LEGAL_FORMS,
    ORGANIZATION_CLASSIFIERS,
    ORGANIZATION_KINDS,
    PHONE_EXTENSION_RE,
    PHONE_KINDS,
    STAGES,
    month_day,
    name_key,
    normalize_phone,
    phone_search_terms,
    shown_key,
)
from models.clients.documents import (
    LEGAL_FORM_WORDS,
    contact_document,
    organization_document,
    owners_of_point,
    without_legal_form,
)
from models.clients.files import ClientFile
from models.clients.imports import ClientImport
from models.clients.interactions import (
    Interaction,
    InteractionAttempt,
    install_listeners,
    interaction_department,
)
from models.clients.organizations import (
    Address,
    Classifier,
    ClassifierList,
    ClientMerge,
    Contact,
    ContactEmployment,
    Email,
    ImportantDate,
    ManagedRow,
    Organization,
    Phone,
    load_contact_points,
)
from models.clients.settings import SavedSegment, SentReminder, UserSetting

__all__ = [
    "ADDRESS_KINDS",
    "ATTEMPT_OUTCOMES",
    "CLASSIFIER_LISTS",
    "COLORS",
    "DECISION_LEVELS",
    "DIRECTIONS",
    "EMAIL_KINDS",
    "INTERACTION_KINDS",
    "LEGAL_FORMS",
    "LEGAL_FORM_WORDS",
    "ORGANIZATION_CLASSIFIERS",
    "ORGANIZATION_KINDS",
    "PHONE_EXTENSION_RE",
    "PHONE_KINDS",
    "STAGES",
    "Address",
    "Classifier",
    "ClassifierList",
    "ClientFile",
    "ClientImport",
    "ClientMerge",
    "Contact",
    "ContactEmployment",
    "Email",
    "ImportantDate",
    "Interaction",
    "InteractionAttempt",
    "ManagedRow",
    "Organization",
    "Phone",
    "SavedSegment",
    "SentReminder",
    "UserSetting",
    "contact_document",
    "includeme",
    "interaction_department",
    "load_contact_points",
    "month_day",
    "name_key",
    "normalize_phone",
    "organization_document",
    "phone_search_terms",
    "shown_key",
    "without_legal_form",
]


def includeme(config) -> None:
    """Contacts and interactions take their security columns from their organization on every
    flush; organizations and contacts are in the shared search index, kept in step on flush;
    legal forms ("ООО", "АО"...) are noise in every search query."""
    install_listeners()
    search.NOISE_WORDS.update(LEGAL_FORM_WORDS)
    search.register(config, "organization", Organization, organization_document, code=1)
    search.register(config, "contact", Contact, contact_document, code=2)
    for child in (Phone, Email, Address):
        search.touches(config, child, owners_of_point)
    search.touches(config, Contact, lambda contact: search.owners(contact, "organization"))
    search.touches(config, Organization,
                   lambda org: list(org.contacts) if search.changed(org, "name") else [])
