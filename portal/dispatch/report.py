"""The service head's figures (issue 13, point 8) over a period, each a few statements that
aggregate in SQL over what the user may report on (report.dispatch with its scope):

- **utilization** per technician: booked minutes of the jobs holding them (scheduled,
  dispatched, in progress, completed) within the period ÷ their working minutes in it (their
  working week less time off); per group and in total, the sums of its technicians'. A
  technician without working time in the period has no share (the page shows "—"). A booking
  is the technician's time whoever's job it is, so every job on a technician counts.
- **jobs by state and territory**: the jobs planned to start in the period; a job with no plan
  (never scheduled, or taken off the board) counts in the period it was created in.
- **on-time arrival** and **first-time fix** by territory, over the jobs planned to start in the
  period: a started job is on time when it began at most 15 minutes after its planned start;
  the first-time fix rate is the completed jobs fixed on the first visit ÷ the completed jobs
  where the technician said whether they were.

Scope (report.dispatch): "all" sees everything; "department" the jobs whose service team
(`jobs.department_id`, not the client's department) and the technicians whose department are
among the user's departments and those below them; "own" the jobs and the resource of the
technician himself. Filters: a territory (the job's, the technician's) and a group (the
technician's; a job is in a group when one of its resources is).

Times are compared as seconds since the epoch so that the same statements run on SQLite and
PostgreSQL.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import sqlalchemy as sa

from models.dispatch import (
    BOOKED_STATES,
    STATES,
    Job,
    JobAssignment,
    Resource,
    ResourceGroup,
    Territory,
    TimeOff,
)
from models.errors import UserError
from portal.security.filters import sql_filter
from portal.tickets.hours import BusinessHours

# Arriving this late after the planned start is still on time.
ON_TIME_GRACE = dt.timedelta(minutes=15)
# No job lasts longer (a job fits into a working day): bookings that started this long before
# the period cannot reach into it, so the start index bounds the search from both sides.
LONGEST_JOB = dt.timedelta(days=31)


@dataclass(frozen=True)
class Filters:
    """The report's period (UTC, [start, end)) and its filters (None: all)."""

    start: dt.datetime
    end: dt.datetime
    territory_id: int | None = None
    group_id: int | None = None


class _ReportScope:
    """report.dispatch as a filter over jobs or resources (portal.security.filters.sql_filter's
    protocol): department = the row's own department (a job's service team)."""

    security_type = "report"

    def __init__(self, model):
        self.model = model

    def sql_in_departments(self, ids):
        return self.model.department_id.in_(ids)

    def sql_owned_by(self, user_id: int):
        if self.model is Job:
            return Job.sql_owned_by(user_id)
        return Resource.user_id == user_id


def reportable(request, model) -> sa.ColumnElement[bool]:
    """WHERE for the jobs or the resources (`model`) the user may report on."""
    return sql_filter(request, _ReportScope(model), "dispatch")


def _epoch(request, column) -> sa.ColumnElement:
    """Seconds since the epoch of a UTC datetime column, on SQLite and PostgreSQL."""
    if request.dbsession.get_bind().dialect.name == "sqlite":
        return sa.cast(sa.func.strftime("%s", column), sa.Integer)
    return sa.func.extract("epoch", column)


# --- utilization --------------------------------------------------------------------------------

@dataclass
class Utilization:
    """Booked and working minutes of a technician, a group or everyone. `working` is None for a
    technician without working hours."""

    key: int | None
    name: str
    booked: int = 0
    working: int | None = None
    group_id: int | None = None
    members: int = 0

    @property
    def share(self) -> float | None:
        """Booked ÷ working (1.0 = fully booked; more: overbooked); None without working time."""
        return self.booked / self.working if self.working else None

    @property
    def free(self) -> int:
        return max(0, (self.working or 0) - self.booked)

    def add(self, other: Utilization) -> None:
        self.booked += other.booked
        if other.working is not None:
            self.working = (self.working or 0) + other.working
        self.members += 1


@dataclass
class UtilizationReport:
    technicians: list[Utilization]
    groups: list[Utilization]
    total: Utilization


def _technician_where(request, f: Filters) -> list:
    """The technicians the user may report on, within the filters."""
    where = [Resource.kind == "technician", reportable(request, Resource)]
    if f.territory_id is not None:
        where.append(Resource.territory_id == f.territory_id)
    if f.group_id is not None:
        where.append(Resource.group_id == f.group_id)
    return where


