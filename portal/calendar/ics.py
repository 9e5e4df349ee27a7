"""iCalendar (RFC 5545) in both directions, with `icalendar`: a person's secret feed, one event as
.ics, and importing an .ics file into a calendar.

Other areas add to the feed (tasks with due dates, later service jobs) by registering a
provider in `ICS_FEED_PROVIDERS`: a function (request, user) -> list of icalendar components
(VEVENT or VTODO) for that person.
"""

from __future__ import annotations

import datetime as dt
import functools
import secrets
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import icalendar
import sqlalchemy as sa
from icalendar.timezone import tzid
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON
from sqlalchemy.orm import object_session, selectinload

from models.calendar import CalendarFeed, Event, EventAttendee, EventRoom
from models.errors import UserError
from models.meta import utcnow
from models.people import User
from models.registry import Registry, registers
from portal.calendar.changes import EventInput, create_event, replace_event
from portal.calendar.recurrence import (
    FREQUENCIES,
    MAX_COUNT,
    CalendarProblem,
    localize,
    parse_stamp,
    series_end,
    utc_stamp,
)
from portal.core.i18n import _, zone_named

PRODID = "-//Portal CRM//Calendar//EN"
MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_EVENTS = 2000
# Events that ended longer ago than this are left out of feeds (subscribers keep their copy).
FEED_PAST = dt.timedelta(days=180)
# An imported series without an end is bounded (our rule: every series ends).
IMPORT_OPEN_SERIES_YEARS = 2

FeedProvider = Callable[[object, User], list]
ICS_FEED_PROVIDERS: Registry[FeedProvider] = Registry("ICS feed providers")


def feed_provider(fn: FeedProvider) -> FeedProvider:
    """Register `fn(request, user) -> [icalendar components]` as part of every person's feed
    (when its area's includeme scans the module)."""
    return registers(ICS_FEED_PROVIDERS, depth=2)(fn)


# --- the feed address ---------------------------------------------------------------------------------


