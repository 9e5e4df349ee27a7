"""/tasks/recurring: one's series of recurring tasks; edit or stop one."""

from __future__ import annotations

import calendar
import datetime as dt

import colander
import sqlalchemy as sa
from babel import dates as babel_dates
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy.orm import joinedload

from models.errors import UserError
from models.tasks import Task, TaskRecurrence
from portal.core.i18n import _, babel_locale, format_date, local_today, zone_named
from portal.core.parsing import parse_date, parse_int
from portal.tasks.activity import ngettext, pluralize
from portal.tasks.recurring import (
    PREVIEW_COUNT,
    RULES,
    TaskProblem,
    change_series,
    check_series_target,
    preview,
    rule_of,
    series_values,
    stop_series,
    upcoming,
)
from portal.tasks.resources import Recurrences, Tasks
from portal.tasks.security import series_within, visible_series
from portal.tasks.service import parse_target
from views.tasks.display import task_helpers
from views.tasks.form import (
    WEEKDAYS,
    NewTaskSchema,
    TaskForm,
    _reminder_parts,
    _repeat_widget,
)

# The whole phrase for each week of the month and weekday: Russian ordinals agree with the
# weekday's gender and case («во вторую среду», «в первое воскресенье»).
MONTH_WEEKDAY_PHRASES = {
    (1, 0): _("on the first Monday"),
    (1, 1): _("on the first Tuesday"),
    (1, 2): _("on the first Wednesday"),
    (1, 3): _("on the first Thursday"),
    (1, 4): _("on the first Friday"),
    (1, 5): _("on the first Saturday"),
    (1, 6): _("on the first Sunday"),
    (2, 0): _("on the second Monday"),
    (2, 1): _("on the second Tuesday"),
    (2, 2): _("on the second Wednesday"),
    (2, 3): _("on the second Thursday"),
    (2, 4): _("on the second Friday"),
    (2, 5): _("on the second Saturday"),
    (2, 6): _("on the second Sunday"),
    (3, 0): _("on the third Monday"),
    (3, 1): _("on the third Tuesday"),
    (3, 2): _("on the third Wednesday"),
    (3, 3): _("on the third Thursday"),
    (3, 4): _("on the third Friday"),
    (3, 5): _("on the third Saturday"),
    (3, 6): _("on the third Sunday"),
    (4, 0): _("on the fourth Monday"),
    (4, 1): _("on the fourth Tuesday"),
    (4, 2): _("on the fourth Wednesday"),
    (4, 3): _("on the fourth Thursday"),
    (4, 4): _("on the fourth Friday"),
    (4, 5): _("on the fourth Saturday"),
    (4, 6): _("on the fourth Sunday"),
    (-1, 0): _("on the last Monday"),
    (-1, 1): _("on the last Tuesday"),
    (-1, 2): _("on the last Wednesday"),
    (-1, 3): _("on the last Thursday"),
    (-1, 4): _("on the last Friday"),
    (-1, 5): _("on the last Saturday"),
    (-1, 6): _("on the last Sunday"),
}


def rule_text(request, rec: TaskRecurrence) -> str:
    n = max(1, rec.interval or 1)
    if rec.frequency == "daily":
        return (
            pluralize(request, ngettext("Every ${n} day", "Every ${n} days", n))
            if n > 1
            else request.translate(_("Every day"))
        )
    if rec.frequency == "weekly":
        days = ", ".join(request.translate(WEEKDAYS[d][1]) for d in rec.weekday_list)
        text = (
            pluralize(request, ngettext("Every ${n} week", "Every ${n} weeks", n))
            if n > 1
            else request.translate(_("Every week"))
        )
        return f"{text}: {days}" if days else text
    if rec.frequency == "yearly":
        text = (
            pluralize(request, ngettext("Every ${n} year", "Every ${n} years", n))
            if n > 1
            else request.translate(_("Every year"))
        )
        # The day of the year in a leap year, so that 29 February can be named.
        month = rec.starts_on.month
        day = format_date(request, dt.date(2000, month, min(rec.month_day or rec.starts_on.day,
                                                            calendar.monthrange(2000, month)[1])), "d MMMM")
        return request.translate(_("${rule}, on ${day}", mapping={"rule": text, "day": day}))
    text = (
        pluralize(request, ngettext("Every ${n} month", "Every ${n} months", n))
        if n > 1
        else request.translate(_("Every month"))
    )
    if rec.month_week is not None:
        weekday = rec.month_weekday if rec.month_weekday is not None else rec.starts_on.weekday()
        return request.translate(_("${rule}, ${when}", mapping={
            "rule": text,
            "when": request.translate(MONTH_WEEKDAY_PHRASES[(rec.month_week, weekday)])}))
    return request.translate(
        _("${rule}, on day ${day}", mapping={"rule": text, "day": rec.month_day or rec.starts_on.day})
    )


