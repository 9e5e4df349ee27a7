"""A job's page (/dispatch/jobs/J-2026-000123) and what is done on it: its details and plan,
the history of its plan and state, the workflow's steps, editing its details, "Find a slot"
(the best candidates, each booked with one click through `plan()`), and "Back to the pane"
(`unplan()`). Every POST carries the CSRF token and answers with a redirect to the job, or —
a refused plan — with the page that says why (and asks for a reason when one would do)."""
from __future__ import annotations

import datetime as dt

import colander
import sqlalchemy as sa
from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.view import view_config

from models.dispatch import STATES, Job, JobChange, Resource
from models.errors import UserError
from models.meta import utcnow
from models.people import User
from models.workflow import WorkflowHistory
from portal.core.forms import id_field, read_fields, schema_of, squeezed, text
from portal.core.i18n import _, user_timezone
from portal.core.parsing import parse_int
from portal.dispatch.lists import (
    JobDetails,
    check_choices,
    check_refs,
    update_job,
)
from portal.dispatch.planning import find_slots_for
from portal.dispatch.service import PlanRefused, flag_titles, plan, services_skills, unplan
from portal.resources import locate
from views.dispatch.jobs import (
    FORM_FIELDS,
    SKILL_ROWS,
    contacts_of,
    form_choices,
    job_helpers,
    read_job_form,
)
from views.workflow import run_transition
from workflows.job import JOB

PLANNABLE = ("unscheduled", "scheduled", "dispatched")
# The service's own steps: taken through plan() / unplan(), never as a bare change of state.
SERVICE_STEPS = ("schedule", "unschedule")
SLOT_DAYS = 14
SLOT_LIMIT = 10


def may_change_details(request, job: Job) -> bool:
    """Dispatchers, and those who may add jobs, change a job's details while it is open."""
    return job.is_open and (request.has_permission("dispatch", job)
                            or request.has_permission("add", job))


def local_input(request, instant: dt.datetime | None) -> str:
    """An instant as the browser's date-and-time input shows it, in the person's zone."""
    if instant is None:
        return ""
    return instant.astimezone(user_timezone(request)).strftime("%Y-%m-%dT%H:%M")


def history_of(request, job: Job) -> list[dict]:
    """The job's plan changes (scheduled, moved, reassigned, resized, taken off — from what to
    what, who, when, why) and its workflow steps, newest first."""
    db = request.dbsession
    changes = list(db.scalars(sa.select(JobChange).where(JobChange.job_id == job.id)
                              .order_by(JobChange.id.desc()).limit(200)))
    steps = list(db.scalars(
        sa.select(WorkflowHistory).where(WorkflowHistory.object_type == "job",
                                         WorkflowHistory.object_id == job.id,
                                         WorkflowHistory.transition.not_in(SERVICE_STEPS))
        .order_by(WorkflowHistory.id.desc()).limit(200)))
    resource_ids = {i for c in changes for i in (*(c.old_resources or ()), *(c.new_resources or ()))}
    names = dict(db.execute(sa.select(Resource.id, Resource.name)
                            .where(Resource.id.in_(sorted(resource_ids)))).all()) if resource_ids else {}
    actor_ids = {c.actor_id for c in changes} | {s.actor_id for s in steps}
    actors = dict(db.execute(sa.select(User.id, User.full_name).where(
        User.id.in_(sorted(i for i in actor_ids if i)))).all()) if any(actor_ids) else {}

    def who(ids) -> str:
        return ", ".join(names.get(i, "?") for i in ids or ())

    out = []
    for c in changes:
        if c.action == "schedule":
            what = _("put on the board")
        elif c.action == "unschedule":
            what = _("taken off the board")
        elif sorted(c.old_resources or ()) != sorted(c.new_resources or ()):
            what = _("reassigned") if c.old_starts_at == c.new_starts_at else _("moved and reassigned")
        elif c.old_starts_at == c.new_starts_at:
            what = _("duration changed")
        else:
            what = _("moved")
        out.append({"at": c.at, "who": actors.get(c.actor_id, ""), "what": what, "kind": "plan",
                    "old": (c.old_starts_at, c.old_ends_at, who(c.old_resources)),
                    "new": (c.new_starts_at, c.new_ends_at, who(c.new_resources)),
                    "reason": c.reason})
    for s in steps:
        out.append({"at": s.at, "who": actors.get(s.actor_id, ""), "kind": "state",
                    "what": JOB.states[s.to_state].title if s.to_state in JOB.states else s.to_state,
                    "from_state": JOB.states[s.from_state].title if s.from_state in JOB.states
                    else s.from_state, "reason": s.comment})
    out.sort(key=lambda e: e["at"], reverse=True)
    return out


