"""Reading what people type and what URLs carry: whole numbers, dates, local times.

Written once here for every area's forms, imports and containers. A value that cannot be read
is `None` (the caller decides whether that is an error) or, where a rule is broken, a
`UserError` naming the field.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from models.errors import UserError
from portal.core.i18n import _

# Longer digit strings are not ids or counts of ours (and would overflow a database integer).
MAX_INT_DIGITS = 11
# The largest value of an INTEGER column on PostgreSQL (our ids): a larger number names no row,
# and handing it to the database fails (SQLite takes 64 bits, PostgreSQL 32) instead of finding
# nothing.
MAX_ID = 2**31 - 1
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y")


def parse_int(value: object, maximum: int = MAX_ID) -> int | None:
    """A non-negative whole number written in ASCII digits ("12", " 7 "), at most `maximum`
    (by default the range of an id column), else None.

    Unicode digits ("١٢", "²"), signs, blanks inside, more than MAX_INT_DIGITS digits and
    numbers past `maximum` are refused, so that a malformed URL or form field is a clear "not
    found" or field error, never a 500."""
    text = (value if isinstance(value, str) else "" if value is None else str(value)).strip()
    if not text or len(text) > MAX_INT_DIGITS or not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= maximum else None


# Characters that are never part of what people type on one line: the C0 controls (NUL...),
# DEL and the C1 controls. Tab and line ends are the multi-line text's business.
CONTROL_CHARACTERS = frozenset(chr(c) for c in (*range(0x20), *range(0x7f, 0xa0)))
MAX_KEY_LENGTH = 300


def parse_key(value: object, limit: int = MAX_KEY_LENGTH) -> str | None:
    """A name from a URL (a login, a slug, a role's name) that may name a row: None when it is
    longer than `limit` or holds a control character (PostgreSQL refuses a NUL in a query)."""
    if not isinstance(value, str) or not value or len(value) > limit:
        return None
    return None if any(ch in CONTROL_CHARACTERS for ch in value) else value


def parse_date(value: object, formats: tuple[str, ...] = DATE_FORMATS,
               years: tuple[int, int] = (1900, 2200)) -> dt.date | None:
    """A date in one of `formats` (ISO from the browser's date input, or dd.mm.yyyy), within
    `years`; None when it is blank or not a date."""
    text = (value or "").strip() if isinstance(value, str) else ""
    if not text:
        return None
    for fmt in formats:
        try:
            date = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        return date if years[0] <= date.year <= years[1] else None
    return None


class SkippedTime(UserError):
    """A local time the clocks skip that day (daylight saving)."""


def local_instant(day: dt.date, time: dt.time, zone: ZoneInfo, field: str | None = None) -> dt.datetime:
    """The UTC moment of a local date and time in `zone`; refuses a time the clocks skip."""
    naive = dt.datetime.combine(day, time)
    aware = naive.replace(tzinfo=zone)
    back = aware.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None)
    if back != naive:
        raise SkippedTime(
            _("${time} does not exist on ${date} in your time zone: the clocks move forward then. "
              "Choose another time.",
              mapping={"time": time.strftime("%H:%M"), "date": day.isoformat()}),
            field)
    return aware.astimezone(dt.UTC)


def local_moment(text: str, zone: ZoneInfo, field: str, *, end: bool = False) -> dt.datetime | None:
    """The UTC instant of a date and time typed in `zone`: "2027-01-05T09:00" (the browser's
    date-and-time input), "2027-01-05 09:00" or "05.01.2027 09:00"; a date alone is the day's
    start, or as an `end`, the next day's start (a whole day). None when blank; UserError naming
    `field` when it is not a time, SkippedTime for a time the clocks skip."""
    text = " ".join((text or "").replace("T", " ").split())
    if not text:
        return None
    day_text, _sep, time_text = text.partition(" ")
    day = parse_date(day_text)
    time = None
    if time_text:
        try:
            time = dt.time.fromisoformat(time_text) if len(time_text) <= 8 else None
        except ValueError:
            time = None
    if day is None or (time_text and time is None):
        raise UserError(_("“${value}” is not a date and time: write it as 2027-01-05 09:00.",
                          mapping={"value": text[:40]}), field)
    if time is None:
        time = dt.time(0)
        if end:
            day += dt.timedelta(days=1)
    return local_instant(day, time.replace(second=0, microsecond=0), zone, field)
