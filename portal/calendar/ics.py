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
from models.people import EMAIL_RE, User
from models.registry import Registry, registers
from portal.calendar.changes import EventInput, create_event, replace_event
from portal.calendar.recurrence import (
    FREQUENCIES,
    MAX_COUNT,
    MAX_YEARS,
    YEARS,
    CalendarProblem,
    localize,
    occurrence_starts,
    parse_stamp,
    series_end,
    utc_stamp,
)
from portal.core.forms import MULTI_LINE_KEEPS, without_controls
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
    # The last change, as the tasks' and jobs' feeds say it: an unchanged feed is the same
    # bytes (its ETag holds, a calendar program polling it gets 304).
    v.add("dtstamp", event.updated_at or utcnow())
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
        data.decode("utf-8")
    except UnicodeDecodeError:
        # RFC 5545 files are UTF-8; anything else would come in as mangled letters.
        raise ImportRefused(_("The file is not in UTF-8 (or not a text file at all). Export it "
                              "from the calendar program again as an .ics file.")) from None
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


# The properties an event's times are read from. One the file has but that cannot be read (a
# date that does not exist, such as 30 February, a number out of range) leaves that event out,
# named, rather than guessed at.
TIME_PROPERTIES = ("DTSTART", "DTEND", "DURATION", "RRULE", "EXDATE", "RECURRENCE-ID")
# What reading a broken value can raise, from icalendar, dateutil or datetime.
UNREADABLE = (ValueError, TypeError, OverflowError, AttributeError, KeyError, IndexError)


def _unreadable(name: str) -> CalendarProblem:
    return CalendarProblem(
        _("its ${property} could not be read", mapping={"property": name.upper()}), "file"
    )


def _out_of_years() -> CalendarProblem:
    return CalendarProblem(
        _("has a date outside the years ${first}–${last}", mapping={"first": YEARS[0], "last": YEARS[1]}),
        "file",
    )


def _text(component, name: str, multi_line: bool = False) -> str:
    """A text property without control characters (a NUL would stop PostgreSQL); the first
    one when the file repeats it."""
    value = component.get(name)
    if isinstance(value, list):
        value = value[0] if value else ""
    text = str(value or "")
    if multi_line:
        return without_controls(text.replace("\r\n", "\n"), MULTI_LINE_KEEPS).strip()
    return " ".join(without_controls(text).split())


def _time_of(component, name: str) -> dt.date | dt.datetime:
    """The date or date-time of a DTSTART-like property, in the calendar's years."""
    try:
        value = component.decoded(name)
    except UNREADABLE:
        raise _unreadable(name) from None
    if isinstance(value, list) and value:
        value = value[0]
    if isinstance(value, icalendar.prop.vDDDTypes):
        value = value.dt
    if not isinstance(value, dt.date):  # a time alone, a period, text
        raise _unreadable(name)
    if not YEARS[0] <= value.year <= YEARS[1]:
        raise _out_of_years()
    return value


def _utc_of(value: dt.date | dt.datetime, default_tz: ZoneInfo) -> tuple[dt.datetime, str | None]:
    """_to_utc, refusing a local time the clocks skip (CalendarProblem) and a time whose zone
    takes it out of the datetime range."""
    try:
        return _to_utc(value, default_tz)
    except UNREADABLE:
        raise _out_of_years() from None


