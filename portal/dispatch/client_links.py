"""Service jobs beside the other records: on the client card's timeline (the open ones with
what is still to be done, finished and cancelled ones in the history) and as what a task is
about (portal/tasks/links.py), for the jobs the user may see."""
from __future__ import annotations

import datetime as dt
from functools import partial

import sqlalchemy as sa
from pyramid.traversal import quote_path_segment

from models.clients import Contact, Organization
from models.dispatch import OPEN_STATES, Job, JobAssignment, Resource
from models.meta import joined_strings
from portal.clients.timeline import (
    TimelineItem,
    TimelineRows,
    filter_key,
    message,
    part_statement,
    planned_and_past,
    timeline_provider,
    words,
)
from portal.core.i18n import _
from portal.dispatch.security import visible_jobs
from portal.tasks.links import register_link_type
from workflows.job import JOB

STATE_CLASSES = {"completed": "text-bg-success", "cancelled": "text-bg-secondary",
                 "on_hold": "text-bg-light", "unscheduled": "text-bg-warning"}
JOB_TITLE = _("Service job ${number}: ${title}")
CREW_SEP = "\x1f"  # between the technicians of a job read with the timeline


@timeline_provider("jobs")
def jobs_timeline(request, target, *, planned: int, past: int) -> TimelineRows | list:
    """Service jobs for the organization (or contact) that the user may see, read with the rest
    of the timeline: open ones first to last, finished and cancelled ones newest first."""
    if isinstance(target, Organization):
        about = Job.organization_id
    elif isinstance(target, Contact):
        about = Job.contact_id
    else:
        return []
    section = request.root["dispatch"]["jobs"]
    if not request.has_permission("view", section):
        return []  # nobody's jobs: not even a part of the statement
    visible = visible_jobs(request)
    key = ("jobs", about.key, planned, past, filter_key(visible))

    def build() -> sa.Select:
        mine = sa.select(Job.id).where(about == sa.bindparam("job_about"), visible)
        open_ = mine.where(Job.state.in_(OPEN_STATES)).order_by(Job.created_at, Job.id)
        done = mine.where(Job.state.not_in(OPEN_STATES)).order_by(Job.updated_at.desc(),
                                                                  Job.id.desc())
        # Who does it, in the same statement: "assignment id:name" of each, put in order
        # below (an aggregate's order is not the same on every database).
        crew = (sa.select(joined_strings(
            sa.cast(JobAssignment.id, sa.String) + ":" + Resource.name, CREW_SEP))
            .select_from(JobAssignment)
            .join(Resource, Resource.id == JobAssignment.resource_id)
            .where(JobAssignment.job_id == Job.id).correlate(Job).scalar_subquery())
        return (sa.select(Job.id, Job.number, Job.title, Job.state,
                          Job.starts_at.label("start_at"),  # as events name theirs
                          Job.created_at, Job.updated_at, Job.site_address.label("detail"),
                          crew.label("crew"))
                .where(planned_and_past(Job.id, open_, done, planned, past)))

    return TimelineRows(part_statement(key, build), partial(_job_items, request, section), key,
                        {"job_about": target.id}, when=_job_when)


def crew_names(crew: str | None) -> list[str]:
    """The names in `crew` ("id:name" joined by CREW_SEP) in the order of the ids."""
    pairs = (part.split(":", 1) for part in (crew or "").split(CREW_SEP) if part)
    return [name for _id, name in sorted(pairs, key=lambda pair: int(pair[0]))]


def _job_when(row) -> tuple[bool, dt.datetime]:
    """(planned, at) of a job's item: an open job at its start (or when it was made); a
    closed one when it closed."""
    is_open = row.state in OPEN_STATES
    return is_open, (row.start_at or row.created_at) if is_open else row.updated_at


def _job_items(request, section, rows) -> list[TimelineItem]:
    translate = request.localizer.translate
    word = words(translate)
    title = message(translate, JOB_TITLE)
    base = request.resource_url(section)  # what resource_url(section, number) starts with
    out = []
    for row in rows:
        is_open, at = _job_when(row)
        url = base + quote_path_segment(row.number)
        out.append(TimelineItem(
            at=at,
            title=title(number=row.number, title=row.title),
            url=url, kind="jobs", icon="truck",
            detail=row.detail,
            who=", ".join(crew_names(row.crew)),
            badge=word(JOB.states[row.state].title),
            badge_class=STATE_CLASSES.get(row.state, "text-bg-info"),
            planned=is_open,
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
