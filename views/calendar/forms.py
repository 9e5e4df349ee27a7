"""The event form's page: its first values (a new event, or an event as it is), what the
template needs besides them, and turning the POST into the input of
portal.calendar.schemas.EventSchema, whose messages land next to the fields.

The form is plain HTML (date and time inputs, a people picker, a repeat builder) rather than
deform, because its parts depend on each other; reading and checking it is the schema's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import colander
import sqlalchemy as sa
from babel.dates import get_day_names

from models.calendar import LINK_TYPES, Event, Room
from models.people import Department, User
from portal.calendar.changes import EventInput
from portal.calendar.recurrence import (
    NTH_WEEKDAY_WORDS,
    WEEKDAYS,
    YEARS,
    Recurrence,
    monthly_choices,
)
from portal.calendar.schemas import EventSchema, field_errors
from portal.calendar.security import calendar_choices
from portal.core.i18n import _, babel_locale, timezone_choices, timezone_options, zone_named
from portal.core.mail import translate
from portal.core.parsing import parse_date, parse_int
from portal.tasks.client_links import contacts

REMINDERS = (
    ("", _("No reminder")),
    ("5", _("5 minutes before")),
    ("15", _("15 minutes before")),
    ("30", _("30 minutes before")),
    ("60", _("1 hour before")),
    ("120", _("2 hours before")),
    ("1440", _("1 day before")),
    ("2880", _("2 days before")),
)


@dataclass
class EventForm:
    """The typed values (strings, for showing the form again) and the errors per field."""

    values: dict
    errors: dict = field(default_factory=dict)
    people: list = field(default_factory=list)  # User rows chosen in the picker

    def error(self, name: str) -> str:
        return self.errors.get(name, "")


def _split_dt(value: dt.datetime, tz) -> tuple[str, str]:
    local = value.astimezone(tz)
    return local.date().isoformat(), local.strftime("%H:%M")


def form_values(
    request, event: Event | None = None, occurrence: tuple | None = None, preset: dict | None = None
) -> dict:
    """The form's initial values: an event (shown in its own zone) or a new one from `preset`."""
    user = request.identity.user
    if event is None:
        tz = request.user_timezone
        now = dt.datetime.now(tz)
        start = (now + dt.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
        preset = preset or {}
        values = {
            "title": "",
            "calendar": "personal",
            "all_day": "",
            "timezone": tz.key,
            "start_date": start.date().isoformat(),
            "start_time": start.strftime("%H:%M"),
            "end_date": start.date().isoformat(),
            "end_time": (start + dt.timedelta(hours=1)).strftime("%H:%M"),
            "location": "",
            "rooms": [],
            "people": [],
            "departments": [],
            "guests": "",
            "guest_contacts": [],
            "visibility": "public",
            "description": "",
            "freq": "",
            "interval": "1",
            "byday": [],
            "monthly_by": "day",
            "ends": "count",
            "until": "",
            "count": "10",
            "reminder": "15",
            "link_type": "",
            "link_id": "",
        }
        _apply_preset(values, preset, tz)
        return values
    tz = zone_named(event.timezone)
    start, end = occurrence or (event.start_at, event.end_at)
    sd, st = _split_dt(start, tz)
    ed, et = _split_dt(end, tz)
    if event.all_day:
        ed = ((end.astimezone(tz)) - dt.timedelta(days=1)).date().isoformat()
    rec = Recurrence.from_rrule(event.rrule, tz)
    organizer_id = event.organizer_id
    return {
        "title": event.title,
        "calendar": f"dept:{event.department_id}" if event.calendar == "department" else event.calendar,
        "all_day": "1" if event.all_day else "",
        "timezone": event.timezone,
        "start_date": sd,
        "start_time": st,
        "end_date": ed,
        "end_time": et,
        "location": event.location,
        "rooms": [str(b.room_id) for b in event.bookings],
        "people": [
            str(a.user_id)
            for a in event.attendees
            if a.user_id and a.via_department_id is None and a.user_id != organizer_id
        ],
        "departments": sorted({str(a.via_department_id) for a in event.attendees if a.via_department_id}),
        "guests": "\n".join(
            f"{a.guest_name} <{a.guest_email}>"
            if a.guest_name and a.guest_email
            else (a.guest_email or a.guest_name)
            for a in event.attendees
            if a.user_id is None and a.contact_id is None
        ),
        "guest_contacts": [str(a.contact_id) for a in event.attendees if a.contact_id is not None],
        "visibility": event.visibility,
        "description": event.description,
        "freq": rec.freq,
        "interval": str(rec.interval),
        "byday": list(rec.weekdays),
        "monthly_by": rec.monthly_by,
        # A rule made in another calendar program that the form cannot show in full.
        "rule_other": rec.describe(request.localizer, request.locale_name) if rec.other else "",
        "ends": "count" if rec.count else "until" if rec.until else "count",
        "until": rec.until.isoformat() if rec.until else "",
        "count": str(rec.count or 10),
        "reminder": "" if event.reminder_minutes is None else str(event.reminder_minutes),
        "link_type": event.link_type,
        "link_id": str(event.link_id or ""),
        "user_id": user.id,
    }


def _apply_preset(values: dict, preset: dict, tz) -> None:
    """?start=2026-11-23T10:00&end=…&allDay=1 from a click or a selection in the calendar."""

    def parse(text):
        try:
            value = dt.datetime.fromisoformat(text[:19])
        except (TypeError, ValueError):
            return None
        # Outside the calendar's years (and at the edge of datetime's): no preset at all.
        return value if YEARS[0] <= value.year <= YEARS[1] else None

    # ?link_type=client&link_id=42 from "New event" on a client card.
    link_id = parse_int(preset.get("link_id", ""))
    if preset.get("link_type", "") in LINK_TYPES and link_id is not None:
        values["link_type"], values["link_id"] = preset["link_type"], str(link_id)[:9]
    start, end = parse(preset.get("start", "")), parse(preset.get("end", ""))
    if start is None:
        return
    all_day = preset.get("allDay") in ("1", "true")
    if end is None or end <= start:
        end = start + (dt.timedelta(days=1) if all_day else dt.timedelta(hours=1))
    values["start_date"], values["start_time"] = start.date().isoformat(), start.strftime("%H:%M")
    if all_day:
        values["all_day"] = "1"
        values["start_time"], values["end_time"] = "09:00", "10:00"
        values["end_date"] = (
            (end - dt.timedelta(days=1)).date().isoformat()
            if end.time() == dt.time()
            else end.date().isoformat()
        )
    else:
        values["end_date"], values["end_time"] = end.date().isoformat(), end.strftime("%H:%M")
    room = parse_int(preset.get("room", ""))
    if room is not None:
        values["rooms"] = [str(room)]


# The form's one-value fields and its many-value ones (pickers and check boxes).
FIELDS = (
    "title", "calendar", "all_day", "timezone", "start_date", "start_time", "end_date", "end_time",
    "location", "guests", "visibility", "description", "freq", "interval", "monthly_by", "ends",
    "until", "count", "reminder", "link_type", "link_id",
)
LISTS = ("rooms", "people", "departments", "byday", "guest_contacts")


def _ids(values) -> list[int]:
    return sorted({n for n in map(parse_int, values) if n is not None})


def _people(request, values) -> list[User]:
    """The people chosen in the picker, to show as chips again."""
    ids = _ids(values)
    if not ids:
        return []
    return list(request.dbsession.scalars(sa.select(User).where(User.id.in_(ids)).order_by(User.full_name)))


def read_form(request, post) -> tuple[EventForm, EventInput | None]:
    """The POSTed form read by EventSchema: the form (to show again, with a message per field)
    and the input for the services (None when something is wrong)."""
    values = {}
    for name in FIELDS:
        value = post.get(name, "")
        values[name] = value.strip() if isinstance(value, str) else value
    values.update({name: post.getall(name) for name in LISTS})
    form = EventForm(values, people=_people(request, values["people"]))
    event = request.context if isinstance(request.context, Event) else None
    try:
        data = EventSchema().bind(request=request, event=event).deserialize(values)
    except colander.Invalid as invalid:
        form.errors = {name: request.translate(message) for name, message in field_errors(invalid).items()}
        return form, None
    return form, data


def monthly_options(request, values: dict) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """The choices "on day 10 / on the second Tuesday / on the last Tuesday" for the form's start
    date, and every such phrase for the page's script, which follows changes of the date."""
    first = parse_date(values.get("start_date", ""), ("%Y-%m-%d",)) or dt.date.today()
    t = request.translate
    choices = [(value, translate(request.localizer, label)) for value, label in monthly_choices(first)]
    labels = {f"{n}{day}": t(label) for (n, day), label in NTH_WEEKDAY_WORDS.items()}
    labels["day"] = t(_("on day ${n}", mapping={"n": "{n}"}))
    return choices, labels


def form_context(request, form: EventForm) -> dict:
    """What the form template needs besides the values: rooms, departments, choices."""
    db = request.dbsession
    names = get_day_names("abbreviated", locale=babel_locale(request.locale_name))
    monthly = monthly_options(request, form.values)
    if not form.people and form.values.get("people"):
        form.people = _people(request, form.values["people"])
    return {
        "form": form,
        "guest_contacts": guest_contact_choices(request, form.values.get("guest_contacts") or []),
        "calendars": calendar_choices(request),
        "rooms": list(db.scalars(sa.select(Room).where(Room.active).order_by(Room.kind.desc(), Room.name))),
        "all_departments": list(
            db.scalars(sa.select(Department).order_by(Department.sort_order, Department.name))
        ),
        "timezones": timezone_options(request, [*timezone_choices(), "UTC"]),
        "reminders": REMINDERS,
        "weekdays": WEEKDAYS,
        "monthly_choices": monthly[0],
        "monthly_labels": monthly[1],
        "day_names": [names[i] for i in range(7)],
        "link_types": LINK_TYPES,
    }


def guest_contact_choices(request, values) -> list[tuple[int, str]]:
    """(id, label) of the contacts chosen as guests, for the form's chips: named as the picker
    names them, or, for a contact the person may not see, by the name they were invited with."""
    ids = _ids(values)
    if not ids:
        return []
    named = {cid: label for cid, (label, _url) in contacts(request, ids).items()}
    current = request.context if isinstance(request.context, Event) else None
    for a in current.attendees if current is not None else ():
        if a.contact_id in ids and a.contact_id not in named:
            named[a.contact_id] = a.guest_name or a.guest_email
    return [(cid, named.get(cid, f"#{cid}")) for cid in ids]
