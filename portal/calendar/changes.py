"""Changing the calendar: plan, change, move and cancel events, answer invitations, and keep
each event's next reminder in step.

The event form (through portal.calendar.schemas), drag and drop, the ICS import and the demo all
go through these functions, so the rules (times, rooms, people, recurrence) hold the same
everywhere, and the people concerned are told (portal.calendar.notices) in their own language.

Cancelling and answering take (dbsession, actor, ..., registry=): the application's registry
gives each person's language. Planning, changing and moving take the
request of the person doing it: they may book only the rooms they hold `book` on, invite only
the client contacts they may see, and a clashing booking is named to them only if they may see
it — all questions of that person's permissions, which the request's security policy answers.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

import sqlalchemy as sa

from models.booking import OverlapRefused
from models.calendar import Event, EventAttendee, EventReminder, EventRoom, Room
from models.clients import Contact
from models.meta import utcnow
from models.people import Department, Membership, User
from portal.calendar.booking import Conflict, keep_booked, person_conflicts, room_conflicts
from portal.calendar.notices import (
    ANSWERS,
    CANCELLED,
    CANCELLED_BODY,
    CANCELLED_FOLLOWING_BODY,
    CANCELLED_ONE_BODY,
    CHANGED,
    CHANGED_BODY,
    CHANGED_FOLLOWING_BODY,
    CHANGED_ONE_BODY,
    INVITATION,
    INVITATION_BODY,
    REMOVED,
    REMOVED_BODY,
    Notices,
    attendee_users,
)
from portal.calendar.recurrence import (
    CalendarProblem,
    occurrence_starts,
    parse_stamp,
    rest_of_rule,
    series_end,
    truncate_rule,
    utc_stamp,
    within_years,
)
from portal.core.i18n import _, format_datetime, zone_named
from portal.resources import locate
from portal.security.filters import sql_filter

SCOPES = ("this", "following", "all")
# An event longer than this is refused: a repeating event says it better.
MAX_LENGTH = dt.timedelta(days=62)


@dataclass
class EventInput:
    """What a person asks for: the fields of the event form (times already in UTC)."""

    title: str
    start: dt.datetime
    end: dt.datetime
    all_day: bool = False
    timezone: str = "Europe/Moscow"
    description: str = ""
    location: str = ""
    calendar: str = "personal"
    department_id: int | None = None
    visibility: str = "public"
    user_ids: list[int] = field(default_factory=list)
    department_ids: list[int] = field(default_factory=list)
    guests: list[tuple[str, str]] = field(default_factory=list)
    # Client contacts invited as guests: (contact id, name, e-mail) taken from the contact.
    guest_contacts: list[tuple[int, str, str]] = field(default_factory=list)
    room_ids: list[int] = field(default_factory=list)
    rrule: str = ""
    reminder_minutes: int | None = None
    link_type: str = ""
    link_id: int | None = None

    def spans(self, exdates=()) -> list[tuple[dt.datetime, dt.datetime]]:
        length = self.end - self.start
        skip = {parse_stamp(s) for s in exdates}
        return [
            (s, s + length) for s in occurrence_starts(self.rrule, self.start, self.timezone) if s not in skip
        ]


@dataclass
class Outcome:
    """What a change did: the event (or occurrence row) and warnings to show."""

    event: Event
    warnings: list = field(default_factory=list)
    stamp: str | None = None


# --- checks ---------------------------------------------------------------------------------------


def problems_for(
    request, data: EventInput, event: Event | None = None, exclude_ids=(), skip=None, exdates=()
) -> tuple[dict, list[Conflict]]:
    """({field: message}, person conflicts as warnings) for planning `data`."""
    db = request.dbsession
    problems: dict = {}
    if not data.title.strip():
        problems["title"] = _("Give the event a title.")
    for name, value in (("start", data.start), ("end", data.end)):
        try:
            within_years(_wall_time(value, data.timezone), name)
        except CalendarProblem as problem:
            problems[name] = problem.message
    if "start" in problems or "end" in problems:
        pass  # times out of the calendar's years are neither compared nor expanded
    elif data.end <= data.start:
        problems["end"] = _("The end must be after the start.")
    elif data.end - data.start > MAX_LENGTH:
        problems["end"] = _("An event may last at most 62 days; use a repeating event instead.")
    rule_parts = {part.split("=", 1)[0] for part in data.rrule.split(";")} if data.rrule else set()
    if data.rrule and not rule_parts & {"COUNT", "UNTIL"}:
        # A series without an end would be expanded without end (and has no last day).
        problems["ends"] = _("A repeating event needs an end: a last date or a number of times.")
    users = list(db.scalars(sa.select(User).where(User.id.in_(data.user_ids)))) if data.user_ids else []
    gone = [u.full_name for u in users if not u.active]
    if gone:
        problems["attendees"] = _(
            "${names}: this account is deactivated and cannot be invited.", mapping={"names": ", ".join(gone)}
        )
    if len(users) != len(set(data.user_ids)):
        problems["attendees"] = _("One of the chosen people no longer exists.")
    rooms = list(db.scalars(sa.select(Room).where(Room.id.in_(data.room_ids)))) if data.room_ids else []
    if len(rooms) != len(set(data.room_ids)):
        problems["rooms"] = _("One of the chosen rooms no longer exists.")
    already = {b.room_id for b in event.bookings} if event is not None else set()
    for room in rooms:
        if room.id not in already and (
            not room.active or not request.has_permission("book", locate(request, room))
        ):
            problems["rooms"] = _("${room} cannot be booked.", mapping={"room": room.name})
    warnings: list[Conflict] = []
    if not problems:
        spans = data.spans(exdates)
        taken = room_conflicts(db, data.room_ids, spans, exclude_ids, skip)
        if taken:
            problems["rooms"] = conflict_message(request, taken[0])
        people = set(data.user_ids) | ({event.organizer_id} if event else {request.identity.user.id})
        warnings = person_conflicts(db, people, spans, exclude_ids, skip)
    return problems, warnings


def _wall_time(value: dt.datetime, tzname: str) -> dt.datetime:
    """`value` on the clocks of `tzname` (as UTC when that would leave the datetime range)."""
    try:
        return value.astimezone(zone_named(tzname))
    except OverflowError:
        return value


def _notices(request) -> Notices:
    """Notices from the person of `request` (none for a script's request)."""
    identity = getattr(request, "identity", None)
    return Notices(request.registry, identity.user if identity else None)


def _refuse_cancelled(event: Event) -> None:
    """A cancelled event stays as it was, for its people to see what happened."""
    if event.cancelled:
        raise CalendarProblem(_("A cancelled event cannot be changed."), status=409)


def _refuse(problems: dict) -> None:
    """Raise the first of the problems found, naming its field; nothing is stored."""
    if problems:
        field_name, message = next(iter(problems.items()))
        raise CalendarProblem(message, field_name)


def contact_guests(
    request, contact_ids, kept: dict[int, tuple[str, str]] | None = None
) -> tuple[list[tuple[int, str, str]], list[int]]:
    """The client contacts chosen as guests, as (contact id, name, e-mail) from their records,
    and the ids the person may not see (refused). Guests kept from the event as it was are
    not checked again: whoever edits it may not see every contact the organizer invited."""
    kept = kept or {}
    wanted = [cid for cid in dict.fromkeys(contact_ids) if cid not in kept]
    found = {}
    if wanted:
        rows = request.dbsession.scalars(
            sa.select(Contact).where(Contact.id.in_(wanted), sql_filter(request, Contact, "view"))
        )
        found = {c.id: c for c in rows}
    out, refused = [], []
    for cid in dict.fromkeys(contact_ids):
        if cid in kept:
            out.append((cid, *kept[cid]))
        elif cid in found:
            contact = found[cid]
            email = contact.emails[0].address if contact.emails else ""
            out.append((cid, contact.full_name, email))
        else:
            refused.append(cid)
    return out, refused


def conflict_message(request, conflict: Conflict):
    """ "Room 1 is taken at that time by “Board meeting” (23 Nov, 10:00–11:00)": the other
    event named only to whoever may see it, the times in their zone."""
    event = conflict.event
    may_see = event.visibility == "public" or request.has_permission("view", locate(request, event))
    name = event.title if may_see else request.translate(_("a private event"))
    when = (
        format_datetime(request, conflict.start, "short")
        + "–"
        + conflict.end.astimezone(request.user_timezone).strftime("%H:%M")
    )
    return _(
        "${room} is already booked at that time by “${event}” (${when}).",
        mapping={"room": conflict.what.name, "event": name, "when": when},
    )


def _hold_rooms(request, *events: Event) -> None:
    """Store the events' room bookings; when the database refuses one (someone booked the room
    at the same instant, after our check), the same clear refusal as the check's, never a 500."""
    db = request.dbsession
    try:
        keep_booked(db, *events)
    except OverlapRefused as refused:
        room_id = int(refused.resource.split(":", 1)[1])
        room = db.get(Room, room_id)
        event = next(e for e in events if any(b.room_id == room_id for b in e.bookings))
        data = input_of(event)
        data.room_ids = [room_id]
        spans = data.spans(event.exdates or [])
        # The winner is committed by now: name it like the check does, if it can be read.
        taken = room_conflicts(db, [room_id], spans, exclude_ids={e.id for e in events}, lock=False)
        if taken:
            raise CalendarProblem(conflict_message(request, taken[0]), "rooms") from None
        raise CalendarProblem(_taken_message(room.name if room else ""), "rooms") from None


def _taken_message(room_name: str):
    return _("${room} is already booked at that time.", mapping={"room": room_name})


def warning_text(request, conflicts: list[Conflict]) -> str | None:
    """The people planned to be elsewhere at that time, as a warning (planning goes ahead)."""
    if not conflicts:
        return None
    names = sorted({c.what.full_name for c in conflicts})
    return request.translate(
        _("Overlaps with other events of: ${names}.", mapping={"names": ", ".join(names)})
    )


# --- applying an input to a row ------------------------------------------------------------------------


def _desired_people(db, data: EventInput, organizer_id: int) -> dict[int, int | None]:
    """{user id: department it came through (or None)} for everyone to invite."""
    out: dict[int, int | None] = {organizer_id: None}
    for uid in data.user_ids:
        out.setdefault(uid, None)
    if data.department_ids:
        for uid, dept_id in db.execute(
            sa.select(Membership.user_id, Membership.department_id)
            .join(User, User.id == Membership.user_id)
            .where(Membership.department_id.in_(data.department_ids), User.active)
        ):
            out.setdefault(uid, dept_id)
    return out


def _fill(event: Event, data: EventInput) -> None:
    event.title = data.title.strip()[:200]
    event.description = data.description
    event.location = data.location.strip()[:200]
    event.start_at = data.start
    event.end_at = data.end
    event.all_day = data.all_day
    event.timezone = data.timezone
    event.calendar = data.calendar
    event.department_id = data.department_id if data.calendar == "department" else None
    event.visibility = data.visibility
    event.rrule = data.rrule
    event.series_end_at = series_end(data.rrule, data.start, data.end, data.timezone)
    event.reminder_minutes = data.reminder_minutes
    event.link_type = data.link_type if data.link_id else ""
    event.link_id = data.link_id if data.link_type else None


def _sync_people(db, event: Event, data: EventInput) -> tuple[list[User], list[User]]:
    """Make the attendee rows match `data`; returns (newly invited, removed) people."""
    desired = _desired_people(db, data, event.organizer_id)
    current = {a.user_id: a for a in event.attendees if a.user_id}
    added, removed = [], []
    for uid, attendee in current.items():
        if uid not in desired:
            event.attendees.remove(attendee)
            removed.append(attendee.user)
    for uid, via in desired.items():
        if uid not in current:
            attendee = EventAttendee(
                user_id=uid,
                via_department_id=via,
                answer="accepted" if uid == event.organizer_id else "needs_action",
            )
            if uid == event.organizer_id:
                attendee.answered_at = utcnow()
            event.attendees.append(attendee)
            added.append(uid)
    wanted_guests = {(email.lower() or name): (name, email) for name, email in data.guests}
    wanted_contacts = {cid: (name, email) for cid, name, email in data.guest_contacts}
    for attendee in [a for a in event.attendees if a.user_id is None]:
        if attendee.contact_id is not None:
            # A contact stays a guest under the name it was invited with; gone when unpicked.
            if wanted_contacts.pop(attendee.contact_id, None) is None:
                event.attendees.remove(attendee)
            continue
        key = attendee.guest_email.lower() or attendee.guest_name
        if key in wanted_guests:
            wanted_guests.pop(key)
        else:
            event.attendees.remove(attendee)
    for name, email in wanted_guests.values():
        event.attendees.append(EventAttendee(guest_name=name[:200], guest_email=email[:254]))
    for cid, (name, email) in wanted_contacts.items():
        event.attendees.append(EventAttendee(contact_id=cid, guest_name=name[:200], guest_email=email[:254]))
    db.flush()
    new_users = list(db.scalars(sa.select(User).where(User.id.in_(added)))) if added else []
    return new_users, removed


def _sync_rooms(event: Event, room_ids) -> bool:
    wanted = set(room_ids)
    have = {b.room_id: b for b in event.bookings}
    for rid, booking in have.items():
        if rid not in wanted:
            event.bookings.remove(booking)
    for rid in sorted(wanted - set(have)):
        event.bookings.append(EventRoom(room_id=rid))
    return wanted != set(have)


def schedule_reminder(
    db, event: Event, after: dt.datetime | None = None, row: EventReminder | None = None
) -> None:
    """Point the event's reminder at the next occurrence still to come (or drop it)."""
    if row is None:
        row = db.scalar(sa.select(EventReminder).where(EventReminder.event_id == event.id))
    if event.reminder_minutes is None or event.cancelled:
        if row is not None:
            db.delete(row)
        return
    skip: set = set()
    if event.rrule:
        skip = set(db.scalars(sa.select(Event.recurrence_id).where(Event.series_id == event.id)))
    nxt = next_occurrence(event, after, skip)
    before = dt.timedelta(minutes=event.reminder_minutes)
    if row is None:
        row = EventReminder(event_id=event.id, minutes_before=event.reminder_minutes)
        db.add(row)
    row.minutes_before = event.reminder_minutes
    row.occurrence_start = nxt
    row.fire_at = nxt - before if nxt else None


def next_occurrence(event, after: dt.datetime | None = None, skip=frozenset()) -> dt.datetime | None:
    """The next occurrence that has not begun (and comes after `after`, the one just reminded
    of), leaving out cancelled and changed ones. `event` needs start_at, timezone, rrule, exdates."""
    now = utcnow()
    lower = max(now, after + dt.timedelta(seconds=1)) if after is not None else now
    skip = set(skip) | {parse_stamp(s) for s in (event.exdates or [])}
    return next(
        (
            s
            for s in occurrence_starts(event.rrule, event.start_at, event.timezone, after=lower)
            if s not in skip and s > lower
        ),
        None,
    )


def new_uid() -> str:
    return f"{uuid.uuid4()}@portal"


def create_event(
    request,
    data: EventInput,
    organizer: User | None = None,
    notify_people: bool = True,
    uid: str | None = None,
) -> Outcome:
    """Plan a new event as the person of `request` (organized by them, or by `organizer`);
    raises CalendarProblem naming the field when it cannot be planned."""
    db = request.dbsession
    problems, warnings = problems_for(request, data)
    _refuse(problems)
    organizer = organizer or request.identity.user
    event = Event(organizer_id=organizer.id, ical_uid=uid or new_uid(), exdates=[])
    _fill(event, data)
    db.add(event)
    db.flush()
    invited, _removed = _sync_people(db, event, data)
    _sync_rooms(event, data.room_ids)
    db.flush()
    _hold_rooms(request, event)
    schedule_reminder(db, event)
    if notify_people:
        _notices(request).tell(db, invited, "event_invitation", INVITATION, event, body=INVITATION_BODY)
    return Outcome(event, warnings)


def _changed(event: Event, data: EventInput) -> bool:
    return (
        event.title != data.title.strip()
        or event.start_at != data.start
        or event.end_at != data.end
        or event.location != data.location.strip()
        or event.rrule != data.rrule
        or event.all_day != data.all_day
    )


def update_event(
    request, event: Event, data: EventInput, scope: str = "all", stamp: str | None = None
) -> Outcome:
    """Change an event, one occurrence of a series, or this and the following ones.

    For a series, the form shows the chosen occurrence; a change of its start moves the whole
    series (scope "all") or the rest of it ("following") by as much.
    """
    _refuse_cancelled(event)
    if scope not in SCOPES:
        scope = "all"
    occurrence = parse_stamp(stamp) if stamp else None
    if not event.rrule or occurrence is None:
        scope = "all"
    if scope == "this":
        return _change_one(request, event, occurrence, data)
    if scope == "following" and occurrence != event.start_at:
        return _change_following(request, event, occurrence, data)
    if event.rrule and occurrence is not None:
        shift = data.start - occurrence
        length = data.end - data.start
        data.start = event.start_at + shift
        data.end = data.start + length
    db = request.dbsession
    notices = _notices(request)
    moved = [
        utc_stamp(r) for r in db.scalars(sa.select(Event.recurrence_id).where(Event.series_id == event.id))
    ]
    problems, warnings = problems_for(
        request, data, event, exclude_ids={event.id}, exdates=[*(event.exdates or []), *moved]
    )
    _refuse(problems)
    changed = _changed(event, data)
    rooms_before = {b.room_id for b in event.bookings}
    _fill(event, data)
    invited, removed = _sync_people(db, event, data)
    rooms_changed = _sync_rooms(event, data.room_ids) or rooms_before != set(data.room_ids)
    if changed or rooms_changed:
        event.sequence += 1
    db.flush()
    _hold_rooms(request, event)
    schedule_reminder(db, event)
    invited_ids = {u.id for u in invited}
    notices.tell(db, invited, "event_invitation", INVITATION, event, body=INVITATION_BODY)
    if changed or rooms_changed:
        others = [u for u in attendee_users(event) if u.id not in invited_ids]
        notices.tell(db, others, "event_change", CHANGED, event, body=CHANGED_BODY)
    notices.tell(db, removed, "event_cancellation", REMOVED, event, body=REMOVED_BODY)
    return Outcome(event, warnings)


def replace_event(dbsession, event: Event, data: EventInput, exdates: list[str]) -> Event:
    """An event imported again from a calendar program: it becomes what the file says, its
    changed occurrences go (the file brings its own), and nobody is told (importing invites
    no one). Its rooms stay booked at the new times, or the import of it is refused."""
    rooms = {b.room_id: b.room for b in event.bookings}
    if rooms and event.status != "cancelled":
        moved = [utc_stamp(r) for r in dbsession.scalars(
            sa.select(Event.recurrence_id).where(Event.series_id == event.id))]
        spans = data.spans([*exdates, *moved])
        taken = room_conflicts(dbsession, sorted(rooms), spans, exclude_ids={event.id})
        if taken:
            raise CalendarProblem(_taken_message(taken[0].what.name), "rooms")
    _fill(event, data)
    event.exdates = exdates
    event.status = "confirmed"
    event.sequence += 1
    _sync_people(dbsession, event, data)
    for old in dbsession.scalars(sa.select(Event).where(Event.series_id == event.id)):
        dbsession.delete(old)
    dbsession.flush()
    try:
        keep_booked(dbsession, event)
    except OverlapRefused as refused:
        raise CalendarProblem(_taken_message(rooms[int(refused.resource.split(":")[1])].name),
                              "rooms") from None
    schedule_reminder(dbsession, event)
    return event


def _copy_people(source: Event, target: Event) -> None:
    for a in source.attendees:
        target.attendees.append(
            EventAttendee(
                user_id=a.user_id,
                via_department_id=a.via_department_id,
                guest_name=a.guest_name,
                guest_email=a.guest_email,
                contact_id=a.contact_id,
                answer=a.answer,
                answered_at=a.answered_at,
            )
        )


def _change_one(request, event: Event, occurrence: dt.datetime, data: EventInput) -> Outcome:
    """A changed occurrence becomes a row of its own (RECURRENCE-ID), the series skips it."""
    db = request.dbsession
    notices = _notices(request)
    data.rrule = ""
    problems, warnings = problems_for(request, data, None, exclude_ids=set(), skip={event.id: {occurrence}})
    _refuse(problems)
    single = Event(
        organizer_id=event.organizer_id,
        ical_uid=event.ical_uid,
        exdates=[],
        series_id=event.id,
        recurrence_id=occurrence,
        sequence=event.sequence + 1,
    )
    _fill(single, data)
    db.add(single)
    _copy_people(event, single)
    db.flush()
    invited, removed = _sync_people(db, single, data)
    _sync_rooms(single, data.room_ids)
    db.flush()
    _hold_rooms(request, event, single)
    schedule_reminder(db, single)
    schedule_reminder(db, event)
    invited_ids = {u.id for u in invited}
    notices.tell(db, invited, "event_invitation", INVITATION, single, body=INVITATION_BODY)
    notices.tell(
        db,
        [u for u in attendee_users(single) if u.id not in invited_ids],
        "event_change",
        CHANGED,
        single,
        body=CHANGED_ONE_BODY,
    )
    notices.tell(db, removed, "event_cancellation", REMOVED, single, body=REMOVED_BODY)
    return Outcome(single, warnings)


def _change_following(request, event: Event, occurrence: dt.datetime, data: EventInput) -> Outcome:
    """Split the series: the old one ends before `occurrence`, a new one starts there."""
    db = request.dbsession
    notices = _notices(request)
    if data.rrule == event.rrule:
        data.rrule = rest_of_rule(event.rrule, event.start_at, event.timezone, occurrence)
    later_ex = [s for s in (event.exdates or []) if parse_stamp(s) and parse_stamp(s) > occurrence]
    problems, warnings = problems_for(request, data, None, exclude_ids={event.id}, exdates=later_ex)
    _refuse(problems)
    _end_series_before(db, event, occurrence)
    new = Event(organizer_id=event.organizer_id, ical_uid=new_uid(), exdates=later_ex)
    _fill(new, data)
    db.add(new)
    _copy_people(event, new)
    db.flush()
    invited, removed = _sync_people(db, new, data)
    _sync_rooms(new, data.room_ids)
    db.flush()
    _hold_rooms(request, event, new)
    schedule_reminder(db, new)
    schedule_reminder(db, event)
    invited_ids = {u.id for u in invited}
    notices.tell(db, invited, "event_invitation", INVITATION, new, body=INVITATION_BODY)
    notices.tell(
        db,
        [u for u in attendee_users(new) if u.id not in invited_ids],
        "event_change",
        CHANGED,
        new,
        body=CHANGED_FOLLOWING_BODY,
    )
    notices.tell(db, removed, "event_cancellation", REMOVED, new, body=REMOVED_BODY)
    return Outcome(new, warnings, utc_stamp(new.start_at) if new.rrule else None)


def _end_series_before(db, event: Event, occurrence: dt.datetime) -> None:
    event.rrule = truncate_rule(event.rrule, occurrence, event.start_at, event.timezone)
    event.exdates = [s for s in (event.exdates or []) if parse_stamp(s) and parse_stamp(s) < occurrence]
    event.series_end_at = series_end(event.rrule, event.start_at, event.end_at, event.timezone)
    event.sequence += 1
    for later in db.scalars(
        sa.select(Event).where(Event.series_id == event.id, Event.recurrence_id >= occurrence)
    ):
        db.delete(later)


def move_event(
    request,
    event: Event,
    stamp: str | None,
    start: dt.datetime,
    end: dt.datetime,
    all_day: bool | None = None,
) -> Outcome:
    """Drag and drop / resize: a single event moves, one occurrence of a series moves alone."""
    _refuse_cancelled(event)
    data = input_of(event)
    data.start, data.end = start, end
    if all_day is not None:
        data.all_day = all_day
    if event.rrule:
        occurrence = parse_stamp(stamp) if stamp else event.start_at
        return _change_one(request, event, occurrence, data)
    return update_event(request, event, data)


def input_of(event: Event) -> EventInput:
    """The event's current values as an input (to change a few of them)."""
    people = [
        a.user_id
        for a in event.attendees
        if a.user_id and a.via_department_id is None and a.user_id != event.organizer_id
    ]
    depts = sorted({a.via_department_id for a in event.attendees if a.via_department_id})
    return EventInput(
        title=event.title,
        start=event.start_at,
        end=event.end_at,
        all_day=event.all_day,
        timezone=event.timezone,
        description=event.description,
        location=event.location,
        calendar=event.calendar,
        department_id=event.department_id,
        visibility=event.visibility,
        user_ids=people,
        department_ids=depts,
        guests=[
            (a.guest_name, a.guest_email)
            for a in event.attendees
            if a.user_id is None and a.contact_id is None
        ],
        guest_contacts=[
            (a.contact_id, a.guest_name, a.guest_email) for a in event.attendees if a.contact_id is not None
        ],
        room_ids=[b.room_id for b in event.bookings],
        rrule=event.rrule,
        reminder_minutes=event.reminder_minutes,
        link_type=event.link_type,
        link_id=event.link_id,
    )


def cancel_event(dbsession, actor: User | None, event: Event, scope: str = "all",
                 stamp: str | None = None, *, registry) -> Event:
    """Cancel the event, one occurrence, or this and the following ones; attendees are told
    (by `actor`, who is not told; `registry`: the application's, for their language)."""
    db = dbsession
    notices = Notices(registry, actor)
    occurrence = parse_stamp(stamp) if stamp else None
    if not event.rrule or occurrence is None or (scope == "following" and occurrence == event.start_at):
        scope = "all"
    people = attendee_users(event)
    if scope == "this":
        event.exdates = sorted({*(event.exdates or []), utc_stamp(occurrence)})
        event.sequence += 1
        cancelled_rows = list(db.scalars(
            sa.select(Event).where(Event.series_id == event.id, Event.recurrence_id == occurrence)
        ))
        for row in cancelled_rows:
            row.status = "cancelled"
        db.flush()
        keep_booked(db, event, *cancelled_rows)
        schedule_reminder(db, event)
        notices.tell(db, people, "event_cancellation", CANCELLED, event, occurrence, body=CANCELLED_ONE_BODY)
    elif scope == "following":
        _end_series_before(db, event, occurrence)
        db.flush()
        keep_booked(db, event)
        schedule_reminder(db, event)
        notices.tell(
            db, people, "event_cancellation", CANCELLED, event, occurrence, body=CANCELLED_FOLLOWING_BODY
        )
    else:
        event.status = "cancelled"
        event.sequence += 1
        db.flush()
        keep_booked(db, event)
        schedule_reminder(db, event)
        notices.tell(db, people, "event_cancellation", CANCELLED, event, occurrence, body=CANCELLED_BODY)
    return event


def answer_invitation(dbsession, actor: User, event: Event, answer: str, *,
                      registry) -> EventAttendee | None:
    """`actor`'s answer to an invitation (accepted, tentative, declined); the organizer is told.
    None when they are not invited or the answer is not one of those."""
    attendee = event.attendee_for(actor.id)
    if attendee is None or answer not in ("accepted", "tentative", "declined"):
        return None
    if attendee.answer != answer:
        attendee.answer = answer
        attendee.answered_at = utcnow()
        if event.organizer_id != actor.id:
            Notices(registry, actor).tell(
                dbsession, [event.organizer], "event_answer", ANSWERS[answer], event
            )
    return attendee


def departments_by_id(db, ids) -> list[Department]:
    return list(db.scalars(sa.select(Department).where(Department.id.in_(ids)))) if ids else []
