"""When resources can work: their working week (a business-hours calendar in their own zone),
minus time off, minus what other jobs hold (`resource_bookings`). Read in a few statements for
many resources at once, for the checks of one change, find-a-slot, auto-plan and the board.
"""
from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache

import sqlalchemy as sa

from models.booking import ResourceBooking
from models.dispatch import Resource, TimeOff, resource_key
from models.errors import UserError
from portal.tickets.hours import BusinessHours

Span = tuple[dt.datetime, dt.datetime]


@lru_cache(maxsize=512)
def _calendar(data: str) -> BusinessHours | None:
    try:
        return BusinessHours.from_data(json.loads(data))
    except UserError:
        return None


def calendar_of(resource: Resource) -> BusinessHours | None:
    """The resource's working week, or None when it has none (nothing is within its hours)."""
    hours = resource.hours or {}
    if not hours.get("week"):
        return None
    return _calendar(json.dumps(hours, sort_keys=True))


def working_spans(resource: Resource, start: dt.datetime, end: dt.datetime) -> list[Span]:
    """The resource's working intervals that meet [start, end), touching ones joined."""
    calendar = calendar_of(resource)
    if calendar is None or end <= start:
        return []
    # From the day before, so an interval running into `start` is whole.
    spans = calendar.openings(start - dt.timedelta(days=1), end + dt.timedelta(days=1))
    return [s for s in merge(spans) if s[1] > start and s[0] < end]


def merge(spans: Iterable[Span]) -> list[Span]:
    """Sorted spans with overlapping or touching ones joined."""
    out: list[list[dt.datetime]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def subtract(spans: Iterable[Span], holes: Iterable[Span]) -> list[Span]:
    """`spans` without `holes` (both sorted or not; the answer is sorted and disjoint)."""
    holes = merge(holes)
    out = []
    for s, e in merge(spans):
        cursor = s
        for hs, he in holes:
            if he <= cursor or hs >= e:
                continue
            if hs > cursor:
                out.append((cursor, hs))
            cursor = max(cursor, he)
            if cursor >= e:
                break
        if cursor < e:
            out.append((cursor, e))
    return out


def within(spans: Iterable[Span], start: dt.datetime, end: dt.datetime) -> bool:
    """Whether [start, end) lies inside one of the (merged) spans."""
    return any(s <= start and end <= e for s, e in merge(spans))


def time_off(dbsession, resource_ids: Iterable[int], start: dt.datetime,
             end: dt.datetime) -> dict[int, list[Span]]:
    """{resource id: [(start, end)]} of time off meeting [start, end)."""
    ids = sorted(set(resource_ids))
    out: dict[int, list[Span]] = defaultdict(list)
    if not ids:
        return out
    rows = dbsession.execute(
        sa.select(TimeOff.resource_id, TimeOff.starts_at, TimeOff.ends_at)
        .where(TimeOff.resource_id.in_(ids), TimeOff.starts_at < end, TimeOff.ends_at > start)
        .order_by(TimeOff.starts_at))
    for rid, s, e in rows:
        out[rid].append((s, e))
    return out


def bookings(dbsession, resource_ids: Iterable[int], start: dt.datetime, end: dt.datetime,
             except_holder: str | None = None) -> dict[int, list[tuple[dt.datetime, dt.datetime, str]]]:
    """{resource id: [(start, end, holder)]} of what is booked on these resources in the range
    (jobs, and anything else the bookings table holds for them), but `except_holder`'s."""
    ids = sorted(set(resource_ids))
    out: dict[int, list] = defaultdict(list)
    if not ids:
        return out
    keys = {resource_key(i): i for i in ids}
    stmt = (sa.select(ResourceBooking.resource, ResourceBooking.starts_at, ResourceBooking.ends_at,
                      ResourceBooking.holder)
            .where(ResourceBooking.resource.in_(sorted(keys)), ResourceBooking.starts_at < end,
                   ResourceBooking.ends_at > start)
            .order_by(ResourceBooking.starts_at))
    if except_holder is not None:
        stmt = stmt.where(ResourceBooking.holder != except_holder)
    for resource, s, e, holder in dbsession.execute(stmt):
        out[keys[resource]].append((s, e, holder))
    return out


def free_spans(resources: Iterable[Resource], start: dt.datetime, end: dt.datetime,
               off: dict[int, list[Span]], busy: dict[int, list]) -> dict[int, list[Span]]:
    """{resource id: when it may take a job in [start, end)}: working time minus time off minus
    bookings, clipped to the range."""
    out = {}
    for resource in resources:
        work = [(max(s, start), min(e, end)) for s, e in working_spans(resource, start, end)]
        holes = [*off.get(resource.id, ()), *((s, e) for s, e, _h in busy.get(resource.id, ()))]
        out[resource.id] = [s for s in subtract(work, holes) if s[1] > s[0]]
    return out
