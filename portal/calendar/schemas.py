"""Reading the event form and the import form: colander schemas that turn what a person typed
into what the calendar's services take (`EventInput`, portal.calendar.changes).

Each field is read by its node: its type (a date, a whole number, e-mail addresses one per
line), the lengths of the columns, the values allowed (the calendars the person may add to, the
time zones, the visibilities). The rules between fields then run on whatever could be read, so
that every field's message shows at once:

* the start and the end in the chosen zone (all day: midnight to midnight), refusing a time
  the clocks skip, and the end after the start;
* the repeat rule, built from the first day (monthly: the same day, or the same weekday of the
  month) and checked to end within bounds;
* what the event is about (a client, a ticket, a job), which the person must be able to see,
  unless it was already so;
* client contacts invited as guests, whom the person must be able to see, unless the event
  had them already.

A refused form raises `colander.Invalid`; `field_errors()` gives its messages by the field of
the page they belong next to ("start", "end", "repeat", "link"...). Planning rules that need the
calendar itself (rooms free, people active, at most 62 days) are the services'.

Bind with `request` (the person: their calendars, time zone, and what they may see) and
`event` (the event being changed, or None).
"""

from __future__ import annotations

import datetime as dt
import re

import colander

from models.calendar import LINK_TYPES, VISIBILITIES, Event
from models.people import EMAIL_RE
from portal.calendar.assistant import AssistantQuery
from portal.calendar.changes import EventInput, contact_guests
from portal.calendar.recurrence import WEEKDAYS, CalendarProblem, Recurrence, localize, monthly_weekday
from portal.calendar.security import calendar_choices
from portal.core.forms import MULTI_LINE_KEEPS, max_length, without_controls
from portal.core.i18n import _, timezone_choices, zone_named
from portal.core.parsing import parse_int
from portal.tasks.client_links import EVENT_LINK_KINDS
from portal.tasks.links import link_problem

TITLE_MAX = Event.__table__.c.title.type.length
LOCATION_MAX = Event.__table__.c.location.type.length
DESCRIPTION_MAX = 20000
# A reminder at most 30 days before.
REMINDER_MAX = 60 * 24 * 30
# Numbers of linked records: up to nine digits.
LINK_ID_LIMIT = 10**9
GUEST_RE = re.compile(r"^\s*(?P<name>.*?)\s*<(?P<email>[^<>\s]+)>\s*$")

DATE_FORMAT = _("Enter the date as YYYY-MM-DD.")
TIME_FORMAT = _("Enter the time as HH:MM.")
CHOOSE_CALENDAR = _("Choose a calendar you may add events to.")
CHOOSE_VISIBILITY = _("Choose who may see the event.")
CHOOSE_REMINDER = _("Choose when to be reminded.")
CHOOSE_ZONE = _("Choose a time zone from the list.")


# --- how single fields are read -----------------------------------------------------------------


class Line(colander.String):
    """Typed text without the blanks around it; nothing typed is missing."""

    def deserialize(self, node, cstruct):
        if isinstance(cstruct, str):
            cstruct = cstruct.strip()
        return super().deserialize(node, cstruct)


class Checkbox(colander.SchemaType):
    """A ticked box ("1", "on" or "true"); anything else is not ticked."""

    def deserialize(self, node, cstruct):
        return cstruct in ("1", "on", "true")


class IsoDate(colander.SchemaType):
    """A date as the browser's date input sends it (2026-11-23)."""

    def deserialize(self, node, cstruct):
        if cstruct in (colander.null, None) or not str(cstruct).strip():
            return colander.null
        try:
            return dt.date.fromisoformat(str(cstruct).strip())
        except ValueError:
            raise colander.Invalid(node, DATE_FORMAT) from None


class Minutes(colander.SchemaType):
    """A whole number of minutes (portal.core.parsing.parse_int); nothing typed is missing."""

    def __init__(self, msg) -> None:
        self.msg = msg

    def deserialize(self, node, cstruct):
        if cstruct in (colander.null, None, ""):
            return colander.null
        value = parse_int(cstruct)
        if value is None:
            raise colander.Invalid(node, self.msg)
        return value


