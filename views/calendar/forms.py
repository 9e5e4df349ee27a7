"""The event form: reading what was typed into an EventInput, with a message per field.

The form is plain HTML (date and time inputs, a people picker, a repeat builder) rather than
deform, because its parts depend on each other; the rules live in portal.calendar_*.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import sqlalchemy as sa

from models.calendar import LINK_TYPES, VISIBILITIES, Event, Room
from models.people import EMAIL_RE, Department, User
from portal.calendar.changes import EventInput, contact_guests
from portal.calendar.recurrence import (
    MONTHLY_BY,
    NTH_WEEKDAY_WORDS,
    WEEKDAYS,
    CalendarProblem,
    Recurrence,
    localize,
    monthly_choices,
    nth_weekday_of,
    translate_all,
    zone,
)
from portal.core.i18n import _, timezone_choices
from portal.tasks.client_links import EVENT_LINK_KINDS
from portal.tasks.links import link_problem

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
UNITS = {"minutes": 1, "hours": 60, "days": 1440}
GUEST_RE = re.compile(r"^\s*(?P<name>.*?)\s*<(?P<email>[^<>\s]+)>\s*$")


def may_edit_all(request) -> bool:
    """Whether the person may edit every event (the secretary's event.edit scope "all")."""
    identity = request.identity
    if identity.is_admin:
        return True
    return any(
        role in identity.roles and scope == "all"
        for role, scope in request.role_matrix.roles_with("event", "edit")
    )


def calendar_choices(request) -> list[tuple[str, str]]:
    """(value, label) of the calendars this person may put an event in."""
    t = request.translate
    out = [("personal", t(_("My calendar")))]
    user = request.identity.user
    everyone = may_edit_all(request)
    if everyone:
        depts = request.dbsession.scalars(
            sa.select(Department).order_by(Department.sort_order, Department.name)
        )
    else:
        depts = sorted(user.departments, key=lambda d: d.name)
    out.extend((f"dept:{d.id}", t(_("Department: ${name}", mapping={"name": d.name}))) for d in depts)
    if everyone:
        out.append(("company", t(_("Company calendar"))))
    return out


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
    tz = zone(event.timezone)
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
            return dt.datetime.fromisoformat(text[:19])
        except (TypeError, ValueError):
            return None

    # ?link_type=client&link_id=42 from "New event" on a client card.
    if preset.get("link_type", "") in LINK_TYPES and preset.get("link_id", "").isdigit():
        values["link_type"], values["link_id"] = preset["link_type"], preset["link_id"][:9]
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
    room = preset.get("room", "")
    if room.isdigit():
        values["rooms"] = [room]


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except (AttributeError, ValueError):
        return None


def _time(text: str) -> dt.time | None:
    try:
        return dt.time.fromisoformat(text.strip()[:5]) if text.strip() else None
    except ValueError:
        return None


def _ids(values) -> list[int]:
    return sorted({int(v) for v in values if str(v).isdigit() and len(str(v)) < 10})


def read_form(request, post) -> tuple[EventForm, EventInput | None]:
    """Parse the POSTed form; returns the form (to show again) and the input (None on errors)."""
    v = {
        k: post.get(k, "").strip() if isinstance(post.get(k, ""), str) else post.get(k, "")
        for k in (
            "title",
            "calendar",
            "all_day",
            "timezone",
            "start_date",
            "start_time",
            "end_date",
            "end_time",
            "location",
            "guests",
            "visibility",
            "description",
            "freq",
            "interval",
            "monthly_by",
            "ends",
            "until",
            "count",
            "reminder",
            "link_type",
            "link_id",
        )
    }
    v["rooms"] = post.getall("rooms")
    v["people"] = post.getall("people")
    v["departments"] = post.getall("departments")
    v["byday"] = post.getall("byday")
    v["guest_contacts"] = post.getall("guest_contacts")
    form = EventForm(v)
    errors = form.errors
    t = request.translate
    db = request.dbsession
    user_ids = _ids(v["people"])
    if user_ids:
        form.people = list(db.scalars(sa.select(User).where(User.id.in_(user_ids)).order_by(User.full_name)))

    if not v["title"]:
        errors["title"] = t(_("Give the event a title."))
    elif len(v["title"]) > 200:
        errors["title"] = t(_("At most ${max} characters, please.", mapping={"max": 200}))
    choices = dict(calendar_choices(request))
    if v["calendar"] not in choices:
        errors["calendar"] = t(_("Choose a calendar you may add events to."))
    if v["timezone"] not in set(timezone_choices()) and v["timezone"] != "UTC":
        errors["timezone"] = t(_("Choose a time zone from the list."))
    tz = zone(v["timezone"]) if "timezone" not in errors else request.user_timezone
    all_day = v["all_day"] in ("1", "on", "true")
    start_date, end_date = _date(v["start_date"]), _date(v["end_date"] or v["start_date"])
    if start_date is None:
        errors["start"] = t(_("Enter the date as YYYY-MM-DD."))
    if end_date is None:
        errors["end"] = t(_("Enter the date as YYYY-MM-DD."))
    start = end = None
    if start_date and end_date:
        try:
            if all_day:
                start = localize(dt.datetime.combine(start_date, dt.time()), tz, "start")
                end = localize(dt.datetime.combine(end_date + dt.timedelta(days=1), dt.time()), tz, "end")
            else:
                st, et = _time(v["start_time"]), _time(v["end_time"])
                if st is None:
                    errors["start"] = t(_("Enter the time as HH:MM."))
                if et is None:
                    errors["end"] = t(_("Enter the time as HH:MM."))
                if st and et:
                    start = localize(dt.datetime.combine(start_date, st), tz, "start")
                    end = localize(dt.datetime.combine(end_date, et), tz, "end")
        except CalendarProblem as problem:
            errors[problem.field] = t(problem.message)
    if start and end and end <= start:
        errors["end"] = t(_("The end must be after the start."))

    if v["visibility"] not in VISIBILITIES:
        errors["visibility"] = t(_("Choose who may see the event."))
    guests = []
    for line in v["guests"].splitlines():
        line = line.strip()
        if not line:
            continue
        m = GUEST_RE.match(line)
        name, email = (m["name"], m["email"]) if m else ("", line)
        if not EMAIL_RE.match(email):
            errors["guests"] = t(
                _(
                    "“${line}” is not an e-mail address (write one guest per line: Name <e-mail>).",
                    mapping={"line": line},
                )
            )
            break
        guests.append((name, email))
    current = request.context if isinstance(request.context, Event) else None
    kept = {
        a.contact_id: (a.guest_name, a.guest_email)
        for a in (current.attendees if current is not None else ())
        if a.contact_id is not None
    }
    guest_contacts, refused = contact_guests(request, _ids(v["guest_contacts"]), kept)
    if refused:
        errors["guest_contacts"] = t(
            _(
                "You may not see the client contact no. ${id}, so you cannot invite them. "
                "Remove them from the guests or ask their manager to invite them.",
                mapping={"id": refused[0]},
            )
        )
    room_ids = _ids(v["rooms"])
    dept_ids = _ids(v["departments"])

    rule = ""
    if v["freq"]:
        rec = Recurrence(freq=v["freq"], weekdays=tuple(d for d in v["byday"] if d in WEEKDAYS))
        try:
            if not v["interval"].isdigit():
                raise CalendarProblem("interval", _("The interval is a whole number from 1 to 366."))
            rec.interval = int(v["interval"])
            if v["ends"] == "count":
                if not v["count"].isdigit():
                    raise CalendarProblem("count", _("Enter how many times the event takes place."))
                rec.count = int(v["count"])
            elif v["ends"] == "until":
                rec.until = _date(v["until"])
                if rec.until is None:
                    raise CalendarProblem("until", _("Enter the last date as YYYY-MM-DD."))
            if start is not None:
                if rec.freq == "MONTHLY":
                    rec.nth_weekday = _nth_weekday(v["monthly_by"] or "day", start.astimezone(tz).date())
                rec.check(start.astimezone(tz).date())
                rule = rec.to_rrule(start.astimezone(tz))
        except CalendarProblem as problem:
            errors["repeat"] = t(problem.message)

    reminder = None
    if v["reminder"]:
        if not v["reminder"].isdigit() or int(v["reminder"]) > 60 * 24 * 30:
            errors["reminder"] = t(_("Choose when to be reminded."))
        else:
            reminder = int(v["reminder"])
    link_id = None
    if v["link_type"] or v["link_id"]:
        if v["link_type"] not in LINK_TYPES:
            errors["link"] = t(_("Choose what the event is about: a client, a ticket or a job."))
        elif not v["link_id"].isdigit() or len(v["link_id"]) > 9:
            errors["link"] = t(_("Enter the number of the client, ticket or job."))
        else:
            link_id = int(v["link_id"])
            # A link kept as it was is not checked again (whoever edits may not see that client).
            current = request.context if isinstance(request.context, Event) else None
            kept = current is not None and (current.link_type, current.link_id) == (v["link_type"], link_id)
            why = None if kept else link_problem(request, EVENT_LINK_KINDS[v["link_type"]], link_id)
            if why is not None:
                errors["link"] = t(why)
    if errors:
        return form, None
    calendar, dept = v["calendar"], None
    if calendar.startswith("dept:"):
        calendar, dept = "department", int(calendar[5:])
    data = EventInput(
        title=v["title"],
        start=start.astimezone(dt.UTC),
        end=end.astimezone(dt.UTC),
        all_day=all_day,
        timezone=tz.key,
        description=v["description"][:20000],
        location=v["location"][:200],
        calendar=calendar,
        department_id=dept,
        visibility=v["visibility"],
        user_ids=user_ids,
        department_ids=dept_ids,
        guests=guests,
        guest_contacts=guest_contacts,
        room_ids=room_ids,
        rrule=rule,
        reminder_minutes=reminder,
        link_type=v["link_type"] if link_id else "",
        link_id=link_id,
    )
    return form, data


def _nth_weekday(monthly_by: str, first: dt.date) -> tuple[int, str] | None:
    """The weekday of the month a monthly series repeats on, read from its first day."""
    if monthly_by not in MONTHLY_BY:
        raise CalendarProblem("repeat", _("Choose on which day of the month the event repeats."))
    if monthly_by == "day":
        return None
    n, weekday, last = nth_weekday_of(first)
    if monthly_by == "weekday":
        return n, weekday
    if not last:
        raise CalendarProblem(
            "repeat",
            _(
                "The first event is not in the last week of its month, so the series cannot repeat "
                "on the last such weekday. Choose another start date or another day of the month."
            ),
        )
    return -1, weekday


def monthly_options(request, values: dict) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """The choices "on day 10 / on the second Tuesday / on the last Tuesday" for the form's start
    date, and every such phrase for the page's script, which follows changes of the date."""
    first = _date(values.get("start_date", "")) or dt.date.today()
    t = request.translate
    choices = [(value, translate_all(request.localizer, label)) for value, label in monthly_choices(first)]
    labels = {f"{n}{day}": t(label) for (n, day), label in NTH_WEEKDAY_WORDS.items()}
    labels["day"] = t(_("on day ${n}", mapping={"n": "{n}"}))
    return choices, labels


def form_context(request, form: EventForm) -> dict:
    """What the form template needs besides the values: rooms, departments, choices."""
    from babel.dates import get_day_names

    db = request.dbsession
    names = get_day_names("abbreviated", locale=request.locale_name)
    monthly = monthly_options(request, form.values)
    if not form.people and form.values.get("people"):
        ids = _ids(form.values["people"])
        form.people = list(db.scalars(sa.select(User).where(User.id.in_(ids)).order_by(User.full_name)))
    return {
        "form": form,
        "guest_contacts": guest_contact_choices(request, form.values.get("guest_contacts") or []),
        "calendars": calendar_choices(request),
        "rooms": list(db.scalars(sa.select(Room).where(Room.active).order_by(Room.kind.desc(), Room.name))),
        "all_departments": list(
            db.scalars(sa.select(Department).order_by(Department.sort_order, Department.name))
        ),
        "timezones": timezone_choices(),
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
    from portal.tasks.client_links import contacts

    ids = _ids(values)
    if not ids:
        return []
    named = {cid: label for cid, (label, _url) in contacts(request, ids).items()}
    current = request.context if isinstance(request.context, Event) else None
    for a in current.attendees if current is not None else ():
        if a.contact_id in ids and a.contact_id not in named:
            named[a.contact_id] = a.guest_name or a.guest_email
    return [(cid, named.get(cid, f"#{cid}")) for cid in ids]
