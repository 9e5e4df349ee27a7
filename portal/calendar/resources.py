"""The /calendar part of the resource tree: the section, its events, and rooms and equipment.

    /calendar                the section (event.view to look, event.add to plan)
    /calendar/{id}           Event
    /calendar/rooms          rooms and equipment (everyone may look, admins manage)
    /calendar/rooms/{id}     Room

Rows loaded by a query (a window of the calendar, a client's timeline) are placed here by
`portal.resources.locate`, through the locators portal.calendar's includeme registers.
"""

from __future__ import annotations

from pyramid.authorization import DENY_ALL, Allow, Authenticated
from sqlalchemy.orm import joinedload, selectinload

from models.calendar import Event, EventAttendee, EventRoom, Room
from portal.core.parsing import parse_int
from portal.resources import Container
from portal.security.acl import ADMIN_ACE, container_acl

# Ids longer than this are not ours (and would overflow the database's integer).
MAX_ID = 10**9


def _id(key: str) -> int | None:
    number = parse_int(key)
    return number if number is not None and number < MAX_ID else None


class Rooms(Container):
    """/calendar/rooms/{id}: rooms and equipment; everyone may look, admins manage."""

    def __acl__(self):
        return [ADMIN_ACE, (Allow, Authenticated, "view"), DENY_ALL]

    def load(self, key):
        number = _id(key)
        return self.request.dbsession.get(Room, number) if number is not None else None


# What an event's page shows besides its own columns, read with it.
EVENT_LOADS = (joinedload(Event.organizer), joinedload(Event.department),
               selectinload(Event.attendees).joinedload(EventAttendee.user),
               selectinload(Event.bookings).joinedload(EventRoom.room))


class CalendarSection(Container):
    """/calendar/{id}: events; /calendar/rooms: bookable rooms and equipment."""

    children = {"rooms": Rooms}

    def __acl__(self):
        return container_acl(self, "event", ("view", "add"))

    def load(self, key):
        number = _id(key)
        if number is None:
            return None
        return self.request.dbsession.get(Event, number, options=EVENT_LOADS)


def place_event(request, event: Event) -> None:
    """An event loaded by a query sits in /calendar, under its id."""
    event.__parent__ = request.root["calendar"]
    event.__name__ = str(event.id)


def place_room(request, room: Room) -> None:
    """A room loaded by a query sits in /calendar/rooms, under its id."""
    room.__parent__ = request.root["calendar"]["rooms"]
    room.__name__ = str(room.id)