class Ids(colander.SchemaType):
    """Ids chosen in a picker (a list of strings): the whole numbers among them, once each,
    in order; anything else is left out."""

    def deserialize(self, node, cstruct):
        if cstruct in (colander.null, None, ""):
            return []
        values = [cstruct] if isinstance(cstruct, str) else list(cstruct)
        return sorted({n for n in map(parse_int, values) if n is not None and n < LINK_ID_LIMIT})


class Words(colander.SchemaType):
    """Several values of one field (check boxes): the strings, in order."""

    def deserialize(self, node, cstruct):
        if cstruct in (colander.null, None, ""):
            return []
        return [cstruct] if isinstance(cstruct, str) else [v for v in cstruct if isinstance(v, str)]


class Guests(colander.SchemaType):
    """Outside guests, one per line: "Name <e-mail>" or just the e-mail: [(name, e-mail)]."""

    def deserialize(self, node, cstruct):
        out = []
        text = without_controls(cstruct, MULTI_LINE_KEEPS) if isinstance(cstruct, str) else ""
        for line in text.splitlines():
            line = line.strip()
            if not line:
                continue
            m = GUEST_RE.match(line)
            name, email = (m["name"], m["email"]) if m else ("", line)
            if not EMAIL_RE.match(email):
                raise colander.Invalid(node, _(
                    "“${line}” is not an e-mail address (write one guest per line: Name <e-mail>).",
                    mapping={"line": line}))
            out.append((name, email))
        return out


class CalendarChoice(colander.SchemaType):
    """One of the calendars the person may add events to ("personal", "dept:3", "company"),
    read as (calendar, department id)."""

    def deserialize(self, node, cstruct):
        value = cstruct.strip() if isinstance(cstruct, str) else ""
        allowed = {v for v, _label in calendar_choices(node.bindings["request"])}
        if value not in allowed:
            raise colander.Invalid(node, CHOOSE_CALENDAR)
        if value.startswith("dept:"):
            return "department", int(value[5:])
        return value, None


def _one_line(value):
    """Typed text on one line: control characters out (PostgreSQL refuses a NUL), blanks
    squeezed; nothing left is nothing typed."""
    if not isinstance(value, str):
        return value
    return " ".join(without_controls(value).split()) or colander.null


def _lines(value):
    """Long text: control characters out but for tabs and line ends, which are normalised."""
    if not isinstance(value, str):
        return value
    return without_controls(value.replace("\r\n", "\n").replace("\r", "\n"), MULTI_LINE_KEEPS)


def _node(typ, **kw) -> colander.SchemaNode:
    # `field`: the field of the page whose message this node's error is (default: its name).
    return colander.SchemaNode(typ, **kw)


# --- the event form -------------------------------------------------------------------------------


class WhenRules:
    """The rules between the "when" fields, shared by the event form and the scheduling
    assistant (which reads the same fields before anything is saved)."""

    def _refuse(self, error: colander.Invalid, field: str, message) -> None:
        """Add `message` for the page's `field` (on its first node)."""
        node = next(n for n in self.children if getattr(n, "field", n.name) == field)
        error.add(colander.Invalid(node, message), self.children.index(node))

    def _times(self, values: dict, tz, error) -> tuple[dt.datetime | None, dt.datetime | None]:
        """The start and the end in `tz`: all day, midnight to the midnight after the last day."""
        start_date, end_date = values.get("start_date"), values.get("end_date")
        if start_date is None or end_date is None:
            return None, None
        start = end = None
        try:
            if values["all_day"]:
                start = localize(dt.datetime.combine(start_date, dt.time()), tz, "start")
                end = localize(dt.datetime.combine(end_date + dt.timedelta(days=1), dt.time()), tz, "end")
            else:
                st, et = _clock(values["start_time"]), _clock(values["end_time"])
                if st is None:
                    self._refuse(error, "start", TIME_FORMAT)
                if et is None:
                    self._refuse(error, "end", TIME_FORMAT)
                if st and et:
                    start = localize(dt.datetime.combine(start_date, st), tz, "start")
                    end = localize(dt.datetime.combine(end_date, et), tz, "end")
        except CalendarProblem as problem:
            self._refuse(error, problem.field, problem.message)
            return None, None
        if start and end and end <= start:
            self._refuse(error, "end", _("The end must be after the start."))
        return start, end

    def _rule(self, values: dict, tz, start: dt.datetime | None, error) -> str:
        """The RRULE of a repeating event ("" when it does not repeat)."""
        if not values.get("freq"):
            return ""
        rec = Recurrence(freq=values["freq"], weekdays=tuple(d for d in values["byday"] if d in WEEKDAYS))
        try:
            interval = parse_int(values["interval"])
            if interval is None:
                raise CalendarProblem(_("The interval is a whole number from 1 to 366."), "interval")
            rec.interval = interval
            if values["ends"] == "count":
                rec.count = parse_int(values["count"])
                if rec.count is None:
                    raise CalendarProblem(_("Enter how many times the event takes place."), "count")
            elif values["ends"] == "until":
                rec.until = _day(values["until"])
                if rec.until is None:
                    raise CalendarProblem(_("Enter the last date as YYYY-MM-DD."), "until")
            if start is None:
                return ""
            first = start.astimezone(tz)
            if rec.freq == "MONTHLY":
                rec.nth_weekday = monthly_weekday(values["monthly_by"] or "day", first.date())
            rec.check(first.date())
            return rec.to_rrule(first)
        except CalendarProblem as problem:
            self._refuse(error, "repeat", problem.message)
            return ""



