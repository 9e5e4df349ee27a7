"""Adding and editing a task (deform over views/forms.FormView): the form's fields and widgets,
and "Assign to"'s choices. What a task may be, and where it may go, is portal.tasks.service's
(and portal.tasks.recurring's for a series); this module turns the form into those calls."""

from __future__ import annotations

import datetime as dt

import colander
import deform
import sqlalchemy as sa
from babel import dates as babel_dates
from pyramid.view import view_config

from models.errors import UserError
from models.meta import joined_strings
from models.people import Membership, User
from models.tasks import LINK_TYPES, PRIORITIES, Task
from portal.core.i18n import _, babel_locale, zone_of
from portal.core.parsing import parse_int
from portal.tasks.activity import PRIORITY_LABELS
from portal.tasks.links import LINK_TITLES
from portal.tasks.recurring import MONTH_WEEKS, RULES, create_series
from portal.tasks.resources import Tasks
from portal.tasks.security import may_reassign, reassign_within
from portal.tasks.service import (
    REMIND_UNITS,
    TITLE_MAX,
    assign,
    check_link,
    check_target,
    create_task,
    new_target,
    parse_target,
    task_fields,
    update_task,
)
from views.forms import CSRFSchema, FormView

WEEKDAYS = [
    (str(i), name)
    for i, name in enumerate((_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")))
]
HALF = "half"


def assign_values(request, restrict_to: set[int] | None = None) -> list:
    """The choices of "Assign to": departments' queues, then active people (with departments).

    `restrict_to`: only these departments and their members (a department head reassigning).
    """
    db = request.dbsession
    tr = request.translate
    me = request.identity.user
    tree = request.department_tree
    # Active people with their departments' ids ("3,7"), in one statement; names from the tree.
    people = db.execute(
        sa.select(User.id, User.full_name,
                  joined_strings(sa.cast(Membership.department_id, sa.String), ","))
        .outerjoin(Membership, Membership.user_id == User.id)
        .where(User.active).group_by(User.id, User.full_name).order_by(User.full_name, User.id)
    ).all()
    people = [(uid, name, {int(d) for d in (ids or "").split(",") if d})
              for uid, name, ids in people]
    depts = sorted(tree.names.items(), key=lambda item: item[1])
    if restrict_to is not None:
        depts = [d for d in depts if d[0] in restrict_to]
        people = [p for p in people if p[2] & restrict_to]
    queue_label = tr(_("queue"))
    dept_options = [(f"dept:{i}", f"{name} — {queue_label}") for i, name in depts]

    def person_label(person) -> str:
        _uid, full_name, dept_ids = person
        names = ", ".join(sorted(tree.names[d] for d in dept_ids if d in tree.names))
        return f"{full_name} ({names})" if names else full_name

    person_options = [(f"user:{p[0]}", person_label(p)) for p in people]
    values: list = [("", tr(_("— Choose a person or a department —")))]
    if restrict_to is None or any(v == f"user:{me.id}" for v, _l in person_options):
        values.append((f"user:{me.id}", tr(_("Me (${name})", mapping={"name": me.full_name}))))
    values.append(
        deform.widget.OptGroup(tr(_("Departments: any member takes it from the queue")), *dept_options)
    )
    values.append(deform.widget.OptGroup(tr(_("People")), *person_options))
    return values


def reassign_options(request, task: Task) -> list:
    """Where the user may send the task from its page: "Assign to"'s choices within their reach."""
    return assign_values(request, reassign_within(request, task))[1:]


@colander.deferred
def _assign_widget(node, kw):
    request = kw["request"]
    restrict = kw.get("restrict_to")
    return deform.widget.SelectWidget(
        values=assign_values(request, restrict), css_class="form-select", item_css_class="assign-to"
    )


@colander.deferred
def _priority_widget(node, kw):
    tr = kw["request"].translate
    return deform.widget.SelectWidget(
        values=[(str(p), tr(PRIORITY_LABELS[p])) for p in sorted(PRIORITIES, reverse=True)],
        item_css_class=HALF,
    )


@colander.deferred
def _unit_widget(node, kw):
    tr = kw["request"].translate
    return deform.widget.SelectWidget(
        values=[("minutes", tr(_("minutes"))), ("hours", tr(_("hours"))), ("days", tr(_("days")))],
        item_css_class=HALF,
    )


@colander.deferred
def _link_widget(node, kw):
    tr = kw["request"].translate
    return deform.widget.SelectWidget(
        values=[("", tr(_("— Nothing —")))] + [(k, tr(LINK_TITLES[k])) for k in LINK_TYPES],
        item_css_class=HALF,
    )


@colander.deferred
def _link_id_widget(node, kw):
    # Typing a client's or contact's name offers the ones the user may see (views/tasks/clients.py).
    request = kw["request"]
    return deform.widget.TextInputWidget(
        item_css_class=HALF,
        attributes={
            "maxlength": "100",
            "autocomplete": "off",
            "list": "link-options",
            "placeholder": request.translate(_("Number, or a client's name")),
            "hx-get": request.resource_url(request.root["tasks"], "link-options"),
            "hx-trigger": "input changed delay:250ms",
            "hx-include": "[name='link_type']",
            "hx-target": "#link-options",
        },
    )


@colander.deferred
def _repeat_widget(node, kw):
    tr = kw["request"].translate
    return deform.widget.SelectWidget(
        values=[
            ("", tr(_("Does not repeat"))),
            ("daily", tr(_("Every day"))),
            ("weekly", tr(_("Every week"))),
            ("monthly", tr(_("Every month on a day"))),
            ("monthly_weekday", tr(_("Every month on a weekday"))),
            ("yearly", tr(_("Every year"))),
        ],
        item_css_class=HALF,
    )


MONTH_WEEK_TITLES = {1: _("first"), 2: _("second"), 3: _("third"), 4: _("fourth"), -1: _("last")}


@colander.deferred
def _month_week_widget(node, kw):
    tr = kw["request"].translate
    return deform.widget.SelectWidget(
        values=[(str(w), tr(MONTH_WEEK_TITLES[w])) for w in MONTH_WEEKS],
        item_css_class=f"{HALF} repeat-monthly-weekday",
    )


def weekday_names(request) -> list[str]:
    """Monday … Sunday in the reader's language, as a list starts them (Babel's names: the
    portal's "Monday" is a button's «В понедельник»)."""
    names = babel_dates.get_day_names("wide", locale=babel_locale(request.locale_name))
    return [names[i][:1].upper() + names[i][1:] for i in range(7)]


@colander.deferred
def _month_weekday_widget(node, kw):
    return deform.widget.SelectWidget(
        values=[(str(i), name) for i, name in enumerate(weekday_names(kw["request"]))],
        item_css_class=f"{HALF} repeat-monthly-weekday",
    )


@colander.deferred
def _weekday_widget(node, kw):
    tr = kw["request"].translate
    return deform.widget.CheckboxChoiceWidget(
        values=[(v, tr(t)) for v, t in WEEKDAYS], inline=True, item_css_class="repeat-weekly"
    )


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class TaskSchema(CSRFSchema):
    title = colander.SchemaNode(
        colander.String(),
        title=_("What needs to be done"),
        preparer=_strip,
        missing_msg=_("Say what needs to be done."),
        validator=colander.Length(max=TITLE_MAX, max_err=_("At most ${max} characters, please.")),
        widget=deform.widget.TextInputWidget(
            attributes={"maxlength": str(TITLE_MAX), "autofocus": "autofocus"}
        ),
    )
    description = colander.SchemaNode(
        colander.String(),
        title=_("Details"),
        missing="",
        validator=colander.Length(max=20000, max_err=_("At most ${max} characters, please.")),
        widget=deform.widget.TextAreaWidget(rows=4),
    )
    assign_to = colander.SchemaNode(
        colander.String(),
        title=_("Assign to"),
        widget=_assign_widget,
        missing_msg=_("Choose a person or a department."),
        description=_("A department's queue: any of its members can take the task."),
    )
    due_date = colander.SchemaNode(
        colander.Date(),
        title=_("Due date"),
        missing=None,
        widget=deform.widget.TextInputWidget(item_css_class=HALF, attributes={"type": "date"}),
    )
    due_time = colander.SchemaNode(
        colander.Time(),
        title=_("Due time"),
        missing=None,
        description=_("Empty: by the end of the day."),
        widget=deform.widget.TextInputWidget(item_css_class=HALF, attributes={"type": "time"}),
    )
    remind_amount = colander.SchemaNode(
        colander.Integer(),
        title=_("Reminder"),
        missing=None,
        validator=colander.Range(0, 999, min_err=_("Enter 0 or more."), max_err=_("At most 999.")),
        description=_("Empty: no reminder."),
        widget=deform.widget.TextInputWidget(
            item_css_class=HALF,
            attributes={"type": "number", "min": "0", "max": "999", "inputmode": "numeric"},
        ),
    )
    remind_unit = colander.SchemaNode(
        colander.String(),
        title=_("Before the due time"),
        default="hours",
        widget=_unit_widget,
        validator=colander.OneOf(list(REMIND_UNITS)),
    )
    priority = colander.SchemaNode(
        colander.String(),
        title=_("Priority"),
        default="1",
        widget=_priority_widget,
        validator=colander.OneOf([str(p) for p in PRIORITIES]),
    )
    daily = colander.SchemaNode(
        colander.Boolean(),
        title=_("My day"),
        missing=False,
        label=_("Show it in My day every day until it is done"),
        widget=deform.widget.CheckboxWidget(item_css_class=HALF),
    )
    link_type = colander.SchemaNode(colander.String(), title=_("Related to"), missing="", widget=_link_widget)
    link_id = colander.SchemaNode(
        colander.String(),
        title=_("Record number"),
        missing="",
        preparer=_strip,
        widget=_link_id_widget,
    )


class NewTaskSchema(TaskSchema):
    repeat = colander.SchemaNode(
        colander.String(),
        title=_("Repeat"),
        missing="",
        widget=_repeat_widget,
        validator=colander.OneOf(["", *RULES]),
    )
    repeat_every = colander.SchemaNode(
        colander.Integer(),
        title=_("Every N days, weeks, months or years"),
        missing=1,
        validator=colander.Range(1, 99, min_err=_("Enter 1 or more."), max_err=_("At most 99.")),
        widget=deform.widget.TextInputWidget(
            item_css_class=f"{HALF} repeat-on", attributes={"type": "number", "min": "1", "max": "99"}
        ),
    )
    weekdays = colander.SchemaNode(colander.Set(), title=_("On"), missing=(), widget=_weekday_widget)
    month_day = colander.SchemaNode(
        colander.Integer(),
        title=_("Day of the month"),
        missing=None,
        validator=colander.Range(
            1, 31, min_err=_("Enter a day from 1 to 31."), max_err=_("Enter a day from 1 to 31.")
        ),
        description=_("Empty: the day of the first date. In a shorter month: its last day."),
        widget=deform.widget.TextInputWidget(
            item_css_class=f"{HALF} repeat-monthly",
            attributes={"type": "number", "min": "1", "max": "31", "inputmode": "numeric"},
        ),
    )
    month_week = colander.SchemaNode(
        colander.Integer(),
        title=_("Which"),
        missing=None,
        validator=colander.OneOf(MONTH_WEEKS),
        widget=_month_week_widget,
    )
    month_weekday = colander.SchemaNode(
        colander.Integer(),
        title=_("Weekday"),
        missing=None,
        validator=colander.Range(0, 6),
        widget=_month_weekday_widget,
    )
    repeat_until = colander.SchemaNode(
        colander.Date(),
        title=_("Repeat until"),
        missing=None,
        description=_("Empty: until you stop the series. The due date above is the first day."),
        widget=deform.widget.TextInputWidget(item_css_class=f"{HALF} repeat-on", attributes={"type": "date"}),
    )


def _reminder_parts(minutes: int | None) -> tuple[int | None, str]:
    if minutes is None:
        return None, "hours"
    if minutes and minutes % 1440 == 0:
        return minutes // 1440, "days"
    if minutes and minutes % 60 == 0:
        return minutes // 60, "hours"
    return minutes, "minutes"


class TaskForm(FormView):
    template = "tasks/form.jinja2"
    # A series that exists: its first day and the day its preview starts from (ISO).
    series_start = ""
    preview_from = ""

    def problem(self, problem: UserError):
        """A refused rule as an error next to its field."""
        return self.invalid({problem.field: problem.message})

    def fields(self, appstruct: dict) -> dict:
        """The fields shared by add and edit, checked against the rules and the database."""
        current = self.context if isinstance(self.context, Task) else None
        fields = task_fields(appstruct, zone_of(self.request.identity.user))
        check_link(self.request, current, fields["link"])
        return fields


@view_config(context=Tasks, name="add", renderer="tasks/form.jinja2", permission="add")
class TaskAdd(TaskForm):
    schema_factory = NewTaskSchema
    title = _("New task")
    buttons = (deform.Button("save", _("Create task"), css_class="btn-primary"),)

    @property
    def cancel_url(self):
        return self.request.resource_url(self.context)

    def appstruct(self) -> dict:
        get = self.request.GET
        assign_to = get.get("assign", "")
        link_type = get.get("link_type", "")
        link_id = parse_int(get.get("link_id", ""))
        return {
            "priority": "1",
            "remind_unit": "hours",
            "repeat_every": 1,
            "month_week": 1,
            "assign_to": assign_to if assign_to.partition(":")[0] in ("user", "dept") else "",
            "link_type": link_type if link_type in LINK_TYPES else "",
            "link_id": str(link_id) if link_id is not None else "",
            "title": get.get("title", "")[:TITLE_MAX],
        }

    def save(self, appstruct: dict) -> str:
        request = self.request
        me = request.identity.user
        today = dt.datetime.now(zone_of(me)).date()
        if appstruct["repeat"] and appstruct["due_date"] is None:
            # A series starts today unless told otherwise; its time is each day's due time.
            appstruct["due_date"] = today
        try:
            fields = self.fields(appstruct)
            target = parse_target(request.dbsession, appstruct["assign_to"])
            check_target(request, None, target)
            if appstruct["repeat"]:
                rec, task, first = create_series(
                    request.dbsession, me, registry=request.registry, fields=fields, target=target,
                    frequency=appstruct["repeat"], interval=appstruct["repeat_every"],
                    weekdays=appstruct["weekdays"], due_time=appstruct["due_time"],
                    starts=appstruct["due_date"] or today, until=appstruct["repeat_until"], today=today,
                    month_day=appstruct["month_day"], month_week=appstruct["month_week"],
                    month_weekday=appstruct["month_weekday"],
                )
                return self.series_created(rec, task, first)
        except UserError as problem:
            raise self.problem(problem) from None
        task = create_task(request.dbsession, me, registry=request.registry, target=target, **fields)
        request.session.flash(request.translate(_("Task #${id} created.", mapping={"id": task.id})))
        return request.resource_url(self.context, str(task.id))

    def series_created(self, rec, task, first: dt.date) -> str:
        """Say what was made: today's task, or the day the first will appear."""
        request = self.request
        if task is not None:
            request.session.flash(
                request.translate(
                    _("Recurring task created; today's task is #${id}.", mapping={"id": task.id})
                )
            )
            return request.resource_url(self.context, str(task.id))
        request.session.flash(
            request.translate(
                _(
                    "Recurring task created; the first task will appear on ${date}.",
                    mapping={"date": first.isoformat()},
                )
            )
        )
        return request.resource_url(self.context, "recurring", str(rec.id))


@view_config(context=Task, name="edit", renderer="tasks/form.jinja2", permission="edit")
class TaskEdit(TaskForm):
    schema_factory = TaskSchema

    @property
    def title(self):
        return _("Edit task #${id}", mapping={"id": self.context.id})

    @property
    def cancel_url(self):
        return self.request.resource_url(self.context)

    def schema(self):
        schema = self.schema_factory()
        restrict = None
        if not may_reassign(self.request, self.context) or not self.context.is_open:
            del schema["assign_to"]
        else:
            restrict = reassign_within(self.request, self.context)
        return schema.bind(request=self.request, context=self.context, restrict_to=restrict)

    def appstruct(self) -> dict:
        t: Task = self.context
        amount, unit = _reminder_parts(t.remind_before)
        due_date = due_time = None
        if t.due_at is not None:
            local = t.due_at.astimezone(self.request.user_timezone)
            due_date = t.due_on if (not t.due_has_time and t.due_on) else local.date()
            due_time = local.time().replace(second=0, microsecond=0) if t.due_has_time else None
        assign_to = (
            f"user:{t.assignee_id}"
            if t.assignee_id
            else (f"dept:{t.department_id}" if t.department_id else "")
        )
        return {
            "title": t.title,
            "description": t.description or "",
            "assign_to": assign_to,
            "priority": str(t.priority),
            "due_date": due_date,
            "due_time": due_time,
            "remind_amount": amount,
            "remind_unit": unit,
            "daily": t.daily,
            "link_type": t.link_type or "",
            "link_id": str(t.link_id) if t.link_id else "",
        }

    def save(self, appstruct: dict) -> str:
        request, task = self.request, self.context
        me = request.identity.user
        try:
            fields = self.fields(appstruct)
            target = None
            if "assign_to" in appstruct:
                target = new_target(task, parse_target(request.dbsession, appstruct["assign_to"], keep=task))
                if target is not None:
                    check_target(request, task, target)
        except UserError as problem:
            raise self.problem(problem) from None
        link_type, link_id = fields.pop("link")
        values = {**fields, "link_type": link_type, "link_id": link_id}
        changed = update_task(request.dbsession, me, task, values, registry=request.registry, request=request)
        if target is not None and assign(request.dbsession, me, task, target, registry=request.registry,
                                         request=request):
            changed.append("assignee")
        request.session.flash(
            request.translate(_("Changes saved.") if changed else _("Nothing was changed."))
        )
        return request.resource_url(task)
