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
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y")


def parse_int(value: object) -> int | None:
    """A non-negative whole number written in ASCII digits ("12", " 7 "), else None.

    Unicode digits ("١٢"), signs, blanks and numbers too long for a database column are refused,
    so that a malformed URL or form field is a clear "not found" or field error, never a 500."""
    text = (value if isinstance(value, str) else "" if value is None else str(value)).strip()
    if not text or len(text) > MAX_INT_DIGITS or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


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
