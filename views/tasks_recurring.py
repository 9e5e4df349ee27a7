"""/tasks/recurring: one's series of recurring tasks; stop one."""

from __future__ import annotations

import sqlalchemy as sa
from babel import dates as babel_dates
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy.orm import joinedload

from models.tasks import Task, TaskRecurrence
from portal.i18n import _
from portal.tasks_activity import ngettext, pluralize
from portal.tasks_resources import Recurrences
from views.tasks_form import WEEKDAYS


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
    me = request.identity.user.id
    if request.identity.is_admin:
        return sa.true()
    return sa.or_(TaskRecurrence.author_id == me, TaskRecurrence.assignee_id == me)


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
    from views.tasks import task_helpers

    return {
        "title": rec.title,
        "rec": rec,
        "rule": rule_text(request, rec),
        "recent": recent,
        "date": lambda d: short_date(request, d),
        "may_stop": rec.active and request.has_permission("edit", rec),
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
