"""What a task is about: a client, a contact, a ticket, a service job or a deal, stored as a
generic (link_type, link_id) pair. Each area that owns such records registers how to name them
and where they are, for the records a user may see:

    from portal.tasks.links import register_link_type

    @register_link_type("ticket")
    def tickets(request, ids):   # -> {id: (label, url)} for the ids the user may view
        ...

Types with no registered area yet are shown as “Ticket #12”, without a link.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from models.registry import Registry, registers
from models.tasks import LINK_TYPES
from portal.core.i18n import _

LINK_TITLES = {
    "organization": _("Client"),
    "contact": _("Contact"),
    "ticket": _("Ticket"),
    "job": _("Service job"),
    "deal": _("Deal"),
}
assert set(LINK_TITLES) == set(LINK_TYPES)

Resolver = Callable[[object, list[int]], dict[int, tuple[str, str]]]
RESOLVERS: Registry[Resolver] = Registry("task link types")


def register_link_type(name: str):
    """Decorator: the resolver of one link type, registered when its area's includeme scans it."""
    if name not in LINK_TYPES:
        raise ValueError(f"unknown task link type {name!r}")
    return registers(RESOLVERS, name)


class Link:
    def __init__(self, kind: str, id_: int, label: str | None, url: str | None, known: bool):
        self.kind, self.id, self.label, self.url, self.known = kind, id_, label, url, known

    def text(self, request) -> str:
        title = request.translate(LINK_TITLES.get(self.kind, self.kind))
        return f"{title}: {self.label}" if self.label else f"{title} #{self.id}"


def resolve_links(request, pairs) -> dict[tuple[str, int], Link]:
    """Labels and addresses for (type, id) pairs, one query per type."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for kind, id_ in pairs:
        if kind and id_ is not None:
            wanted[kind].add(id_)
    out = {}
    for kind, ids in wanted.items():
        resolver = RESOLVERS.get(kind)
        found = resolver(request, sorted(ids)) if resolver else {}
        for id_ in ids:
            label, url = found.get(id_, (None, None))
            out[(kind, id_)] = Link(kind, id_, label, url, resolver is None or id_ in found)
    return out


def link_problem(request, kind: str | None, id_: int | None):
    """Why the user cannot link this record (it does not exist or they may not see it)."""
    if not kind or id_ is None or kind not in RESOLVERS:
        return None
    if not resolve_links(request, [(kind, id_)])[(kind, id_)].known:
        return _(
            "There is no ${kind} number ${id}, or you may not see it.",
            mapping={"kind": request.translate(LINK_TITLES[kind]).lower(), "id": id_},
        )
    return None