def _booked_in(f: Filters) -> list:
    """The jobs holding their resources at some time of the period."""
    return [Job.state.in_(BOOKED_STATES), Job.starts_at < f.end,
            Job.starts_at >= f.start - LONGEST_JOB, Job.ends_at > f.start]


def utilization(request, f: Filters) -> UtilizationReport:
    """Utilization per technician (by name), per group (by name, "no group" last) and in
    total: three statements (technicians, their bookings, their time off)."""
    db = request.dbsession
    where = _technician_where(request, f)
    # Those retired since still count for the period they were booked in.
    booked_in_period = sa.select(JobAssignment.resource_id).join(
        Job, Job.id == JobAssignment.job_id).where(*_booked_in(f))
    current = sa.or_(Resource.active.is_(True), Resource.id.in_(booked_in_period))
    rows = db.execute(
        sa.select(Resource.id, Resource.name, Resource.hours, Resource.group_id, ResourceGroup.name)
        .outerjoin(ResourceGroup, ResourceGroup.id == Resource.group_id)
        .where(*where, current).order_by(Resource.name, Resource.id)).all()
    if not rows:
        return UtilizationReport([], [], Utilization(None, ""))
    start_s, end_s = int(f.start.timestamp()), int(f.end.timestamp())
    s, e = _epoch(request, Job.starts_at), _epoch(request, Job.ends_at)
    clipped = (sa.case((e < end_s, e), else_=sa.literal(end_s))
               - sa.case((s > start_s, s), else_=sa.literal(start_s)))
    # Joined to the technicians rather than `resource_id IN (...)`, which SQLite would probe
    # for every technician at every job.
    booked = dict(db.execute(
        sa.select(JobAssignment.resource_id, sa.func.sum(clipped))
        .join(Job, Job.id == JobAssignment.job_id)
        .join(Resource, Resource.id == JobAssignment.resource_id)
        .where(*_booked_in(f), *where)
        .group_by(JobAssignment.resource_id)).all())
    time_off: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}
    for resource_id, off_start, off_end in db.execute(
            sa.select(TimeOff.resource_id, TimeOff.starts_at, TimeOff.ends_at)
            .where(TimeOff.resource_id.in_(sa.select(Resource.id).where(*where, current)),
                   TimeOff.starts_at < f.end,
                   TimeOff.ends_at > f.start)):
        time_off.setdefault(resource_id, []).append((off_start, off_end))
    weeks: dict[str, _Openings | None] = {}
    technicians, groups = [], {}
    total = Utilization(None, "")
    for resource_id, name, hours, group_id, group_name in rows:
        openings = _openings(weeks, hours, f)
        working = None if openings is None else openings.working(time_off.get(resource_id, ()))
        row = Utilization(resource_id, name, round((booked.get(resource_id) or 0) / 60), working,
                          group_id)
        technicians.append(row)
        group = groups.get(group_id)
        if group is None:
            group = groups[group_id] = Utilization(group_id, group_name or "")
        group.add(row)
        total.add(row)
    ordered = sorted(groups.values(), key=lambda g: (g.key is None, g.name.lower(), g.key or 0))
    return UtilizationReport(technicians, ordered, total)


@dataclass
class _Openings:
    """The working intervals of one working week within the period."""

    spans: list[tuple[dt.datetime, dt.datetime]]
    minutes: int

    def working(self, time_off) -> int:
        """Working minutes outside the time off."""
        if not time_off:
            return self.minutes
        off: list[list[dt.datetime]] = []
        for a, b in sorted(time_off):
            if off and a <= off[-1][1]:
                off[-1][1] = max(off[-1][1], b)
            else:
                off.append([a, b])
        lost = dt.timedelta()
        for a, b in self.spans:
            for oa, ob in off:
                lo, hi = max(a, oa), min(b, ob)
                if hi > lo:
                    lost += hi - lo
        return self.minutes - round(lost.total_seconds() / 60)


def _openings(cache: dict, hours, f: Filters) -> _Openings | None:
    """The working intervals of a resource's week in the period, worked out once per distinct
    week; None when the resource has no working hours."""
    key = json.dumps(hours or {}, sort_keys=True, default=str)
    if key not in cache:
        try:
            calendar = BusinessHours.from_data(hours) if hours else None
        except UserError:
            calendar = None
        if calendar is None:
            cache[key] = None
        else:
            spans = calendar.openings(f.start, f.end)
            minutes = round(sum((b - a for a, b in spans), dt.timedelta()).total_seconds() / 60)
            cache[key] = _Openings(spans, minutes)
    return cache[key]


