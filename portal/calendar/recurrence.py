"""Recurrence and time-zone rules of the calendar (python-dateutil's rrule, zoneinfo), and
`CalendarProblem`, the calendar's way of saying an event cannot be planned as asked.

Occurrences are computed in the event's own zone (wall-clock time), then turned into UTC, so a
weekly meeting at 10:00 stays at 10:00 when the clocks change. `Recurrence` is what the event
form says about repeating, as an RRULE and back, and in words.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from babel.dates import format_date
from dateutil import rrule as du
from pyramid.i18n import TranslationString

from models.errors import UserError
from portal.core.i18n import _, babel_locale, zone_named
from portal.core.mail import translate
from portal.core.parsing import parse_int

FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_NAMES = (_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun"))
BYDAY_RE = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
NTH_VALUES = (1, 2, 3, 4, 5, -1)
MONTHLY_BY = ("day", "weekday", "last")

# The monthly rule "on the Nth weekday", one phrase each (Russian ordinals agree with the day).
NTH_WEEKDAY_WORDS = {
    (1, "MO"): _("on the first Monday"),
    (1, "TU"): _("on the first Tuesday"),
    (1, "WE"): _("on the first Wednesday"),
    (1, "TH"): _("on the first Thursday"),
    (1, "FR"): _("on the first Friday"),
    (1, "SA"): _("on the first Saturday"),
    (1, "SU"): _("on the first Sunday"),
    (2, "MO"): _("on the second Monday"),
    (2, "TU"): _("on the second Tuesday"),
    (2, "WE"): _("on the second Wednesday"),
    (2, "TH"): _("on the second Thursday"),
    (2, "FR"): _("on the second Friday"),
    (2, "SA"): _("on the second Saturday"),
    (2, "SU"): _("on the second Sunday"),
    (3, "MO"): _("on the third Monday"),
    (3, "TU"): _("on the third Tuesday"),
    (3, "WE"): _("on the third Wednesday"),
    (3, "TH"): _("on the third Thursday"),
    (3, "FR"): _("on the third Friday"),
    (3, "SA"): _("on the third Saturday"),
    (3, "SU"): _("on the third Sunday"),
    (4, "MO"): _("on the fourth Monday"),
    (4, "TU"): _("on the fourth Tuesday"),
    (4, "WE"): _("on the fourth Wednesday"),
    (4, "TH"): _("on the fourth Thursday"),
    (4, "FR"): _("on the fourth Friday"),
    (4, "SA"): _("on the fourth Saturday"),
    (4, "SU"): _("on the fourth Sunday"),
    (5, "MO"): _("on the fifth Monday"),
    (5, "TU"): _("on the fifth Tuesday"),
    (5, "WE"): _("on the fifth Wednesday"),
    (5, "TH"): _("on the fifth Thursday"),
    (5, "FR"): _("on the fifth Friday"),
    (5, "SA"): _("on the fifth Saturday"),
    (5, "SU"): _("on the fifth Sunday"),
    (-1, "MO"): _("on the last Monday"),
    (-1, "TU"): _("on the last Tuesday"),
    (-1, "WE"): _("on the last Wednesday"),
    (-1, "TH"): _("on the last Thursday"),
    (-1, "FR"): _("on the last Friday"),
    (-1, "SA"): _("on the last Saturday"),
    (-1, "SU"): _("on the last Sunday"),
}
MAX_COUNT = 1000
MAX_YEARS = 10
UTC = dt.UTC
# The years an event may fall in (those the calendar's pages show; the same window as the
# dates of every form, portal.core.parsing.parse_date): anything else is a typing slip or a
# broken file, and years 1 and 9999 overflow on the way to UTC.
YEARS = (1900, 2200)


class CalendarProblem(UserError):
    """An event that cannot be planned as asked (its times, its repeat rule, its people or
    rooms): `message` says why, `field` names the form field it concerns."""


def within_years(value: dt.date, field: str = "start") -> None:
    """Refuse a date or time outside YEARS (the field's message says which years)."""
    if not YEARS[0] <= value.year <= YEARS[1]:
        raise CalendarProblem(
            _("Choose a date between the years ${first} and ${last}.",
              mapping={"first": YEARS[0], "last": YEARS[1]}),
            field,
        )


def localize(naive: dt.datetime, tz: ZoneInfo, field: str = "start") -> dt.datetime:
    """`naive` wall time in `tz` as an aware datetime; refuses a time the clocks skip (DST gap)
    and one outside YEARS."""
    within_years(naive, field)
    aware = naive.replace(tzinfo=tz)
    back = aware.astimezone(UTC).astimezone(tz)
    if back.replace(tzinfo=None) != naive:
        raise CalendarProblem(
            _(
                "${time} does not exist in the time zone ${zone}: the clocks are moved forward then. "
                "Choose another time.",
                mapping={"time": naive.strftime("%Y-%m-%d %H:%M"), "zone": tz.key},
            ),
            field,
        )
    return aware


def utc_stamp(value: dt.datetime) -> str:
    """The compact UTC form used in URLs and `exdates`: 20261123T070000Z."""
    v = value.astimezone(UTC)
    return f"{v.year:04d}{v.month:02d}{v.day:02d}T{v.hour:02d}{v.minute:02d}{v.second:02d}Z"


def parse_stamp(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except (TypeError, ValueError):
        return None


# --- the rule ------------------------------------------------------------------------------------


def nth_weekday_of(day: dt.date) -> tuple[int, str, bool]:
    """(which one of its weekday in the month, the weekday, whether it is the last one):
    Tuesday 10 March 2026 → (2, "TU", False)."""
    last_day = calendar.monthrange(day.year, day.month)[1]
    return (day.day - 1) // 7 + 1, WEEKDAYS[day.weekday()], day.day + 7 > last_day


def monthly_choices(day: dt.date) -> list[tuple[str, TranslationString]]:
    """What a monthly series starting on `day` may repeat on: the same day of the month, the
    same weekday of the month ("the second Tuesday") and, in a month's last week, the last one."""
    n, weekday, last = nth_weekday_of(day)
    out = [("day", _("on day ${n}", mapping={"n": day.day})),
           ("weekday", NTH_WEEKDAY_WORDS[(n, weekday)])]
    if last:
        out.append(("last", NTH_WEEKDAY_WORDS[(-1, weekday)]))
    return out


def monthly_weekday(monthly_by: str, first: dt.date) -> tuple[int, str] | None:
    """The weekday of the month a monthly series repeats on ("weekday": the second Tuesday,
    "last": the last Tuesday), read from its first day; None: on the same day of the month.
    Refuses "last" when the first day is not in the last week of its month."""
    if monthly_by not in MONTHLY_BY:
        raise CalendarProblem(_("Choose on which day of the month the event repeats."), "repeat")
    if monthly_by == "day":
        return None
    n, weekday, last = nth_weekday_of(first)
    if monthly_by == "weekday":
        return n, weekday
    if not last:
        raise CalendarProblem(
            _(
                "The first event is not in the last week of its month, so the series cannot repeat "
                "on the last such weekday. Choose another start date or another day of the month."
            ),
            "repeat",
        )
    return -1, weekday


@dataclass
class Recurrence:
    """What the event form says about repeating (the parts of an RRULE we offer)."""

    freq: str = ""  # "" = does not repeat
    interval: int = 1
    weekdays: tuple[str, ...] = ()
    until: dt.date | None = None
    count: int | None = None
    # Monthly on a weekday of the month: (2, "TU") the second Tuesday, (-1, "FR") the last
    # Friday; None: on the day of the month the series starts on.
    nth_weekday: tuple[int, str] | None = None
    # Parts of a rule made elsewhere that the form cannot show (BYMONTH=3, BYMONTHDAY=1,15...).
    other: tuple[str, ...] = ()

    @property
    def monthly_by(self) -> str:
        """How a monthly rule picks its day, as the form offers it: day, weekday or last."""
        if self.nth_weekday is None:
            return "day"
        return "last" if self.nth_weekday[0] == -1 else "weekday"

    def to_rrule(self, start_local: dt.datetime) -> str:
        """The RRULE value; `until` (a date, inclusive) becomes the end of that day in UTC."""
        if not self.freq:
            return ""
        parts = [f"FREQ={self.freq}"]
        if self.interval > 1:
            parts.append(f"INTERVAL={self.interval}")
        if self.freq == "WEEKLY" and self.weekdays:
            parts.append("BYDAY=" + ",".join(d for d in WEEKDAYS if d in self.weekdays))
        if self.freq == "MONTHLY" and self.nth_weekday is not None:
            n, weekday = self.nth_weekday
            parts.append(f"BYDAY={n}{weekday}")
        if self.count:
            parts.append(f"COUNT={self.count}")
        elif self.until:
            last = dt.datetime.combine(self.until, dt.time(23, 59, 59), tzinfo=start_local.tzinfo)
            parts.append("UNTIL=" + utc_stamp(last))
        return ";".join(parts)

    @classmethod
    def from_rrule(cls, rule: str, tz: ZoneInfo) -> Recurrence:
        if not rule:
            return cls()
        fields = dict(p.split("=", 1) for p in rule.split(";") if "=" in p)
        until = None
        if "UNTIL" in fields:
            stamp = parse_stamp(fields["UNTIL"]) if fields["UNTIL"].endswith("Z") else None
            until = stamp.astimezone(tz).date() if stamp else None
        freq = fields.get("FREQ", "")
        byday = [m.groups() for m in map(BYDAY_RE.match, fields.get("BYDAY", "").split(",")) if m]
        known = {"FREQ", "INTERVAL", "UNTIL", "COUNT", "WKST"}
        weekdays: tuple[str, ...] = ()
        nth = None
        setpos = fields.get("BYSETPOS", "")
        if freq == "WEEKLY" and byday and all(n is None for n, _d in byday):
            weekdays = tuple(d for _n, d in byday)
            known.add("BYDAY")
        elif freq == "MONTHLY" and len(byday) == 1:
            n, day = byday[0]
            if n is None and setpos.lstrip("-").isdigit():  # BYDAY=TU;BYSETPOS=2 (Outlook)
                n = setpos
                known.add("BYSETPOS")
            if n is not None and int(n) in NTH_VALUES:
                nth = (int(n), day)
                known.add("BYDAY")
        if freq == "MONTHLY" and parse_int(fields.get("BYMONTHDAY")) is not None:
            known.add("BYMONTHDAY")  # the start's day of the month, said explicitly
        return cls(
            freq=freq,
            interval=parse_int(fields.get("INTERVAL")) or 1,
            weekdays=weekdays,
            until=until,
            count=parse_int(fields.get("COUNT")),
            nth_weekday=nth,
            other=tuple(f"{k}={v}" for k, v in fields.items() if k not in known),
        )

    def check(self, start_date: dt.date) -> None:
        """Refuse rules that never end, end before they start, or run absurdly long."""
        if not self.freq:
            return
        if self.freq not in FREQUENCIES:
            raise CalendarProblem(_("Choose how often the event repeats."), "freq")
        if self.nth_weekday is not None and (
            self.freq != "MONTHLY" or self.nth_weekday[0] not in NTH_VALUES
            or self.nth_weekday[1] not in WEEKDAYS
        ):
            raise CalendarProblem(_("Choose on which day of the month the event repeats."), "monthly_by")
        if not 1 <= self.interval <= 366:
            raise CalendarProblem(_("The interval is a whole number from 1 to 366."), "interval")
        if self.count is None and self.until is None:
            raise CalendarProblem(
                _("A repeating event needs an end: a last date or a number of times."), "ends"
            )
        if self.count is not None and not 1 <= self.count <= MAX_COUNT:
            raise CalendarProblem(
                _("The number of times is from 1 to ${max}.", mapping={"max": MAX_COUNT}), "count"
            )
        if self.until is not None:
            if self.until < start_date:
                raise CalendarProblem(_("The last date is before the first event."), "until")
            if self.until > start_date.replace(year=start_date.year + MAX_YEARS, day=min(start_date.day, 28)):
                raise CalendarProblem(
                    _("A series may run at most ${years} years.", mapping={"years": MAX_YEARS}), "until"
                )

    def words(self, until_text=None):
        """The rule as a translation string ("Every week: Mon, Wed, 10 times"); `until_text`
        formats the last date (default: ISO)."""
        if not self.freq:
            return None
        n = {"n": self.interval}
        if self.freq == "DAILY":
            phrase = _("Every day") if self.interval == 1 else _("Every ${n} days", mapping=n)
        elif self.freq == "WEEKLY":
            phrase = _("Every week") if self.interval == 1 else _("Every ${n} weeks", mapping=n)
        elif self.freq == "MONTHLY":
            phrase = _("Every month") if self.interval == 1 else _("Every ${n} months", mapping=n)
        else:
            phrase = _("Every year") if self.interval == 1 else _("Every ${n} years", mapping=n)
        parts = [phrase]
        template = "${p0}"
        if self.weekdays:
            days = [DAY_NAMES[WEEKDAYS.index(d)] for d in WEEKDAYS if d in self.weekdays]
            template += ": " + ", ".join(f"${{p{len(parts) + i}}}" for i in range(len(days)))
            parts.extend(days)
        if self.nth_weekday is not None:
            template += f", ${{p{len(parts)}}}"
            parts.append(NTH_WEEKDAY_WORDS[self.nth_weekday])
        if self.other:
            template += f", ${{p{len(parts)}}}"
            parts.append(_("by a rule from another calendar program"))
        if self.count:
            template += f", ${{p{len(parts)}}}"
            parts.append(_("${n} times", mapping={"n": self.count}))
        elif self.until:
            template += f", ${{p{len(parts)}}}"
            date = until_text(self.until) if until_text else self.until.isoformat()
            parts.append(_("until ${date}", mapping={"date": date}))
        # A join of translated parts, itself not translated (no msgid of its own).
        return TranslationString(template, mapping={f"p{i}": p for i, p in enumerate(parts)})

    def describe(self, localizer, locale: str) -> str:
        """A short sentence such as "Every week: Mon, Wed, 10 times"."""
        words = self.words(lambda d: format_date(d, "medium", locale=babel_locale(locale)))
        return translate(localizer, words) if words is not None else ""


# --- occurrences -----------------------------------------------------------------------------------


def _rule(rule: str, dtstart_local: dt.datetime):
    return du.rrulestr("RRULE:" + rule, dtstart=dtstart_local, cache=False)


_STEP_DAYS = {"DAILY": 1, "WEEKLY": 7}


@functools.lru_cache(maxsize=4096)
def _simple_rule(rule: str):
    """(step in days, COUNT, UNTIL) for plain daily/weekly rules (no BY... parts), else None."""
    fields = dict(p.split("=", 1) for p in rule.split(";") if "=" in p)
    if fields.get("FREQ") not in _STEP_DAYS or set(fields) - {"FREQ", "INTERVAL", "COUNT", "UNTIL"}:
        return None
    interval = parse_int(fields.get("INTERVAL", "1"))
    count = parse_int(fields["COUNT"]) if "COUNT" in fields else None
    until = parse_stamp(fields["UNTIL"]) if "UNTIL" in fields else None
    if interval is None or ("COUNT" in fields and count is None) or ("UNTIL" in fields and until is None):
        return None
    return _STEP_DAYS[fields["FREQ"]] * max(1, interval), count, until


def _simple_starts(
    simple, start_at: dt.datetime, tz: ZoneInfo, after: dt.datetime, before: dt.datetime
) -> list[dt.datetime]:
    """What dateutil would give for a plain daily/weekly rule, by arithmetic on the wall time
    (calendar views expand hundreds of series per request)."""
    step, count, until = simple
    wall = start_at.astimezone(tz).replace(tzinfo=None)
    k = max(0, (after - start_at).days // step - 1)
    out = []
    while True:
        if count is not None and k >= count:
            break
        start = _to_utc(wall + dt.timedelta(days=k * step), tz)
        if (until is not None and start > until) or start > before:
            break
        if start >= after:
            out.append(start)
        k += 1
    return out


def occurrence_starts(
    rule: str,
    start_at: dt.datetime,
    tzname: str,
    after: dt.datetime | None = None,
    before: dt.datetime | None = None,
    limit: int | None = None,
) -> list[dt.datetime]:
    """UTC starts of the series (inclusive bounds, UTC), computed in the event's wall time.

    Kept per series and window (`expanded`): My day, the week and the team view ask for the
    same windows all day long, and a series that changes has another rule or start, so
    another key."""
    return list(expanded(rule, start_at, tzname, after, before, limit))


EXPANSIONS_KEPT = 50_000


@functools.lru_cache(maxsize=EXPANSIONS_KEPT)
def expanded(
    rule: str,
    start_at: dt.datetime,
    tzname: str,
    after: dt.datetime | None,
    before: dt.datetime | None,
    limit: int | None,
) -> tuple[dt.datetime, ...]:
    """`occurrence_starts`, worked out once per process for each (series, window)."""
    return tuple(_occurrence_starts(rule, start_at, tzname, after, before, limit))


def _occurrence_starts(
    rule: str,
    start_at: dt.datetime,
    tzname: str,
    after: dt.datetime | None,
    before: dt.datetime | None,
    limit: int | None,
) -> list[dt.datetime]:
    tz = zone_named(tzname)
    local_start = start_at.astimezone(tz)
    simple = _simple_rule(rule) if rule and after is not None and before is not None and not limit else None
    if simple is not None:
        return _simple_starts(simple, start_at, tz, after, before)
    if not rule:
        starts = [start_at]
    else:
        r = _rule(rule, local_start)
        if after is not None or before is not None:
            lo = (after or start_at).astimezone(tz)
            hi = (before or (start_at + dt.timedelta(days=366 * MAX_YEARS + 7))).astimezone(tz)
            # dateutil compares wall times; a day's margin covers zone offsets, filtered below.
            raw = r.between(lo - dt.timedelta(days=1), hi + dt.timedelta(days=1), inc=True)
        else:
            raw = list(r[:limit] if limit else r)
        starts = [_to_utc(x, tz) for x in raw]
    out = [s for s in starts if (after is None or s >= after) and (before is None or s <= before)]
    return out[:limit] if limit else out


def _to_utc(value: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    # dateutil attaches the zone to the wall time; zoneinfo resolves gaps and folds (fold=0).
    return value.replace(tzinfo=tz).astimezone(UTC)


def series_end(rule: str, start_at: dt.datetime, end_at: dt.datetime, tzname: str) -> dt.datetime:
    """The end of the last occurrence (the rule always ends: UNTIL or COUNT)."""
    if not rule:
        return end_at
    tz = zone_named(tzname)
    r = _rule(rule, start_at.astimezone(tz))
    last = None
    for last in r:  # noqa: B007 — bounded by COUNT ≤ MAX_COUNT or UNTIL ≤ MAX_YEARS
        pass
    if last is None:
        return end_at
    return _to_utc(last, tz) + (end_at - start_at)


def occurrence_index(rule: str, start_at: dt.datetime, tzname: str, occurrence: dt.datetime) -> int | None:
    """The 0-based position of `occurrence` in the series, or None if it is not one."""
    for i, s in enumerate(occurrence_starts(rule, start_at, tzname, before=occurrence)):
        if s == occurrence:
            return i
    return None


def truncate_rule(rule: str, before: dt.datetime, start_at: dt.datetime, tzname: str) -> str:
    """The rule ending just before the occurrence at `before` ("this and following" splits)."""
    kept = occurrence_starts(rule, start_at, tzname, before=before - dt.timedelta(seconds=1))
    parts = [p for p in rule.split(";") if not p.startswith(("COUNT=", "UNTIL="))]
    if not kept:
        return ""
    parts.append("COUNT=" + str(len(kept)))
    return ";".join(parts)


def rest_of_rule(rule: str, start_at: dt.datetime, tzname: str, occurrence: dt.datetime) -> str:
    """The rule for a new series that starts at `occurrence` and ends where the old one ended."""
    parts = rule.split(";")
    count = next((p for p in parts if p.startswith("COUNT=")), None)
    if count is None:
        return rule
    index = occurrence_index(rule, start_at, tzname, occurrence) or 0
    remaining = max(1, int(count[6:]) - index)
    return ";".join(p if not p.startswith("COUNT=") else f"COUNT={remaining}" for p in parts)
