"""portal.core.parsing: ids and keys from URLs and forms are read strictly."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.core.parsing import MAX_ID, parse_int, parse_key


@pytest.mark.parametrize("text, number", [("12", 12), (" 7 ", 7), ("0", 0), (str(MAX_ID), MAX_ID),
                                          ("00000000012", 12)])
def test_ascii_digits_are_a_number(text, number):
    assert parse_int(text) == number


@pytest.mark.parametrize("text", ["", " ", "²", "١٢", "１２", "-1", "+1", "1 2", "1.0", "1e3", "0x10",
                                  "\x00", "1\x00", str(MAX_ID + 1), "9" * 12, str(2**63), str(2**64),
                                  "9" * 100])
def test_anything_else_is_no_number(text):
    assert parse_int(text) is None


def test_the_maximum_can_be_raised_or_lowered():
    assert parse_int("99999999999", maximum=10**11) == 99999999999
    assert parse_int("7", maximum=6) is None


@given(st.text(max_size=30))
def test_a_number_read_is_a_column_value_written_in_ascii_digits(text):
    number = parse_int(text)
    if number is not None:
        assert 0 <= number <= MAX_ID
        assert text.strip().isascii() and text.strip().isdigit()


@pytest.mark.parametrize("text", ["", "a\x00b", "a\x07", "\x7f", "\x85x", "x" * 301, None, 5])
def test_a_key_with_control_characters_or_too_long_names_nothing(text):
    assert parse_key(text) is None


def test_a_key_is_kept_as_it_is():
    assert parse_key("ivanova.a-1") == "ivanova.a-1"
    assert parse_key("Ёлка 2") == "Ёлка 2"
