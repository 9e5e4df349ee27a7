"""The client card's timeline: items collected from registered providers.

Interactions (issue 3), tasks, events, files, and later tickets, deals and service jobs each
register a provider; the client card and the contact page show what they return, merged by
time. A provider is asked once per page for both halves, in one statement of its own::

    from portal.clients.timeline import TimelineItem, planned_and_past, timeline_provider

    @timeline_provider("interactions")
    def interactions(request, target, *, planned, past):
        # target: an Organization or a Contact; planned / past: how many of each are wanted
        # (what is still to be done, oldest first; what happened, newest first). Filter in SQL
        # with portal.security.filters.sql_filter(request, Model, "view").
        return [TimelineItem(..., planned=True), ..., TimelineItem(...), ...]

A provider returns at most `planned` planned items and `past` others; [] when the user may see
nothing. Items carry their actions as data (`TimelineAction`), drawn by the card's macro in the
same template pass.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa

from models.clients import Contact, Organization
from models.meta import in_first_of_each
from models.registry import Registry, registers


@dataclass(frozen=True)
class TimelineAction:
    """A button on a timeline item: a link, its icon, and whether its title shows as text."""

    title: str
    url: str
    icon: str
    css: str = "btn-light"
    text: bool = True  # the title is written next to the icon (else it is the tooltip)


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
    actions: list[TimelineAction] = field(default_factory=list)
    extra: dict = field(default_factory=dict)


TimelineProvider = Callable[..., list[TimelineItem]]
TIMELINE_PROVIDERS: Registry[TimelineProvider] = Registry("timeline providers")


def timeline_provider(name: str) -> Callable[[TimelineProvider], TimelineProvider]:
    """Register `fn(request, target, *, planned, past) -> list[TimelineItem]` under `name`
    (when its area's includeme scans the module)."""
    return registers(TIMELINE_PROVIDERS, name)


def planned_and_past(id_column, planned: sa.Select | None, past: sa.Select | None,
                     n_planned: int, n_past: int) -> sa.ColumnElement[bool]:
    """Both halves of a timeline in one statement, each read through its own index in its own
    order (`planned` and `past` select the id column, ordered)."""
    return in_first_of_each(id_column, [(planned, n_planned), (past, n_past)])


@dataclass
class Timeline:
    planned: list[TimelineItem]  # oldest first
    past: list[TimelineItem]  # newest first


def timelines(request, target: Organization | Contact, *, planned: int = 10,
              past: int = 40) -> Timeline:
    """Items of every provider for `target`, each provider asked once for both halves."""
    todo: list[TimelineItem] = []
    done: list[TimelineItem] = []
    for name, provider in TIMELINE_PROVIDERS.items():
        for item in provider(request, target, planned=planned, past=past) or ():
            item.kind = item.kind or name
            (todo if item.planned else done).append(item)
    todo.sort(key=lambda i: i.at)
    done.sort(key=lambda i: i.at, reverse=True)
    return Timeline(todo[:planned], done[:past])


def timeline_for(request, target: Organization | Contact, *, planned: bool = False,
                 limit: int = 30) -> list[TimelineItem]:
    """One half: planned items oldest first, or the rest newest first."""
    both = timelines(request, target, planned=limit if planned else 0,
                     past=0 if planned else limit)
    return both.planned if planned else both.past
