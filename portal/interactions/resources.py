"""Interactions in the resource tree: /clients/interactions/{id} (DESIGN.md §4).

One flat container of every interaction (never a node per row of a generic tree), hung under
/clients by portal/interactions' includeme; a row loaded by a query finds its place there
through `portal.resources.locate` (the locator `place_interaction`, registered by the same
includeme).
"""
from __future__ import annotations

from models.clients import Interaction
from portal.resources import Container, load_by_id, locate
from portal.security.acl import container_acl


class Interactions(Container):
    """/clients/interactions: the list, add, My day's fragments; rows by id."""

    def __acl__(self):
        return container_acl(self, "interaction", ("view", "add"))

    def load(self, key):
        return load_by_id(self.request, Interaction, key)


def interactions_section(request) -> Interactions:
    return request.root["clients"]["interactions"]


def place_interaction(request, item: Interaction) -> None:
    """An interaction's place: /clients/interactions/{id}."""
    item.__parent__ = interactions_section(request)
    item.__name__ = str(item.id)


def interaction_url(request, item: Interaction, *elements, **kw) -> str:
    return request.resource_url(locate(request, item), *elements, **kw)
