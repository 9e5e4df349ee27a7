"""The shared calendar: events and their series, rooms and equipment booked once at a time,
invitations, reminders sent by `portal tick`, and iCalendar in both directions.

- `assistant.py`: The scheduling assistant of the event form: who and which rooms are busy on
  every occurrence of the event as typed, free rooms of the needed size, the nearest free times.
- `audit.py`: The calendar in the audit log, in words (portal/audit/log.py's extension points).
- `booking.py`: Conflicts: a room or piece of equipment is booked once at a time (the friendly
  check naming the clash, and the stored occurrences the database guards, models/booking.py);
  people get a warning.
- `changes.py`: Changing the calendar: plan, change, move, cancel events and answer invitations.
- `events.py`: Reading the calendar: which events a person may see, and their occurrences in a
  window.
- `ics.py`: iCalendar (RFC 5545) in both directions, with `icalendar`: a person's secret feed, one
  event as .ics, and importing an .ics file into a calendar.
- `notices.py`: Telling people about events (invitations, changes, cancellations, answers,
  reminders) in their own language and time zone.
- `recurrence.py`: Recurrence and time-zone rules of the calendar (python-dateutil's rrule,
  zoneinfo).
- `reminders.py`: Event reminders, fired by `portal tick` exactly once per occurrence.
- `resources.py`: The /calendar part of the resource tree: the section, events, rooms.
- `schemas.py`: Reading the event form and the import form (colander): every rule a typed
  event must meet before it is planned.
- `security.py`: Who may see, change and book what: the ACLs of events and rooms, the same rules
  as SQL, the calendars a person may put events in.
"""

from models.calendar import Event, Room
from models.meta import ROW_ACL
from portal.calendar.resources import CalendarSection, place_event, place_room
from portal.calendar.security import event_acl
from portal.core.i18n import _
from portal.resources import LOCATORS, add_section
from portal.security.acl import row_acl


def includeme(config) -> None:
    config.include(".audit")
    add_section(config, "calendar", CalendarSection, _("Calendar"), "calendar3", 20)
    # Events: the role matrix narrowed by their visibility; rooms: the role matrix as it is.
    config.register(ROW_ACL, Event, event_acl)
    config.register(ROW_ACL, Room, row_acl)
    config.register(LOCATORS, Event, place_event)
    config.register(LOCATORS, Room, place_room)
    # Ticker jobs, timeline providers, feed providers and link types marked by decorators.
    config.scan("portal.calendar", categories=("portal",))