# --- jobs by state and territory ----------------------------------------------------------------

def _job_where(request, f: Filters) -> list:
    where = [reportable(request, Job)]
    if f.territory_id is not None:
        where.append(Job.territory_id == f.territory_id)
    if f.group_id is not None:
        where.append(Job.id.in_(
            sa.select(JobAssignment.job_id).join(Resource, Resource.id == JobAssignment.resource_id)
            .where(Resource.group_id == f.group_id)))
    return where


@dataclass
class TerritoryStates:
    """Jobs of one territory (key None: no territory) counted by state."""

    key: int | None
    name: str
    states: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.states.values())


def jobs_by_state(request, f: Filters) -> tuple[list[TerritoryStates], TerritoryStates]:
    """[(territory, {state: jobs})] by territory name ("no territory" last), and the totals:
    one statement."""
    planned = sa.and_(Job.starts_at >= f.start, Job.starts_at < f.end)
    unplanned = sa.and_(Job.starts_at.is_(None), Job.created_at >= f.start, Job.created_at < f.end)
    rows = request.dbsession.execute(
        sa.select(Job.territory_id, Territory.name, Job.state, sa.func.count())
        .outerjoin(Territory, Territory.id == Job.territory_id)
        .where(*_job_where(request, f), sa.or_(planned, unplanned))
        .group_by(Job.territory_id, Territory.name, Job.state)).all()
    out: dict[int | None, TerritoryStates] = {}
    total = TerritoryStates(None, "")
    for territory_id, name, state, n in rows:
        row = out.setdefault(territory_id, TerritoryStates(territory_id, name or ""))
        row.states[state] = row.states.get(state, 0) + n
        total.states[state] = total.states.get(state, 0) + n
    ordered = sorted(out.values(), key=lambda r: (r.key is None, r.name.lower(), r.key or 0))
    return ordered, total


def states_present(total: TerritoryStates) -> list[str]:
    """The workflow's states that have jobs, in the workflow's order."""
    return [s for s in STATES if total.states.get(s)]


# --- on-time arrival and first-time fix ---------------------------------------------------------

@dataclass
class Quality:
    """On-time arrival and first-time fix of one territory (key None: no territory) or all."""

    key: int | None
    name: str
    started: int = 0
    on_time: int = 0
    completed: int = 0
    fix_known: int = 0
    fixed_first_time: int = 0

    @property
    def on_time_share(self) -> float | None:
        return self.on_time / self.started if self.started else None

    @property
    def late(self) -> int:
        return self.started - self.on_time

    @property
    def first_time_fix_share(self) -> float | None:
        return self.fixed_first_time / self.fix_known if self.fix_known else None

    @property
    def another_visit(self) -> int:
        return self.fix_known - self.fixed_first_time

    def add(self, other: Quality) -> None:
        for name in ("started", "on_time", "completed", "fix_known", "fixed_first_time"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def quality(request, f: Filters) -> tuple[list[Quality], Quality]:
    """On-time arrival and first-time fix by territory over the jobs planned to start in the
    period, and the totals: one statement."""
    started = Job.actual_start.is_not(None)
    late_by = _epoch(request, Job.actual_start) - _epoch(request, Job.starts_at)
    on_time = sa.and_(started, late_by <= int(ON_TIME_GRACE.total_seconds()))
    completed = Job.state == "completed"
    known = sa.and_(completed, Job.fixed_first_time.is_not(None))
    fixed = sa.and_(completed, Job.fixed_first_time.is_(True))

    def count(condition):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    rows = request.dbsession.execute(
        sa.select(Job.territory_id, Territory.name, count(started), count(on_time),
                  count(completed), count(known), count(fixed))
        .outerjoin(Territory, Territory.id == Job.territory_id)
        .where(*_job_where(request, f), Job.starts_at >= f.start, Job.starts_at < f.end)
        .group_by(Job.territory_id, Territory.name)).all()
    out = [Quality(territory_id, name or "", *(int(v) for v in figures))
           for territory_id, name, *figures in rows]
    out.sort(key=lambda r: (r.key is None, r.name.lower(), r.key or 0))
    total = Quality(None, "")
    for row in out:
        total.add(row)
    return out, total
