"""The /dispatch part of the resource tree.

    /dispatch                   the dispatcher's board and its JSON (job.dispatch); my jobs
                                (/dispatch/@@my, any technician: job.view)
    /dispatch/jobs              the job list (job.view) and a new job (job.add)
    /dispatch/jobs/J-2026-000123  Job (its number; its id works too)
    /dispatch/resources         technicians and equipment (resource.view; resource.manage)
    /dispatch/resources/17      Resource: skills, working hours, time off
    /dispatch/settings          the service catalog, skills, territories, groups and crews
                                (resource.manage)
    /dispatch/report            utilization, jobs by status and territory, on-time arrival,
                                first-time fix (report.dispatch)
"""
from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from models.dispatch import Job, JobAssignment, JobService, JobSkill, Resource, ResourceSkill
from portal.resources import Container, load_by_id
from portal.security.acl import container_acl

# What a job's page shows besides its own columns, read with it.
JOB_LOADS = (
    joinedload(Job.organization), joinedload(Job.contact), joinedload(Job.territory),
    joinedload(Job.department), joinedload(Job.author),
    selectinload(Job.services).joinedload(JobService.service),
    selectinload(Job.skills).joinedload(JobSkill.skill),
    selectinload(Job.assignments).joinedload(JobAssignment.resource).joinedload(Resource.user),
)
RESOURCE_LOADS = (
    joinedload(Resource.user), joinedload(Resource.group), joinedload(Resource.territory),
    joinedload(Resource.department),
    selectinload(Resource.skills).joinedload(ResourceSkill.skill),
)
NUMBER = re.compile(r"^J-\d{4}-\d{6}$")


class Dispatch(Container):
    """/dispatch: the board for those who plan (dispatch), my jobs for whoever sees jobs."""

    def __acl__(self):
        return container_acl(self, "job", ("view", "add", "dispatch"))


class Jobs(Container):
    """/dispatch/jobs/{number}: every job; listing and adding follow job.view / job.add."""

    def __acl__(self):
        return container_acl(self, "job", ("view", "add"))

    def load(self, key: str):
        if NUMBER.match(key):
            return self.request.dbsession.scalar(
                sa.select(Job).where(Job.number == key).options(*JOB_LOADS))
        return load_by_id(self.request, Job, key, JOB_LOADS)


class Resources(Container):
    """/dispatch/resources/{id}: technicians and equipment (resource.view, resource.manage)."""

    def __acl__(self):
        return container_acl(self, "resource", ("view", "manage"))

    def load(self, key: str):
        return load_by_id(self.request, Resource, key, RESOURCE_LOADS)


class DispatchSettings(Container):
    """/dispatch/settings: the catalog, skills, territories, groups (resource.manage)."""

    def __acl__(self):
        return container_acl(self, "resource", ("view", "manage"))


class DispatchReports(Container):
    """/dispatch/report: the service head's figures (report.dispatch, scoped)."""

    def __acl__(self):
        return container_acl(self, "report", ("dispatch",))


Dispatch.children = {"jobs": Jobs, "resources": Resources, "settings": DispatchSettings,
                     "report": DispatchReports}


def place_job(request, job: Job) -> None:
    """A job read by a query (a list, a search hit, the board) takes its place under /dispatch."""
    job.__parent__ = request.root["dispatch"]["jobs"]
    job.__name__ = job.number


def place_resource(request, resource: Resource) -> None:
    resource.__parent__ = request.root["dispatch"]["resources"]
    resource.__name__ = str(resource.id)
