"""Shared calendar: events, attendees, rooms and equipment, recurrence, ICS feeds (issue 4).

Times are stored in UTC. An event keeps the IANA zone it was planned in (`timezone`), so a
weekly 10:00 meeting stays at 10:00 local time across daylight-saving changes, and an all-day
event is the local midnight-to-midnight span of its zone, shown as dates.

A recurring event is one row (the "master") with an RFC 5545 RRULE that always ends (UNTIL or
COUNT). Cancelled occurrences are listed in `exdates`; a changed occurrence is a row of its own
with `series_id` pointing at the master and `recurrence_id` = the original start it replaces.
`series_end_at` is the end of the last occurrence, so "events in this window" is one range query.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value

import models.search as search
from models.booking import ResourceBooking
from models.meta import Base, UTCDateTime, utcnow
from models.people import Department, User

CALENDARS = ("personal", "department", "company")
VISIBILITIES = ("public", "busy", "private")
ANSWERS = ("needs_action", "accepted", "tentative", "declined")
ROOM_KINDS = ("room", "equipment")
# Kinds of records an event may point at (their areas come with later issues).
LINK_TYPES = ("client", "contact", "ticket", "job")
# A single event not longer than this is "short": window queries look this far back for it.
WIDE_AFTER = dt.timedelta(days=1)


class Room(Base):
    """A bookable resource: a meeting room or a piece of equipment (projector, car...)."""

    __tablename__ = "rooms"
    __versioned__: dict = {}
    security_type = "room"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(20), default="room")
    location: Mapped[str] = mapped_column(sa.String(200), default="")
    capacity: Mapped[int | None] = mapped_column(sa.Integer)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    active: Mapped[bool] = mapped_column(default=True)

    # Security: its ACL is the calendar's business (portal/calendar/security.py, bound by
    # portal.calendar's includeme); the role matrix applies with no department and no owner.
    def security_departments(self) -> list[int]:
        return []

    def security_owners(self) -> list[int]:
        return []

    @classmethod
    def sql_in_departments(cls, ids):
        return sa.false()

    @classmethod
    def sql_owned_by(cls, user_id: int):
        return sa.false()

    def __repr__(self) -> str:
        return f"<Room {self.id} {self.name}>"


class Event(Base):
    __tablename__ = "events"
    __versioned__: dict = {}
    __table_args__ = (
        # "Events in this window" is two index ranges: short single events by their start,
        # and the few wide ones (repeating or longer than a day) by the end of their series.
        # Both indexes cover their range's test, so finding the ids reads no event rows.
        sa.Index("ix_events_short", "wide", "start_at", "end_at"),
        sa.Index("ix_events_wide", "wide", "series_end_at", "start_at"),
        # The same ranges within one calendar: the company's, a department's (a month of a
        # few calendars is read from them, not from the whole company's window).
        sa.Index("ix_events_calendar_window", "calendar", "wide", "start_at", "end_at"),
        sa.Index("ix_events_department_window", "department_id", "wide", "start_at", "end_at"),
        sa.Index("ix_events_series", "series_id", "recurrence_id"),
        sa.Index("ix_events_link", "link_type", "link_id", "start_at"),
    )
    security_type = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    location: Mapped[str] = mapped_column(sa.String(200), default="")
    start_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    all_day: Mapped[bool] = mapped_column(default=False)
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Europe/Moscow")
    # RRULE value without the "RRULE:" prefix, e.g. "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10".
    rrule: Mapped[str] = mapped_column(sa.Text, default="")
    # Cancelled occurrences: their original starts, UTC ISO strings.
    exdates: Mapped[list] = mapped_column(sa.JSON, default=list)
    series_end_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # Repeating or longer than WIDE_AFTER (set on every save; see ix_events_short/ix_events_wide).
    wide: Mapped[bool] = mapped_column(default=False)
    series_id: Mapped[int | None] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    recurrence_id: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    organizer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    calendar: Mapped[str] = mapped_column(sa.String(20), default="personal")
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    visibility: Mapped[str] = mapped_column(sa.String(10), default="public")
    # "confirmed" or "cancelled" (a cancelled event stays, so attendees see what happened).
    status: Mapped[str] = mapped_column(sa.String(12), default="confirmed")
    link_type: Mapped[str] = mapped_column(sa.String(20), default="")
    link_id: Mapped[int | None] = mapped_column(sa.Integer)
    reminder_minutes: Mapped[int | None] = mapped_column(sa.Integer)
    ical_uid: Mapped[str] = mapped_column(sa.String(255), index=True)
    # RFC 5545 SEQUENCE: grows with every change that attendees' calendars must pick up.
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organizer: Mapped[User] = relationship(foreign_keys=[organizer_id])
    department: Mapped[Department | None] = relationship()
    attendees: Mapped[list[EventAttendee]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="EventAttendee.id"
    )
    bookings: Mapped[list[EventRoom]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="EventRoom.id"
    )
    series: Mapped[Event | None] = relationship(remote_side=[id], foreign_keys=[series_id])

    @property
    def rooms(self) -> list[Room]:
        return [b.room for b in self.bookings]

    @property
    def is_recurring(self) -> bool:
        return bool(self.rrule)

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"

    def attendee_for(self, user_id: int) -> EventAttendee | None:
        for a in self.attendees:
            if a.user_id == user_id:
                return a
        return None

    def participant_ids(self) -> set[int]:
        return {a.user_id for a in self.attendees if a.user_id} | {self.organizer_id}

    # --- security: the organizer owns it; busy-only and private events narrow `view`
    # (the ACL and its SQL twin: portal/calendar/security.py, bound by portal.calendar's includeme).
    def security_departments(self) -> list[int]:
        return [self.department_id] if self.department_id else []

    def security_owners(self) -> list[int]:
        return [self.organizer_id]

    @classmethod
    def sql_in_departments(cls, ids):
        return cls.department_id.in_(ids)

    @classmethod
    def sql_owned_by(cls, user_id: int):
        return cls.organizer_id == user_id

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.title!r}>"


@sa.event.listens_for(Event, "before_insert")
@sa.event.listens_for(Event, "before_update")
def _set_wide(mapper, connection, event: Event) -> None:
    wide = bool(event.rrule) or (event.end_at - event.start_at) > WIDE_AFTER
    # Assigned only when it changes: an assignment alone makes the audit record an update.
    if event.wide is not wide:
        event.wide = wide


@sa.event.listens_for(Event, "before_delete")
def _free_rooms(mapper, connection, event: Event) -> None:
    """A deleted event (and the changed occurrences the database deletes with it) books nothing."""
    children = sa.select(sa.literal("event:") + sa.cast(Event.id, sa.String)).where(
        Event.series_id == event.id)
    connection.execute(sa.delete(ResourceBooking).where(sa.or_(
        ResourceBooking.holder == f"event:{event.id}", ResourceBooking.holder.in_(children))))


def event_document(event: Event) -> tuple[str, str]:
    """What the header search finds an event by: its title, then its place and description."""
    return search.text_of(event.title), search.text_of(event.location, event.description)


def includeme(config) -> None:
    # Kind code 10 in the shared search index (models/search/): events, kept in step on flush.
    search.register(config, "event", Event, event_document, code=10)


class EventAttendee(Base):
    """Someone invited: a person (maybe as a member of an invited department) or an outside
    guest (a client contact, by name and e-mail). The organizer is an attendee too."""

    __tablename__ = "event_attendees"
    # The copies of the event's window columns are the event's history, not the invitation's.
    __versioned__: dict = {"exclude": ["short_start", "wide_until"]}
    __table_args__ = (
        sa.UniqueConstraint("event_id", "user_id"),
        sa.Index("ix_event_attendees_user_event", "user_id", "event_id"),
        # A person's events of a window: two ranges (see `short_start` and `wide_until`); with
        # the answer, so a team's week (who attends what, declined left out) reads no row.
        sa.Index("ix_event_attendees_user_short", "user_id", "short_start", "event_id", "answer"),
        sa.Index("ix_event_attendees_user_wide", "user_id", "wide_until", "event_id", "answer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    via_department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"))
    guest_name: Mapped[str] = mapped_column(sa.String(200), default="")
    guest_email: Mapped[str] = mapped_column(sa.String(254), default="")
    contact_id: Mapped[int | None] = mapped_column(sa.Integer)
    answer: Mapped[str] = mapped_column(sa.String(12), default="needs_action")
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Copies of the event's window columns, so that a person's events of a window are two
    # index ranges of their own invitations, whatever the number of events of the company:
    # `short_start` is the event's `start_at` while it is short (else NULL), `wide_until` its
    # `series_end_at` while it is wide (repeating or long; else NULL). Kept by the listeners
    # below (`window_copy`), never assigned by hand.
    short_start: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    wide_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship(back_populates="attendees")
    user: Mapped[User | None] = relationship()
    via_department: Mapped[Department | None] = relationship()

    @property
    def display_name(self) -> str:
        if self.user is not None:
            return self.user.full_name
        return self.guest_name or self.guest_email


def window_copy(wide: bool, start_at: dt.datetime, series_end_at: dt.datetime) -> dict:
    """What an event's invitations keep of it (`EventAttendee.short_start`, `wide_until`)."""
    return {"short_start": None if wide else start_at, "wide_until": series_end_at if wide else None}