def feed_token(dbsession, user: User, regenerate: bool = False) -> str:
    """The person's secret feed token (made on first use; a new one retires the old address)."""
    feed = dbsession.scalar(sa.select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    if feed is None:
        feed = CalendarFeed(user_id=user.id, token=secrets.token_urlsafe(24))
        dbsession.add(feed)
        dbsession.flush()
    elif regenerate:
        feed.token = secrets.token_urlsafe(24)
        feed.created_at = utcnow()
        dbsession.flush()
    return feed.token


def user_by_token(dbsession, token: str) -> User | None:
    if not token or len(token) > 64:
        return None
    feed = dbsession.scalar(sa.select(CalendarFeed).where(CalendarFeed.token == token))
    if feed is None or not feed.user.active:
        return None
    return feed.user


# --- export -------------------------------------------------------------------------------------------


def _when(event: Event, value: dt.datetime):
    tz = zone_named(event.timezone)
    local = value.astimezone(tz)
    return local.date() if event.all_day else local


def vevent(event: Event, base_url: str = "", recurrence_id: dt.datetime | None = None) -> icalendar.Event:
    """One VEVENT: times in the event's zone (VTIMEZONE added by the calendar), RRULE, EXDATE."""
    v = icalendar.Event()
    v.add("uid", event.ical_uid)
    v.add("dtstamp", utcnow())
    v.add("sequence", event.sequence)
    v.add("summary", event.title)
    if event.description:
        v.add("description", event.description)
    where = ", ".join(filter(None, [event.location, *[r.name for r in event.rooms]]))
    if where:
        v.add("location", where)
    v.add("dtstart", _when(event, event.start_at))
    v.add("dtend", _when(event, event.end_at))
    if event.series_id is not None and event.recurrence_id is not None:
        v.add(
            "recurrence-id",
            _when(event, event.recurrence_id)
            if not event.all_day
            else event.recurrence_id.astimezone(zone_named(event.timezone)).date(),
        )
    if event.rrule:
        v.add("rrule", icalendar.vRecur.from_ical(event.rrule))
        ex = [parse_stamp(s) for s in (event.exdates or [])]
        ex = [_when(event, s) for s in ex if s is not None]
        if ex:
            v.add("exdate", ex)
    v.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    v.add("class", {"public": "PUBLIC", "busy": "CONFIDENTIAL", "private": "PRIVATE"}[event.visibility])
    if event.organizer is not None:
        organizer = icalendar.vCalAddress(f"mailto:{event.organizer.email or event.organizer.login}")
        organizer.params["cn"] = event.organizer.full_name
        v.add("organizer", organizer)
    partstat = {
        "needs_action": "NEEDS-ACTION",
        "accepted": "ACCEPTED",
        "tentative": "TENTATIVE",
        "declined": "DECLINED",
    }
    for a in event.attendees:
        email = a.user.email if a.user is not None else a.guest_email
        if not email:
            continue
        att = icalendar.vCalAddress(f"mailto:{email}")
        att.params["cn"] = a.display_name
        att.params["partstat"] = partstat.get(a.answer, "NEEDS-ACTION")
        v.add("attendee", att)
    if base_url:
        v.add("url", f"{base_url}/calendar/{event.id}")
    if event.reminder_minutes is not None:
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", event.title)
        alarm.add("trigger", dt.timedelta(minutes=-event.reminder_minutes))
        v.add_component(alarm)
    return v


def make_calendar(components, name: str = "") -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if name:
        cal.add("x-wr-calname", name)
    for c in components:
        cal.add_component(c)
    cal.add_missing_timezones()
    return cal


def event_ics(event: Event, base_url: str = "") -> bytes:
    """One event as an .ics file (a series with its changed occurrences)."""
    parts = [vevent(event, base_url)]
    if event.rrule:
        for single in object_session(event).scalars(
            sa.select(Event).where(Event.series_id == event.id).order_by(Event.recurrence_id)
        ):
            parts.append(vevent(single, base_url))
    return make_calendar(parts, event.title).to_ical()


def feed_ics(request, user: User) -> bytes:
    """Everything of `user`'s for a calendar program: events they attend and what other areas add."""
    db = request.dbsession
    since = utcnow() - FEED_PAST
    events = db.scalars(
        sa.select(Event)
        .where(
            Event.id.in_(
                sa.select(EventAttendee.event_id).where(
                    EventAttendee.user_id == user.id, EventAttendee.answer != "declined"
                )
            ),
            Event.series_end_at > since,
        )
        .order_by(Event.start_at, Event.id)
        .options(
            selectinload(Event.attendees).selectinload(EventAttendee.user),
            selectinload(Event.bookings).selectinload(EventRoom.room),
            selectinload(Event.organizer),
        )
    ).all()
    components = [vevent(e, request.application_url) for e in events]
    for provider in ICS_FEED_PROVIDERS:
        components.extend(provider(request, user) or [])
    return make_calendar(components, f"Portal — {user.full_name}").to_ical()


# --- import -------------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    skipped: list = field(default_factory=list)  # messages about what was left out
    bounded: int = 0  # series without an end, given one


class ImportRefused(UserError):
    """The file as a whole cannot be imported (not iCalendar, too large, too many events)."""


def parse_calendar(data: bytes) -> icalendar.Calendar:
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportRefused(
            _(
                "The file is larger than ${mb} MB. Export a shorter period and try again.",
                mapping={"mb": MAX_IMPORT_BYTES // (1024 * 1024)},
            )
        )
    try:
        cal = icalendar.Calendar.from_ical(data)
    except Exception:  # icalendar raises ValueError, but also others on broken input
        raise ImportRefused(_("This is not an iCalendar (.ics) file.")) from None
    if cal.name != "VCALENDAR":
        raise ImportRefused(_("This is not an iCalendar (.ics) file."))
    count = len(cal.walk("VEVENT"))
    if count == 0:
        raise ImportRefused(_("The file has no events."))
    if count > MAX_IMPORT_EVENTS:
        raise ImportRefused(
            _(
                "The file has ${n} events; at most ${max} can be imported at once.",
                mapping={"n": count, "max": MAX_IMPORT_EVENTS},
            )
        )
    return cal


def _iana(name: str) -> str | None:
    """`name` as an IANA zone key when it is one, or names one: "W. Europe Standard Time"
    (Windows, as Outlook writes it) or "/mozilla.org/20050126_1/Europe/Berlin" (old Thunderbird)."""
    name = name.strip().strip('"')
    candidates = [name, WINDOWS_TO_OLSON.get(name, "")]
    parts = name.strip("/").split("/")
    candidates += ["/".join(parts[-n:]) for n in (3, 2) if len(parts) > n]
    for candidate in candidates:
        if (candidate and "/" in candidate) or candidate == "UTC":
            try:
                return ZoneInfo(candidate).key
            except (KeyError, ValueError):
                continue
    return None


def _offsets(tz: dt.tzinfo, year: int) -> list[dt.timedelta | None]:
    # Twice a month over two years: enough to tell apart zones that differ in their
    # offset or in the months of their daylight-saving time.
    return [
        dt.datetime(y, m, d, 12, tzinfo=tz).utcoffset()
        for y in (year, year + 1)
        for m in range(1, 13)
        for d in (1, 15)
    ]


@functools.lru_cache(maxsize=1)
def _zone_keys() -> list[str]:
    # The zones Windows names stand for first (Europe/Berlin rather than Africa/Ceuta), then
    # the other geographic names, then Etc/GMT-1 and the like; each alphabetically.
    main = set(WINDOWS_TO_OLSON.values())

    def rank(key: str) -> tuple[int, str]:
        return (0 if key in main else 2 if key.startswith("Etc/") or "/" not in key else 1, key)

    return sorted(zoneinfo.available_timezones(), key=rank)


def _zone_like(tz: dt.tzinfo, year: int, prefer: ZoneInfo) -> str | None:
    """An IANA zone whose clock agrees with `tz` (a VTIMEZONE the file gives) around `year`."""
    wanted = _offsets(tz, year)
    if _offsets(prefer, year) == wanted:
        return prefer.key
    for key in _zone_keys():
        try:
            if _offsets(ZoneInfo(key), year) == wanted:
                return key
        except (KeyError, ValueError):
            continue
    return None


def _zone_key(value: dt.datetime, default_tz: ZoneInfo) -> str | None:
    """The IANA name of an aware DTSTART-like value's zone, for expanding its series.

    A ZoneInfo has its key; a zone given by a VTIMEZONE block arrives without one, named by its
    TZID: an IANA or Windows name is mapped, any other name is matched by the clock the block
    describes. None when nothing fits."""
    tz = value.tzinfo
    key = getattr(tz, "key", None)
    if key:
        return key
    for name in tzid.tzids_from_tzinfo(tz):
        if found := _iana(name):
            return found
    if value.utcoffset() == dt.timedelta(0) and _offsets(tz, value.year) == [dt.timedelta(0)] * 48:
        return "UTC"
    return _zone_like(tz, value.year, default_tz)


def _to_utc(value, default_tz: ZoneInfo) -> tuple[dt.datetime, str | None]:
    """A DTSTART-like value as UTC and its zone name (None for dates)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = localize(value, default_tz)
            return value.astimezone(dt.UTC), default_tz.key
        return value.astimezone(dt.UTC), _zone_key(value, default_tz)
    start = dt.datetime.combine(value, dt.time(), tzinfo=default_tz)
    return start.astimezone(dt.UTC), None


def _rule_of(component, start_utc: dt.datetime, tzname: str) -> tuple[str, bool]:
    """(our RRULE text, whether an open series was bounded); raises CalendarProblem if unusable."""
    recur = component.get("rrule")
    if recur is None:
        return "", False
    if isinstance(recur, list):
        recur = recur[0]
    recur = dict(recur)
    freq = (recur.get("FREQ") or [""])[0]
    # Repeating within a day (by the hour, minute or second) would make thousands of
    # occurrences a day: not a calendar event, and costly to expand.
    if freq not in FREQUENCIES or set(recur) & {"BYHOUR", "BYMINUTE", "BYSECOND"}:
        raise CalendarProblem(_("repeats in a way the portal does not support"), "rrule")
    bounded = False
    if "UNTIL" in recur:
        until = recur["UNTIL"][0]
        if isinstance(until, dt.datetime):
            until = until if until.tzinfo else until.replace(tzinfo=zone_named(tzname))
        else:
            until = dt.datetime.combine(until, dt.time(23, 59, 59), tzinfo=zone_named(tzname))
        recur["UNTIL"] = [until.astimezone(dt.UTC)]
    elif "COUNT" in recur:
        recur["COUNT"] = [min(int(recur["COUNT"][0]), MAX_COUNT)]
    else:
        local = start_utc.astimezone(zone_named(tzname))
        end = local.replace(year=local.year + IMPORT_OPEN_SERIES_YEARS, day=min(local.day, 28))
        recur["UNTIL"] = [end.astimezone(dt.UTC)]
        bounded = True
    text = icalendar.vRecur(recur).to_ical().decode()
    return text, bounded


def import_ics(
    request,
    data: bytes,
    calendar: str = "personal",
    department_id: int | None = None,
    visibility: str = "public",
) -> ImportResult:
    """Import the events of an .ics file as events organized by the importing person.

    Events already imported (same UID, same organizer) are updated rather than doubled. People
    named as attendees come in as outside guests: importing does not invite anyone.
    """
    cal = parse_calendar(data)
    db = request.dbsession
    me = request.identity.user
    default_tz = request.user_timezone
    result = ImportResult()
    masters: dict[str, Event] = {}
    components = cal.walk("VEVENT")
    # Series first, then their changed occurrences (RECURRENCE-ID).
    components.sort(key=lambda c: c.get("recurrence-id") is not None)
    for comp in components:
        summary = str(comp.get("summary") or "").strip() or request.translate(_("(no title)"))
        try:
            if comp.get("dtstart") is None:
                raise CalendarProblem(_("has no start"), "start")
            start_value = comp.decoded("dtstart")
            start, tzname = _to_utc(start_value, default_tz)
            all_day = not isinstance(start_value, dt.datetime)
            if comp.get("dtend") is not None:
                end, _z = _to_utc(comp.decoded("dtend"), zone_named(tzname) if tzname else default_tz)
            elif comp.get("duration") is not None:
                end = start + comp.decoded("duration")
            else:
                end = start + (dt.timedelta(days=1) if all_day else dt.timedelta(hours=1))
            tzname = tzname or default_tz.key
            if end <= start:
                end = start + (dt.timedelta(days=1) if all_day else dt.timedelta(minutes=30))
            uid = str(comp.get("uid") or "")[:255] or None
            if str(comp.get("status") or "").upper() == "CANCELLED":
                result.skipped.append(
                    request.translate(_("“${title}”: cancelled", mapping={"title": summary}))
                )
                continue
            if comp.get("recurrence-id") is not None:
                master = masters.get(uid or "")
                if master is None:
                    raise CalendarProblem(
                        _("changes an occurrence of a series that is not in the file"), "rrule"
                    )
                rid, _z = _to_utc(comp.decoded("recurrence-id"), zone_named(master.timezone))
                single = Event(
                    organizer_id=me.id,
                    ical_uid=master.ical_uid,
                    exdates=[],
                    series_id=master.id,
                    recurrence_id=rid,
                    title=summary[:200],
                    description=str(comp.get("description") or ""),
                    location=str(comp.get("location") or "")[:200],
                    start_at=start,
                    end_at=end,
                    series_end_at=end,
                    all_day=all_day,
                    timezone=tzname,
                    calendar=master.calendar,
                    department_id=master.department_id,
                    visibility=master.visibility,
                    reminder_minutes=master.reminder_minutes,
                )
                db.add(single)
                for a in master.attendees:
                    single.attendees.append(
                        EventAttendee(
                            user_id=a.user_id,
                            guest_name=a.guest_name,
                            guest_email=a.guest_email,
                            answer=a.answer,
                        )
                    )
                db.flush()
                result.created += 1
                continue
            rule, bounded = _rule_of(comp, start, tzname)
            exdates = []
            for ex in (
                comp.get("exdate")
                if isinstance(comp.get("exdate"), list)
                else [comp.get("exdate")]
                if comp.get("exdate") is not None
                else []
            ):
                for d in ex.dts:
                    exdates.append(utc_stamp(_to_utc(d.dt, zone_named(tzname))[0]))
            guests = []
            attendees = comp.get("attendee") or []
            for att in attendees if isinstance(attendees, list) else [attendees]:
                email = str(att).removeprefix("mailto:").removeprefix("MAILTO:")[:254]
                if email and email.lower() != (me.email or "").lower():
                    guests.append((str(att.params.get("CN", ""))[:200], email))
            data = EventInput(
                title=summary,
                start=start,
                end=end,
                all_day=all_day,
                timezone=tzname,
                description=str(comp.get("description") or ""),
                location=str(comp.get("location") or ""),
                calendar=calendar,
                department_id=department_id,
                visibility=visibility,
                guests=guests,
                rrule=rule,
            )
            existing = (
                db.scalar(
                    sa.select(Event).where(
                        Event.ical_uid == uid, Event.organizer_id == me.id, Event.series_id.is_(None)
                    )
                )
                if uid
                else None
            )
            if existing is not None:
                event = replace_event(db, existing, data, exdates)
                result.updated += 1
            else:
                event = create_event(request, data, notify_people=False, uid=uid).event
                if exdates:
                    event.exdates = exdates
                    event.series_end_at = series_end(
                        event.rrule, event.start_at, event.end_at, event.timezone
                    )
                result.created += 1
            result.bounded += bounded
            if uid:
                masters[uid] = event
        except CalendarProblem as problem:
            result.skipped.append(
                request.translate(
                    _(
                        "“${title}”: ${why}",
                        mapping={"title": summary, "why": request.translate(problem.message)},
                    )
                )
            )
    return result
