"""Tickets from the client's side: "New ticket" on the client card and the contact page,
prefilled with the client (the card's timeline shows its tickets: portal/tickets/client_links.py)."""
from __future__ import annotations

from models.clients import Contact, Organization
from portal.core.i18n import _
from views.clients.organizations import Action, card_action, contact_action


def _new_ticket(request, query: dict) -> list[Action]:
    section = request.root["tickets"]
    if not request.has_permission("add", section):
        return []
    return [Action(_("New ticket"), request.resource_url(section, "add", query=query),
                   icon="life-preserver", id="new-ticket")]


@card_action
def client_card_ticket(request, org: Organization) -> list[Action]:
    return _new_ticket(request, {"organization": org.id})


@contact_action
def contact_page_ticket(request, contact: Contact) -> list[Action]:
    query = {"contact": contact.id}
    if contact.organization_id:
        query["organization"] = contact.organization_id
    return _new_ticket(request, query)
