"""Service jobs from the client's side: "New job" on the client card and the contact page,
prefilled with the client (the card's timeline shows its jobs: portal/dispatch/client_links.py)."""
from __future__ import annotations

from models.clients import Contact, Organization
from portal.core.i18n import _
from views.clients.organizations import Action, card_action, contact_action


def _new_job(request, query: dict) -> list[Action]:
    section = request.root["dispatch"]["jobs"]
    if not request.has_permission("add", section):
        return []
    return [Action(_("New job"), request.resource_url(section, "add", query=query),
                   icon="truck", id="new-job")]


@card_action
def client_card_job(request, org: Organization) -> list[Action]:
    return _new_job(request, {"organization": org.id})


@contact_action
def contact_page_job(request, contact: Contact) -> list[Action]:
    query = {"contact": contact.id}
    if contact.organization_id:
        query["organization"] = contact.organization_id
    return _new_job(request, query)
