"""/tasks/recurring: one's series of recurring tasks; edit or stop one."""

from __future__ import annotations

import datetime as dt

import colander
import deform
import sqlalchemy as sa
from babel import dates as babel_dates
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy.orm import joinedload

from models.errors import UserError
from models.tasks import FREQUENCIES, Task, TaskRecurrence
from portal.core.i18n import _, zone_named
from portal.tasks.activity import ngettext, pluralize
from portal.tasks.recurring import change_series, check_series_target, series_values, stop_series
from portal.tasks.resources import Recurrences
from portal.tasks.security import series_within, visible_series
from portal.tasks.service import parse_target
from views.tasks.display import task_helpers
from views.tasks.form import WEEKDAYS, NewTaskSchema, TaskForm, _reminder_parts


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
    text = (
        pluralize(request, ngettext("Every ${n} month", "Every ${n} months", n))
        if n > 1
        else request.translate(_("Every month"))
    )
    return request.translate(
        _("${rule}, on day ${day}", mapping={"rule": text, "day": rec.month_day or rec.starts_on.day})
    )


def short_date(request, day) -> str:
    """"23 Nov 2026" / "23 нояб. 2026" (no trailing "г." to clash with a sentence's full stop)."""
    return babel_dates.format_date(day, "d MMM y", locale=request.locale_name) if day else ""


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
    return {
        "title": rec.title,
        "rec": rec,
        "rule": rule_text(request, rec),
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
    tr = kw["request"].translate
    return deform.widget.SelectWidget(
        values=[
            ("daily", tr(_("Every day"))),
            ("weekly", tr(_("Every week"))),
            ("monthly", tr(_("Every month"))),
        ],
        item_css_class="half",
    )


class SeriesSchema(NewTaskSchema):
    month_day = colander.SchemaNode(
        colander.Integer(),
        title=_("Day of the month"),
        missing=None,
        insert_before="repeat_until",
        validator=colander.Range(
            1, 31, min_err=_("Enter a day from 1 to 31."), max_err=_("Enter a day from 1 to 31.")
        ),
        description=_("In a shorter month: its last day."),
        widget=deform.widget.TextInputWidget(
            item_css_class="half repeat-monthly",
            attributes={"type": "number", "min": "1", "max": "31", "inputmode": "numeric"},
        ),
    )


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

    def schema(self):
        # A clone: a class schema's nodes are shared with every other form made from it.
        schema = self.schema_factory().clone()
        for name in NOT_IN_SERIES:
            del schema[name]
        repeat = schema["repeat"]
        repeat.missing = colander.required
        repeat.missing_msg = _("Choose how often.")
        repeat.validator = colander.OneOf(list(FREQUENCIES))
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
            "repeat": rec.frequency,
            "repeat_every": rec.interval or 1,
            "weekdays": {str(d) for d in rec.weekday_list},
            "month_day": rec.month_day or rec.starts_on.day,
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
