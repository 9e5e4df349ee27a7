"""Service jobs in the calendars (issue 13, point 7):

- a technician's secret ICS feed gets their jobs (`jobs_feed`, registered in the calendar's
  ICS_FEED_PROVIDERS by `@feed_provider` when portal.dispatch's includeme scans the package);
- the team calendar shows the time a technician's jobs take as busy (`team_busy`): the job's
  number and title to those who may see the job, "Busy" to the others.

A job counts while it holds its technician: scheduled, dispatched, in progress or completed
(on hold and cancelled jobs free their resources).
"""
from __future__ import annotations

import datetime as dt

import icalendar
import sqlalchemy as sa

from models.dispatch import BOOKED_STATES, Job, JobAssignment, Resource
from models.meta import utcnow
from models.people import User
from portal.calendar import events
from portal.calendar.ics import feed_provider
from portal.core.i18n import _
from portal.core.mail import localizer_for
from portal.dispatch.security import visible_jobs

FEED_PAST = dt.timedelta(days=60)
FEED_FUTURE = dt.timedelta(days=366)
FEED_LIMIT = 1000
STATUS = {"completed": "CONFIRMED", "in_progress": "CONFIRMED", "dispatched": "CONFIRMED",
          "scheduled": "TENTATIVE"}


def _jobs_of(user_ids, start: dt.datetime, end: dt.datetime, *columns) -> sa.Select:
    """(user id, job columns...) of the jobs these people's resources hold in [start, end)."""
    return (
        sa.select(Resource.user_id, *columns)
        .join(JobAssignment, JobAssignment.job_id == Job.id)
        .join(Resource, Resource.id == JobAssignment.resource_id)
        .where(Resource.user_id.in_(sorted(set(user_ids))), Job.state.in_(BOOKED_STATES),
               Job.starts_at < end, Job.ends_at > start)
        .order_by(Job.starts_at, Job.id)
    )


def job_vevent(job: Job, base_url: str, summary_prefix: str) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", f"job-{job.id}@portal")
    event.add("summary", f"{summary_prefix}{job.number} {job.title}")
    event.add("dtstamp", job.updated_at or utcnow())
    event.add("dtstart", job.starts_at)
    event.add("dtend", job.ends_at)
    event.add("sequence", job.revision)
    if job.site_address:
        event.add("location", job.site_address)
    url = f"{base_url}/dispatch/jobs/{job.number}"
    event.add("url", url)
    event.add("description", "\n\n".join(p for p in ((job.description or "").strip(), url) if p))
    event.add("status", STATUS.get(job.state, "CONFIRMED"))
    event.add("categories", ["JOB"])
    return event


@feed_provider
def jobs_feed(request, user: User) -> list:
    """The person's jobs from two months ago to a year ahead."""
    now = utcnow()
    mine = (sa.select(JobAssignment.job_id)
            .join(Resource, Resource.id == JobAssignment.resource_id)
            .where(Resource.user_id == user.id))
    jobs = request.dbsession.scalars(
        sa.select(Job).where(Job.id.in_(mine), Job.state.in_(BOOKED_STATES),
                             Job.starts_at < now + FEED_FUTURE, Job.ends_at > now - FEED_PAST)
        .order_by(Job.starts_at, Job.id).limit(FEED_LIMIT)
    ).all()
    if not jobs:
        return []
    prefix = localizer_for(request.registry, user.locale).translate(_("Service job: "))
    return [job_vevent(j, request.application_url, prefix) for j in jobs]


def team_busy(request, user_ids, ws: dt.datetime, we: dt.datetime) -> dict[int, list[dict]]:
    """{person: the jobs that keep them busy in [ws, we)} for the team calendar: each
    {"key", "title", "start", "end", "url"}; the job's number and title with a link where the
    viewer may see the job, "Busy" and no link elsewhere (one query, the job ACL as SQL)."""
    if not user_ids:
        return {}
    seen = sa.case((visible_jobs(request), True), else_=False).label("seen")
    rows = request.dbsession.execute(
        _jobs_of(user_ids, ws, we, Job.id, Job.number, Job.title,
                 Job.starts_at, Job.ends_at, seen)).all()
    busy = request.translate(_("Busy"))
    base = request.resource_url(request.root["dispatch"]["jobs"])
    out: dict[int, list[dict]] = {}
    for user_id, job_id, number, title, start, end, visible in rows:
        out.setdefault(user_id, []).append({
            "key": f"job:{job_id}",
            "title": f"{number} {title}" if visible else busy,
            "start": start,
            "end": end,
            "url": f"{base}{number}" if visible else None,
        })
    return out


def includeme_feeds(config) -> None:
    """Called from portal/dispatch/__init__.py's includeme: the jobs' busy time in the team
    calendar (the calendar's hook for other areas, TEAM_BUSY_PROVIDERS in its events module)."""
    config.register(events.TEAM_BUSY_PROVIDERS, "dispatch.jobs", team_busy)
