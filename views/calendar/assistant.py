"""The scheduling assistant of the event form: /calendar/assistant.json, asked by
static/js/calendar-assistant.js with the form's values as they are typed (GET, no CSRF: it
changes nothing). The answer is the service's (portal.calendar.assistant), in the viewer's
language and time zone; values it cannot read are a 400 naming them, never a 500.
"""

from __future__ import annotations

import datetime as dt

import colander
from babel.dates import format_skeleton, format_time
from pyramid.view import view_config

from models.calendar import Event
from portal.calendar.assistant import Answer, AssistantQuery, look
from portal.calendar.resources import CalendarSection
from portal.calendar.schemas import AssistantSchema, field_errors
from portal.core.i18n import _, babel_locale, zone_named

SINGLE = ("timezone", "all_day", "start_date", "start_time", "end_date", "end_time", "freq",
          "interval", "monthly_by", "ends", "until", "count", "size", "guests", "event")
MANY = ("people", "departments", "rooms", "byday")
# The day grid of a single event: at least the working day, in minutes of the viewer's day.
GRID = (8 * 60, 20 * 60)


def read_query(request) -> AssistantQuery:
    """The form's values from the query string, read by AssistantSchema; raises
    colander.Invalid."""
    get = request.GET
    values: dict = {name: get.get(name, "") for name in SINGLE}
    values.update({name: get.getall(name) for name in MANY})
    query = AssistantSchema().bind(request=request).deserialize(values)
    if query.event_id is not None:
        # Only an event the viewer may change is left out of the busy time (no peeking by id).
        try:
            event = request.root["calendar"][str(query.event_id)]
        except KeyError:
            event = None
        if not isinstance(event, Event) or not request.has_permission("edit", event):
            query.event_id = None
    return query


class Words:
    """Dates and times of the answer in the viewer's language and zone."""

    def __init__(self, request) -> None:
        self.tz = request.user_timezone
        self.locale = babel_locale(request.locale_name)
        self.busy = request.translate(_("Busy"))

    def day(self, value: dt.datetime) -> str:
        return format_skeleton("yMMMEd", value.astimezone(self.tz), locale=self.locale)

    def time(self, value: dt.datetime) -> str:
        return format_time(value.astimezone(self.tz), "HH:mm", locale=self.locale)

    def span(self, start: dt.datetime, end: dt.datetime) -> str:
        """"Mon, 17 Mar 2031, 10:00–11:00" (the end's date when it is another day)."""
        same = start.astimezone(self.tz).date() == end.astimezone(self.tz).date()
        tail = self.time(end) if same else f"{self.day(end)} {self.time(end)}"
        return f"{self.day(start)}, {self.time(start)}–{tail}"


def minutes_of(value: dt.datetime, day_start: dt.datetime) -> int:
    """Minutes from the start of the viewer's day, within 0 and 24 h."""
    return max(0, min(24 * 60, int((value - day_start).total_seconds() // 60)))


def answer_json(request, query: AssistantQuery, answer: Answer) -> dict:
    words = Words(request)
    tz, etz = words.tz, zone_named(query.timezone)
    series = bool(query.rrule)
    day_start = dt.datetime.combine(query.start.astimezone(tz).date(), dt.time(), tz)
    day_end = day_start + dt.timedelta(days=1)
    planned = (minutes_of(query.start, day_start), minutes_of(query.end, day_start))
    rows = []
    for row in answer.rows:
        taken = [b for s, e in answer.spans for b in row.during(s, e)]
        today = row.during(day_start, day_end)
        rows.append({
            "kind": row.kind,
            "id": row.id,
            "name": row.name,
            "equipment": row.equipment,
            "free": not taken,
            "busy": [{
                "from": minutes_of(b.start, day_start),
                "to": minutes_of(b.end, day_start),
                "text": f"{words.time(b.start)}–{words.time(b.end)} {b.title or words.busy}",
                "recurring": b.recurring,
            } for b in today],
        })
    lows = [GRID[0], planned[0], *(b["from"] for r in rows for b in r["busy"])]
    highs = [GRID[1], planned[1], *(b["to"] for r in rows for b in r["busy"])]
    return {
        "series": series,
        "occurrences": len(answer.spans),
        "truncated": answer.truncated,
        "day": words.day(query.start),
        "grid": {"from": min(lows) // 60 * 60, "to": min(24 * 60, -(-max(highs) // 60) * 60)},
        "planned": {"from": planned[0], "to": planned[1], "text": words.span(query.start, query.end)},
        "rows": rows,
        "allFree": answer.all_free,
        "clashes": [{
            "when": words.span(c.start, c.end),
            "taken": [f"{row.name}: {b.title or words.busy}" for row, b in c.taken],
        } for c in answer.clashes],
        "needed": answer.needed,
        "rooms": [{"id": r.id, "name": r.name, "capacity": r.capacity, "location": r.location,
                   "chosen": r.id in query.room_ids} for r in answer.free_rooms],
        "suggestions": [{
            "text": words.span(s, e),
            "start_date": s.astimezone(etz).date().isoformat(),
            "start_time": s.astimezone(etz).strftime("%H:%M"),
            "end_date": e.astimezone(etz).date().isoformat(),
            "end_time": e.astimezone(etz).strftime("%H:%M"),
        } for s, e in answer.suggestions],
    }


@view_config(context=CalendarSection, name="assistant.json", renderer="json", permission="view",
             request_method="GET")
def assistant_json(request):
    """What is busy when the event as typed takes place; 400 {message, errors} when the form's
    values cannot be read yet."""
    try:
        query = read_query(request)
    except colander.Invalid as invalid:
        request.response.status_int = 400
        errors = {name: request.translate(message) for name, message in field_errors(invalid).items()}
        fallback = request.translate(_("Please correct the errors below."))
        return {"message": next(iter(errors.values()), fallback), "errors": errors}
    return answer_json(request, query, look(request, query))
