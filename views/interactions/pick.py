"""Pickers of the interaction forms: organizations by name/INN/phone (JSON for the type-ahead),
and the contact persons of one organization (the <option>s of the contact select); their
queries are portal/interactions/lists.py's."""
from __future__ import annotations

from pyramid.view import view_config

from portal.interactions.lists import find_organizations, organization_contacts
from portal.interactions.resources import Interactions


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