WINDOW_COLUMNS = ("wide", "start_at", "series_end_at")


@sa.event.listens_for(EventAttendee, "before_insert")
def _copy_window(mapper, connection, attendee: EventAttendee) -> None:
    # The event is saved before its invitations (its `wide` already set by `_set_wide`).
    event = attendee.__dict__.get("event")
    if event is None or event.id != attendee.event_id:
        event = connection.execute(sa.select(Event.wide, Event.start_at, Event.series_end_at)
                                   .where(Event.id == attendee.event_id)).one()
    for name, value in window_copy(event.wide, event.start_at, event.series_end_at).items():
        setattr(attendee, name, value)


@sa.event.listens_for(Event, "after_update")
def _follow_window(mapper, connection, event: Event) -> None:
    """An event moved, made a series or a single event again, cut short ("this and
    following"), made longer or imported again carries its invitations' copy along."""
    state = sa.inspect(event)
    if not any(state.attrs[name].history.has_changes() for name in WINDOW_COLUMNS):
        return
    values = window_copy(event.wide, event.start_at, event.series_end_at)
    table = EventAttendee.__table__
    connection.execute(sa.update(table).where(table.c.event_id == event.id).values(**values))
    # The invitations loaded with the event hold the new values too (not a change to record).
    for attendee in event.__dict__.get("attendees", ()):
        for name, value in values.items():
            set_committed_value(attendee, name, value)


class EventRoom(Base):
    """A room or piece of equipment booked by an event."""

    __tablename__ = "event_rooms"
    __versioned__: dict = {}
    __table_args__ = (
        sa.UniqueConstraint("event_id", "room_id"),
        sa.Index("ix_event_rooms_room_event", "room_id", "event_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("rooms.id"))

    event: Mapped[Event] = relationship(back_populates="bookings")
    room: Mapped[Room] = relationship()


class EventReminder(Base):
    """The next reminder due for an event (one row per event with a reminder; not audited).

    `portal tick` claims rows whose `fire_at` has come, notifies, and moves `fire_at` to the
    next occurrence's reminder (or clears it): a row is fired once per occurrence.
    """

    __tablename__ = "event_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    minutes_before: Mapped[int] = mapped_column(sa.Integer)
    fire_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    occurrence_start: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    fired_count: Mapped[int] = mapped_column(default=0)
    last_fired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()


class CalendarFeed(Base):
    """A person's secret ICS feed address (regenerating it retires the old one)."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), unique=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
