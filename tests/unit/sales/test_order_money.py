"""Order money and terms, pure: a line's amount rounded half up once, the numbers people type
(quantity > 0, price >= 0, discount 0..100), and the terms flags (none given: 0 % and 0 days)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from models.errors import UserError
from portal.sales.orders import (
    line_amount,
    money,
    read_discount,
    read_price,
    read_quantity,
    terms_flags,
)

D = Decimal


@pytest.mark.parametrize(("qty", "price", "discount", "expected"), [
    ("1", "100.00", "0", "100.00"),
    ("3", "33.33", "0", "99.99"),
    # 2 × 10.05 × 0.85 = 17.085 → half up, not to even (17.08) and not float (17.0849…)
    ("2", "10.05", "15", "17.09"),
    ("1", "0.05", "50", "0.03"),         # 0.025 → 0.03
    ("0.333", "3.00", "0", "1.00"),      # 0.999 → 1.00
    ("1.5", "2.50", "100", "0.00"),
    ("7", "1234.56", "12.5", "7561.68"),  # 8641.92 × 0.875 = 7561.68
])
def test_line_amount_is_rounded_half_up_to_the_kopeck(qty, price, discount, expected):
    assert line_amount(D(qty), D(price), D(discount)) == D(expected)


def test_money_rounds_half_up():
    assert money(D("0.005")) == D("0.01")
    assert money(D("-0.005")) == D("-0.01")
    assert money(D("2.675")) == D("2.68")  # a float would give 2.67


@pytest.mark.parametrize("raw", ["-1", "0", "abc", "1e400", "NaN", "Infinity", "1.0001", "",
                                 "99999999999"])
def test_bad_quantities_are_refused(raw):
    with pytest.raises(UserError):
        read_quantity(raw)


def test_quantities_read_as_typed():
    assert read_quantity("1,5") == D("1.500")
    assert read_quantity(" 2 ") == D("2.000")


@pytest.mark.parametrize("raw", ["-0.01", "x", "1.001", "1e20"])
def test_bad_prices_are_refused(raw):
    with pytest.raises(UserError):
        read_price(raw)


@pytest.mark.parametrize("raw", ["150", "-5", "100.01", "abc"])
def test_bad_discounts_are_refused(raw):
    with pytest.raises(UserError):
        read_discount(raw)


def test_discount_blank_is_zero_and_bounds_pass():
    assert read_discount("") == D("0")
    assert read_discount("100") == D("100")
    assert read_discount("0") == D("0")


def order(ordered_on, planned_pay_on=None):
    return SimpleNamespace(ordered_on=ordered_on, planned_pay_on=planned_pay_on)


def lines(*discounts):
    return [SimpleNamespace(discount_percent=D(d)) for d in discounts]


DAY = dt.date(2026, 3, 10)


def test_discount_above_the_clients_maximum_is_a_breach():
    assert terms_flags(order(DAY), lines("5", "10.01"), D("10"), None) == (True, False)
    assert terms_flags(order(DAY), lines("5", "10"), D("10"), None) == (False, False)


def test_no_maximum_given_means_zero_percent():
    assert terms_flags(order(DAY), lines("0.01"), None, None)[0] is True
    assert terms_flags(order(DAY), lines("0"), None, None)[0] is False


def test_payment_later_than_the_deferral_is_a_breach():
    assert terms_flags(order(DAY, DAY + dt.timedelta(days=30)), lines("0"), None, 30)[1] is False
    assert terms_flags(order(DAY, DAY + dt.timedelta(days=31)), lines("0"), None, 30)[1] is True


def test_no_deferral_given_means_zero_days():
    assert terms_flags(order(DAY, DAY), lines("0"), None, None)[1] is False
    assert terms_flags(order(DAY, DAY + dt.timedelta(days=1)), lines("0"), None, None)[1] is True
    assert terms_flags(order(DAY, None), lines("0"), None, None)[1] is False
