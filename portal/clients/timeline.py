"""The client card's timeline: items collected from registered providers.

Interactions (issue 3), tickets, deals and service jobs (later issues) each register a
provider; the client card and the contact page show what they return, merged by time::

    from portal.clients.timeline import TimelineItem, timeline_provider

    @timeline_provider("interactions")
    def interactions(request, target, *, planned, limit):
        # target: an Organization or a Contact. planned=True: what is still to be done
        # (next steps, oldest first); planned=False: what happened (newest first).
        # Filter in SQL with portal.security.filters.sql_filter(request, Model, "view").
        return [TimelineItem(...), ...]

A provider returns at most `limit` items; it may return [] when the user may see nothing.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from models.clients import Contact, Organization
from models.registry import Registry, registers


@dataclass
class TimelineItem:
    """One thing in a client's timeline, as the card shows it."""

    at: dt.datetime  # when it happened (or is planned); timezone-aware
    title: str  # a short line ("Call: asked for a proposal")
    url: str = ""  # its own page, if any
    kind: str = ""  # the provider's name ("interactions", "tickets"...)
    icon: str = "circle"  # bootstrap-icons name
    detail: str = ""  # one or two lines of text
    who: str = ""  # the person responsible or the author
    badge: str = ""  # a short state ("Planned", "Done", "Overdue", "Open")
    badge_class: str = "text-bg-secondary"  # Bootstrap badge classes
    color: str = ""  # a colour mark (models.clients.COLORS)
    planned: bool = False  # still to be done
    overdue: bool = False
    # Extra HTML for the row (e.g. action buttons of the providing area), already escaped.
    actions_html: str = ""
    extra: dict = field(default_factory=dict)


TimelineProvider = Callable[..., list[TimelineItem]]
TIMELINE_PROVIDERS: Registry[TimelineProvider] = Registry("timeline providers")


def timeline_provider(name: str) -> Callable[[TimelineProvider], TimelineProvider]:
    """Register `fn(request, target, *, planned, limit) -> list[TimelineItem]` under `name`
    (when its area's includeme scans the module)."""
    return registers(TIMELINE_PROVIDERS, name)


def timeline_for(request, target: Organization | Contact, *, planned: bool = False,
                 limit: int = 30) -> list[TimelineItem]:
    """Items of every provider for `target`: planned ones oldest first, the rest newest first."""
    items: list[TimelineItem] = []
    for name, provider in TIMELINE_PROVIDERS.items():
        for item in provider(request, target, planned=planned, limit=limit) or ():
            item.kind = item.kind or name
            items.append(item)
    items.sort(key=lambda i: i.at, reverse=not planned)
    return items[:limit]