class EventSchema(WhenRules, colander.MappingSchema):
    """The event form (views/templates/calendar/form.jinja2): its fields, then the rules between
    them (see the module's docstring). `deserialize` returns an `EventInput`."""

    title = _node(
        Line(),
        preparer=_one_line,
        missing_msg=_("Give the event a title."),
        validator=colander.Length(max=TITLE_MAX, max_err=_("At most ${max} characters, please.")),
    )
    calendar = _node(CalendarChoice())
    timezone = _node(
        Line(),
        missing_msg=CHOOSE_ZONE,
        validator=colander.OneOf(frozenset([*timezone_choices(), "UTC"]), msg_err=CHOOSE_ZONE),
    )
    all_day = _node(Checkbox(), missing=False)
    start_date = _node(IsoDate(), missing_msg=DATE_FORMAT, field="start")
    start_time = _node(Line(), missing="", field="start")
    end_date = _node(IsoDate(), missing_msg=DATE_FORMAT, field="end")
    end_time = _node(Line(), missing="", field="end")
    # Longer text is refused with the limit in the message, never cut.
    location = _node(Line(), missing="", preparer=_one_line, validator=max_length(LOCATION_MAX))
    description = _node(Line(), missing="", preparer=_lines, validator=max_length(DESCRIPTION_MAX))
    visibility = _node(
        Line(), missing_msg=CHOOSE_VISIBILITY,
        validator=colander.OneOf(VISIBILITIES, msg_err=CHOOSE_VISIBILITY),
    )
    guests = _node(Guests(), missing=[])
    guest_contacts = _node(Ids(), missing=[])
    people = _node(Ids(), missing=[], field="attendees")
    departments = _node(Ids(), missing=[], field="attendees")
    rooms = _node(Ids(), missing=[])
    freq = _node(Line(), missing="", field="repeat")
    interval = _node(Line(), missing="", field="repeat")
    byday = _node(Words(), missing=[], field="repeat")
    monthly_by = _node(Line(), missing="", field="repeat")
    ends = _node(Line(), missing="", field="repeat")
    until = _node(Line(), missing="", field="repeat")
    count = _node(Line(), missing="", field="repeat")
    reminder = _node(
        Minutes(CHOOSE_REMINDER), missing=None,
        validator=colander.Range(0, REMINDER_MAX, min_err=CHOOSE_REMINDER, max_err=CHOOSE_REMINDER),
    )
    link_type = _node(Line(), missing="", field="link")
    link_id = _node(Line(), missing="", field="link")

    def deserialize(self, cstruct=colander.null) -> EventInput:
        cstruct = dict(cstruct) if isinstance(cstruct, dict) else {}
        # No end date: the event ends on the day it starts.
        cstruct["end_date"] = cstruct.get("end_date") or cstruct.get("start_date", "")
        error = colander.Invalid(self, _("Please correct the errors below."))
        values = {}
        for node in self.children:
            try:
                values[node.name] = node.deserialize(cstruct.get(node.name, colander.null))
            except colander.Invalid as problem:
                error.add(problem, self.children.index(node))
        request = self.bindings["request"]
        # A zone that could not be read: the person's own, so the times are still checked.
        tz = zone_named(values["timezone"]) if "timezone" in values else request.user_timezone
        start, end = self._times(values, tz, error)
        rule = self._rule(values, tz, start, error)
        contacts = self._contacts(values, error)
        link_type, link_id = self._link(values, error)
        if error.children:
            raise error
        calendar, department_id = values["calendar"]
        return EventInput(
            title=values["title"],
            start=start.astimezone(dt.UTC),
            end=end.astimezone(dt.UTC),
            all_day=values["all_day"],
            timezone=tz.key,
            description=values["description"],
            location=values["location"],
            calendar=calendar,
            department_id=department_id,
            visibility=values["visibility"],
            user_ids=values["people"],
            department_ids=values["departments"],
            guests=values["guests"],
            guest_contacts=contacts,
            room_ids=values["rooms"],
            rrule=rule,
            reminder_minutes=values["reminder"],
            link_type=link_type,
            link_id=link_id,
        )

    def _current(self) -> Event | None:
        return self.bindings.get("event")

    def _contacts(self, values: dict, error) -> list[tuple[int, str, str]]:
        """Client contacts as guests: those the event had stay; new ones must be visible."""
        current = self._current()
        kept = {
            a.contact_id: (a.guest_name, a.guest_email)
            for a in (current.attendees if current is not None else ())
            if a.contact_id is not None
        }
        chosen, refused = contact_guests(self.bindings["request"], values.get("guest_contacts", []), kept)
        if refused:
            self._refuse(error, "guest_contacts", _(
                "You may not see the client contact no. ${id}, so you cannot invite them. "
                "Remove them from the guests or ask their manager to invite them.",
                mapping={"id": refused[0]}))
        return chosen

    def _link(self, values: dict, error) -> tuple[str, int | None]:
        """What the event is about: a record the person may see, or the one it was about."""
        link_type, raw = values["link_type"], values["link_id"]
        if not link_type and not raw:
            return "", None
        if link_type not in LINK_TYPES:
            self._refuse(error, "link", _("Choose what the event is about: a client, a ticket or a job."))
            return "", None
        link_id = parse_int(raw)
        if link_id is None or link_id >= LINK_ID_LIMIT:
            self._refuse(error, "link", _("Enter the number of the client, ticket or job."))
            return "", None
        # A link kept as it was is not checked again (whoever edits may not see that client).
        current = self._current()
        kept = current is not None and (current.link_type, current.link_id) == (link_type, link_id)
        why = None if kept else link_problem(self.bindings["request"], EVENT_LINK_KINDS[link_type], link_id)
        if why is not None:
            self._refuse(error, "link", why)
        return link_type, link_id


