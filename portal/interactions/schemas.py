"""The interaction forms as colander schemas: the main form (log what happened, or plan one),
the result with its next steps, and the reschedule form.

Each field is read by the rules of portal/interactions/rules.py (`parse_day`, `parse_time`,
`clean_text`, `responsible_user`, `result_entry`...), so the pages, the API and tests refuse the
same input with the same words. Bind a schema to `dbsession`, `zone` (the user's time zone),
and for an existing interaction `keep` (its responsible person and result stay allowed even if
deactivated or retired since). `read(schema, cstruct)` (portal.core.forms) gives the
values and {field: message}: "date", "time", "steps-0-responsible"...

Which client an interaction is about is not read here: whether the user may see that
organization or person is a question for the request (`rules.resolve_client`).
"""
from __future__ import annotations

import datetime as dt

import colander

from models.meta import utcnow
from portal.core.forms import Fields
from portal.core.i18n import _
from portal.interactions.handoff import QUEUE_PREFIX, TASK, read_target
from portal.interactions.rules import (
    TEXT_MAX,
    FieldProblem,
    clean_subject,
    clean_text,
    local_instant,
    parse_day,
    parse_time,
    responsible_user,
    result_entry,
    valid_color,
    valid_direction,
    valid_kind,
)

# What happened may be logged up to this much ahead of the clock (a slow server, a fast watch).
FUTURE_SLACK = dt.timedelta(minutes=5)


def _text_of(cstruct) -> str:
    return cstruct if isinstance(cstruct, str) else ""


class Reader(colander.SchemaType):
    """A field read by one of the rules' readers: `read(text)` returns the value or raises
    FieldProblem, whose message goes next to the field."""

    def __init__(self, read):
        self.read = read

    def deserialize(self, node, cstruct):
        try:
            return self.read(_text_of(cstruct))
        except FieldProblem as problem:
            raise colander.Invalid(node, problem.message) from None


class Responsible(colander.SchemaType):
    """Who will do it: an active person; on an existing interaction (`keep` bound, `unchanged`)
    the person it already has, even if deactivated since."""

    def __init__(self, unchanged: bool = False):
        self.unchanged = unchanged

    def deserialize(self, node, cstruct):
        keep = node.bindings.get("keep")
        value = _text_of(cstruct)
        if self.unchanged and keep is not None and value == str(keep.responsible_id or ""):
            return keep.responsible
        try:
            return responsible_user(node.bindings["dbsession"], value)
        except FieldProblem as problem:
            raise colander.Invalid(node, problem.message) from None


class Result(colander.SchemaType):
    """An entry of the results list, or None; a retired one only if it is already set."""

    def deserialize(self, node, cstruct):
        keep = node.bindings.get("keep")
        try:
            return result_entry(node.bindings["dbsession"], _text_of(cstruct),
                                keep.result_id if keep is not None else None)
        except FieldProblem as problem:
            raise colander.Invalid(node, problem.message) from None


def when_of(values: dict, zone) -> dt.datetime:
    """The UTC moment of a form's local "date" and "time" (read by the schema)."""
    return local_instant(values["date"], values["time"], zone)


def _at_a_time_that_exists(node, values) -> None:
    """The date and time exist in the user's time zone (not in a daylight-saving gap)."""
    if "date" in values and "time" in values:
        try:
            when_of(values, node.bindings["zone"])
        except FieldProblem as problem:
            error = colander.Invalid(node)
            error["time"] = problem.message
            raise error from None


def _done_is_not_ahead(node, values) -> None:
    """What happened (mode "log") cannot be in the future."""
    if values.get("mode") != "log" or "date" not in values or "time" not in values:
        return
    try:
        when = when_of(values, node.bindings["zone"])
    except FieldProblem:
        return
    if when > (node.bindings.get("now") or utcnow()) + FUTURE_SLACK:
        error = colander.Invalid(node)
        error["date"] = _("What happened cannot be in the future: choose “Plan” to plan it.")
        raise error


def _field(typ, name: str, **kw) -> colander.SchemaNode:
    return colander.SchemaNode(typ, name=name, **kw)


def _date_and_time() -> list[colander.SchemaNode]:
    return [_field(Reader(parse_day), "date"), _field(Reader(parse_time), "time")]


