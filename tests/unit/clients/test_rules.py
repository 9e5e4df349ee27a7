"""Rules of client records that need no database: tax ids, phones, e-mails, names, search terms."""
from __future__ import annotations

import pytest
from pyramid import testing

from models.clients import name_key, normalize_phone, phone_search_terms
from models.search import query_terms
from portal.clients.rules import (
    complete_inn,
    email_problem,
    inn_is_valid,
    inn_problem,
    kpp_problem,
    phone_problem,
)

# Real tax ids (published registration data of large companies) and their one-digit typos.
VALID_INNS = ["7707083893", "7736207543", "500100732259", "7830002293"]


@pytest.mark.parametrize("inn", VALID_INNS)
def test_real_inns_pass_the_checksum(inn):
    assert inn_is_valid(inn)
    assert inn_problem(inn) is None
    assert inn_problem(f" {inn[:4]} {inn[4:]} ") is None  # pasted with spaces


@pytest.mark.parametrize("inn", ["7707083894", "7736207541", "500100732258", "500100732269"])
def test_a_wrong_check_digit_is_refused(inn):
    assert not inn_is_valid(inn)
    assert "check digit" in inn_problem(inn)


@pytest.mark.parametrize("inn,words", [
    ("12345", "10 digits"), ("77070838931", "10 digits"),
    ("77O7083893", "digits only"), ("７７０７０８３８９３", "digits only"),
])
def test_inns_of_wrong_length_or_characters_are_refused(inn, words):
    assert words in inn_problem(inn)


def test_complete_inn_makes_valid_company_and_individual_tax_ids():
    assert complete_inn("770708389") == "7707083893"
    assert complete_inn("5001007322") == "500100732259"
    assert inn_is_valid(complete_inn("123456789"))


def test_kpp_is_9_characters_and_only_for_companies():
    assert kpp_problem("773601001", "7736207543") is None
    assert kpp_problem("7736AB001", "7736207543") is None
    assert kpp_problem("", "500100732259") is None
    assert "9 characters" in kpp_problem("77360100", "7736207543")
    assert "no KPP" in kpp_problem("773601001", "500100732259")


@pytest.mark.parametrize("typed,normalized", [
    ("8 (495) 123-45-67", "74951234567"),
    ("+7 495 123 45 67", "74951234567"),
    ("(495) 123-45-67", "74951234567"),
    ("+7 (495) 123-45-67 доб. 123", "74951234567"),
    ("+49 30 1234567", "49301234567"),
    ("123-45", "12345"),
])
def test_phone_numbers_are_normalized_for_duplicate_search(typed, normalized):
    assert normalize_phone(typed) == normalized


def test_phone_problems():
    assert phone_problem("+7 (495) 123-45-67 доб. 12") is None
    assert "at least 5 digits" in phone_problem("12-3")
    assert "not a phone number" in phone_problem("call me maybe")
    assert "at most 15 digits" in phone_problem("1234567890123456")


def test_email_problems():
    assert email_problem("Office@Example.RU") is None
    assert "not an e-mail" in email_problem("office@")


def test_company_names_share_a_key_without_legal_form_case_and_quotes():
    assert name_key('ООО "Ромашка"') == name_key("Ромашка, ооо") == name_key("«РОМАШКА»") == "ромашка"
    assert name_key("Ёлка-Трейд LLC") == "елка трейд"


@pytest.fixture
def client_search():
    """The client models' part of the configuration: legal forms ("ООО") are search noise."""
    config = testing.setUp()
    config.include("models.clients")
    config.commit()
    yield
    testing.tearDown()


def test_phone_like_queries_become_one_digits_term(client_search):
    assert query_terms("8 (495) 123-45-67") == ["74951234567"]
    assert query_terms("123 45 67") == ["1234567"]
    assert query_terms("Ёлкин   ООО") == ["елкин"]  # legal forms are noise
    assert query_terms("ООО") == []
    assert phone_search_terms("74951234567") == ["74951234567", "4951234567", "1234567"]
