"""A technician's side of service jobs (issue 13, point 7): the jobs of the person's own resource
for today and the coming days, starting a job, and completing it with a report (work done,
parts used, the customer's name as signature, fixed on this visit or not).

Start and complete are the job workflow's transitions (workflows/job.py: permission `edit`, a
technician's own scope); the workflow's subscriber keeps the actual times. Two taps on one
button arrive as two requests at the same instant: each step first claims the job's state by
one guarded UPDATE (`… WHERE state IN (the states it leaves)`), so the second waits for the
first to commit, finds the state moved on and is told so in words — the job is started or
completed once, with the report sent first.

The steps take the request, not only (dbsession, actor): the workflow engine asks the request
for permissions, the actor and the registry its subscribers are told through.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import colander
import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from models.dispatch import BOOKED_STATES, Job, JobAssignment, Resource
from models.errors import UserError
from models.meta import utcnow
from portal.core.forms import lines, read_fields, required_text, schema_of, squeezed, text
from portal.core.i18n import _
from portal.dispatch.resources import JOB_LOADS
from portal.dispatch.service import TEXT_MAX

SIGNED_MAX = 200
# How far "this week" reaches after today (today and six more days: a week ahead, so that on a
# Friday a technician sees Monday's jobs too).
WEEK_DAYS = 7
# The most jobs one page lists (a technician has a handful a day).
LIMIT = 200
# The states a job is started from (the workflow's "start").
STARTS_FROM = ("scheduled", "dispatched")


def resource_of(dbsession, user_id: int) -> Resource | None:
    """The person's own row on the board (a technician), if they have one."""
    return dbsession.scalar(sa.select(Resource).where(Resource.user_id == user_id))


def my_jobs(dbsession, resource: Resource, start: dt.datetime, end: dt.datetime,
            where=None, options=()) -> list[Job]:
    """The jobs planned on `resource` that overlap [start, end), and any it has in progress
    (started earlier and not finished), by start; `where`: the reader's SQL filter (the same
    rule as the job's ACL); `options`: more to read with them (the page's phones)."""
    stmt = (
        sa.select(Job)
        .where(Job.id.in_(sa.select(JobAssignment.job_id)
                          .where(JobAssignment.resource_id == resource.id)),
               Job.state.in_(BOOKED_STATES),
               sa.or_(sa.and_(Job.starts_at < end, Job.ends_at > start),
                      sa.and_(Job.state == "in_progress", Job.starts_at < end)))
        .order_by(Job.starts_at, Job.id).limit(LIMIT).options(*JOB_LOADS, *options)
    )
    if where is not None:
        stmt = stmt.where(where)
    return list(dbsession.scalars(stmt).unique())


def todays_rows(dbsession, user_id: int, start: dt.datetime, end: dt.datetime) -> list:
    """(number, title, starts_at, state) of the person's jobs in [start, end) and those in
    progress, in one statement (My day's block: no rows loaded as objects)."""
    mine = (sa.select(JobAssignment.job_id)
            .join(Resource, Resource.id == JobAssignment.resource_id)
            .where(Resource.user_id == user_id))
    return dbsession.execute(
        sa.select(Job.number, Job.title, Job.starts_at, Job.state)
        .where(Job.id.in_(mine), Job.state.in_(BOOKED_STATES),
               sa.or_(sa.and_(Job.starts_at < end, Job.ends_at > start),
                      sa.and_(Job.state == "in_progress", Job.starts_at < end)))
        .order_by(Job.starts_at, Job.id).limit(20)).all()


# --- the completion report ------------------------------------------------------------------------

@dataclass(frozen=True)
class Report:
    """What the technician reports on completing a job (the customer's name stands for their
    signature; `fixed_first_time` false: another visit is needed)."""

    work_done: str
    parts_used: str
    signed_by: str
    fixed_first_time: bool


def _yes_no(value):
    """The radio buttons' answer, or "" for anything else (told by the validator)."""
    return value if value in ("yes", "no") else ""


def report_schema() -> colander.SchemaNode:
    """The completion report's form: work done (required), parts used, the customer's name
    (required), fixed on this visit (yes or no, required)."""

    def answered(node, value):
        if value not in ("yes", "no"):
            raise colander.Invalid(node, _("Say whether it was fixed on this visit."))

    return schema_of(
        required_text("work_done", _("Say what was done before completing the job."),
                      lines(TEXT_MAX)),
        text(lines(TEXT_MAX), name="parts_used"),
        required_text("signed_by", _("Write the customer's name: it stands for their signature."),
                      squeezed(SIGNED_MAX)),
        text(_yes_no, name="fixed", validator=answered, missing=colander.required,
             missing_msg=_("Say whether it was fixed on this visit.")),
    )


def read_report(params) -> tuple[Report | None, dict, dict]:
    """The report posted (`params`: the form): (report or None, the values to show again,
    {field: message})."""
    values, problems = read_fields(report_schema(), params)
    if problems:
        return None, values, problems
    return Report(values["work_done"], values["parts_used"], values["signed_by"],
                  values["fixed"] == "yes"), values, {}


# --- the steps ----------------------------------------------------------------------------------

def _claim(dbsession, job: Job, from_states: tuple[str, ...], refusal) -> None:
    """Take the job out of `from_states` for this transaction in one guarded UPDATE: a second
    request at the same instant waits for this one to commit, finds the state moved on and
    gets `refusal` (the job's state is read again for the message)."""
    now = utcnow()
    table = Job.__table__
    done = dbsession.execute(
        sa.update(table).where(table.c.id == job.id, table.c.state.in_(from_states))
        .values(updated_at=now))
    if done.rowcount != 1:
        dbsession.refresh(job)
        raise UserError(refusal(job.state), "state")
    set_committed_value(job, "updated_at", now)


def _why_not_started(state: str):
    if state == "in_progress":
        return _("This job was started a moment ago: it is in progress.")
    if state == "completed":
        return _("This job is already completed.")
    return _("This job cannot be started now: ask the dispatcher.")


def _why_not_completed(state: str):
    if state == "completed":
        return _("This job was completed a moment ago: the report sent first is kept.")
    return _("Start the job before completing it.")


def start_job(request, job: Job) -> None:
    """Start work on site (the workflow's "start"; its subscriber notes the actual start)."""
    if job.state not in STARTS_FROM:
        raise UserError(_why_not_started(job.state), "state")
    _claim(request.dbsession, job, STARTS_FROM, _why_not_started)
    job.workflow.transition(request, job, "start")


def complete_job(request, job: Job, report: Report) -> None:
    """Keep the report and complete the job (the workflow's "complete", whose guard wants the
    work done; its subscriber notes the actual end)."""
    if job.state != "in_progress":
        raise UserError(_why_not_completed(job.state), "state")
    _claim(request.dbsession, job, ("in_progress",), _why_not_completed)
    names = ("work_done", "parts_used", "signed_by", "fixed_first_time")
    before = [getattr(job, name) for name in names]
    for name in names:
        setattr(job, name, getattr(report, name))
    try:
        job.workflow.transition(request, job, "complete")
    except UserError:
        # Refused: the page says why and keeps nothing of the report.
        for name, value in zip(names, before, strict=True):
            setattr(job, name, value)
        raise