def _rule_of(component, start_utc: dt.datetime, end_utc: dt.datetime, tzname: str) -> tuple[str, bool]:
    """(our RRULE text, whether an open series was bounded); raises CalendarProblem if unusable:
    a rule we do not offer, one that gives no date, or one that runs past MAX_YEARS."""
    recur = component.get("rrule")
    if recur is None:
        return "", False
    if isinstance(recur, list):
        recur = recur[0]
    try:
        recur = dict(recur)
    except UNREADABLE:
        raise _unreadable("RRULE") from None
    unsupported = CalendarProblem(_("repeats in a way the portal does not support"), "rrule")
    freq = (recur.get("FREQ") or [""])[0]
    # Repeating within a day (by the hour, minute or second) would make thousands of
    # occurrences a day: not a calendar event, and costly to expand.
    if freq not in FREQUENCIES or set(recur) & {"BYHOUR", "BYMINUTE", "BYSECOND"}:
        raise unsupported
    interval = (recur.get("INTERVAL") or [1])[0]
    if not isinstance(interval, int) or not 1 <= interval <= 366:
        raise unsupported
    local = start_utc.astimezone(zone_named(tzname))
    latest = local.replace(year=local.year + MAX_YEARS, day=min(local.day, 28))
    bounded = False
    if "UNTIL" in recur:
        until = recur["UNTIL"][0]
        if isinstance(until, dt.datetime):
            until = until if until.tzinfo else until.replace(tzinfo=zone_named(tzname))
        elif isinstance(until, dt.date):
            until = dt.datetime.combine(until, dt.time(23, 59, 59), tzinfo=zone_named(tzname))
        else:
            raise _unreadable("RRULE")
        if until > latest:
            raise CalendarProblem(
                _("repeats for more than ${years} years", mapping={"years": MAX_YEARS}), "rrule"
            )
        recur["UNTIL"] = [until.astimezone(dt.UTC)]
    elif "COUNT" in recur:
        count = recur["COUNT"][0]
        if not isinstance(count, int) or count < 1:
            raise unsupported
        recur["COUNT"] = [min(count, MAX_COUNT)]
    else:
        end = local.replace(year=local.year + IMPORT_OPEN_SERIES_YEARS, day=min(local.day, 28))
        recur["UNTIL"] = [end.astimezone(dt.UTC)]
        bounded = True
    text = icalendar.vRecur(recur).to_ical().decode()
    # Expanded once here, so that a rule dateutil cannot follow (BYMONTHDAY=45) or one that
    # gives no date is named now, not met later by the calendar's pages.
    try:
        first = occurrence_starts(text, start_utc, tzname, limit=1)
        last_end = series_end(text, start_utc, end_utc, tzname)
    except UNREADABLE:
        raise unsupported from None
    if not first:
        raise CalendarProblem(_("its repeat rule gives no date"), "rrule")
    if last_end.year > YEARS[1]:
        raise _out_of_years()
    return text, bounded


@dataclass
class _Read:
    """One VEVENT as read from the file, before anything is stored."""

    summary: str
    uid: str | None
    start: dt.datetime
    end: dt.datetime
    all_day: bool
    tzname: str
    cancelled: bool
    recurrence_id: object = None  # the raw RECURRENCE-ID value, read against its series' zone
    rule: str = ""
    bounded: bool = False
    exdates: list = field(default_factory=list)
    guests: list = field(default_factory=list)
    description: str = ""
    location: str = ""


def _read_event(comp, summary: str, me: User, default_tz: ZoneInfo) -> _Read:
    """Everything the import needs from one VEVENT; CalendarProblem says why it cannot be."""
    if comp.get("dtstart") is None:
        raise CalendarProblem(_("has no start"), "start")
    for name, _message in getattr(comp, "errors", []):
        if name in TIME_PROPERTIES:
            raise _unreadable(name)
    start_value = _time_of(comp, "dtstart")
    start, tzname = _utc_of(start_value, default_tz)
    all_day = not isinstance(start_value, dt.datetime)
    if comp.get("dtend") is not None:
        end, _z = _utc_of(_time_of(comp, "dtend"), zone_named(tzname) if tzname else default_tz)
    elif comp.get("duration") is not None:
        try:
            length = comp.decoded("duration")
            end = start + length
        except UNREADABLE:
            raise _unreadable("DURATION") from None
        if not isinstance(length, dt.timedelta):
            raise _unreadable("DURATION")
    else:
        end = start + (dt.timedelta(days=1) if all_day else dt.timedelta(hours=1))
    tzname = tzname or default_tz.key
    if end < start:
        raise CalendarProblem(_("ends before it starts"), "end")
    if end == start:  # a moment (calendar programs write them): given the usual length
        end = start + (dt.timedelta(days=1) if all_day else dt.timedelta(minutes=30))
    read = _Read(
        summary=summary,
        uid=_text(comp, "uid")[:255] or None,
        start=start,
        end=end,
        all_day=all_day,
        tzname=tzname,
        cancelled=_text(comp, "status").upper() == "CANCELLED",
        recurrence_id=comp.get("recurrence-id"),
        description=_text(comp, "description", multi_line=True),
        location=_text(comp, "location"),
    )
    if read.cancelled or read.recurrence_id is not None:
        return read
    read.rule, read.bounded = _rule_of(comp, start, end, tzname)
    exdate = comp.get("exdate")
    for ex in exdate if isinstance(exdate, list) else [exdate] if exdate is not None else []:
        for d in getattr(ex, "dts", []):
            if not isinstance(d.dt, dt.date) or not YEARS[0] <= d.dt.year <= YEARS[1]:
                raise _unreadable("EXDATE")
            read.exdates.append(utc_stamp(_utc_of(d.dt, zone_named(tzname))[0]))
    attendees = comp.get("attendee") or []
    for att in attendees if isinstance(attendees, list) else [attendees]:
        email = without_controls(str(att)).removeprefix("mailto:").removeprefix("MAILTO:").strip()
        name = " ".join(without_controls(str(att.params.get("CN", ""))).split())[:200]
        if EMAIL_RE.match(email) and len(email) <= 254 and email.lower() != (me.email or "").lower():
            read.guests.append((name, email))
    return read


