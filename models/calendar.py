"""Shared calendar: events, attendees, rooms and equipment, recurrence, ICS feeds (issue 4)."""
