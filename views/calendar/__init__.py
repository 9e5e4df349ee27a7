"""The calendar's pages: month, week, day and agenda, the team view, one event and its form, rooms and
equipment, search, iCalendar feeds and files.

- `assistant.py`: /calendar/assistant.json, the scheduling assistant the event form asks as it is
  typed.
- `event.py`: One event: its page, the add and edit form, answers, drag-and-drop moves, cancelling.
- `forms.py`: The event form's page: its first values (a new event, or an event as it is), what the
  template needs besides them, and turning the POST into the input of
  portal.calendar.schemas.EventSchema, whose messages land next to the fields.
- `ics.py`: ICS: one event as a file, a person's secret feed (for Outlook, Thunderbird, Google
  Calendar), and importing an .ics file into a calendar.
- `pages.py`: The shared calendar: /calendar (month, week, day, agenda), the team view (a
  department and people chosen from any), the JSON the calendar widget (@event-calendar) reads,
  and the "today's events" block of My day.
- `rooms.py`: Rooms and equipment: the list with today's bookings (everyone), adding and editing
  (admins).
- `search.py`: Finding events: the header search's "Events" group and /calendar/search (all
  matches).
"""
