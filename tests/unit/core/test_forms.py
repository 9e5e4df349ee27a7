"""Forms are read through colander schemas: a message per field, rules that hold for any caller."""
from __future__ import annotations

import colander
import pytest
from webob.multidict import MultiDict

from models.people import User
from portal.admin.classifiers import ClassifierChange
from portal.core.forms import flag_field, id_field, schema_of, text_field
from portal.notifications.preferences import preferences_schema
from portal.security.login import hash_password, password_change_schema
from views.forms import FormProblems, read_form


def post(**values) -> MultiDict:
    return MultiDict(list(values.items()))


def problems(schema, **values) -> dict:
    with pytest.raises(FormProblems) as caught:
        read_form(schema, post(**values))
    return {field: str(message) for field, message in caught.value.errors.items()}


def test_a_posted_form_is_read_into_python_values():
    schema = schema_of(id_field("id"), text_field("title", 10), flag_field("block"))
    assert read_form(schema, post(id=" 12 ", title="  Склад ", block="on")) == {
        "id": 12, "title": "Склад", "block": True}
    assert read_form(schema, post()) == {"id": None, "title": "", "block": False}


def test_ids_are_ascii_digits_only():
    schema = schema_of(id_field("id"))
    for junk in ("١٢", "-1", "1e3", "99999999999999999999", "12 34"):
        assert read_form(schema, post(id=junk)) == {"id": None}


def test_too_long_a_text_is_refused_next_to_its_field():
    assert problems(schema_of(text_field("title", 5)), title="слишком длинно") == {
        "title": "Longer than maximum length ${max}"}


def test_form_problems_are_a_user_error_with_the_first_field():
    error = FormProblems({"title": "Too long", "id": "Missing"})
    assert (error.field, error.message, error.status) == ("title", "Too long", 400)


def test_a_new_password_must_be_good_typed_twice_and_the_current_one_right():
    user = User(login="ivanov", full_name="Иванов", password_hash=hash_password("old-secret-1"))
    schema = password_change_schema(user)
    assert problems(schema, current="wrong", new="short", confirm="short") == {
        "current": "The current password is not right.",
        "new": "The password must be at least ${n} characters long."}
    assert problems(schema, current="old-secret-1", new="new-secret-2", confirm="new-secret-3") == {
        "confirm": "The two new passwords differ."}
    assert read_form(schema, post(current="old-secret-1", new="new-secret-2",
                                  confirm="new-secret-2"))["new"] == "new-secret-2"


def test_without_an_e_mail_address_nothing_goes_by_e_mail():
    schema = preferences_schema(User(login="x", full_name="X", email=""))
    assert "no e-mail address" in problems(schema, default_channel="email")["default_channel"]
    assert problems(schema, default_channel="pigeon") == {
        "default_channel": "Choose how notifications reach you."}
    assert problems(schema, digest_hour="25") == {"digest_hour": "Choose an hour from the list."}
    values = read_form(schema, post(default_channel="portal", digest_hour="18"))
    assert values["digest_hour"] == 18 and values["channel_mention"] == "portal"
    assert values["digest"] is False


def test_a_person_with_an_address_may_have_a_kind_by_e_mail():
    schema = preferences_schema(User(login="x", full_name="X", email="x@example.com"))
    values = read_form(schema, post(channel_mention="email", digest="1"))
    assert values["channel_mention"] == "email" and values["channel_task_due"] == "portal"
    assert values["digest"] is True


def test_a_classifier_change_names_a_known_list_and_action():
    values = read_form(ClassifierChange(), post(list="nonsense", action="drop table", title="  a   b ",
                                                id="7"))
    assert values["action"] == "" and values["title"] == "a b" and values["id"] == 7
    assert values["list"] != "nonsense"


def test_a_colander_error_of_the_whole_form_is_kept_under_an_empty_name():
    def never(node, value):
        raise colander.Invalid(node, "Never")

    schema = schema_of(text_field("a"))
    schema.validator = never
    assert problems(schema, a="x") == {"": "Never"}


def test_a_log_in_with_nothing_posted_is_a_failed_log_in_not_an_error():
    from portal.security.login import LoginSchema

    assert read_form(LoginSchema(), post()) == {"login": "", "password": "", "came_from": ""}
    assert len(read_form(LoginSchema(), post(password="x" * 100_000))["password"]) == 1024