def page_values(request, job: Job, **more) -> dict:
    may_dispatch = request.has_permission("dispatch", job)
    ticket = check_refs(request, ticket_id=job.ticket_id).ticket if job.ticket_id else None
    transitions = [t for t in JOB.available(request, job) if t.name not in SERVICE_STEPS]
    return {
        "title": f"{job.number} {job.title}",
        "job": job,
        "ticket": locate(request, ticket) if ticket is not None else None,
        "organization_visible": job.organization is not None and request.has_permission(
            "view", locate(request, job.organization)),
        "flags": flag_titles(job),
        "history": history_of(request, job),
        "transitions": transitions,
        "may_dispatch": may_dispatch,
        "may_plan": may_dispatch and job.state in PLANNABLE,
        "may_unplan": may_dispatch and job.state in ("scheduled", "dispatched"),
        "may_edit": may_change_details(request, job),
        "list_url": request.resource_url(job.__parent__),
        "states": STATES,
        "slots": None,
        "refused": None,
        **job_helpers(request),
        **more,
    }


@view_config(context=Job, renderer="dispatch/jobs/job.jinja2", permission="view")
def job_page(request):
    return page_values(request, request.context)


@view_config(context=Job, name="slots", renderer="dispatch/jobs/job.jinja2",
             permission="dispatch")
def find_slot(request):
    """The best candidates for the job (resources and start) over the next two weeks."""
    job: Job = request.context
    if job.state not in PLANNABLE:
        request.session.flash(request.translate(_(
            "A job that is in progress, done, on hold or cancelled is not planned again.")),
            "error")
        return HTTPSeeOther(request.resource_url(job))
    slots = find_slots_for(request.dbsession, job, utcnow(), days=SLOT_DAYS, limit=SLOT_LIMIT)
    return page_values(request, job, slots=slots)


BOOK = schema_of(colander.SchemaNode(colander.List(), name="resource", missing=[]),
                 text(squeezed(40), name="start"), text(squeezed(40), name="end"),
                 text(squeezed(500), name="reason"), id_field("revision"))


def instant(value: str) -> dt.datetime | None:
    """An aware instant as a slot's button sends it (ISO 8601 with its offset), else None."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return moment.astimezone(dt.UTC) if moment.tzinfo is not None else None


@view_config(context=Job, name="book", request_method="POST", permission="dispatch",
             renderer="dispatch/jobs/job.jinja2")
def book(request):
    """Book a candidate: plan() checks everything again; a refusal shows why, and asks for a
    reason when only overridable rules stand in the way."""
    job: Job = request.context
    values, _problems = read_fields(BOOK, request.POST)
    ids = [parse_int(v) for v in values["resource"]]
    start, end = instant(values["start"]), instant(values["end"]) if values["end"] else None
    if start is None or not ids or None in ids or (values["end"] and end is None):
        request.session.flash(request.translate(_("Choose a slot from the list.")), "error")
        return HTTPSeeOther(request.resource_url(job, "slots"))
    try:
        warnings = plan(request.dbsession, request.identity.user, job, ids, start, end,
                        reason=values["reason"], revision=values["revision"],
                        registry=request.registry)
    except PlanRefused as refused:
        request.response.status = 409
        return page_values(request, job, refused={
            "problems": refused.problems, "needs_reason": refused.needs_reason,
            "resource_ids": ids, "start": values["start"], "end": values["end"],
            "revision": job.revision})
    for w in warnings:
        request.session.flash(request.translate(w.message), "warning")
    request.session.flash(request.translate(_("The job is on the board.")))
    return HTTPSeeOther(request.resource_url(job))


@view_config(context=Job, name="unplan", request_method="POST", permission="dispatch")
def back_to_pane(request):
    """Take the job off the board: its resources are free, it waits in the pane again."""
    job: Job = request.context
    values, _problems = read_fields(schema_of(id_field("revision"), text(squeezed(500), name="reason")),
                                    request.POST)
    try:
        unplan(request.dbsession, request.identity.user, job, revision=values["revision"],
               reason=values["reason"], registry=request.registry)
    except PlanRefused as refused:
        request.session.flash(request.translate(refused.message), "error")
    else:
        request.session.flash(request.translate(_("The job is back in the pane.")))
    return HTTPSeeOther(request.resource_url(job))


@view_config(context=Job, name="transition", request_method="POST", permission="view")
def job_transition(request):
    """A workflow step on a job. Planning is the service's: "unschedule" frees the resources
    through unplan(), "schedule" is done by booking a slot; the rest are the engine's."""
    job: Job = request.context
    name = request.POST.get("name", "")
    if name == "unschedule":
        if not request.has_permission("dispatch", job):
            raise HTTPForbidden()
        return back_to_pane(request)
    if name == "schedule":
        request.session.flash(request.translate(_(
            "Put the job on the board with “Find a slot” or on the board itself.")), "error")
        return HTTPSeeOther(request.resource_url(job))
    return run_transition(request)


