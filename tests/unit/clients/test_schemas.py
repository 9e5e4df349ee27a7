"""The organization and contact forms' schemas: each problem next to its field, every problem at
once, the cross-field rules, and clean values of the right types."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from portal.clients.schemas import (
    contact_schema,
    import_settings,
    merge_choices,
    move_schema,
    organization_schema,
    read,
)

GOOD_INN = "7707083893"
ENTREPRENEUR_INN = "500100732259"


class Database:
    """A stand-in session: the ids in `known` exist, others do not."""

    def __init__(self, known=(1, 2, 3)):
        self.known = set(known)

    def scalar(self, stmt):
        where = stmt.whereclause.compile(compile_kwargs={"literal_binds": True}).string
        wanted = int(re.search(r"\.id = (\d+)", where).group(1))
        return wanted if wanted in self.known else None


def organization(**values) -> dict:
    form = {"name": "Ромашка", "legal_name": "", "inn": "", "kpp": "", "kind": "client",
            "stage": "attraction", "manager_id": "", "department_id": "", "website": "",
            "tags": "", "notes": "", "phones": [], "emails": [], "addresses": [], "dates": []}
    form.update(values)
    return form


def read_organization(may_terms=True, **values):
    schema = organization_schema(may_terms).bind(dbsession=Database())
    return read(schema, organization(**values), parts=2)


def text(message) -> str:
    return message.interpolate() if hasattr(message, "interpolate") else str(message)


def test_a_good_organization_form_gives_clean_values():
    clean, errors = read_organization(
        name="  Альфа   Плюс ", inn=f" {GOOD_INN[:4]} {GOOD_INN[4:]} ", kpp="773601001 ",
        kind="prospect", stage="nonsense", website="alfa.example", tags="опт, , vip",
        manager_id="2", discount_percent="7,5", credit_limit="1 500 000",
        payment_deferral_days="30", phones=[{"kind": "fax", "number": " +7 495 111-22-33 "}],
        dates=[{"title": "День основания", "date": "17.05.2001", "yearly": "0"}])
    assert errors == {}
    assert (clean["name"], clean["inn"], clean["kpp"]) == ("Альфа Плюс", GOOD_INN, "773601001")
    assert (clean["kind"], clean["stage"]) == ("prospect", "attraction")
    assert clean["website"] == "https://alfa.example" and clean["tags"] == "опт, vip"
    assert clean["manager_id"] == 2 and clean["department_id"] is None
    assert clean["discount_percent"] == Decimal("7.50")
    assert clean["credit_limit"] == Decimal("1500000.00")
    assert clean["payment_deferral_days"] == 30
    assert clean["phones"] == [{"kind": "fax", "number": "+7 495 111-22-33"}]
    assert clean["dates"] == [{"title": "День основания", "date": dt.date(2001, 5, 17),
                               "yearly": False}]


def test_every_problem_of_the_organization_form_is_next_to_its_field():
    _clean, errors = read_organization(
        name=" ", inn="7707083894", kpp="12", manager_id="99", industry_id="98",
        discount_percent="150", credit_limit="много", payment_deferral_days="-5",
        phones=[{"kind": "work", "number": "звоните"}],
        emails=[{"kind": "work", "address": "info@"}, {"kind": "work", "address": "a@b.ru"},
                {"kind": "work", "address": "A@B.ru"}],
        addresses=[{"kind": "legal", "postal_code": "1O1", "city": "", "text": ""}],
        dates=[{"title": "Юбилей", "date": "31.02.2020", "yearly": "1"},
               {"title": "", "date": "2020-02-01", "yearly": "1"},
               {"title": "Без даты", "date": "", "yearly": "1"}])
    expected = {
        "name": "Enter the organization's name.",
        "inn": "wrong check digit",
        "kpp": "A KPP is 9 characters",
        "manager_id": "Choose a person from the list.",
        "industry_id": "Choose a value from the list.",
        "discount_percent": "between 0 and 100",
        "credit_limit": "Enter a number",
        "payment_deferral_days": "Enter whole days",
        "phones-0": "is not a phone number",
        "emails-0": "is not an e-mail address",
        "emails-2": "already in the list",
        "addresses-0": "A postal code is made of digits",
        "dates-0": "“31.02.2020” is not a date",
        "dates-1": "Say what the date is",
        "dates-2": "Enter the date",
    }
    assert set(errors) == set(expected)
    for field, words in expected.items():
        assert words in text(errors[field]), field


def test_an_entrepreneur_has_no_kpp_even_when_other_fields_are_wrong():
    _clean, errors = read_organization(name="", inn=ENTREPRENEUR_INN, kpp="773601001")
    assert set(errors) == {"name", "kpp"}
    assert "Individual entrepreneurs have no KPP" in text(errors["kpp"])


def test_an_inn_of_the_wrong_length_is_explained():
    _clean, errors = read_organization(inn="12345")
    assert "10 digits (a company) or 12 digits" in text(errors["inn"])


def test_terms_are_not_read_from_who_may_not_see_them():
    clean, errors = read_organization(may_terms=False, discount_percent="много",
                                      credit_limit="100")
    assert errors == {}
    assert "discount_percent" not in clean and "credit_limit" not in clean


def test_an_absent_name_is_refused_like_an_empty_one():
    values = organization()
    del values["name"]
    _clean, errors = read(organization_schema(False).bind(dbsession=Database()), values)
    assert text(errors["name"]) == "Enter the organization's name."


def contact(**values) -> dict:
    form = {"full_name": "Иванов Иван", "position": "", "decision_level": "", "birthday": "",
            "notes": "", "manager_id": "", "phones": [], "emails": [], "addresses": [],
            "dates": []}
    form.update(values)
    return form


@pytest.mark.parametrize("private", [True, False])
def test_the_contact_form_refuses_each_field_and_reads_the_rest(private):
    schema = contact_schema(private).bind(dbsession=Database())
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    _clean, errors = read(schema, contact(full_name="", birthday=tomorrow.isoformat(),
                                          manager_id="99",
                                          emails=[{"kind": "work", "address": "не почта"}]),
                          parts=2)
    expected = {"full_name": "Enter the person's name.",
                "birthday": "A birthday cannot be in the future.",
                "emails-0": "is not an e-mail address"}
    if private:
        expected["manager_id"] = "Choose a person from the list."
    assert set(errors) == set(expected)
    for field, words in expected.items():
        assert words in text(errors[field]), field
    clean, errors = read(schema, contact(position=" Главный  инженер ", decision_level="boss",
                                         birthday="12.04.1975", manager_id="1"))
    assert errors == {}
    assert (clean["position"], clean["decision_level"]) == ("Главный инженер", "")
    assert clean["birthday"] == dt.date(1975, 4, 12)
    assert clean.get("manager_id") == (1 if private else None)


def test_the_move_form_reads_where_since_when_and_the_new_position():
    clean, errors = read(move_schema(), {"target": "12", "position": "  Главный   инженер ",
                                         "on": "15.01.2026"})
    assert errors == {}
    assert clean == {"target": 12, "position": "Главный инженер", "on": dt.date(2026, 1, 15)}
    clean, errors = read(move_schema(), {"target": "private"})
    assert errors == {} and clean == {"target": "private", "position": "", "on": None}
    _clean, errors = read(move_schema(), {"target": "somewhere", "on": "вчера"})
    assert text(errors["target"]) == "Choose where the person works now."
    assert text(errors["on"]) == "“вчера” is not a date."


def test_the_merge_page_choices_keep_only_what_was_offered():
    post = {"choice-name": "other", "choice-inn": "both", "choice-notes": "both",
            "choice-kpp": "keep", "choice-website": "mine", "choice-secret": "other"}
    assert merge_choices(post, ("name", "inn", "kpp", "website", "notes")) == {
        "name": "other", "kpp": "keep", "notes": "both"}


def test_the_import_settings_keep_known_fields_and_choices():
    post = {"col-0": "name", "col-1": "inn", "col-2": "nonsense", "col-7": "phone",
            "duplicates": "merge", "manager": "12"}
    assert import_settings(post, 3, ("name", "inn", "phone"), ("skip", "update", "create")) == (
        {0: "name", 1: "inn"}, "skip", 12)
    assert import_settings({"duplicates": "update", "manager": "x"}, 3, ("name",),
                           ("skip", "update", "create")) == ({}, "update", None)
