"""Telling technicians what happened to their jobs (issue 13, point 7), on every JobChanged that
portal/dispatch/service.py and the workflow's subscriber send:

- put on the board with them, or given to them by a move: "job_assigned" (when and where);
- moved or resized while staying theirs: "job_rescheduled" (the new time and the old);
- taken off the board, or moved to someone else: "job_unassigned";
- cancelled or put on hold: "job_stopped" (with the dispatcher's reason).

Whoever made the change is not told about it. Notices are stored as message ids and parameters
(portal/notifications/sending.py) and read in each reader's language and time zone. Only
technicians hear (equipment has nobody to tell). `includeme_notices` subscribes the handler.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import object_session

from models.dispatch import Job, JobChange, Resource
from models.workflow import WorkflowHistory
from portal.core.i18n import _
from portal.dispatch.service import JobChanged
from portal.notifications.messages import Joined, When
from portal.notifications.sending import tell

MY_JOBS = "/dispatch/@@my"


def my_jobs_url(job: Job | None = None) -> str:
    """The technician's page (at the job's card when it is still theirs)."""
    return f"{MY_JOBS}#job-{job.number}" if job is not None else MY_JOBS


def technicians(dbsession, resource_ids: Iterable[int]) -> set[int]:
    """The people behind these resources (equipment has none)."""
    ids = sorted(set(resource_ids))
    if not ids:
        return set()
    return set(dbsession.scalars(sa.select(Resource.user_id).where(
        Resource.id.in_(ids), Resource.user_id.is_not(None))))


def _when(job: Job):
    """When and where, as the body of a notice."""
    span = _("From ${start} to ${end}", mapping={"start": When(job.starts_at),
                                                  "end": When(job.ends_at)})
    return Joined((span, job.site_address), " · ")


def _old_end(dbsession, job: Job) -> dt.datetime | None:
    """The end the plan had before its latest change (the history keeps it)."""
    return dbsession.scalar(
        sa.select(JobChange.old_ends_at).where(JobChange.job_id == job.id)
        .order_by(JobChange.id.desc()).limit(1))


def _reason(dbsession, job: Job) -> str:
    """What the dispatcher said when the job left the board (its latest workflow step)."""
    return dbsession.scalar(
        sa.select(WorkflowHistory.comment).where(WorkflowHistory.object_type == "job",
                                                 WorkflowHistory.object_id == job.id)
        .order_by(WorkflowHistory.id.desc()).limit(1)) or ""


def on_job_changed(event: JobChanged) -> None:
    job = event.job
    db = object_session(job)
    if db is None:
        return
    registry, actor = event.registry, event.actor_id
    names = {"number": job.number, "title": job.title}
    old = technicians(db, event.old_resource_ids)
    if job.state in ("cancelled", "on_hold"):
        if not old:
            return
        title = (_("Job ${number} was cancelled: ${title}", mapping=names)
                 if job.state == "cancelled" else
                 _("Job ${number} is on hold: ${title}", mapping=names))
        body = Joined((_("It was planned for ${when}.",
                         mapping={"when": When(event.old_starts_at)})
                       if event.old_starts_at else "", _reason(db, job)), " · ")
        tell(db, registry, old, "job_stopped", title, body, my_jobs_url(), exclude=actor)
        return
    planned = job.state in ("scheduled", "dispatched") and job.starts_at is not None
    new = technicians(db, job.resource_ids) if planned else set()
    if event.action == "state" and job.state not in ("unscheduled",):
        return  # started, completed, dispatched: the plan and its people are the same
    gone = old - new
    if gone:
        body = (_("It was planned for ${when}.", mapping={"when": When(event.old_starts_at)})
                if event.old_starts_at else "")
        tell(db, registry, gone, "job_unassigned",
             _("Job ${number} is no longer yours: ${title}", mapping=names), body,
             my_jobs_url(), exclude=actor)
    if not planned:
        return
    tell(db, registry, new - old, "job_assigned",
         _("Job ${number} is yours: ${title}", mapping=names), _when(job), my_jobs_url(job),
         exclude=actor)
    kept = new & old
    if kept and event.action == "move":
        old_end = _old_end(db, job)
        if event.old_starts_at != job.starts_at or (old_end is not None and old_end != job.ends_at):
            body = Joined((_("Now from ${start} to ${end}; it was from ${old_start} to "
                             "${old_end}.", mapping={
                                 "start": When(job.starts_at), "end": When(job.ends_at),
                                 "old_start": When(event.old_starts_at),
                                 "old_end": When(old_end)}),
                           job.site_address), " · ")
            tell(db, registry, kept, "job_rescheduled",
                 _("Job ${number} rescheduled: ${title}", mapping=names), body, my_jobs_url(job),
                 exclude=actor)


def includeme_notices(config) -> None:
    """Called from portal/dispatch/__init__.py's includeme."""
    config.add_subscriber(on_job_changed, JobChanged)
