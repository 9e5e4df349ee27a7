"""Business rules of service jobs: numbering, creating, planning on the board (schedule, move,
reassign, resize, take off), the constraints every change is checked against, and flagging the
planned jobs a change of a resource made invalid.

Every change of plan — from the board, a form, auto-plan or the API — goes through `plan()`,
which checks, in this order, and answers every problem at once:

- hard, never overridden: the job's state allows planning; a time not in the past; the
  resources exist and are active; the crew (how many technicians, the equipment type); skills
  at their levels with certificates valid on the day; no other job on a resource then (named);
- hard unless the dispatcher gives a reason: within each resource's working hours, outside its
  time off, within the job's time window;
- a warning only: a resource from another territory.

Two dispatchers at the same instant: the job's `revision` is claimed by one atomic UPDATE
(the second is told someone changed the job), and the bookings table's guard refuses two jobs
of one resource that overlap (models/booking.py) whatever the checks before it saw.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

import portal.dispatch.availability as availability
from models import booking
from models.dispatch import (
    Job,
    JobAssignment,
    JobChange,
    JobCounter,
    JobService,
    JobSkill,
    Resource,
    ResourceSkill,
    Service,
    ServiceSkill,
    job_key,
    resource_key,
)
from models.errors import UserError
from models.meta import insert_ignoring, utcnow
from models.people import User
from models.workflow import WorkflowHistory
from portal.core.i18n import _

TITLE_MAX = 300
TEXT_MAX = 20_000
# The longest job and the farthest plan a person may ask for.
MAX_DURATION = 14 * 24 * 60
# A bar dropped a few minutes "in the past" while the clock ran on is still now.
PAST_GRACE = dt.timedelta(minutes=5)
PRIORITY_TITLES = {0: _("Low"), 1: _("Normal"), 2: _("High"), 3: _("Urgent")}
# The problems a plan may have. Overridable ones pass with the dispatcher's reason.
OVERRIDABLE = frozenset({"hours", "no_hours", "time_off", "window"})
WARNINGS = frozenset({"territory"})
FLAG_TITLES = {
    "skill": _("a technician lacks a skill or its certificate"),
    "equipment": _("the equipment is missing"),
    "crew": _("the crew is incomplete"),
    "inactive": _("a resource was retired"),
    "hours": _("outside working hours"),
    "no_hours": _("a resource has no working hours"),
    "time_off": _("over time off"),
}


@dataclass
class Problem:
    """One thing wrong with a plan: `code` (see OVERRIDABLE, WARNINGS), the message for the
    person, and the resource it concerns (if one)."""

    code: str
    message: object
    resource_id: int | None = None

    @property
    def overridable(self) -> bool:
        return self.code in OVERRIDABLE

    @property
    def warning(self) -> bool:
        return self.code in WARNINGS


class PlanRefused(UserError):
    """A change of plan that breaks a constraint: `problems` says every reason (409)."""

    status = 409

    def __init__(self, problems: Sequence[Problem]):
        first = problems[0].message if problems else _("The plan was refused.")
        super().__init__(first, "starts_at")
        self.problems = list(problems)

    @property
    def needs_reason(self) -> bool:
        """Refused only for reasons a dispatcher may override by saying why."""
        hard = [p for p in self.problems if not p.warning]
        return bool(hard) and all(p.overridable for p in hard)


@dataclass(frozen=True)
class JobChanged:
    """Sent (registry.notify) after a job's plan or state changed: notices, the board's feed."""

    registry: object
    job: Job
    actor_id: int | None
    action: str  # "schedule", "move", "unschedule", "state"
    old_resource_ids: tuple[int, ...] = ()
    old_starts_at: dt.datetime | None = None


# --- numbers and new jobs ----------------------------------------------------------------------

def next_number(dbsession, year: int) -> str:
    """The year's next job number, "J-2026-000123": one atomic UPDATE … RETURNING on the year's
    counter, so two jobs made at the same instant never get one number."""
    table = JobCounter.__table__
    dbsession.execute(insert_ignoring(dbsession, table, {"year": year, "last": 0}))
    last = dbsession.execute(
        sa.update(table).where(table.c.year == year).values(last=table.c.last + 1)
        .returning(table.c.last)
    ).scalar_one()
    return f"J-{year}-{last:06d}"


@dataclass
class JobInput:
    title: str
    department_id: int
    description: str = ""
    organization_id: int | None = None
    contact_id: int | None = None
    site_address: str = ""
    territory_id: int | None = None
    ticket_id: int | None = None
    priority: int = 1
    # None: the sum of the services' durations (or an hour).
    duration_minutes: int | None = None
    technicians_needed: int = 1
    # None: the services' (the first one that needs equipment).
    equipment_type: str | None = None
    earliest_start: dt.datetime | None = None
    latest_finish: dt.datetime | None = None
    service_ids: Sequence[int] = ()
    # (skill id, min level) besides the services' skills.
    skills: Sequence[tuple[int, int]] = field(default_factory=tuple)


def _clean(data: JobInput, now: dt.datetime) -> None:
    data.title = " ".join((data.title or "").split())[:TITLE_MAX]
    if not data.title:
        raise UserError(_("Say what the job is."), "title")
    data.description = (data.description or "")[:TEXT_MAX]
    data.site_address = " ".join((data.site_address or "").split())[:500]
    if data.priority not in PRIORITY_TITLES:
        raise UserError(_("Unknown priority."), "priority")
    if data.duration_minutes is not None and not 0 < data.duration_minutes <= MAX_DURATION:
        raise UserError(_("A job lasts from one minute to fourteen days."), "duration_minutes")
    if not 1 <= data.technicians_needed <= 10:
        raise UserError(_("A job needs from one to ten technicians."), "technicians_needed")
    if data.earliest_start and data.latest_finish and data.latest_finish <= data.earliest_start:
        raise UserError(_("The window closes before it opens."), "latest_finish")
    if data.latest_finish is not None and data.latest_finish <= now:
        raise UserError(_("The window has already passed: give a later “done by”."),
                        "latest_finish")


def create_job(dbsession, actor: User | None, data: JobInput, now: dt.datetime | None = None,
               registry=None) -> Job:
    """A new unscheduled job (its skills: the services' and any added; its duration: the
    services' unless given)."""
    now = now or utcnow()
    _clean(data, now)
    services = list(dbsession.scalars(
        sa.select(Service).where(Service.id.in_(sorted(set(data.service_ids))), Service.active)
        .options(selectinload(Service.skills)))) if data.service_ids else []
    if len(services) != len(set(data.service_ids)):
        raise UserError(_("That service is not in the catalog."), "service_ids")
    duration = data.duration_minutes or sum(s.duration_minutes for s in services) or 60
    if duration > MAX_DURATION:
        raise UserError(_("A job lasts from one minute to fourteen days."), "duration_minutes")
    if (data.earliest_start and data.latest_finish
            and data.latest_finish - data.earliest_start < dt.timedelta(minutes=duration)):
        raise UserError(_("The job does not fit in its window: it takes longer than the window "
                          "is open."), "latest_finish")
    equipment = data.equipment_type
    if equipment is None:
        equipment = next((s.equipment_type for s in services if s.equipment_type), "")
    job = Job(number=next_number(dbsession, now.year), department_id=data.department_id,
              description=data.description, organization_id=data.organization_id,
              contact_id=data.contact_id, site_address=data.site_address,
              territory_id=data.territory_id, ticket_id=data.ticket_id, priority=data.priority,
              duration_minutes=duration, technicians_needed=data.technicians_needed,
              equipment_type=" ".join(equipment.split())[:100],
              earliest_start=data.earliest_start, latest_finish=data.latest_finish,
              author_id=actor.id if actor else None, created_at=now, updated_at=now)
    job.set_title(data.title)
    job.services = [JobService(service_id=s.id) for s in services]
    needed: dict[int, int] = {}
    for service in services:
        for need in service.skills:
            needed[need.skill_id] = max(needed.get(need.skill_id, 0), need.min_level)
    for skill_id, level in data.skills:
        if not 1 <= level <= 5:
            raise UserError(_("A skill level is from 1 to 5."), "skills")
        needed[skill_id] = max(needed.get(skill_id, 0), level)
    job.skills = [JobSkill(skill_id=k, min_level=v) for k, v in sorted(needed.items())]
    dbsession.add(job)
    dbsession.flush()
    return job


def required_skills(job: Job) -> dict[int, int]:
    """{skill id: min level} the job needs."""
    return {s.skill_id: s.min_level for s in job.skills}


# --- checks ------------------------------------------------------------------------------------

def load_resources(dbsession, resource_ids: Iterable[int]) -> list[Resource]:
    ids = sorted(set(resource_ids))
    if not ids:
        return []
    return list(dbsession.scalars(
        sa.select(Resource).where(Resource.id.in_(ids))
        .options(selectinload(Resource.skills).joinedload(ResourceSkill.skill))
        .order_by(Resource.id)))


def _local_day(resource: Resource, instant: dt.datetime) -> dt.date:
    calendar = availability.calendar_of(resource)
    zone = calendar.zone if calendar is not None else dt.UTC
    return instant.astimezone(zone).date()


def check_plan(dbsession, job: Job, resources: Sequence[Resource], start: dt.datetime,
               end: dt.datetime, now: dt.datetime, *, skip_overlap: bool = False) -> list[Problem]:
    """Every problem of planning `job` on `resources` for [start, end)."""
    problems: list[Problem] = []
    if job.state not in ("unscheduled", "scheduled", "dispatched"):
        problems.append(Problem("state", _("A job that is in progress, done, on hold or cancelled "
                                           "is not planned again.")))
        return problems
    if end <= start:
        problems.append(Problem("range", _("The job must end after it starts.")))
        return problems
    if end - start > dt.timedelta(minutes=MAX_DURATION):
        problems.append(Problem("range", _("A job lasts from one minute to fourteen days.")))
        return problems
    if start < now - PAST_GRACE:
        problems.append(Problem("past", _("That time has passed: plan the job from now on.")))
    if not resources:
        problems.append(Problem("crew", _("Choose who does the job.")))
        return problems
    technicians = [r for r in resources if r.kind == "technician"]
    equipment = [r for r in resources if r.kind == "equipment"]
    for r in resources:
        if not r.active:
            problems.append(Problem("inactive", _("${name} is retired from the board.",
                                                  mapping={"name": r.name}), r.id))
    if len(technicians) != job.technicians_needed:
        problems.append(Problem("crew", _(
            "The job needs ${needed} technician(s); ${given} chosen.",
            mapping={"needed": job.technicians_needed, "given": len(technicians)})))
    if job.equipment_type:
        fitting = [r for r in equipment if r.equipment_type == job.equipment_type]
        if len(fitting) != 1 or len(equipment) != 1:
            problems.append(Problem("equipment", _(
                "The job needs one “${type}”.", mapping={"type": job.equipment_type})))
    elif equipment:
        problems.append(Problem("equipment", _("The job needs no equipment.")))
    needed = required_skills(job)
    if needed:
        names = {s.skill_id: s.skill.name for s in job.skills if s.skill is not None}
        for tech in technicians:
            held = {s.skill_id: s for s in tech.skills}
            day = _local_day(tech, end - dt.timedelta(microseconds=1))
            for skill_id, level in sorted(needed.items()):
                has = held.get(skill_id)
                name = names.get(skill_id, str(skill_id))
                if has is None or has.level < level:
                    problems.append(Problem("skill", _(
                        "${name} lacks “${skill}” at level ${level}.",
                        mapping={"name": tech.name, "skill": name, "level": level}), tech.id))
                elif not has.valid_on(day):
                    problems.append(Problem("skill", _(
                        "${name}'s certificate for “${skill}” expires before the job.",
                        mapping={"name": tech.name, "skill": name}), tech.id))
    ids = [r.id for r in resources]
    off = availability.time_off(dbsession, ids, start, end)
    for r in resources:
        spans = availability.working_spans(r, start, end)
        if availability.calendar_of(r) is None:
            problems.append(Problem("no_hours", _("${name} has no working hours.",
                                                  mapping={"name": r.name}), r.id))
        elif not availability.within(spans, start, end):
            problems.append(Problem("hours", _("That is outside ${name}'s working hours.",
                                               mapping={"name": r.name}), r.id))
        if off.get(r.id):
            problems.append(Problem("time_off", _("${name} is off then.",
                                                  mapping={"name": r.name}), r.id))
    if (job.earliest_start is not None and start < job.earliest_start) or (
            job.latest_finish is not None and end > job.latest_finish):
        problems.append(Problem("window", _("That is outside the time agreed with the client.")))
    if not skip_overlap:
        busy = availability.bookings(dbsession, ids, start, end, except_holder=job_key(job.id))
        holders = {h for spans in busy.values() for _s, _e, h in spans}
        numbers = _holder_names(dbsession, holders)
        by_id = {r.id: r for r in resources}
        for rid, spans in sorted(busy.items()):
            for _s, _e, holder in spans[:1]:
                problems.append(Problem("overlap", _(
                    "${name} is busy then: ${what}.",
                    mapping={"name": by_id[rid].name, "what": numbers.get(holder, holder)}), rid))
    if job.territory_id is not None:
        for tech in technicians:
            if tech.territory_id is not None and tech.territory_id != job.territory_id:
                problems.append(Problem("territory", _(
                    "${name} works in another territory.", mapping={"name": tech.name}), tech.id))
    return problems


def _holder_names(dbsession, holders: Iterable[str]) -> dict[str, str]:
    """What a booking's holder is called: "J-2026-000123 Boiler service" for a job."""
    job_ids = {}
    for holder in holders:
        kind, _sep, number = holder.partition(":")
        if kind == "job" and number.isdigit():
            job_ids[int(number)] = holder
    if not job_ids:
        return {}
    rows = dbsession.execute(sa.select(Job.id, Job.number, Job.title)
                             .where(Job.id.in_(sorted(job_ids))))
    return {job_ids[i]: f"{n} {t}" for i, n, t in rows}


# --- planning ----------------------------------------------------------------------------------

def _claim(dbsession, job: Job, revision: int) -> None:
    """Take the job's next revision in one atomic UPDATE: a second change made from the same
    reading (another dispatcher at the same instant) finds the revision moved and is told."""
    done = dbsession.execute(
        sa.update(Job.__table__).where(Job.__table__.c.id == job.id,
                                       Job.__table__.c.revision == revision)
        .values(revision=revision + 1))
    if done.rowcount != 1:
        raise PlanRefused([Problem("revision", _(
            "Someone else changed this job a moment ago: look at the board again."))])
    # The UPDATE went round the session: what it holds of the job is the new revision.
    set_committed_value(job, "revision", revision + 1)


def _record(dbsession, job: Job, actor_id, action: str, old: tuple, reason: str = "") -> None:
    old_start, old_end, old_resources = old
    dbsession.add(JobChange(job_id=job.id, actor_id=actor_id, action=action,
                            old_starts_at=old_start, old_ends_at=old_end,
                            old_resources=list(old_resources), new_starts_at=job.starts_at,
                            new_ends_at=job.ends_at, new_resources=job.resource_ids,
                            reason=reason[:500]))


def set_state(dbsession, job: Job, actor_id: int | None, transition: str, to_state: str,
              comment: str = "") -> None:
    """A step the service takes itself, written to the history as the workflow writes one."""
    dbsession.add(WorkflowHistory(object_type="job", object_id=job.id, transition=transition,
                                  from_state=job.state, to_state=to_state, comment=comment,
                                  actor_id=actor_id))
    job.state = to_state


def plan(dbsession, actor: User | None, job: Job, resource_ids: Sequence[int],
         start: dt.datetime, end: dt.datetime | None = None, *, reason: str = "",
         revision: int | None = None, now: dt.datetime | None = None,
         registry=None) -> list[Problem]:
    """Put `job` on `resource_ids` for [start, end) (end: start + its duration): schedule an
    unscheduled job, or move, reassign or resize a planned one. Raises PlanRefused with every
    reason; returns the warnings (another territory). `reason` lets overridable problems pass;
    `revision` is the job's revision the person saw (the board sends it)."""
    now = now or utcnow()
    if start.tzinfo is None or (end is not None and end.tzinfo is None):
        raise ValueError("plan() takes aware instants")
    end = end or start + dt.timedelta(minutes=job.duration_minutes)
    reason = " ".join((reason or "").split())[:500]
    resources = load_resources(dbsession, resource_ids)
    if len(resources) != len(set(resource_ids)):
        raise PlanRefused([Problem("crew", _("That resource does not exist."))])
    problems = check_plan(dbsession, job, resources, start, end, now)
    hard = [p for p in problems if not p.warning and not (p.overridable and reason)]
    if hard:
        raise PlanRefused(problems)
    _claim(dbsession, job, job.revision if revision is None else revision)
    old = (job.starts_at, job.ends_at, tuple(job.resource_ids))
    try:
        booking.book(dbsession, job_key(job.id),
                     {resource_key(r.id): [(start, end)] for r in resources})
    except booking.OverlapRefused as refused:
        name = next((r.name for r in resources if resource_key(r.id) == refused.resource), "")
        raise PlanRefused([Problem("overlap", _(
            "${name} was booked by someone else a moment ago.", mapping={"name": name}))]) \
            from None
    was_planned = job.state in ("scheduled", "dispatched")
    job.starts_at, job.ends_at = start, end
    job.duration_minutes = max(1, int((end - start).total_seconds() // 60))
    wanted = {r.id for r in resources}
    job.assignments = [a for a in job.assignments if a.resource_id in wanted] + [
        JobAssignment(resource_id=rid) for rid in sorted(wanted - set(old[2]))]
    used_override = any(p.overridable for p in problems)
    job.override_reason = reason if used_override else ""
    job.flagged = ""
    job.updated_at = now
    actor_id = actor.id if actor else None
    action = "move" if was_planned else "schedule"
    _record(dbsession, job, actor_id, action, old, reason if used_override else "")
    if not was_planned:
        set_state(dbsession, job, actor_id, "schedule", "scheduled")
    dbsession.flush()
    if registry is not None:
        registry.notify(JobChanged(registry, job, actor_id, action, old[2], old[0]))
    return [p for p in problems if p.warning]


def unplan(dbsession, actor: User | None, job: Job, *, revision: int | None = None,
           reason: str = "", to_state: str | None = None, transition: str = "unschedule",
           now: dt.datetime | None = None, registry=None) -> None:
    """Take a planned job off the board (back to the unscheduled pane), freeing its resources;
    `to_state`/`transition`: where it goes instead (on hold, cancelled)."""
    now = now or utcnow()
    if job.state not in ("unscheduled", "scheduled", "dispatched", "on_hold"):
        raise PlanRefused([Problem("state", _("A job that is in progress, done or cancelled "
                                              "keeps its plan."))])
    _claim(dbsession, job, job.revision if revision is None else revision)
    old = (job.starts_at, job.ends_at, tuple(job.resource_ids))
    booking.unbook(dbsession, [job_key(job.id)])
    job.starts_at = job.ends_at = None
    job.assignments = []
    job.flagged = ""
    job.updated_at = now
    actor_id = actor.id if actor else None
    if old[0] is not None:
        _record(dbsession, job, actor_id, "unschedule", old, reason)
    target = to_state or "unscheduled"
    if job.state != target:
        set_state(dbsession, job, actor_id, transition, target, reason)
    dbsession.flush()
    if registry is not None:
        registry.notify(JobChanged(registry, job, actor_id, "unschedule", old[2], old[0]))


def free_on_leave(dbsession, job: Job) -> None:
    """A job put on hold or cancelled by the workflow holds nothing any more."""
    booking.unbook(dbsession, [job_key(job.id)])
    job.assignments = []
    job.starts_at = job.ends_at = None


# --- after a change of a resource ---------------------------------------------------------------

def recheck_jobs(dbsession, resource_ids: Iterable[int], now: dt.datetime | None = None) -> list[Job]:
    """Flag the planned future jobs of these resources that a change made invalid (a skill
    removed or lowered, a certificate expiring, time off, new hours, a resource retired) and
    clear the flag of those valid again. Returns the jobs flagged now."""
    now = now or utcnow()
    ids = sorted(set(resource_ids))
    if not ids:
        return []
    jobs = list(dbsession.scalars(
        sa.select(Job).where(
            Job.id.in_(sa.select(JobAssignment.job_id).where(JobAssignment.resource_id.in_(ids))),
            Job.state.in_(("scheduled", "dispatched")), Job.ends_at > now)
        .options(selectinload(Job.skills).joinedload(JobSkill.skill),
                 selectinload(Job.assignments))
        .order_by(Job.starts_at)))
    flagged = []
    for job in jobs:
        resources = load_resources(dbsession, job.resource_ids)
        problems = check_plan(dbsession, job, resources, job.starts_at, job.ends_at,
                              now=job.starts_at, skip_overlap=True)
        codes = sorted({p.code for p in problems if p.code in FLAG_TITLES
                        and not (p.overridable and job.override_reason)})
        job.flagged = ",".join(codes)
        if codes:
            flagged.append(job)
    dbsession.flush()
    return flagged


def flag_titles(job: Job) -> list:
    """What is wrong with a flagged job, in words."""
    return [FLAG_TITLES[c] for c in (job.flagged or "").split(",") if c in FLAG_TITLES]


def jobs_needing(dbsession, skill_ids: Iterable[int]) -> sa.Select:
    """Jobs needing any of these skills (for a change of a service's or skill's rules)."""
    return sa.select(JobSkill.job_id).where(JobSkill.skill_id.in_(sorted(set(skill_ids))))


def services_skills(dbsession, service_ids: Iterable[int]) -> dict[int, int]:
    """{skill id: min level} these services need together."""
    out: dict[int, int] = {}
    rows = dbsession.execute(sa.select(ServiceSkill.skill_id, ServiceSkill.min_level)
                             .where(ServiceSkill.service_id.in_(sorted(set(service_ids)))))
    for skill_id, level in rows:
        out[skill_id] = max(out.get(skill_id, 0), level)
    return out

