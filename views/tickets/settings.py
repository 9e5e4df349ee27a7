"""/tickets/settings: the support desk's set-up for administrators — queues (department, lead,
agents, assignment, business hours), SLA policies, routing rules and canned responses."""
from __future__ import annotations

import colander
import sqlalchemy as sa
from babel.dates import get_day_names
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from models.errors import UserError
from models.people import Department, User
from models.tickets import (
    ASSIGNMENT_MODES,
    CHANNELS,
    PRIORITIES,
    CannedResponse,
    Queue,
    RoutingRule,
    SlaPolicy,
)
from portal.core.forms import (
    IdList,
    flag_field,
    id_field,
    lines,
    read_fields,
    schema_of,
    squeezed,
    text,
)
from portal.core.i18n import _, babel_locale, timezone_choices, timezone_options
from portal.core.parsing import parse_int
from portal.tickets.hours import DAYS
from portal.tickets.resources import TicketSettings
from portal.tickets.service import CHANNEL_TITLES, PRIORITY_TITLES
from portal.tickets.settings import (
    add_canned,
    add_rule,
    hours_data,
    save_policies,
    save_queue,
)
from portal.tickets.sla import DEFAULT_HOURS

ASSIGNMENT_TITLES = {"manual": _("By hand (agents take tickets)"),
                     "round_robin": _("Round robin among active agents"),
                     "least_loaded": _("To the least loaded active agent")}


def queue_schema():
    return schema_of(
        text(squeezed(200), name="name"), id_field("department"), id_field("lead"),
        text(squeezed(20), name="assignment"), id_field("reopen_days"),
        text(squeezed(64), name="zone"), *(text(squeezed(200), name=f"day_{d}") for d in DAYS),
        text(lines(5000), name="holidays"), text(lines(5000), name="workdays"),
        colander.SchemaNode(IdList(), name="agents", missing=[]), flag_field("active"))


def page_data(request, edit: Queue | None, problems=None, values=None) -> dict:
    db = request.dbsession
    queues = list(db.scalars(sa.select(Queue).order_by(Queue.name)))
    policies = {}
    for p in db.scalars(sa.select(SlaPolicy)):
        policies[(p.queue_id, p.priority)] = p
    hours = (edit.hours if edit is not None and edit.hours else DEFAULT_HOURS)
    names = get_day_names("wide", locale=babel_locale(request.locale_name))  # Monday is 0
    return {
        "title": _("Queues and SLA"),
        "queues": queues,
        "edit": edit,
        "hours": hours,
        "days": [(d, names[i].capitalize()) for i, d in enumerate(DAYS)],
        "policies": policies,
        "priorities": [(p, PRIORITY_TITLES[p]) for p in sorted(PRIORITIES)],
        "departments": list(db.scalars(sa.select(Department).order_by(Department.name))),
        "people": list(db.scalars(sa.select(User).where(User.active).order_by(User.full_name))),
        "assignments": [(a, ASSIGNMENT_TITLES[a]) for a in ASSIGNMENT_MODES],
        "channels": [(c, CHANNEL_TITLES[c]) for c in CHANNELS],
        "zones": timezone_options(request, timezone_choices()),
        "rules": list(db.scalars(sa.select(RoutingRule).order_by(RoutingRule.position,
                                                                  RoutingRule.id))),
        "canned": list(db.scalars(sa.select(CannedResponse).order_by(CannedResponse.title))),
        "problems": problems or {},
        "v": values or {},
    }


@view_config(context=TicketSettings, renderer="tickets/settings.jinja2", permission="view",
             request_method="GET")
def settings_page(request):
    queue_id = parse_int(request.GET.get("queue", ""))
    edit = request.dbsession.get(Queue, queue_id) if queue_id else None
    return page_data(request, edit)


@view_config(context=TicketSettings, name="queue", renderer="tickets/settings.jinja2",
             permission="view", request_method="POST")
