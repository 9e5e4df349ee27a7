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

from models.people import Membership
from models.tasks import FREQUENCIES, Task, TaskRecurrence
from portal.core.i18n import _
from portal.tasks.activity import ngettext, pluralize
from portal.tasks.jobs import _zone, reschedule
from portal.tasks.resources import Recurrences
from portal.tasks.service import TaskProblem, clean_title, parse_target, remind_minutes
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


def _mine(request):
    """The series one may see: one's own, and those one edits as tasks' edit rule says (the ACL)."""
    from portal.tasks.security import best_scope

    me = request.identity.user.id
    scope = best_scope(request, "task", "edit")
    if request.identity.is_admin or scope == "all":
        return sa.true()
    mine = [TaskRecurrence.author_id == me, TaskRecurrence.assignee_id == me]
    if scope == "department" and request.identity.dept_scope_ids:
        mine.append(TaskRecurrence.department_id.in_(sorted(request.identity.dept_scope_ids)))
    return sa.or_(*mine)


@view_config(context=Recurrences, renderer="tasks/recurring.jinja2", permission="view")
def series_list(request):
    series = request.dbsession.scalars(
        sa.select(TaskRecurrence)
        .where(_mine(request))
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
    from views.tasks.lists import task_helpers

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
    if rec.active:
        rec.active = False
        rec.next_on = None
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

    def _restriction(self) -> set[int] | None:
        """Where a non-author may send the series: within their departments, unless they edit
        tasks everywhere."""
        from portal.tasks.security import best_scope

        identity = self.request.identity
        if identity.is_admin or self.context.author_id == identity.user.id:
            return None
        if best_scope(self.request, "task", "edit") == "all":
            return None
        return set(identity.dept_scope_ids)

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
        return schema.bind(request=self.request, context=self.context, restrict_to=self._restriction())

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

    def _may_send(self, target, allowed: set[int] | None) -> bool:
        if allowed is None:
            return True
        if target.user is None:
            return target.department is not None and target.department.id in allowed
        depts = set(
            self.request.dbsession.scalars(
                sa.select(Membership.department_id).where(Membership.user_id == target.user.id)
            )
        )
        return bool(depts & allowed)

    def check(self, appstruct: dict) -> tuple[dict, dt.date]:
        """The new values of the series, or a TaskProblem naming the field that is wrong."""
        rec: TaskRecurrence = self.context
        today = dt.datetime.now(_zone(rec.timezone)).date()
        target = parse_target(self.request.dbsession, appstruct["assign_to"])
        wanted = (
            target.user.id if target.user else None,
            target.department.id if target.department else None,
        )
        if wanted != (rec.assignee_id, rec.department_id) and not self._may_send(target, self._restriction()):
            raise TaskProblem("assign_to", _("You may send this series only within your departments."))
        frequency = appstruct["repeat"]
        days = sorted(int(d) for d in appstruct["weekdays"] if str(d).isdigit() and 0 <= int(d) <= 6)
        if frequency == "weekly" and not days:
            raise TaskProblem("weekdays", _("Choose the days of the week."))
        month_day = appstruct["month_day"]
        if frequency == "monthly" and month_day is None:
            raise TaskProblem("month_day", _("Enter a day from 1 to 31."))
        until = appstruct["repeat_until"]
        if until is not None and until < today:
            raise TaskProblem("repeat_until", _("The end cannot be in the past. Choose today or later."))
        if until is not None and until < rec.starts_on:
            raise TaskProblem("repeat_until", _("The series cannot end before it starts."))
        return {
            "title": clean_title(appstruct["title"]),
            "description": appstruct["description"],
            "priority": int(appstruct["priority"]),
            "assignee_id": wanted[0],
            "department_id": wanted[1],
            "frequency": frequency,
            "interval": appstruct["repeat_every"] or 1,
            "weekdays": sum(1 << d for d in days) if frequency == "weekly" else rec.weekdays,
            "month_day": month_day if frequency == "monthly" and month_day else rec.month_day,
            "due_time": appstruct["due_time"],
            "remind_before": remind_minutes(appstruct["remind_amount"], appstruct["remind_unit"], True),
            "until": until,
        }, today

    def save(self, appstruct: dict) -> str:
        request, rec = self.request, self.context
        try:
            values, today = self.check(appstruct)
        except TaskProblem as problem:
            raise self.problem(problem) from None
        changed = [k for k, v in values.items() if getattr(rec, k) != v]
        next_on = rec.next_on
        if changed and rec.active:
            # The new rule on a copy first: a rule with no day left changes nothing.
            rule = ("frequency", "interval", "weekdays", "month_day", "until")
            probe = TaskRecurrence(id=rec.id, starts_on=rec.starts_on, **{k: values[k] for k in rule})
            next_on = reschedule(request.dbsession, probe, today)
            if next_on is None:
                raise self.problem(
                    TaskProblem(
                        "repeat_until", _("The series has no day before it ends. Move the end or the start.")
                    )
                )
        for key in changed:
            setattr(rec, key, values[key])
        rec.next_on = next_on
        if "assignee_id" in changed or "department_id" in changed:
            request.dbsession.flush()
            request.dbsession.expire(rec, ["assignee", "department"])
        request.session.flash(
            request.translate(
                _("Changes saved. The tasks still to come follow them; those made already stay as they are.")
                if changed
                else _("Nothing was changed.")
            )
        )
        return request.resource_url(rec)