def short_date(request, day) -> str:
    """"23 Nov 2026" / "23 нояб. 2026" (no trailing "г." to clash with a sentence's full stop)."""
    return babel_dates.format_date(day, "d MMM y", locale=babel_locale(request.locale_name)) if day else ""


@view_config(context=Recurrences, renderer="tasks/recurring.jinja2", permission="view")
def series_list(request):
    series = request.dbsession.scalars(
        sa.select(TaskRecurrence)
        .where(visible_series(request))
        .options(joinedload(TaskRecurrence.assignee), joinedload(TaskRecurrence.department))
        .order_by(TaskRecurrence.active.desc(), TaskRecurrence.title)
        .limit(500)
    ).all()
    return {
        "title": _("Recurring tasks"),
        "series": series,
        "rule_text": lambda r: rule_text(request, r),
        "date": lambda d: short_date(request, d),
        "series_url": lambda r: request.resource_url(request.context, str(r.id)),
        "tasks_url": request.resource_url(request.root["tasks"]),
        "add_url": request.resource_url(request.root["tasks"], "add"),
    }


@view_config(context=TaskRecurrence, renderer="tasks/series.jinja2", permission="view")
def series_view(request):
    rec: TaskRecurrence = request.context
    recent = request.dbsession.scalars(
        sa.select(Task)
        .where(Task.recurrence_id == rec.id)
        .order_by(Task.occurrence_on.desc(), Task.id.desc())
        .limit(15)
    ).all()
    coming = []
    if rec.active and rec.next_on is not None:
        coming = upcoming(rec, rec.next_on, PREVIEW_COUNT)
    return {
        "title": rec.title,
        "rec": rec,
        "rule": rule_text(request, rec),
        "coming": coming,
        "recent": recent,
        "date": lambda d: short_date(request, d),
        "may_stop": rec.active and request.has_permission("edit", rec),
        "may_edit": request.has_permission("edit", rec),
        "list_url": request.resource_url(request.context.__parent__),
        **task_helpers(request),
    }


@view_config(context=TaskRecurrence, name="stop", request_method="POST", permission="edit")
def series_stop(request):
    rec: TaskRecurrence = request.context
    if stop_series(rec):
        request.session.flash(
            request.translate(
                _("The series is stopped: no new tasks will be made. Tasks already made stay as they are.")
            )
        )
    return HTTPSeeOther(request.resource_url(rec))


# --- editing a series ---------------------------------------------------------------------------


@colander.deferred
def _frequency_widget(node, kw):
    """The task form's choices but "Does not repeat" (stopping is a button of its own)."""
    widget = _repeat_widget(node, kw)
    widget.values = [v for v in widget.values if v[0]]
    return widget


# --- the next days of a rule, before it is saved ---------------------------------------------------


