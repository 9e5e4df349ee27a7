"""Business hours and the SLA clock: when support is at work, and how much of a ticket's target
is used up.

A `BusinessHours` calendar is a queue's working week (several intervals a day: a lunch break
stops the clock), its holidays and its special working days (a transferred working Saturday), in
the queue's time zone. It answers four questions, all in aware UTC instants:
`openings(start, end)` (when we work in that stretch), `next_opening(at)` (when a ticket created
at night starts its clock), `add(start, seconds)` (when that much working time has passed) and
`between(a, b)` (how much working time lies between). `add` is the inverse of `between`:
`between(s, add(s, x)) == x`, and `add` answers the earliest such instant (a target reached at
Friday's closing is due on Friday at 18:00, not on Monday at 09:00).

The SLA clock of a ticket is its calendar minus its pauses (waiting for the customer):
`business_elapsed`, `due_at` and `clock_state`. They always count from the ticket's creation, so
a change of priority or queue just calls them again with the new policy's target and calendar
and the same pauses: the time spent paused stays uncounted, whatever the calendar.

Daylight saving. Each local day's intervals are taken in the calendar's zone and turned into UTC
one by one, so 09:00 stays 09:00 on the wall when the clocks change, and a whole day
(00:00-24:00) lasts 23 or 25 hours on the change days. A wall time the clocks skip (02:30 on the
spring-forward night) means the instant the clocks jump (03:00 new time); a wall time that
happens twice (02:30 on the fall-back night) means its first occurrence. Both rules keep the
order of times, so intervals never overlap or turn round.

Speed: the ticker recomputes every open ticket, so the arithmetic walks working intervals (each
local day's are computed once per calendar and kept), never minutes. Build one `BusinessHours`
per calendar and reuse it for all its tickets. Internally instants are whole microseconds since
the epoch, so the arithmetic is exact.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from models.errors import UserError
from portal.core.i18n import _

UTC = dt.UTC
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
MICRO = dt.timedelta(microseconds=1)
US_PER_S = 1_000_000
DAY_MINUTES = 24 * 60
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# How far ahead a search for working time looks before it calls the calendar empty.
SEARCH_DAYS = 3 * 366
OPEN = 1 << 62  # the end of a pause that is still going on, in microseconds
CACHE_DAYS = 20_000  # local days kept per calendar before the cache starts again

INTERVAL_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–—]\s*(\d{1,2}):(\d{2})\s*$")

Span = tuple[int, int]  # minutes from local midnight, [start, end), end at most 24:00
Pause = tuple[dt.datetime, dt.datetime | None]

RUNNING, WARNING, PAUSED, BREACHED, MET = "running", "warning", "paused", "breached", "met"


class NoWorkingTime(UserError):
    """The calendar has no working time for years ahead: the clock could never run."""


def _us(instant: dt.datetime) -> int:
    return (instant - EPOCH) // MICRO


def _instant(us: int) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=us)


def _seconds(us: int) -> float:
    return us / US_PER_S


def _to_us(seconds: float) -> int:
    if seconds < 0:
        raise ValueError("seconds of working time cannot be negative")
    return round(seconds * US_PER_S)


@dataclass(frozen=True)
class BusinessHours:
    """A working calendar: `week` holds seven tuples (Monday first) of (start, end) minutes from
    local midnight; `holidays` are dates off; `workdays` are (date, spans) pairs that replace the
    week's spans on that date. Build it with `from_data` to have it checked."""

    zone: ZoneInfo
    week: tuple[tuple[Span, ...], ...]
    holidays: frozenset[dt.date] = frozenset()
    workdays: tuple[tuple[dt.date, tuple[Span, ...]], ...] = ()
    _special: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _days: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _totals: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        week = tuple(tuple(tuple(span) for span in day) for day in self.week)
        if len(week) != 7:
            raise ValueError("a week has seven days")
        workdays = tuple(sorted((day, tuple(tuple(s) for s in spans))
                                for day, spans in dict(self.workdays).items()))
        object.__setattr__(self, "week", week)
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "workdays", workdays)
        self._special.update(workdays)

    # -- plain data, for a JSON column and the admin form ------------------------------------

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> BusinessHours:
        """The calendar an admin wrote, checked: `{"zone": "Europe/Moscow", "week": {"mon":
        ["09:00-13:00", "14:00-18:00"], ...}, "holidays": ["2027-01-01"], "workdays":
        {"2027-02-27": ["09:00-18:00"]}}`. A day missing from the week is a day off; a day's
        intervals may also come as one text ("09:00-13:00, 14:00-18:00"). Raises `UserError`
        naming the field at fault: "zone", "week.mon" ... "week.sun", "holidays" or "workdays"."""
        if not isinstance(data, Mapping):
            raise UserError(_("This is not a business-hours calendar."), "zone")
        zone = _read_zone(data.get("zone"))
        week_data = data.get("week") or {}
        if not isinstance(week_data, Mapping):
            raise UserError(_("This is not a business-hours calendar."), "week")
        for name in week_data:
            if name not in DAYS:
                raise UserError(_("Unknown day of the week “${day}”: use mon, tue, wed, thu, fri, "
                                  "sat or sun.", mapping={"day": str(name)}), "week")
        week = tuple(_read_spans(week_data.get(name), f"week.{name}") for name in DAYS)
        holidays = frozenset(_read_dates(data.get("holidays") or [], "holidays"))
        workdays_data = data.get("workdays") or {}
        if not isinstance(workdays_data, Mapping):
            raise UserError(_("This is not a business-hours calendar."), "workdays")
        workdays = {}
        for key, spans in workdays_data.items():
            (day,) = _read_dates([key], "workdays")
            if day in holidays:
                raise UserError(_("${date} is both a holiday and a special working day: keep it in "
                                  "one list.", mapping={"date": day.isoformat()}), "workdays")
            workdays[day] = _read_spans(spans, "workdays")
        if not any(week) and not any(workdays.values()):
            raise UserError(_("The calendar has no working hours: give at least one working "
                              "interval."), "week")
        return cls(zone, week, holidays, tuple(workdays.items()))

    def to_data(self) -> dict[str, Any]:
        """The calendar as plain data that `from_data` reads back to an equal calendar."""
        return {
            "zone": self.zone.key,
            "week": {name: [_span_text(s) for s in spans] for name, spans in zip(DAYS, self.week,
                                                                                  strict=True)},
            "holidays": sorted(day.isoformat() for day in self.holidays),
            "workdays": {day.isoformat(): [_span_text(s) for s in spans]
                         for day, spans in self.workdays},
        }

    # -- the four questions -------------------------------------------------------------------

    def openings(self, start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
        """When we work within [start, end): UTC intervals in order, touching ones joined (a
        24x7 calendar gives one interval)."""
        a, b = _us(start), _us(end)
        out: list[list[int]] = []
        for s, e in self._spans_between(a, b):
            if out and out[-1][1] == s:
                out[-1][1] = e
            else:
                out.append([s, e])
        return [(_instant(s), _instant(e)) for s, e in out]

    def next_opening(self, at: dt.datetime) -> dt.datetime:
        """`at` itself when we are at work then, else the next time we open: where the clock of a
        ticket created at night, at lunch or on a holiday starts."""
        start, _end = next(self._spans_from(_us(at)))
        return _instant(start)

    def add(self, start: dt.datetime, seconds: float) -> dt.datetime:
        """The earliest instant by which `seconds` of working time have passed after `start`:
        the due time of a target counted from `start`."""
        remaining = _to_us(seconds)
        a = _us(start)
        if remaining == 0:
            return _instant(a)
        for s, e in self._spans_from(a):
            if remaining <= e - s:
                return _instant(s + remaining)
            remaining -= e - s
        raise AssertionError("unreachable: _spans_from raises rather than ending")

    def between(self, a: dt.datetime, b: dt.datetime) -> float:
        """Seconds of working time in [a, b) (0 when b is not after a)."""
        return _seconds(self._between_us(_us(a), _us(b)))

    # -- the walk over working intervals -------------------------------------------------------

    def _between_us(self, a: int, b: int) -> int:
        """Working microseconds in [a, b): the two end days interval by interval, the days
        between by their totals (a month overdue costs thirty look-ups, not sixty intervals)."""
        if b <= a:
            return 0
        first = _instant(a).astimezone(self.zone).date()
        last = _instant(b).astimezone(self.zone).date()
        if first == last:
            return sum(min(e, b) - max(s, a) for s, e in self._day(first) if e > a and s < b)
        total = sum(e - max(s, a) for s, e in self._day(first) if e > a)
        totals = self._totals
        for ordinal in range(first.toordinal() + 1, last.toordinal()):
            day_total = totals.get(ordinal)
            if day_total is None:
                day_total = totals[ordinal] = sum(
                    e - s for s, e in self._day(dt.date.fromordinal(ordinal)))
            total += day_total
        return total + sum(min(e, b) - s for s, e in self._day(last) if s < b)

    def _spans_between(self, a: int, b: int) -> Iterator[Span]:
        """Working intervals clipped to [a, b), in microseconds."""
        if b <= a:
            return
        day = _instant(a).astimezone(self.zone).date()
        end_day = _instant(b).astimezone(self.zone).date()
        one = dt.timedelta(days=1)
        while day <= end_day:
            for s, e in self._day(day):
                if e <= a:
                    continue
                if s >= b:
                    return
                yield max(s, a), min(e, b)
            day += one

    def _spans_from(self, a: int) -> Iterator[Span]:
        """Working intervals from `a` on, without end; raises `NoWorkingTime` after
        `SEARCH_DAYS` days in a row without any."""
        local = _instant(a).astimezone(self.zone).date()
        day, idle = local, 0
        one = dt.timedelta(days=1)
        while True:
            found = False
            for s, e in self._day(day):
                if e > a:
                    found = True
                    yield max(s, a), e
            if found:
                idle = 0
            else:
                idle += 1
                if idle > SEARCH_DAYS:
                    raise NoWorkingTime(
                        _("The business-hours calendar has no working time within three years "
                          "after ${date}: add working hours or remove holidays.",
                          mapping={"date": local.isoformat()}), "week")
            day += one

    def _day(self, day: dt.date) -> tuple[Span, ...]:
        """The working intervals of one local day, in UTC microseconds, joined when touching."""
        got = self._days.get(day)
        if got is not None:
            return got
        if day in self.holidays:
            spans: Sequence[Span] = ()
        else:
            spans = self._special.get(day, self.week[day.weekday()])
        midnight = dt.datetime.combine(day, dt.time())
        out: list[list[int]] = []
        for start, end in spans:
            s = self._wall_to_us(midnight + dt.timedelta(minutes=start))
            e = self._wall_to_us(midnight + dt.timedelta(minutes=end))
            if e <= s:  # wholly inside the hour the clocks skip
                continue
            if out and out[-1][1] >= s:
                out[-1][1] = max(out[-1][1], e)
            else:
                out.append([s, e])
        got = tuple((s, e) for s, e in out)
        if len(self._days) >= CACHE_DAYS:
            self._days.clear()
            self._totals.clear()
        self._days[day] = got
        return got

    def _wall_to_us(self, wall: dt.datetime) -> int:
        """The instant a wall-clock time names in the zone: its first occurrence when the clocks
        repeat it, the instant the clocks jump when they skip it."""
        first = wall.replace(tzinfo=self.zone).astimezone(UTC)
        if first.astimezone(self.zone).replace(tzinfo=None) == wall:
            return _us(first)
        # Skipped: fold=1 reads the wall time with the offset after the jump, which lands before
        # the jump; fold=0 with the offset before it, which lands after. Find the jump between.
        lo = _us(wall.replace(tzinfo=self.zone, fold=1).astimezone(UTC)) // US_PER_S
        hi = -(-_us(first) // US_PER_S)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if _instant(mid * US_PER_S).astimezone(self.zone).replace(tzinfo=None) > wall:
                hi = mid
            else:
                lo = mid
        return hi * US_PER_S


def _read_zone(name: Any) -> ZoneInfo:
    if not isinstance(name, str) or not name.strip():
        raise UserError(_("Choose the time zone of the business hours."), "zone")
    try:
        return ZoneInfo(name.strip())
    except (KeyError, ValueError, OSError):
        raise UserError(_("Unknown time zone “${zone}”.", mapping={"zone": name}), "zone") from None


def _read_spans(value: Any, field_name: str) -> tuple[Span, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [part for part in value.split(",") if part.strip()]
    if not isinstance(value, list | tuple):
        raise UserError(_("This is not a business-hours calendar."), field_name)
    spans: list[tuple[Span, str]] = []
    for text in value:
        match = INTERVAL_RE.match(text) if isinstance(text, str) else None
        if match is None:
            raise UserError(_("“${value}” is not a working interval: write it as 09:00-13:00.",
                              mapping={"value": str(text)}), field_name)
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if m1 > 59 or m2 > 59 or h1 * 60 + m1 > DAY_MINUTES or h2 * 60 + m2 > DAY_MINUTES:
            raise UserError(_("“${value}”: a working time lies between 00:00 and 24:00.",
                              mapping={"value": text.strip()}), field_name)
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if end <= start:
            raise UserError(_("The interval “${value}” must end after it starts (a night shift is "
                              "two intervals: 22:00-24:00 and 00:00-06:00 of the next day).",
                              mapping={"value": text.strip()}), field_name)
        spans.append(((start, end), text.strip()))
    spans.sort()
    for (first, first_text), (second, second_text) in pairwise(spans):
        if second[0] < first[1]:
            raise UserError(_("The intervals “${first}” and “${second}” overlap: a break goes "
                              "between them, as in 09:00-13:00 and 14:00-18:00.",
                              mapping={"first": first_text, "second": second_text}), field_name)
    return tuple(span for span, _text in spans)


def _read_dates(values: Any, field_name: str) -> list[dt.date]:
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise UserError(_("This is not a business-hours calendar."), field_name)
    out = []
    for value in values:
        try:
            if not isinstance(value, str) or len(value.strip()) != 10:
                raise ValueError
            out.append(dt.date.fromisoformat(value.strip()))
        except ValueError:
            raise UserError(_("“${value}” is not a date: write it as 2027-01-01.",
                              mapping={"value": str(value)}), field_name) from None
    return out


def _span_text(span: Span) -> str:
    (h1, m1), (h2, m2) = divmod(span[0], 60), divmod(span[1], 60)
    return f"{h1:02d}:{m1:02d}-{h2:02d}:{m2:02d}"


ALWAYS = BusinessHours(ZoneInfo("UTC"), tuple(((0, DAY_MINUTES),) for _name in DAYS))
"""The 24x7 calendar: every second counts."""


# -- the SLA clock of a ticket ----------------------------------------------------------------


def _pauses_us(created: int, pauses: Iterable[Pause]) -> list[list[int]]:
    """Pauses as sorted, disjoint [start, end) microseconds from `created` on; a pause still
    going on ends at `OPEN`."""
    spans = []
    for start, end in pauses:
        s = max(_us(start), created)
        e = OPEN if end is None else _us(end)
        if e > s:
            spans.append([s, e])
    spans.sort()
    merged: list[list[int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return merged


def _elapsed_us(hours: BusinessHours, a: int, b: int, stops: list[list[int]]) -> int:
    used = hours._between_us(a, b)
    for s, e in stops:
        if s >= b:
            break
        used -= hours._between_us(s, min(e, b))
    return used


def business_elapsed(hours: BusinessHours, created: dt.datetime, now: dt.datetime,
                     pauses: Iterable[Pause] = ()) -> float:
    """Seconds of the target used up at `now`: working time since the ticket was created, less
    the time it waited for the customer. `pauses` are (start, end) with end None while the
    ticket still waits."""
    a = _us(created)
    return _seconds(_elapsed_us(hours, a, _us(now), _pauses_us(a, pauses)))


def due_at(hours: BusinessHours, created: dt.datetime, target_seconds: float,
           pauses: Iterable[Pause] = ()) -> dt.datetime | None:
    """When the target runs out: the earliest instant by which `target_seconds` of working
    time outside the pauses have passed since creation (so from the next opening after it).
    None while the ticket waits for the customer with the target not yet reached: the due time
    is not known until the customer answers, and the ticket shows "paused". Raises
    `NoWorkingTime` when the calendar has no working time for three years."""
    a = _us(created)
    due = _due_us(hours, a, _to_us(target_seconds), _pauses_us(a, pauses))
    return None if due is None else _instant(due)


def _due_us(hours: BusinessHours, a: int, remaining: int, stops: list[list[int]]) -> int | None:
    if remaining == 0:
        return a
    i, n = 0, len(stops)
    for s, e in hours._spans_from(a):
        while s < e:  # the pieces of this working interval outside the pauses
            while i < n and stops[i][1] <= s:
                i += 1
            if i < n and stops[i][0] <= s:
                if stops[i][1] == OPEN:
                    return None
                s = stops[i][1]
                continue
            piece_end = min(e, stops[i][0]) if i < n else e
            if remaining <= piece_end - s:
                return s + remaining
            remaining -= piece_end - s
            s = piece_end
    raise AssertionError("unreachable: _spans_from raises rather than ending")


@dataclass(frozen=True)
class ClockState:
    """Where one SLA target of a ticket stands.

    `state`: "running"; "warning" (at least the warning share of the target used); "paused"
    (waiting for the customer); "breached" (the due time has passed, or the clock stopped after
    it); "met" (the clock stopped in time). `seconds_left`: working seconds left, negative once
    breached (it stays 0 over the night right after a target that ran out at closing time).
    `due_at`: None while paused. `share_used`: elapsed / target (1.0 and more once used up)."""

    state: str
    seconds_left: float
    due_at: dt.datetime | None
    share_used: float
    elapsed: float


def clock_state(hours: BusinessHours, created: dt.datetime, now: dt.datetime,
                target_seconds: float, pauses: Sequence[Pause] = (), *, warn_share: float = 0.8,
                stopped_at: dt.datetime | None = None) -> ClockState:
    """The SLA state of one target of a ticket at `now`.

    `hours` and `target_seconds` come from the ticket's current policy (queue and priority);
    `created` is the ticket's creation; `pauses` its waits for the customer, (start, end or
    None). `stopped_at` is when the target was fulfilled (the first response for a response
    target, the resolution for a resolution target): the state is then final, "met" when that
    instant is not after the due time, else "breached", whatever `now` is.
    """
    target = _to_us(target_seconds)
    a = _us(created)
    if stopped_at is not None:
        pauses = [(s, stopped_at if e is None or e > stopped_at else e)
                  for s, e in pauses if s < stopped_at]
        until = _us(stopped_at)
    else:
        until = _us(now)
    stops = _pauses_us(a, pauses)
    elapsed, due = _elapsed_us(hours, a, until, stops), _due_us(hours, a, target, stops)
    if stopped_at is not None:
        state = BREACHED if due is not None and until > due else MET
    elif due is not None and until > due:
        state = BREACHED
    elif any(s <= now and (e is None or now < e) for s, e in pauses):
        state = PAUSED
    elif target == 0 or elapsed >= warn_share * target:
        state = WARNING
    else:
        state = RUNNING
    return ClockState(state, _seconds(target - elapsed), None if due is None else _instant(due),
                      elapsed / target if target else 1.0, _seconds(elapsed))