def _store_occurrence(db, me: User, read: _Read, master: Event) -> Event:
    """A changed occurrence of a series imported just before (RECURRENCE-ID)."""
    rid, _z = _utc_of(_time_of_value(read.recurrence_id), zone_named(master.timezone))
    single = Event(
        organizer_id=me.id,
        ical_uid=master.ical_uid,
        exdates=[],
        series_id=master.id,
        recurrence_id=rid,
        title=read.summary[:200],
        description=read.description,
        location=read.location[:200],
        start_at=read.start,
        end_at=read.end,
        series_end_at=read.end,
        all_day=read.all_day,
        timezone=read.tzname,
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
    return single


def _time_of_value(prop) -> dt.date | dt.datetime:
    """The date or date-time a RECURRENCE-ID-like property holds, in the calendar's years."""
    value = getattr(prop, "dt", prop)
    if not isinstance(value, dt.date):
        raise _unreadable("RECURRENCE-ID")
    if not YEARS[0] <= value.year <= YEARS[1]:
        raise _out_of_years()
    return value


def import_ics(
    request,
    data: bytes,
    calendar: str = "personal",
    department_id: int | None = None,
    visibility: str = "public",
) -> ImportResult:
    """Import the events of an .ics file as events organized by the importing person.

    Events already imported (same UID, same organizer) are updated rather than doubled. People
    named as attendees come in as outside guests: importing does not invite anyone. An event
    that cannot be read or planned is left out, named in `skipped`; each event is stored in a
    savepoint of its own, so that one left out leaves nothing of itself behind.
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
        summary = _text(comp, "summary") or request.translate(_("(no title)"))
        try:
            read = _read_event(comp, summary, me, default_tz)
            if read.cancelled:
                result.skipped.append(
                    request.translate(_("“${title}”: cancelled", mapping={"title": summary}))
                )
                continue
            with db.begin_nested():
                if read.recurrence_id is not None:
                    master = masters.get(read.uid or "")
                    if master is None:
                        raise CalendarProblem(
                            _("changes an occurrence of a series that is not in the file"), "rrule"
                        )
                    _store_occurrence(db, me, read, master)
                    result.created += 1
                    continue
                event, created = _store_event(request, read, calendar, department_id, visibility)
        except CalendarProblem as problem:
            result.skipped.append(
                request.translate(
                    _(
                        "“${title}”: ${why}",
                        mapping={"title": summary, "why": request.translate(problem.message)},
                    )
                )
            )
            continue
        if created:
            result.created += 1
        else:
            result.updated += 1
        result.bounded += read.bounded
        if read.uid:
            masters[read.uid] = event
    return result


def _store_event(request, read: _Read, calendar: str, department_id: int | None,
                 visibility: str) -> tuple[Event, bool]:
    """The event (a series, or a single one) of `read`, new or replacing the one imported
    before under its UID: (event, whether it is new)."""
    db = request.dbsession
    me = request.identity.user
    data = EventInput(
        title=read.summary,
        start=read.start,
        end=read.end,
        all_day=read.all_day,
        timezone=read.tzname,
        description=read.description,
        location=read.location,
        calendar=calendar,
        department_id=department_id,
        visibility=visibility,
        guests=read.guests,
        rrule=read.rule,
    )
    existing = (
        db.scalar(
            sa.select(Event).where(
                Event.ical_uid == read.uid, Event.organizer_id == me.id, Event.series_id.is_(None)
            )
        )
        if read.uid
        else None
    )
    if existing is not None:
        return replace_event(db, existing, data, read.exdates), False
    event = create_event(request, data, notify_people=False, uid=read.uid).event
    if read.exdates:
        event.exdates = read.exdates
        event.series_end_at = series_end(event.rrule, event.start_at, event.end_at, event.timezone)
    return event, True
