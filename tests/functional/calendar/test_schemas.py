"""The event form's schema (portal.calendar.schemas): what a person typed becomes the input of the
calendar's services, or every field's message at once; the import form's schema likewise."""

from __future__ import annotations

import datetime as dt

import colander
import pytest
from pyramid.config import Configurator
from pyramid.exceptions import ConfigurationConflictError

from models.calendar import Event, Room
from models.meta import ROW_ACL
from portal.calendar.changes import EventInput
from portal.calendar.schemas import EventSchema, ImportSchema, field_errors
from portal.calendar.security import event_acl
from portal.resources import LOCATORS
from portal.security.acl import row_acl
from tests.functional.calendar.conftest import form


def read(request, values, event=None):
    return EventSchema().bind(request=request, event=event).deserialize(values)


def errors_of(request, values) -> dict:
    with pytest.raises(colander.Invalid) as refused:
        read(request, values)
    return {name: request.translate(message) for name, message in field_errors(refused.value).items()}


def test_a_filled_form_becomes_the_input_of_the_services(factory, request_for):
    me = factory.user()
    guest = factory.user()
    data = read(request_for(me), {**form(title="  Совещание  ", people=[str(guest.id), "x"],
                                         guests="Иван Петров <ivan@romashka.example>"),
                                  "end_date": ""})
    assert isinstance(data, EventInput)
    assert data.title == "Совещание"
    # 10:00–11:00 in Moscow; a blank end date is the start's day.
    assert (data.start, data.end) == (dt.datetime(2031, 3, 3, 7, tzinfo=dt.UTC),
                                      dt.datetime(2031, 3, 3, 8, tzinfo=dt.UTC))
    assert data.user_ids == [guest.id]
    assert data.guests == [("Иван Петров", "ivan@romashka.example")]
    assert (data.calendar, data.department_id, data.reminder_minutes) == ("personal", None, 15)
    assert data.rrule == "" and data.all_day is False


def test_an_all_day_event_runs_from_midnight_to_the_midnight_after_its_last_day(factory, request_for):
    data = read(request_for(factory.user()), form(all_day="1", start_time="", end_time="",
                                                  end_date="2031-03-04", freq="WEEKLY", byday=["MO", "TH"]))
    assert data.all_day
    assert (data.start, data.end) == (dt.datetime(2031, 3, 2, 21, tzinfo=dt.UTC),
                                      dt.datetime(2031, 3, 4, 21, tzinfo=dt.UTC))
    assert data.rrule == "FREQ=WEEKLY;BYDAY=MO,TH;COUNT=5"


def test_every_field_that_is_wrong_says_so_at_once(factory, request_for):
    request = request_for(factory.user())
    errors = errors_of(request, form(title=" ", calendar="company", end_time="09:00", visibility="all",
                                     guests="не почта", freq="DAILY", interval="x", reminder="99999",
                                     link_type="planet", timezone="Mars/Olympus"))
    assert set(errors) == {"title", "calendar", "end", "visibility", "guests", "repeat", "reminder", "link",
                           "timezone"}
    assert "title" in errors["title"] and "after the start" in errors["end"]
    assert "whole number" in errors["repeat"] and "e-mail" in errors["guests"]


def test_a_date_that_is_not_one_and_a_time_the_clocks_skip_are_refused_next_to_their_field(
        factory, request_for):
    request = request_for(factory.user())
    assert errors_of(request, form(start_date="03.03.2031")) == {
        "start": "Enter the date as YYYY-MM-DD."}
    assert errors_of(request, form(start_time="soon")) == {"start": "Enter the time as HH:MM."}
    skipped = errors_of(request, form(timezone="Europe/Berlin", start_date="2031-03-30",
                                      end_date="2031-03-30", start_time="02:30", end_time="04:00"))
    assert list(skipped) == ["start"] and "does not exist" in skipped["start"]


def test_a_client_contact_one_may_not_see_cannot_be_invited(factory, request_for):
    errors = errors_of(request_for(factory.user()), form(guest_contacts=["987654"]))
    assert "client contact no. 987654" in errors["guest_contacts"]


def test_the_import_form_names_its_first_problem(factory, request_for):
    request = request_for(factory.user())
    with pytest.raises(colander.Invalid) as refused:
        ImportSchema().bind(request=request).deserialize({"calendar": "company", "visibility": "x"})
    assert [request.translate(m) for m in field_errors(refused.value).values()] == [
        "Choose a calendar you may add events to.", "Choose who may see the event.", "Choose an .ics file."]


def test_the_calendar_binds_the_acls_and_places_of_events_and_rooms(app):
    assert "__acl__" not in vars(Event) and "__acl__" not in vars(Room)
    assert ROW_ACL[Event] is event_acl and ROW_ACL[Room] is row_acl
    assert Event in LOCATORS and Room in LOCATORS


def test_a_second_acl_for_events_stops_the_application_from_starting():
    config = Configurator(settings={})
    config.include("portal.core.registry")
    config.register(ROW_ACL, Event, event_acl)
    config.register(ROW_ACL, Event, row_acl)
    with pytest.raises(ConfigurationConflictError):
        config.commit()
