"""A technician's jobs on a phone (issue 13, point 7).

    /dispatch/@@my                        my jobs today and in the coming week, as cards: time,
                                          client, address (a maps link), contact (tel: link),
                                          services, description, state, actual times
    POST /dispatch/jobs/J-…/@@my-start     start work (the workflow's "start")
    POST /dispatch/jobs/J-…/@@my-complete  the completion report, then "complete"

The page is for whoever may see jobs (job.view on /dispatch); it lists the jobs of the person's
own resource on the board (someone who is not on it gets a friendly empty page), filtered by
the job ACL in SQL. Each POST needs `edit` on the job (a technician: his own jobs) and the CSRF
token; a refused step or a report with problems is told in words, nothing half-saved.
"""
from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config
from sqlalchemy.orm import joinedload

from models.clients import Contact, Organization
from models.dispatch import Job
from models.errors import UserError
from portal.calendar.events import local_window
from portal.core.i18n import _, format_date, local_today
from portal.dispatch import field
from portal.dispatch.resources import Dispatch
from portal.dispatch.security import visible_jobs
from portal.resources import locate
from portal.security.filters import best_scope
from views.home import DayBlock, day_block
from workflows.job import JOB

TEMPLATE = "dispatch/my.jinja2"
MAPS = "https://yandex.ru/maps/?text="
STATE_BADGES = {"scheduled": "secondary", "dispatched": "primary", "in_progress": "warning",
                "completed": "success"}
# Read with the jobs: the phones of the contact and of the client (a tel: link on each card).
PHONES = (joinedload(Job.contact).selectinload(Contact.phones),
          joinedload(Job.organization).selectinload(Organization.phones))


def _page(request, errors: dict | None = None) -> dict:
    """What my.jinja2 shows; `errors`: {job id: (values typed, {field: message})}."""
    identity = request.identity
    resource = field.resource_of(request.dbsession, identity.user.id)
    tz = request.user_timezone
    today = local_today(request)
    start, today_end = local_window(today, 1, tz)
    _start, end = local_window(today, field.WEEK_DAYS, tz)
    jobs = [] if resource is None else field.my_jobs(
        request.dbsession, resource, start, end, where=visible_jobs(request), options=PHONES)
    for job in jobs:
        locate(request, job)
    todays = [j for j in jobs if j.starts_at < today_end]
    days: dict[dt.date, list[Job]] = {}
    for job in jobs:
        if job.starts_at >= today_end:
            days.setdefault(job.starts_at.astimezone(tz).date(), []).append(job)
    return {
        "title": _("My jobs"),
        "resource": resource,
        "today": today,
        "todays": todays,
        "days": sorted(days.items()),
        "errors": errors or {},
        "helpers": Helpers(request),
    }


class Helpers:
    """What the cards need to say a job's times, links and buttons in the reader's words."""

    def __init__(self, request):
        self.request = request
        self.tz = request.user_timezone

    def time(self, moment: dt.datetime | None) -> str:
        return moment.astimezone(self.tz).strftime("%H:%M") if moment else ""

    def day(self, day: dt.date) -> str:
        return format_date(self.request, day, "EEEE, d MMMM")

    def span(self, job: Job) -> str:
        start, end = job.starts_at.astimezone(self.tz), job.ends_at.astimezone(self.tz)
        if start.date() == end.date():
            return f"{start:%H:%M}–{end:%H:%M}"
        return f"{start:%H:%M} – {format_date(self.request, end.date(), 'd MMM')} {end:%H:%M}"

    def actual(self, moment: dt.datetime | None) -> str:
        """An actual time: its hour, and its day when it is not today."""
        if moment is None:
            return ""
        local = moment.astimezone(self.tz)
        if local.date() == local_today(self.request):
            return f"{local:%H:%M}"
        return f"{format_date(self.request, local.date(), 'd MMM')} {local:%H:%M}"

    def maps(self, address: str) -> str:
        return MAPS + quote(address)

    def phones(self, job: Job) -> list:
        owner = job.contact or job.organization
        return list(owner.phones) if owner is not None else []

    def state(self, job: Job):
        return job.workflow.states[job.state].title

    def badge(self, job: Job) -> str:
        return STATE_BADGES.get(job.state, "secondary")

    def may_edit(self, job: Job) -> bool:
        return bool(self.request.has_permission("edit", job))

    def url(self, job: Job, name: str = "") -> str:
        return self.request.resource_path(job, name)

    def fixed(self, job: Job):
        if job.fixed_first_time is None:
            return ""
        return _("Yes") if job.fixed_first_time else _("No")


def _back(request, job: Job | None = None) -> HTTPSeeOther:
    url = request.resource_path(request.root["dispatch"], "@@my")
    return HTTPSeeOther(url + (f"#job-{job.number}" if job is not None else ""))


@day_block
def my_jobs_today(request) -> DayBlock | None:
    """My day of a technician (job.edit on his own jobs only): today's jobs and the way to
    his page. Nothing, and no statement, for anyone else (dispatchers have the board)."""
    identity = request.identity
    if identity is None or identity.is_admin or best_scope(request, "job", "edit") != "own":
        return None
    tz = request.user_timezone
    start, end = local_window(local_today(request), 1, tz)
    rows = field.todays_rows(request.dbsession, identity.user.id, start, end)
    return DayBlock("dispatch/my_day_block.jinja2", {
        "rows": rows,
        "url": request.resource_path(request.root["dispatch"], "@@my"),
        "time": Helpers(request).time,
        "states": JOB.states,
    }, order=15)


@view_config(context=Dispatch, name="my", permission="view", renderer=TEMPLATE,
             request_method="GET")
def my_jobs(request):
    return _page(request)


@view_config(context=Job, name="my-start", permission="edit", request_method="POST")
def start(request):
    job = request.context
    try:
        field.start_job(request, job)
    except UserError as error:
        request.session.flash(request.translate(error.message), "error")
        return _back(request, job)
    request.session.flash(request.translate(_("Work on ${number} started at ${time}.", mapping={
        "number": job.number, "time": Helpers(request).time(job.actual_start)})))
    return _back(request, job)


@view_config(context=Job, name="my-complete", permission="edit", request_method="POST")
def complete(request):
    job = request.context
    report, values, problems = field.read_report(request.POST)
    if report is None:
        request.response.status = 400
        return render_to_response(TEMPLATE, _page(request, {job.id: (values, problems)}),
                                  request=request, response=request.response)
    try:
        field.complete_job(request, job, report)
    except UserError as error:
        request.session.flash(request.translate(error.message), "error")
        return _back(request, job)
    request.session.flash(request.translate(_("${number} is completed: thank you.",
                                              mapping={"number": job.number})))
    return _back(request, job)