def valid_step_kind(value) -> str:
    """A next step is an interaction (a call, a meeting...) or a task ("task")."""
    return TASK if (value or "").strip() == TASK else valid_kind(value)


def optional_time(text: str | None) -> dt.time | None:
    """A step's time: a task may have none (due by the end of the day)."""
    return parse_time(text) if (text or "").strip() else None


class Raw(colander.SchemaType):
    """The text as posted (read by a check that knows the other fields)."""

    def deserialize(self, node, cstruct):
        return _text_of(cstruct).strip()


def _step_is_whole(node, values) -> None:
    """Who does a step, by its kind: a task goes to a person or a department's queue (a
    `Target`, the tasks' rules: portal.interactions.handoff.read_target), due today or later,
    and says what to do; an interaction goes to a person, at a time that exists."""
    error = colander.Invalid(node)
    kind, who = values.get("kind"), values.get("responsible")
    db, zone = node.bindings["dbsession"], node.bindings["zone"]
    if kind == TASK:
        if who is not None:
            try:
                values["responsible"] = read_target(db, who)
            except FieldProblem as problem:
                error["responsible"] = problem.message
        if "subject" in values and not values["subject"]:
            error["subject"] = _("Say what needs to be done: it is the task’s title.")
        day = values.get("date")
        today = (node.bindings.get("now") or utcnow()).astimezone(zone).date()
        if day is not None and day < today:
            error["date"] = _("The due date has passed: choose today or a later day.")
        elif day is not None and values.get("time") is not None:
            try:
                local_instant(day, values["time"], zone)
            except FieldProblem as problem:
                error["time"] = problem.message
    elif kind is not None:
        if who is not None:
            if who.startswith(QUEUE_PREFIX):
                error["responsible"] = _("A department’s queue can take only a task: choose "
                                         "“Task” or a person.")
            else:
                try:
                    values["responsible"] = responsible_user(db, who)
                except FieldProblem as problem:
                    error["responsible"] = problem.message
        if "time" in values and values["time"] is None:
            error["time"] = _("Enter a time.")
        elif "date" in values and "time" in values:
            try:
                when_of(values, zone)
            except FieldProblem as problem:
                error["time"] = problem.message
    if error.children:
        raise error


def steps_node() -> colander.SchemaNode:
    """The next steps: any number of (kind, who, subject, date, time); a step left empty (no
    date, no subject) is not a step (its cstruct is colander.null). A step of kind "task" is a
    task for a person or a department's queue, its date the due date (portal.interactions.
    handoff)."""
    step = colander.SchemaNode(
        Fields(_step_is_whole),
        _field(Reader(valid_step_kind), "kind"),
        _field(Raw(), "responsible"),
        _field(Reader(clean_subject), "subject"),
        _field(Reader(parse_day), "date"),
        _field(Reader(optional_time), "time"),
        missing=colander.drop)
    return colander.SchemaNode(colander.Sequence(), step, name="steps", missing=())


def interaction_schema() -> colander.SchemaNode:
    """The main form: what, which way, when, who does it, the subject and text, a colour mark;
    when logged as done, its result and next steps too."""
    return colander.SchemaNode(
        Fields(_at_a_time_that_exists, _done_is_not_ahead),
        _field(colander.String(), "mode", missing="log",
               preparer=lambda v: "plan" if v == "plan" else "log"),
        _field(Reader(valid_kind), "kind"),
        _field(Reader(valid_direction), "direction"),
        _field(Reader(valid_color), "color"),
        _field(Reader(clean_subject), "subject"),
        _field(Reader(lambda v: clean_text(v, TEXT_MAX, _("The text"))), "text"),
        _field(Responsible(unchanged=True), "responsible"),
        *_date_and_time(),
        _field(Result(), "result"),
        _field(Reader(lambda v: clean_text(v, TEXT_MAX, _("The result"))), "result_text"),
        steps_node())


def result_schema() -> colander.SchemaNode:
    """The result of an interaction and the next steps it leads to."""
    return colander.SchemaNode(
        Fields(),
        _field(Result(), "result"),
        _field(Reader(lambda v: clean_text(v, TEXT_MAX, _("The result"))), "result_text"),
        steps_node())


def reschedule_schema() -> colander.SchemaNode:
    """A planned interaction's new date and time."""
    return colander.SchemaNode(Fields(_at_a_time_that_exists), *_date_and_time())
