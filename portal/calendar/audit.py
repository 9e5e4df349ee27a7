"""The calendar in the audit log, in words (portal/audit/log.py's extension points).

Registers events, their attendees and room bookings, and the rooms themselves, so that the
admin audit log tells "Changed event “Budget meeting”: start … → …", "Попова Анна accepted the
invitation to …", and an event's page shows its history (`history_for(event)`).
"""

from __future__ import annotations

from pyramid.i18n import TranslationString

from models.calendar import Event, EventAttendee, EventRoom, Room
from portal.audit.log import (
    DELETE,
    INSERT,
    UPDATE,
    AuditedTable,
    FieldChange,
    _field_changes,
    name_of,
    register_name_kind,
    register_related,
    register_table,
)
from portal.calendar.recurrence import Recurrence, parse_stamp
from portal.core.i18n import _, zone_named

# Bookkeeping: derived from other columns, or only for calendar programs.
HIDDEN = ("series_end_at", "wide", "ical_uid", "sequence", "answered_at")

CALENDAR_LABELS = {"personal": _("Personal"), "department": _("Department"),
                   "company": _("Company calendar")}
VISIBILITY_LABELS = {"public": _("Public"), "busy": _("Others see only “busy”"),
                     "private": _("Private: only the people invited")}
STATUS_LABELS = {"confirmed": _("Confirmed"), "cancelled": _("Cancelled")}
LINK_LABELS = {"client": _("Client"), "ticket": _("Ticket"), "job": _("Service job")}
ANSWER_LABELS = {"accepted": _("Accepted"), "tentative": _("Maybe"), "declined": _("Declined"),
                 "needs_action": _("No answer yet")}
KIND_LABELS = {"room": _("Meeting room"), "equipment": _("Equipment")}

FIELDS = {
    "events": {
        "title": _("title"), "description": _("description"), "location": _("location"),
        "start_at": _("start"), "end_at": _("end"), "all_day": _("all day"),
        "timezone": _("time zone"), "rrule": _("repeats"), "exdates": _("cancelled occurrence"),
        "organizer_id": _("organizer"), "calendar": _("calendar"),
        "department_id": _("department"), "visibility": _("visible to"), "status": _("status"),
        "link_type": _("about"), "link_id": _("record number"),
        "reminder_minutes": _("reminder, minutes before"), "series_id": _("series"),
        "recurrence_id": _("replaces the occurrence of"),
    },
    "event_attendees": {
        "event_id": _("event"), "user_id": _("person"), "via_department_id": _("with department"),
        "guest_name": _("guest"), "guest_email": _("guest's e-mail"), "contact_id": _("contact"),
        "answer": _("answer"),
    },
    "event_rooms": {"event_id": _("event"), "room_id": _("room or equipment")},
    "rooms": {"name": _("name"), "kind": _("kind"), "location": _("location"),
              "capacity": _("seats"), "description": _("description"), "active": _("bookable")},
}


def rule_words(rule: str, tzname: str | None) -> TranslationString | None:
    """A repeat rule in words for the log ("Every week: Mon, Wed, 10 times")."""
    if not rule:
        return None
    return Recurrence.from_rrule(rule, zone_named(tzname)).words()


def _field_value(column, value, names):
    if column == "organizer_id" or column == "user_id":
        return names.user(value), "ref"
    if column in ("department_id", "via_department_id"):
        return names.department(value), "ref"
    if column == "event_id" or column == "series_id":
        return name_of(names, "event", value), "ref"
    if column == "room_id":
        return name_of(names, "room", value), "ref"
    if column == "calendar":
        return CALENDAR_LABELS.get(value, value), "ref"
    if column == "visibility":
        return VISIBILITY_LABELS.get(value, value), "ref"
    if column == "status":
        return STATUS_LABELS.get(value, value), "ref"
    if column == "link_type":
        return LINK_LABELS.get(value, value or None), "ref"
    if column == "answer":
        return ANSWER_LABELS.get(value, value), "ref"
    if column == "kind":
        return KIND_LABELS.get(value, value), "ref"
    if column == "timezone":
        return value, "ref"
    return None


def _want(names, row) -> None:
    for column in ("organizer_id", "user_id"):
        if hasattr(row, column):
            names.want("user", getattr(row, column))
    for column in ("department_id", "via_department_id"):
        if hasattr(row, column):
            names.want("department", getattr(row, column))
    for column in ("event_id", "series_id"):
        if hasattr(row, column):
            names.want("event", getattr(row, column))
    if hasattr(row, "room_id"):
        names.want("room", row.room_id)


def _sentence(op, created, deleted, changed, mapping):
    return _({INSERT: created, DELETE: deleted}.get(op, changed), mapping=mapping)


def _cancelled_occurrences(field: FieldChange) -> list[FieldChange]:
    """The exdates list as the occurrences it cancels (or brings back), one line each."""
    before, after = set(field.old or ()), set(field.new or ())
    out = []
    for stamp in sorted(after - before):
        out.append(FieldChange("exdates", _("cancelled occurrence"), None, parse_stamp(stamp)))
    for stamp in sorted(before - after):
        out.append(FieldChange("exdates", _("occurrence back in the series"), None,
                               parse_stamp(stamp)))
    return out


