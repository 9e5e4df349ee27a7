"""The day and hour as the people of the tests live them.

Test people live in Moscow (the factory's default time zone), three hours ahead of UTC: for
three hours of every night "today" there is already tomorrow in UTC. A test that speaks of a
person's today takes it from here, never from `date.today()` or UTC, so that it passes
whatever the hour the suite runs at.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

MOSCOW = ZoneInfo("Europe/Moscow")


def local_today(zone: dt.tzinfo = MOSCOW) -> dt.date:
    """Today's date in `zone`."""
    return dt.datetime.now(zone).date()


def local_at(day: dt.date, hour: int, minute: int = 0, zone: dt.tzinfo = MOSCOW) -> dt.datetime:
    """`day` at `hour`:`minute` in `zone`, as the UTC instant stored."""
    return dt.datetime.combine(day, dt.time(hour, minute), zone).astimezone(dt.UTC)