@view_config(context=Job, name="edit", renderer="dispatch/jobs/edit.jinja2", permission="view")
def edit_job(request):
    """Change the job's details: title, description, window, priority, services and skills,
    address, contact, territory, duration (of a planned job: a change of plan)."""
    job: Job = request.context
    if not may_change_details(request, job):
        raise HTTPForbidden()
    if request.method != "POST":
        # The skills its services need are theirs; the form shows only those added besides.
        implied = services_skills(request.dbsession, [s.service_id for s in job.services])
        levels = {s.skill_id: s.min_level for s in job.skills
                  if s.min_level > implied.get(s.skill_id, 0)}
        values = {"title": job.title, "description": job.description,
                  "site_address": job.site_address, "contact": job.contact_id,
                  "territory": job.territory_id, "priority": job.priority,
                  "duration": str(job.duration_minutes),
                  "earliest_start": local_input(request, job.earliest_start),
                  "latest_finish": local_input(request, job.latest_finish),
                  "service_ids": [s.service_id for s in job.services],
                  "skills": sorted(levels.items()), "revision": job.revision}
        return edit_values(request, job, values, {})
    values, problems = read_job_form(request, request.POST)
    # The job's own contact stays, even one the person may not open (the job's page names it).
    keep = values.get("contact") is not None and values.get("contact") == job.contact_id
    refs = check_refs(request, organization_id=job.organization_id,
                      contact_id=None if keep else values.get("contact"))
    problems.update({k: v for k, v in refs.problems.items() if k == "contact"})
    problems.update({k: v for k, v in check_choices(
        request.dbsession, territory_id=values.get("territory"), department_id=job.department_id,
        service_ids=values["service_ids"], skills=values["skills"]).items()
        if k != "department"})
    if values.get("duration_minutes") is None and "duration" not in problems:
        problems["duration"] = _("Give the duration in minutes, e.g. 90.")
    refused = None
    if not problems:
        data = JobDetails(
            title=values["title"], description=values["description"],
            site_address=values["site_address"],
            contact_id=job.contact_id if keep else refs.contact.id if refs.contact else None,
            territory_id=values.get("territory"), priority=values["priority"],
            duration_minutes=values["duration_minutes"],
            earliest_start=values["earliest_start_at"], latest_finish=values["latest_finish_at"],
            service_ids=values["service_ids"], skills=values["skills"])
        try:
            changed = update_job(request.dbsession, request.identity.user, job, data,
                                 reason=values["reason"], revision=values.get("revision"),
                                 now=utcnow(), registry=request.registry)
        except PlanRefused as error:
            refused = {"problems": error.problems, "needs_reason": error.needs_reason}
            problems["duration"] = error.message
        except UserError as error:
            problems[FORM_FIELDS.get(error.field, error.field or "title")] = error.message
        else:
            if changed:
                request.session.flash(request.translate(_("Saved.")))
            return HTTPSeeOther(request.resource_url(job))
    request.response.status = 409 if refused else 400
    return edit_values(request, job, values, problems, refused)


def edit_values(request, job: Job, values: dict, problems: dict, refused=None) -> dict:
    org = job.organization
    contacts = contacts_of(request, org)
    if job.contact is not None and job.contact not in contacts:
        contacts.append(job.contact)
    return {"title": _("Change ${number}", mapping={"number": job.number}), "job": job,
            "v": values, "problems": problems, "refused": refused,
            "contacts": contacts, **form_choices(request),
            "skill_rows": max(SKILL_ROWS, len(values.get("skills") or ()) + 1)}
