"""Factories for the calendar: `cal.room(name)`, `cal.event(organizer, title, start, ...)` and
`cal.request(user)` (a real request acting as someone, for calling the service functions)."""

from __future__ import annotations

import datetime as dt

import pytest

# A Monday well in the future, so "now" never gets in the way: 10:00 Moscow = 07:00 UTC.
MONDAY = dt.datetime(2031, 3, 3, 7, 0, tzinfo=dt.UTC)


class CalendarFactory:
    def __init__(self, dbsession, factory, request_for):
        self.db = dbsession
        self.people = factory
        self.request_for = request_for

    def room(self, name: str = "Переговорная «Нева»", kind: str = "room", capacity: int | None = 8, **fields):
        from models.calendar import Room

        room = Room(name=name, kind=kind, capacity=capacity, **fields)
        self.db.add(room)
        self.db.flush()
        return room

    def request(self, user):
        return self.request_for(user)

    def event(
        self, organizer, title: str = "Планёрка", start: dt.datetime = MONDAY, minutes: int = 60, **fields
    ):
        """An event planned through the service (rules checked, people notified)."""
        from portal.calendar.changes import EventInput, create_event

        fields.setdefault("timezone", "Europe/Moscow")
        data = EventInput(title=title, start=start, end=start + dt.timedelta(minutes=minutes), **fields)
        return create_event(self.request(organizer), data).event


@pytest.fixture
def cal(dbsession, factory, request_for):
    return CalendarFactory(dbsession, factory, request_for)


def form(**changes) -> dict:
    """A filled event form (Monday 3 March 2031, 10:00–11:00 Moscow) with `changes`."""
    values = {
        "title": "Совещание по бюджету",
        "calendar": "personal",
        "timezone": "Europe/Moscow",
        "start_date": "2031-03-03",
        "start_time": "10:00",
        "end_date": "2031-03-03",
        "end_time": "11:00",
        "location": "",
        "guests": "",
        "visibility": "public",
        "description": "",
        "freq": "",
        "interval": "1",
        "ends": "count",
        "count": "5",
        "until": "",
        "reminder": "15",
        "link_type": "",
        "link_id": "",
    }
    values.update(changes)
    return values
