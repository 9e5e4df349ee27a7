"""The client timeline's helpers (issue 11): its times written as the `datetime('short')`
filter writes them, and the statements it keeps told apart by the filters they carry."""
from __future__ import annotations

import datetime as dt
import types
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from models.tasks import Task
from portal.clients.timeline import filter_key, part_statement, short_datetimes
from portal.core.i18n import format_datetime


@pytest.mark.parametrize("locale", ["ru", "en"])
@pytest.mark.parametrize("zone", ["Europe/Moscow", "America/New_York", "Asia/Kolkata"])
def test_short_times_read_as_babel_writes_them(locale, zone):
    request = types.SimpleNamespace(locale_name=locale, user_timezone=ZoneInfo(zone))
    write = short_datetimes(request)
    start = dt.datetime(2025, 12, 31, 20, 59, 59, tzinfo=dt.UTC)
    for i in range(400):  # every 7 h 13 min over three months: days, nights, a new year
        value = start + dt.timedelta(minutes=433 * i)
        assert write(value) == format_datetime(request, value, "short")
    assert write(None) == ""


def test_filters_with_other_values_make_other_keys():
    mine = sa.or_(Task.author_id == 7, Task.department_id.in_([1, 2]))
    assert filter_key(mine) == filter_key(sa.or_(Task.author_id == 7,
                                                 Task.department_id.in_([1, 2])))
    assert filter_key(mine) != filter_key(sa.or_(Task.author_id == 8,
                                                 Task.department_id.in_([1, 2])))
    assert filter_key(mine) != filter_key(sa.or_(Task.author_id == 7,
                                                 Task.department_id.in_([1, 3])))
    assert filter_key(sa.true()) != filter_key(sa.false())


def test_a_kept_statement_is_built_once_per_key():
    built = []

    def build():
        built.append(1)
        return sa.select(Task.id)

    key = ("test-part", object())
    assert part_statement(key, build) is part_statement(key, build)
    assert len(built) == 1
    part_statement(("test-part", None), build)
    part_statement(("test-part", None), build)
    assert len(built) == 3  # a key that cannot be compared: built each time
