"""Organizations and contacts as documents of the shared full-text search (models/search):
what their title and body hold, and the legal forms that are noise in a query."""
from __future__ import annotations

import re

import models.search as search
from models.clients.codes import phone_search_terms
from models.clients.organizations import Contact, Organization
from models.people import fold


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


def owners_of_point(row) -> list:
    """The organization or contact a phone, e-mail or address belongs to."""
    return search.owners(row, "organization", "contact")
