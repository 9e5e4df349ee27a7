"""The shared calendar: events and their series, rooms and equipment booked once at a time,
invitations, reminders sent by `portal tick`, and iCalendar in both directions.

- `audit.py`: The calendar in the audit log, in words (portal/audit/log.py's extension points).
- `booking.py`: Conflicts: a room or piece of equipment is booked once at a time; people get a
  warning.
- `changes.py`: Changing the calendar: plan, change, move, cancel events and answer invitations.
- `events.py`: Reading the calendar: which events a person may see, and their occurrences in a
  window.
- `ics.py`: iCalendar (RFC 5545) in both directions, with `icalendar`: a person's secret feed, one
  event as .ics, and importing an .ics file into a calendar.
- `recurrence.py`: Recurrence and time-zone rules of the calendar (python-dateutil's rrule,
  zoneinfo).
- `reminders.py`: Event reminders, fired by `portal tick` exactly once per occurrence.
"""


def includeme(config) -> None:
    config.include(".audit")
    # Ticker jobs, timeline providers, feed providers and link types marked by decorators.
    config.scan("portal.calendar", categories=("portal",))
