"""Finding events: the header search's "Events" group and /calendar/search (all matches).

Events are found by title, place and description in the shared index (models/search.py) and
filtered in the same SQL by what the person may see: the `view` matrix and, for busy-only and
private events, only those whose details they see (participants, editors). A busy-only event
of someone else is not matched by words the person may not read — a hit would tell them what
it is about — so it never shows up, not even as "busy".
"""

from __future__ import annotations

import datetime as dt
from math import ceil

import sqlalchemy as sa
from pyramid.view import view_config

from models import search
from models.calendar import Event
from models.meta import utcnow
from portal.calendar.recurrence import Recurrence
from portal.calendar.resources import CalendarSection
from portal.calendar.security import details_clause
from portal.core.i18n import _, format_date, zone_named
from portal.core.parsing import parse_int
from portal.security.filters import sql_filter
from views.people.directory import count_of
from views.search.header import SearchGroup, SearchItem, search_provider

PAGE_SIZE = 30


def findable(request) -> list:
    """WHERE of the events the person may find: series and single events (a changed
    occurrence is found through its series) they may view and whose details they see."""
    return [Event.series_id.is_(None), sql_filter(request, Event, "view"),
            details_clause(request)]


def upcoming_first(stmt: sa.Select) -> sa.Select:
    """Upcoming (or still repeating) events first, the nearest first; then past ones, latest
    first."""
    past = Event.series_end_at < utcnow()
    return stmt.order_by(past, sa.case((past, None), else_=Event.start_at),
                         Event.start_at.desc(), Event.id.desc())


def event_search(request, q: str) -> sa.Select | None:
    """SELECT of the events matching `q` that the person may read, upcoming first; None when
    `q` has no words to look for."""
    found = search.match(request.dbsession, "event", q)
    if found is None:
        return None
    return upcoming_first(sa.select(Event).where(Event.id.in_(found.ids), *findable(request)))


def event_detail(request, event: Event) -> str:
    """When (the user's zone; for a series, how it repeats) and where, on one line."""
    t = request.translate
    locale = request.locale_name
    if event.all_day:
        when = format_date(request, event.start_at.astimezone(zone_named(event.timezone)).date(),
                           "medium")
    else:
        local = event.start_at.astimezone(request.user_timezone)
        when = format_date(request, local.date(), "medium") + local.strftime(", %H:%M")
    parts = [when]
    if event.rrule:
        parts.append(Recurrence.from_rrule(event.rrule, zone_named(event.timezone))
                     .describe(request.localizer, locale))
    if event.location:
        parts.append(event.location)
    if event.cancelled:
        parts.append(t(_("Cancelled")))
    return " · ".join(parts)


def event_url(request, event: Event) -> str:
    return request.resource_url(request.root["calendar"], str(event.id))


@search_provider
def search_events(request, q: str, limit: int) -> SearchGroup | None:
    """Events the person may read, by words of their title, place or description."""
    section = request.root["calendar"]
    if not request.has_permission("view", section):
        return None
    # At most a hundred matches read (models.search.preview), the nearest of them shown.
    found = search.preview(request.dbsession, "event", q, where=findable(request), ranked=False)
    if found is None or not found.ids:
        return None
    events = request.dbsession.scalars(
        upcoming_first(sa.select(Event).where(Event.id.in_(found.ids))).limit(limit)).all()
    items = [SearchItem(e.title, event_url(request, e), event_detail(request, e),
                        icon="calendar-x" if e.cancelled else "calendar-event") for e in events]
    return SearchGroup(_("Events"), items,
                       request.resource_url(section, "search", query={"q": q}), len(found.ids),
                       found.more)


@view_config(context=CalendarSection, name="search", renderer="calendar/search.jinja2",
             permission="view")
def search_page(request):
    q = request.GET.get("q", "").strip()[:200]
    page = parse_int(request.GET.get("page", "1"))
    page = page if page is not None and page < 100000 else 1
    events, total = [], 0
    stmt = event_search(request, q) if q else None
    if stmt is not None:
        total = count_of(request.dbsession, stmt)
        events = request.dbsession.scalars(
            stmt.limit(PAGE_SIZE).offset((max(page, 1) - 1) * PAGE_SIZE)).all()
    pages = max(1, ceil(total / PAGE_SIZE))
    return {
        "title": _("Search events"),
        "q": q,
        "events": events,
        "total": total,
        "page": min(max(page, 1), pages),
        "pages": pages,
        "detail": lambda e: event_detail(request, e),
        "url": lambda e: event_url(request, e),
        "page_url": lambda n: request.resource_url(request.context, "search",
                                                   query={"q": q, "page": n}),
        "now": dt.datetime.now(dt.UTC),
    }
