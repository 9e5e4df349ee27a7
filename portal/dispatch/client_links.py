"""Service jobs beside the other records: on the client card's timeline (the open ones with
what is still to be done, finished and cancelled ones in the history) and as what a task is
about (portal/tasks/links.py), for the jobs the user may see."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from models.clients import Contact, Organization
from models.dispatch import OPEN_STATES, Job, JobAssignment
from portal.clients.timeline import TimelineAction, TimelineItem, planned_and_past, timeline_provider
from portal.core.i18n import _
from portal.dispatch.security import visible_jobs
from portal.tasks.links import register_link_type
from workflows.job import JOB

STATE_CLASSES = {"completed": "text-bg-success", "cancelled": "text-bg-secondary",
                 "on_hold": "text-bg-light", "unscheduled": "text-bg-warning"}


@timeline_provider("jobs")
def jobs_timeline(request, target, *, planned: int, past: int) -> list[TimelineItem]:
    if isinstance(target, Organization):
        about = Job.organization_id == target.id
    elif isinstance(target, Contact):
        about = Job.contact_id == target.id
    else:
        return []
    section = request.root["dispatch"]["jobs"]
    if not request.has_permission("view", section):
        return []  # nobody's jobs: not even a statement
    mine = sa.select(Job.id).where(about, visible_jobs(request))
    open_ = mine.where(Job.state.in_(OPEN_STATES)).order_by(Job.created_at, Job.id)
    done = mine.where(Job.state.not_in(OPEN_STATES)).order_by(Job.updated_at.desc(),
                                                              Job.id.desc())
    rows = request.dbsession.scalars(
        sa.select(Job).where(planned_and_past(Job.id, open_, done, planned, past))
        # Who does it, in the same statement: the card's page has a budget of statements.
        .options(joinedload(Job.assignments).joinedload(JobAssignment.resource))).unique().all()
    translate = request.localizer.translate
    out = []
    for job in rows:
        is_open = job.state in OPEN_STATES
        url = request.resource_url(section, job.number)
        out.append(TimelineItem(
            at=(job.starts_at or job.created_at) if is_open else job.updated_at,
            title=translate(_("Service job ${number}: ${title}",
                              mapping={"number": job.number, "title": job.title})),
            url=url, kind="jobs", icon="truck",
            detail=job.site_address,
            who=", ".join(a.resource.name for a in job.assignments if a.resource is not None),
            badge=translate(JOB.states[job.state].title),
            badge_class=STATE_CLASSES.get(job.state, "text-bg-info"),
            planned=is_open,
            actions=[TimelineAction(translate(_("Open")), url, "box-arrow-up-right", text=False)],
        ))
    return out


@register_link_type("job")
def job_links(request, ids) -> dict[int, tuple[str, str]]:
    """Jobs named by number and title, for the ids the user may see."""
    rows = request.dbsession.execute(
        sa.select(Job.id, Job.number, Job.title)
        .where(Job.id.in_(sorted(ids)), visible_jobs(request))).all()
    section = request.root["dispatch"]["jobs"]
    return {i: (f"{number} {title}", request.resource_url(section, number))
            for i, number, title in rows}
