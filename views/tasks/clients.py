"""Tasks and events about a client, from the client's side: "New task" and "New event" on the
client card and the contact page (prefilled with the client), and the picker that offers
clients and contacts the user may see in the task and event forms."""

from __future__ import annotations

from pyramid.view import view_config

from models.clients import Contact, Organization
from portal.core.i18n import _
from portal.tasks.client_links import pick
from portal.tasks.resources import Tasks
from views.clients.organizations import Action, card_action, contact_action


def _buttons(request, task_link: tuple[str, int], event_link: tuple[str, int]) -> list[Action]:
    out = []
    root = request.root
    if request.has_permission("add", root["tasks"]):
        out.append(
            Action(
                _("New task"),
                request.resource_url(
                    root["tasks"], "add", query={"link_type": task_link[0], "link_id": task_link[1]}
                ),
                icon="check2-square",
                id="new-task",
            )
        )
    if request.has_permission("add", root["calendar"]):
        out.append(
            Action(
                _("New event"),
                request.resource_url(
                    root["calendar"], "add", query={"link_type": event_link[0], "link_id": event_link[1]}
                ),
                icon="calendar-plus",
                id="new-event",
            )
        )
    return out


@card_action
def client_card_buttons(request, org: Organization) -> list[Action]:
    return _buttons(request, ("organization", org.id), ("client", org.id))


@contact_action
def contact_page_buttons(request, contact: Contact) -> list[Action]:
    return _buttons(request, ("contact", contact.id), ("contact", contact.id))


@view_config(context=Tasks, name="link-options", renderer="tasks/_link_options.jinja2", permission="view")
def link_options(request):
    """<option>s of clients (or contacts) the user may see, for the forms' datalist."""
    kind = request.GET.get("link_type", "")
    return {"options": pick(request, kind, request.GET.get("link_id", "") or request.GET.get("q", ""))}
