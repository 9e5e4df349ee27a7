"""Find-a-slot and auto-plan over the database: the resources' free time (working weeks minus
time off minus other jobs' bookings, from now on) and the jobs' needs are read in a few
statements and handed to the planning engine (portal/dispatch/planner.py, and solver.py's
CP-SAT with a greedy fallback) in whole minutes from the start of the horizon; its answers
come back as instants.

Nothing here writes: a slot is booked, and a proposal accepted, through `service.plan()`, which
checks everything again (the world may have changed since the proposal).
"""
from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

import portal.dispatch.availability as availability
import portal.dispatch.planner as planner
from models.dispatch import Job, JobSkill, Resource, ResourceSkill, job_key
from portal.core.i18n import _
from portal.dispatch.solver import auto_plan

STEP = 15
# Auto-plan takes at most this many jobs at once (the most urgent first).
MAX_JOBS = 1000
REASON_TITLES = {
    "no_resource": _("nobody has the skills, certificates, crew size or equipment it needs"),
    "no_time": _("no qualified resource is free within its time window"),
    "capacity": _("the time went to more urgent jobs"),
}


def _ceil(instant: dt.datetime, step: int = STEP) -> dt.datetime:
    """The instant rounded up to the step (whole minutes past the epoch)."""
    epoch_minutes = -(-int(instant.timestamp()) // 60)
    rounded = -(-epoch_minutes // step) * step
    return dt.datetime.fromtimestamp(rounded * 60, dt.UTC)


def _minutes(origin: dt.datetime, instant: dt.datetime) -> int:
    return int((instant - origin).total_seconds() // 60)


def load_candidates(dbsession, resource_ids: Iterable[int] | None = None,
                    skills: dict[int, int] | None = None, equipment_type: str = "",
                    technicians_only_with_skills: bool = True) -> list[Resource]:
    """Active resources (of `resource_ids` if given): the technicians holding every skill of
    `skills` at its level (certificates are looked at per slot), and the equipment of
    `equipment_type`; with their skills loaded."""
    stmt = (sa.select(Resource).where(Resource.active)
            .options(selectinload(Resource.skills)).order_by(Resource.id))
    if resource_ids is not None:
        stmt = stmt.where(Resource.id.in_(sorted(set(resource_ids))))
    kinds = []
    tech = Resource.kind == "technician"
    if skills and technicians_only_with_skills:
        for skill_id, level in sorted(skills.items()):
            tech = sa.and_(tech, Resource.id.in_(
                sa.select(ResourceSkill.resource_id).where(ResourceSkill.skill_id == skill_id,
                                                           ResourceSkill.level >= level)))
    kinds.append(tech)
    if equipment_type:
        kinds.append(sa.and_(Resource.kind == "equipment",
                             Resource.equipment_type == equipment_type))
    return list(dbsession.scalars(stmt.where(sa.or_(*kinds))))


def _skill_validity(resource: Resource, origin: dt.datetime) -> dict[int, tuple[int, int | None]]:
    calendar = availability.calendar_of(resource)
    zone = calendar.zone if calendar is not None else dt.UTC
    out = {}
    for held in resource.skills:
        until = None
        if held.certificate_expires is not None:
            day_after = held.certificate_expires + dt.timedelta(days=1)
            end = dt.datetime.combine(day_after, dt.time(), zone).astimezone(dt.UTC)
            until = _minutes(origin, end)
        out[held.skill_id] = (held.level, until)
    return out


def plan_resources(dbsession, resources: Sequence[Resource], origin: dt.datetime,
                   end: dt.datetime, except_holder: str | None = None) -> list[planner.PlanResource]:
    """The planner's view of `resources` over [origin, end)."""
    ids = [r.id for r in resources]
    off = availability.time_off(dbsession, ids, origin, end)
    busy = availability.bookings(dbsession, ids, origin, end, except_holder=except_holder)
    free = availability.free_spans(resources, origin, end, off, busy)
    out = []
    for r in resources:
        work = availability.working_spans(r, origin, end)
        capacity = sum(_minutes(max(s, origin), min(e, end)) for s, e in work)
        booked = sum(_minutes(max(s, origin), min(e, end)) for s, e, _h in busy.get(r.id, ()))
        spans = tuple((max(0, _minutes(origin, s)), _minutes(origin, e))
                      for s, e in free.get(r.id, ()))
        out.append(planner.PlanResource(
            id=r.id, kind=r.kind, free=tuple(s for s in spans if s[1] > s[0]),
            equipment_type=r.equipment_type or "", territory_id=r.territory_id,
            skills=_skill_validity(r, origin), capacity=capacity, booked=booked))
    return out


def plan_job(job: Job, origin: dt.datetime, end: dt.datetime) -> planner.PlanJob:
    earliest = 0 if job.earliest_start is None else max(0, _minutes(origin, job.earliest_start))
    last = end if job.latest_finish is None else min(end, job.latest_finish)
    return planner.PlanJob(
        id=job.id, duration=job.duration_minutes, earliest=earliest,
        latest=_minutes(origin, last), priority=job.priority,
        skills={s.skill_id: s.min_level for s in job.skills},
        technicians=job.technicians_needed, equipment_type=job.equipment_type or "",
        territory_id=job.territory_id)


def find_slots_for(dbsession, job: Job, now: dt.datetime, days: int = 14,
                   resource_ids: Iterable[int] | None = None, limit: int = 10) -> list[dict]:
    """The best candidates (resources and start) for `job` from now over `days` days that meet
    every hard constraint: earliest first, then the same territory, then the least loaded."""
    origin = _ceil(max(now, job.earliest_start or now))
    end = origin + dt.timedelta(days=days)
    if job.latest_finish is not None:
        end = min(end, job.latest_finish)
    if end <= origin:
        return []
    skills = {s.skill_id: s.min_level for s in job.skills}
    resources = load_candidates(dbsession, resource_ids, skills, job.equipment_type or "")
    names = {r.id: r.name for r in resources}
    slots = planner.find_slots(plan_job(job, origin, end),
                               plan_resources(dbsession, resources, origin, end,
                                              except_holder=job_key(job.id)),
                               step=STEP, limit=limit)
    out = []
    for slot in slots:
        start = origin + dt.timedelta(minutes=slot.start)
        out.append({"start": start, "end": start + dt.timedelta(minutes=job.duration_minutes),
                    "resource_ids": list(slot.resource_ids),
                    "names": [names[i] for i in slot.resource_ids],
                    "utilization": slot.utilization, "territory_match": slot.territory_match})
    return out


def propose(dbsession, start: dt.datetime, end: dt.datetime, now: dt.datetime,
            resource_ids: Iterable[int] | None = None, job_ids: Iterable[int] | None = None,
            time_limit: float = 8.0, solver: str = "auto") -> dict:
    """A plan for the unscheduled jobs whose window meets [start, end), on the active resources
    (of `resource_ids` if given): what goes where, what could not be placed and why. Nothing
    is stored: the dispatcher accepts it (each placement through `service.plan()`) or not."""
    began = time.perf_counter()
    origin = _ceil(max(start, now))
    if end <= origin:
        return _proposal([], {}, {}, None, began)
    stmt = (sa.select(Job).where(Job.state == "unscheduled",
                                 sa.or_(Job.earliest_start.is_(None), Job.earliest_start < end),
                                 sa.or_(Job.latest_finish.is_(None), Job.latest_finish > origin))
            .options(selectinload(Job.skills).joinedload(JobSkill.skill))
            .order_by(Job.priority.desc(), Job.latest_finish, Job.id).limit(MAX_JOBS))
    if job_ids is not None:
        stmt = stmt.where(Job.id.in_(sorted(set(job_ids))))
    jobs = list(dbsession.scalars(stmt))
    # Every active technician (the planner matches skills per job), and the equipment of the
    # types the jobs need.
    equipment = sorted({j.equipment_type for j in jobs if j.equipment_type})
    stmt = (sa.select(Resource).where(Resource.active, sa.or_(
        Resource.kind == "technician",
        sa.and_(Resource.kind == "equipment", Resource.equipment_type.in_(equipment))))
        .options(selectinload(Resource.skills)).order_by(Resource.id))
    if resource_ids is not None:
        stmt = stmt.where(Resource.id.in_(sorted(set(resource_ids))))
    resources = list(dbsession.scalars(stmt))
    plan_jobs = [plan_job(j, origin, end) for j in jobs]
    plan = auto_plan(plan_jobs, plan_resources(dbsession, resources, origin, end),
                             step=STEP, time_limit=time_limit, solver=solver)
    by_id = {j.id: j for j in jobs}
    return _proposal(jobs, plan.placements, plan.unplaced, plan, began, origin, by_id,
                     {r.id: r.name for r in resources})


def _proposal(jobs, placements, unplaced, plan, began, origin=None, by_id=None,
              names=None) -> dict:
    out = {"placements": [], "unplaced": [], "solver": getattr(plan, "solver", ""),
           "weighted_placed": getattr(plan, "weighted_placed", 0),
           "total_lateness": getattr(plan, "total_lateness", 0),
           "jobs": len(jobs)}
    for job_id, slot in sorted(placements.items(), key=lambda kv: (kv[1].start, kv[0])):
        job = by_id[job_id]
        start = origin + dt.timedelta(minutes=slot.start)
        out["placements"].append({
            "job_id": job_id, "number": job.number, "title": job.title, "revision": job.revision,
            "start": start, "end": start + dt.timedelta(minutes=job.duration_minutes),
            "resource_ids": list(slot.resource_ids),
            "names": [names[i] for i in slot.resource_ids]})
    for job_id, reason in sorted(unplaced.items()):
        job = by_id[job_id]
        out["unplaced"].append({"job_id": job_id, "number": job.number, "title": job.title,
                                "reason": reason, "why": REASON_TITLES.get(reason, reason)})
    out["seconds"] = round(time.perf_counter() - began, 3)
    return out