def _describe_event(version, op, fields, names):
    m = {"title": version.title}
    # Added and changed again in one transaction: recorded as an update without an earlier state.
    if op == INSERT or (op == UPDATE and any(f.name == "title" and f.old is None for f in fields)):
        shown = {"start_at", "end_at", "location", "visibility", "rrule"}
        fields = [f for f in _field_changes("events", None, version, names) if f.name in shown]
        return _("Planned event “${title}”", mapping=m), None, _event_fields(version, fields)
    if op == DELETE:
        return _("Deleted event “${title}”", mapping=m), None, []
    changed = {f.name for f in fields}
    if changed == {"status"} and version.status == "cancelled":
        return _("Cancelled event “${title}”", mapping=m), None, []
    if changed == {"exdates"}:
        fields = _event_fields(version, fields)
        if fields and all(f.label == FIELDS["events"]["exdates"] for f in fields):
            return _("Cancelled an occurrence of “${title}”", mapping=m), None, fields
    return _("Changed event “${title}”", mapping=m), None, _event_fields(version, fields)


def _event_fields(version, fields: list[FieldChange]) -> list[FieldChange]:
    out = []
    for f in fields:
        if f.name == "exdates":
            out.extend(_cancelled_occurrences(f))
        elif f.name == "rrule":
            # The zone the rule's UNTIL is read in: the event's.
            words = (rule_words(f.old, version.timezone), rule_words(f.new, version.timezone))
            out.append(FieldChange(f.name, f.label, words[0], words[1], "ref"))
        elif f.name == "reminder_minutes":
            out.append(FieldChange(f.name, f.label, f.old, f.new, "ref"))
        else:
            out.append(f)
    return out


def _who(names, row):
    if row.user_id is not None:
        return names.user(row.user_id)
    if row.guest_name and row.guest_email:
        return f"{row.guest_name} <{row.guest_email}>"
    return row.guest_name or row.guest_email or "?"


ANSWER_SENTENCES = {
    "accepted": _("${who} accepted the invitation to “${event}”"),
    "tentative": _("${who} might come to “${event}”"),
    "declined": _("${who} declined the invitation to “${event}”"),
}


def _describe_attendee(version, op, fields, names):
    m = {"who": _who(names, version), "event": name_of(names, "event", version.event_id)}
    if op == UPDATE and {f.name for f in fields} == {"answer"} and version.answer in ANSWER_SENTENCES:
        return _(ANSWER_SENTENCES[version.answer], mapping=m), None, []
    if op == INSERT and version.via_department_id:
        m["department"] = names.department(version.via_department_id)
        return _("Invited ${who} (with ${department}) to “${event}”", mapping=m), None, []
    return (_sentence(op, _("Invited ${who} to “${event}”"), _("Removed ${who} from “${event}”"),
                      _("Changed the invitation of ${who} to “${event}”"), m), None,
            [] if op != UPDATE else fields)


def _describe_booking(version, op, fields, names):
    m = {"room": name_of(names, "room", version.room_id),
         "event": name_of(names, "event", version.event_id)}
    return (_sentence(op, _("Booked ${room} for “${event}”"), _("Released ${room} from “${event}”"),
                      _("Changed the booking of ${room} for “${event}”"), m), None, fields)


def _describe_room(version, op, fields, names):
    m = {"name": version.name}
    if version.kind == "equipment":
        texts = (_("Added equipment ${name}"), _("Deleted equipment ${name}"),
                 _("Changed equipment ${name}"))
    else:
        texts = (_("Added meeting room ${name}"), _("Deleted meeting room ${name}"),
                 _("Changed meeting room ${name}"))
    return _sentence(op, *texts, m), None, [] if op == INSERT else fields


def includeme(config) -> None:
    """Tell the audit log how to describe this area's tables."""
    register_name_kind(config, "event", Event, lambda row: row.title)
    register_name_kind(config, "room", Room, lambda row: row.name)
    tables = [
        ("rooms", Room, _("Meeting rooms and equipment"), _describe_room,
         lambda names, row: _("room ${name}", mapping={"name": row.name})),
        ("events", Event, _("Calendar events"), _describe_event,
         lambda names, row: _("event “${title}”", mapping={"title": row.title})),
        ("event_attendees", EventAttendee, _("Event attendees"), _describe_attendee,
         lambda names, row: _("invitation of ${who} to “${event}”", mapping={
             "who": _who(names, row), "event": name_of(names, "event", row.event_id)})),
        ("event_rooms", EventRoom, _("Room bookings"), _describe_booking,
         lambda names, row: _("booking of ${room} for “${event}”", mapping={
             "room": name_of(names, "room", row.room_id),
             "event": name_of(names, "event", row.event_id)})),
    ]
    for table, model, label, describe, row_label in tables:
        register_table(config, table, AuditedTable(
            model=model, label=label, fields=FIELDS[table], describe=describe,
            row_label=row_label, field_value=_field_value, want_names=_want), hidden=HIDDEN)
    register_related(config, related_history)


def related_history(obj):
    """What `history_for` shows for an event (its record, attendees, bookings) or a room."""
    if isinstance(obj, Event):
        oid = obj.id
        return {
            "events": lambda v: v.id == oid,
            "event_attendees": lambda v: v.event_id == oid,
            "event_rooms": lambda v: v.event_id == oid,
        }
    if isinstance(obj, Room):
        oid = obj.id
        return {"rooms": lambda v: v.id == oid}
    return None


def is_answer(change) -> bool:
    """Whether a described change is someone's answer to an invitation (the organizer's to see)."""
    return (change.table == "event_attendees" and change.operation == UPDATE
            and change.message in ANSWER_SENTENCES.values())