def _day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except (AttributeError, ValueError):
        return None


def _clock(text: str) -> dt.time | None:
    """"10:00" (seconds, if any, are dropped); None when it is not a time."""
    try:
        return dt.time.fromisoformat(text.strip()[:5]) if text.strip() else None
    except ValueError:
        return None


# --- the scheduling assistant ----------------------------------------------------------------------

ASSISTANT_MAX_IDS = 200
SIZE_MAX = 1000
CHOOSE_FROM_LIST = _("Choose people, departments and rooms from the lists.")
GUESTS_FORMAT = _("The number of guests is a whole number from 0 to ${max}.", mapping={"max": SIZE_MAX})
SIZE_FORMAT = _("Enter the number of seats as a whole number from 1 to ${max}.", mapping={"max": SIZE_MAX})


class StrictIds(colander.SchemaType):
    """Ids chosen in a picker, each a whole number: anything else is refused (the assistant is
    asked by the page's script, so a value that is not an id is not a slip of the keyboard)."""

    def deserialize(self, node, cstruct):
        if cstruct in (colander.null, None, ""):
            return []
        values = [cstruct] if isinstance(cstruct, str) else list(cstruct)
        if len(values) > ASSISTANT_MAX_IDS:
            raise colander.Invalid(node, _("At most ${max} people, departments or rooms at once.",
                                           mapping={"max": ASSISTANT_MAX_IDS}))
        ids = [parse_int(v) if isinstance(v, str) else None for v in values]
        if any(n is None or not 0 < n < LINK_ID_LIMIT for n in ids):
            raise colander.Invalid(node, CHOOSE_FROM_LIST)
        return sorted(set(ids))


