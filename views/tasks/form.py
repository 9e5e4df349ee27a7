"""Adding and editing a task (deform over views/forms.FormView)."""

from __future__ import annotations

import datetime as dt

import colander
import deform
import sqlalchemy as sa
from pyramid.view import view_config
from sqlalchemy.orm import selectinload

from models.people import Department, Membership, User
from models.tasks import FREQUENCIES, LINK_TYPES, PRIORITIES, Task, TaskRecurrence
from portal.core.i18n import _
from portal.tasks.activity import PRIORITY_LABELS
from portal.tasks.jobs import create_occurrence, first_occurrence, following
from portal.tasks.links import LINK_TITLES, link_problem
from portal.tasks.resources import Tasks
from portal.tasks.service import (
    REMIND_UNITS,
    TITLE_MAX,
    TaskProblem,
    assign,
    clean_link,
    clean_title,
    create_task,
    due_instant,
    may_reassign,
    may_send_to,
    parse_target,
    remind_minutes,
    update_task,
    zone_of,
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
    depts = db.scalars(sa.select(Department).order_by(Department.name)).all()
    people = db.scalars(
        sa.select(User)
        .where(User.active)
        .order_by(User.full_name)
        .options(selectinload(User.memberships).selectinload(Membership.department))
    ).all()
    if restrict_to is not None:
        depts = [d for d in depts if d.id in restrict_to]
        people = [u for u in people if {m.department_id for m in u.memberships} & restrict_to]
    queue_label = tr(_("queue"))
    dept_options = [(f"dept:{d.id}", f"{d.name} — {queue_label}") for d in depts]

    def person_label(u: User) -> str:
        names = ", ".join(sorted(m.department.name for m in u.memberships))
        return f"{u.full_name} ({names})" if names else u.full_name

    person_options = [(f"user:{u.id}", person_label(u)) for u in people]
    values: list = [("", tr(_("— Choose a person or a department —")))]
    if restrict_to is None or any(v == f"user:{me.id}" for v, _l in person_options):
        values.append((f"user:{me.id}", tr(_("Me (${name})", mapping={"name": me.full_name}))))
    values.append(
        deform.widget.OptGroup(tr(_("Departments: any member takes it from the queue")), *dept_options)
    )
    values.append(deform.widget.OptGroup(tr(_("People")), *person_options))
    return values


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
            ("monthly", tr(_("Every month"))),
        ],
        item_css_class=HALF,
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
        validator=colander.OneOf(["", *FREQUENCIES]),
    )
    repeat_every = colander.SchemaNode(
        colander.Integer(),
        title=_("Every N days, weeks or months"),
        missing=1,
        validator=colander.Range(1, 99, min_err=_("Enter 1 or more."), max_err=_("At most 99.")),
        widget=deform.widget.TextInputWidget(
            item_css_class=f"{HALF} repeat-on", attributes={"type": "number", "min": "1", "max": "99"}
        ),
    )
    weekdays = colander.SchemaNode(colander.Set(), title=_("On"), missing=(), widget=_weekday_widget)
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

    def problem(self, problem: TaskProblem):
        return self.invalid({problem.field: problem.message})

    def common(self, appstruct: dict) -> dict:
        """Check the fields shared by add and edit against the rules and the database."""
        me = self.request.identity.user
        title = clean_title(appstruct["title"])
        due_at, has_time = due_instant(appstruct["due_date"], appstruct["due_time"], zone_of(me))
        remind = remind_minutes(appstruct["remind_amount"], appstruct["remind_unit"], due_at is not None)
        link = clean_link(appstruct["link_type"], appstruct["link_id"])
        # A link kept as it was is not checked again (whoever edits may not see that client).
        current = self.context if isinstance(self.context, Task) else None
        kept = current is not None and (current.link_type, current.link_id) == link
        why = None if kept else link_problem(self.request, *link)
        if why:
            raise TaskProblem("link_id", why)
        return {
            "title": title,
            "description": appstruct["description"],
            "due_at": due_at,
            "due_has_time": has_time,
            "due_on": appstruct["due_date"] if due_at else None,
            "remind_before": remind,
            "daily": appstruct["daily"],
            "priority": int(appstruct["priority"]),
            "link_type": link[0],
            "link_id": link[1],
        }


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
        return {
            "priority": "1",
            "remind_unit": "hours",
            "repeat_every": 1,
            "assign_to": assign_to if assign_to.partition(":")[0] in ("user", "dept") else "",
            "link_type": link_type if link_type in LINK_TYPES else "",
            "link_id": get.get("link_id", "")[:12] if get.get("link_id", "").isdigit() else "",
            "title": get.get("title", "")[:TITLE_MAX],
        }

    def save(self, appstruct: dict) -> str:
        request = self.request
        if appstruct["repeat"] and appstruct["due_date"] is None:
            # A series starts today unless told otherwise; its time is each day's due time.
            appstruct["due_date"] = dt.datetime.now(zone_of(request.identity.user)).date()
        try:
            values = self.common(appstruct)
            target = parse_target(request.dbsession, appstruct["assign_to"])
            if not may_send_to(request, None, target):
                raise TaskProblem("assign_to", _("You may not send tasks there."))
            if appstruct["repeat"]:
                return self.save_series(appstruct, values, target)
        except TaskProblem as problem:
            raise self.problem(problem) from None
        link = (values.pop("link_type"), values.pop("link_id"))
        task = create_task(request, target=target, link=link, **values)
        request.session.flash(request.translate(_("Task #${id} created.", mapping={"id": task.id})))
        return request.resource_url(self.context, str(task.id))

    def save_series(self, appstruct: dict, values: dict, target) -> str:
        """A recurring task: the series, and today's task if today is one of its days."""
        request = self.request
        me = request.identity.user
        zone = zone_of(me)
        today = dt.datetime.now(zone).date()
        starts = appstruct["due_date"] or today
        until = appstruct["repeat_until"]
        if until is not None and until < starts:
            raise TaskProblem("repeat_until", _("The series cannot end before it starts."))
        days = sorted(int(d) for d in appstruct["weekdays"] if str(d).isdigit() and 0 <= int(d) <= 6)
        if appstruct["repeat"] == "weekly" and not days:
            raise TaskProblem("weekdays", _("Choose the days of the week."))
        rec = TaskRecurrence(
            title=values["title"],
            description=values["description"],
            priority=values["priority"],
            author_id=me.id,
            assignee_id=target.user.id if target.user else None,
            department_id=target.department.id if target.department else None,
            frequency=appstruct["repeat"],
            interval=appstruct["repeat_every"] or 1,
            weekdays=sum(1 << d for d in days),
            month_day=starts.day,
            due_time=appstruct["due_time"],
            timezone=me.timezone or "Europe/Moscow",
            remind_before=values["remind_before"],
            starts_on=starts,
            until=until,
            active=True,
        )
        rec.author = me
        rec.assignee = target.user
        rec.department = target.department
        first = first_occurrence(rec)
        if first is None:
            raise TaskProblem(
                "repeat_until", _("The series has no day before it ends. Move the end or the start.")
            )
        request.dbsession.add(rec)
        request.dbsession.flush()
        task = None
        if first <= today:
            task = create_occurrence(request, rec, first)
            rec.next_on = following(rec, first)
        else:
            rec.next_on = first
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
            restrict = self._restriction()
        return schema.bind(request=self.request, context=self.context, restrict_to=restrict)

    def _restriction(self) -> set[int] | None:
        from portal.tasks.security import best_scope

        request, task = self.request, self.context
        identity = request.identity
        if identity.is_admin or task.author_id == identity.user.id:
            return None
        if best_scope(request, "task", "assign") == "all":
            return None
        return set(identity.dept_scope_ids)

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
        try:
            values = self.common(appstruct)
            target = None
            if "assign_to" in appstruct:
                target = parse_target(request.dbsession, appstruct["assign_to"], keep=task)
                current = (task.assignee_id, task.department_id)
                wanted = (
                    target.user.id if target.user else None,
                    target.department.id if target.department else None,
                )
                if wanted == current or (target.user is not None and target.user.id == task.assignee_id):
                    target = None
                elif not may_send_to(request, task, target):
                    raise TaskProblem(
                        "assign_to", _("You may reassign this task only within your departments.")
                    )
        except TaskProblem as problem:
            raise self.problem(problem) from None
        changed = update_task(request, task, values)
        if target is not None and assign(request, task, target):
            changed.append("assignee")
        request.session.flash(
            request.translate(_("Changes saved.") if changed else _("Nothing was changed."))
        )
        return request.resource_url(task)