def save_queue_view(request):
    values, problems = read_fields(queue_schema(), request.POST)
    queue_id = parse_int(request.POST.get("id", ""))
    queue = request.dbsession.get(Queue, queue_id) if queue_id else None
    if not problems:
        try:
            hours = hours_data(values["zone"], {d: values[f"day_{d}"] for d in DAYS},
                               values["holidays"], values["workdays"])
            queue = save_queue(request.dbsession, queue, name=values["name"],
                               department_id=values["department"], lead_id=values["lead"],
                               assignment=values["assignment"], reopen_days=values["reopen_days"],
                               hours=hours, agent_ids=values["agents"],
                               active=values["active"] or queue is None)
        except UserError as error:
            problems[error.field or "name"] = error.message
    if problems:
        request.response.status = 400
        return page_data(request, queue, problems, values)
    request.session.flash(request.translate(_("Saved.")))
    return HTTPSeeOther(request.resource_url(request.context, query={"queue": queue.id}))


@view_config(context=TicketSettings, name="policies", permission="view", request_method="POST")
def save_policies_view(request):
    queue = request.dbsession.get(Queue, parse_int(request.POST.get("id", "")) or -1)
    if queue is None:
        return HTTPSeeOther(request.resource_url(request.context))
    rows = {}
    for p in PRIORITIES:
        def minutes(name, p=p):
            value = (request.POST.get(f"{name}_{p}", "") or "").strip().replace(",", ".")
            try:
                return round(float(value) * 60) if value else None
            except ValueError:
                raise UserError(_("Give hours as a number, e.g. 4 or 0.5."), f"{name}_{p}") from None
        try:
            share = parse_int(request.POST.get(f"warn_{p}", "") or "")
            rows[p] = {"first_response_minutes": minutes("first"),
                       "resolution_minutes": minutes("resolution"),
                       "warn_share": share / 100 if share is not None else None,
                       "raise_priority": request.POST.get(f"raise_{p}") == "1",
                       "reassign_to_id": parse_int(request.POST.get(f"reassign_{p}", "") or "")}
        except UserError as error:
            request.session.flash(request.translate(error.message), "error")
            return HTTPSeeOther(request.resource_url(request.context, query={"queue": queue.id}))
    try:
        save_policies(request.dbsession, queue, rows)
    except UserError as error:
        request.session.flash(request.translate(error.message), "error")
    else:
        request.session.flash(request.translate(_("Saved.")))
    return HTTPSeeOther(request.resource_url(request.context, query={"queue": queue.id}))


def removed(request, model, anchor: str):
    """POST delete=<id>: that row of `model` goes (one already gone: nothing to do)."""
    row_id = parse_int(request.POST.get("delete", "") or "")
    row = request.dbsession.get(model, row_id) if row_id is not None else None
    if row is not None:
        request.dbsession.delete(row)
    return HTTPSeeOther(request.resource_url(request.context) + f"#{anchor}")


RULE = schema_of(text(squeezed(200), name="name"), id_field("queue"),
                 text(squeezed(100), name="category"), text(squeezed(20), name="channel"),
                 text(squeezed(500), name="words"), id_field("priority"))


@view_config(context=TicketSettings, name="rule", permission="view", request_method="POST")
def rule_view(request):
    db = request.dbsession
    if request.POST.get("delete"):
        return removed(request, RoutingRule, "rules")
    values, problems = read_fields(RULE, request.POST)
    if problems:
        request.session.flash(request.translate(next(iter(problems.values()))), "error")
        return HTTPSeeOther(request.resource_url(request.context) + "#rules")
    try:
        add_rule(db, name=values["name"], queue_id=values["queue"], category=values["category"],
                 channel=values["channel"], words=values["words"], priority=values["priority"])
    except UserError as error:
        request.session.flash(request.translate(error.message), "error")
    return HTTPSeeOther(request.resource_url(request.context) + "#rules")


CANNED = schema_of(text(squeezed(200), name="title"), text(lines(20_000), name="body"),
                   id_field("queue"))


@view_config(context=TicketSettings, name="canned", permission="view", request_method="POST")
def canned_view(request):
    db = request.dbsession
    if request.POST.get("delete"):
        return removed(request, CannedResponse, "canned")
    values, problems = read_fields(CANNED, request.POST)
    try:
        if problems:
            raise UserError(next(iter(problems.values())), "title")
        add_canned(db, title=values["title"], body=values["body"], queue_id=values["queue"])
    except UserError as error:
        request.session.flash(request.translate(error.message), "error")
    return HTTPSeeOther(request.resource_url(request.context) + "#canned")