class AssistantSchema(WhenRules, colander.MappingSchema):
    """The event form's values the scheduling assistant reads (portal.calendar.assistant): its
    times and repeat rule (the same rules as EventSchema's), the people, departments and rooms
    chosen, the seats wanted and the event being changed. `deserialize` returns an
    `AssistantQuery`."""

    timezone = _node(
        Line(),
        missing_msg=CHOOSE_ZONE,
        validator=colander.OneOf(frozenset([*timezone_choices(), "UTC"]), msg_err=CHOOSE_ZONE),
    )
    all_day = _node(Checkbox(), missing=False)
    start_date = _node(IsoDate(), missing_msg=DATE_FORMAT, field="start")
    start_time = _node(Line(), missing="", field="start")
    end_date = _node(IsoDate(), missing_msg=DATE_FORMAT, field="end")
    end_time = _node(Line(), missing="", field="end")
    people = _node(StrictIds(), missing=[], field="attendees")
    departments = _node(StrictIds(), missing=[], field="attendees")
    rooms = _node(StrictIds(), missing=[])
    freq = _node(Line(), missing="", field="repeat")
    interval = _node(Line(), missing="", field="repeat")
    byday = _node(Words(), missing=[], field="repeat")
    monthly_by = _node(Line(), missing="", field="repeat")
    ends = _node(Line(), missing="", field="repeat")
    until = _node(Line(), missing="", field="repeat")
    count = _node(Line(), missing="", field="repeat")
    size = _node(Minutes(SIZE_FORMAT), missing=None,
                 validator=colander.Range(1, SIZE_MAX, min_err=SIZE_FORMAT, max_err=SIZE_FORMAT))
    guests = _node(Minutes(GUESTS_FORMAT), missing=0,
                   validator=colander.Range(0, SIZE_MAX, min_err=GUESTS_FORMAT, max_err=GUESTS_FORMAT))
    event = _node(Minutes(_("That event does not exist.")), missing=None,
                  validator=colander.Range(1, LINK_ID_LIMIT - 1, min_err=_("That event does not exist."),
                                           max_err=_("That event does not exist.")))

    def deserialize(self, cstruct=colander.null) -> AssistantQuery:
        cstruct = dict(cstruct) if isinstance(cstruct, dict) else {}
        cstruct["end_date"] = cstruct.get("end_date") or cstruct.get("start_date", "")
        error = colander.Invalid(self, _("Please correct the errors below."))
        values = {}
        for node in self.children:
            try:
                values[node.name] = node.deserialize(cstruct.get(node.name, colander.null))
            except colander.Invalid as problem:
                error.add(problem, self.children.index(node))
        request = self.bindings["request"]
        tz = zone_named(values["timezone"]) if "timezone" in values else request.user_timezone
        start, end = self._times(values, tz, error)
        rule = self._rule(values, tz, start, error)
        if error.children:
            raise error
        return AssistantQuery(
            start=start.astimezone(dt.UTC),
            end=end.astimezone(dt.UTC),
            timezone=tz.key,
            all_day=values["all_day"],
            rrule=rule,
            user_ids=values["people"],
            department_ids=values["departments"],
            room_ids=values["rooms"],
            size=values["size"],
            guests=values["guests"],
            event_id=values["event"],
        )


# --- the import form ------------------------------------------------------------------------------


class Upload(colander.SchemaType):
    """A file sent with the form (anything with a `.file` to read)."""

    def deserialize(self, node, cstruct):
        if cstruct in (colander.null, None) or not hasattr(cstruct, "file"):
            return colander.null
        return cstruct


class ImportSchema(colander.MappingSchema):
    """Importing an .ics file: into which calendar, seen by whom, and the file. Returns
    {"calendar": (calendar, department id), "visibility": ..., "file": the upload}."""

    calendar = _node(CalendarChoice())
    visibility = _node(
        Line(), missing_msg=CHOOSE_VISIBILITY,
        validator=colander.OneOf(VISIBILITIES, msg_err=CHOOSE_VISIBILITY),
    )
    file = _node(Upload(), missing_msg=_("Choose an .ics file."))


def field_errors(invalid: colander.Invalid) -> dict:
    """{field of the page: message} of a refused form, the first message of each field."""
    out: dict = {}
    for child in invalid.children:
        node = child.node
        out.setdefault(getattr(node, "field", node.name), child.msg)
    return out
