"""The sales reports' filters and figures (portal/sales/reports/base.py), without a database:
the period from the query string (10 years at most), strict ids, months, rounding half up."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from webob.multidict import MultiDict

from models.errors import UserError
from portal.sales.reports.base import (
    Column,
    money,
    month_label,
    months_between,
    percent,
    read_filters,
)


def request(**params):
    return SimpleNamespace(GET=MultiDict(params), user_timezone=ZoneInfo("Europe/Moscow"),
                           locale_name="en")


def test_period_and_ids():
    f = read_filters(request(**{"from": "2025-01-16", "to": "31.03.2025", "manager": "7",
                                "channel": "web"}))
    assert (f.period_start, f.period_end, f.manager_id, f.channel) == (
        dt.date(2025, 1, 16), dt.date(2025, 3, 31), 7, "web")
    assert f.months == [202501, 202502, 202503]
    assert f.query()["manager"] == "7"
    year = read_filters(request(year="2024"))
    assert (year.period_start, year.period_end) == (dt.date(2024, 1, 1), dt.date(2024, 12, 31))


@pytest.mark.parametrize("params, field", [
    ({"from": "1975-01-01", "to": "2025-01-01"}, "to"),
    ({"from": "2025-02-30"}, "from"),
    ({"from": "2025-03-01", "to": "2025-02-01"}, "to"),
    ({"year": "20x5"}, "year"),
    ({"manager": "-3"}, "manager"),
    ({"group": "١٢"}, "group"),
    ({"organization": "99999999999"}, "organization"),
    ({"channel": "a\x00b"}, "channel"),
])
def test_refused(params, field):
    with pytest.raises(UserError) as refused:
        read_filters(request(**params))
    assert refused.value.field == field


def test_ten_years_is_the_limit():
    read_filters(request(**{"from": "2015-01-01", "to": "2025-01-01"}))
    with pytest.raises(UserError):
        read_filters(request(**{"from": "2015-01-01", "to": "2025-01-02"}))


def test_numbers_and_months():
    assert money(Decimal("0.125")) == Decimal("0.13") and money(None) == Decimal("0.00")
    assert percent(Decimal("2"), Decimal("3")) == Decimal("66.67")
    assert percent(1, 0) is None
    assert months_between(dt.date(2024, 11, 5), dt.date(2025, 2, 1)) == [
        202411, 202412, 202501, 202502]
    assert month_label(request(), 202503) == "Mar 2025"
    with pytest.raises(ValueError):
        Column("x", "X", "float")