@view_config(context=Tasks, name="repeat-preview", renderer="json", permission="view")
def repeat_preview(request):
    """GET with the task form's fields (repeat, due_date, repeat_every, weekdays, month_day,
    month_week, month_weekday, repeat_until): {"dates": the next five days in the reader's
    language, "error": why there are none}; computed by the rule that makes the tasks."""
    get = request.GET
    rule = get.get("repeat", "")
    if rule not in RULES:
        return {"dates": [], "error": ""}
    today = local_today(request)
    starts = parse_date(get.get("due_date", "")) or today
    until = parse_date(get.get("repeat_until", ""))
    after = parse_date(get.get("from", ""))
    try:
        days = preview(
            rule, starts, interval=parse_int(get.get("repeat_every", "")) or 1,
            weekdays=get.getall("weekdays"), month_day=parse_int(get.get("month_day", "")),
            month_week=-1 if get.get("month_week") == "-1" else parse_int(get.get("month_week", "")),
            month_weekday=parse_int(get.get("month_weekday", "")), until=until, after=after,
        )
    except TaskProblem as problem:
        return {"dates": [], "error": request.translate(problem.message)}
    return {
        "dates": [{"iso": d.isoformat(), "text": format_date(request, d, "EEEE, d MMMM y")} for d in days],
        "error": "" if days else request.translate(_("The series has no day before it ends.")),
    }


class SeriesSchema(NewTaskSchema):
    """The task form's series fields, for a series that exists."""


# The task form's fields a series has no use for: each task's day comes from the rule.
NOT_IN_SERIES = ("due_date", "daily", "link_type", "link_id")


@view_config(context=TaskRecurrence, name="edit", renderer="tasks/form.jinja2", permission="edit")
class SeriesEdit(TaskForm):
    """Change a series: the tasks still to come follow the new rule; those made stay as they are."""

    schema_factory = SeriesSchema

    @property
    def title(self):
        return _("Edit the recurring task #${id}", mapping={"id": self.context.id})

    @property
    def cancel_url(self):
        return self.request.resource_url(self.context)

    @property
    def series_start(self) -> str:
        return self.context.starts_on.isoformat()

    @property
    def preview_from(self) -> str:
        return dt.datetime.now(zone_named(self.context.timezone)).date().isoformat()

    def schema(self):
        # A clone: a class schema's nodes are shared with every other form made from it.
        schema = self.schema_factory().clone()
        for name in NOT_IN_SERIES:
            del schema[name]
        repeat = schema["repeat"]
        repeat.missing = colander.required
        repeat.missing_msg = _("Choose how often.")
        repeat.validator = colander.OneOf(list(RULES))
        # "Does not repeat" is the stop button's.
        repeat.widget = _frequency_widget
        schema["repeat_until"].description = _("Empty: until you stop the series.")
        schema["due_time"].description = _("Empty: by the end of each day.")
        return schema.bind(request=self.request, context=self.context,
                           restrict_to=series_within(self.request, self.context))

    def appstruct(self) -> dict:
        rec: TaskRecurrence = self.context
        amount, unit = _reminder_parts(rec.remind_before)
        return {
            "title": rec.title,
            "description": rec.description or "",
            "assign_to": f"user:{rec.assignee_id}"
            if rec.assignee_id
            else (f"dept:{rec.department_id}" if rec.department_id else ""),
            "priority": str(rec.priority),
            "due_time": rec.due_time,
            "remind_amount": amount,
            "remind_unit": unit,
            "repeat": rule_of(rec),
            "repeat_every": rec.interval or 1,
            "weekdays": {str(d) for d in rec.weekday_list},
            "month_day": rec.month_day or rec.starts_on.day,
            "month_week": rec.month_week if rec.month_week is not None else 1,
            "month_weekday": rec.month_weekday if rec.month_weekday is not None else rec.starts_on.weekday(),
            "repeat_until": rec.until,
        }

    def save(self, appstruct: dict) -> str:
        request, rec = self.request, self.context
        # "Today" and "the past" are the series' own zone's.
        today = dt.datetime.now(zone_named(rec.timezone)).date()
        try:
            target = parse_target(request.dbsession, appstruct["assign_to"])
            check_series_target(request, rec, target)
            values = series_values(rec, appstruct, target, today)
            changed = change_series(request.dbsession, rec, values, today)
        except UserError as problem:
            raise self.problem(problem) from None
        request.session.flash(
            request.translate(
                _("Changes saved. The tasks still to come follow them; those made already stay as they are.")
                if changed
                else _("Nothing was changed.")
            )
        )
        return request.resource_url(rec)
