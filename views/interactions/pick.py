"""Pickers of the interaction forms: organizations by name/INN/phone (JSON for the type-ahead),
and the contact persons of one organization (the <option>s of the contact select)."""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.view import view_config

from models import search
from models.clients import Contact, Organization
from portal.interactions.rules import Interactions
from portal.security.policy import sql_filter

PICK_LIMIT = 12


def find_organizations(request, q: str, limit: int = PICK_LIMIT) -> list[Organization]:
    """Organizations the user may see matching `q` (full-text: name, INN, phone, e-mail...)."""
    db = request.dbsession
    hits = search.hits(db, "organization", (q or "")[:200])
    if hits is None:
        return []
    return list(db.scalars(
        sa.select(Organization).join(hits, hits.c.object_id == Organization.id)
        .where(sql_filter(request, Organization, "view"))
        .order_by(hits.c.rank, Organization.name, Organization.id).limit(limit)))


def organization_contacts(request, organization_id) -> list[Contact]:
    """The contacts of one organization the user may see, by name."""
    raw = str(organization_id or "")
    if not (raw.isdigit() and len(raw) < 12):
        return []
    return list(request.dbsession.scalars(
        sa.select(Contact).where(Contact.organization_id == int(raw),
                                 sql_filter(request, Contact, "view"))
        .order_by(Contact.full_name, Contact.id).limit(500)))


@view_config(context=Interactions, name="organizations", renderer="json", permission="add")
def pick_organizations(request):
    found = find_organizations(request, request.GET.get("q", ""))
    return [{"id": o.id, "name": o.name,
             "detail": " · ".join(p for p in (o.inn, o.legal_name if o.legal_name != o.name
                                               else "") if p)} for o in found]


@view_config(context=Interactions, name="contacts", renderer="interactions/_contact_options.jinja2",
             permission="add")
def pick_contacts(request):
    return {"contacts": organization_contacts(request, request.GET.get("organization")),
            "selected": request.GET.get("contact", "")}
