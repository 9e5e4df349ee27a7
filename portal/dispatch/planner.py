"""The planning engine of the dispatcher's board: find a slot for one job, plan many at once.

Pure: plain numbers in, plain numbers out; no database and no request. The caller (the board's
adapter) turns resources and jobs into `PlanResource` and `PlanJob`, time being integer
MINUTES from an origin it chooses (the start of its horizon); starts lie on a grid of `step`
minutes counted from that origin.

A slot (a start and a set of resources) is possible when every hard rule holds:
- the start is a multiple of `step`; `earliest <= start` and `start + duration <= latest`;
- for every resource of the set, [start, start + duration) lies inside ONE of its free intervals
  (free = working hours minus time off minus other bookings: the adapter computes it);
- exactly `job.technicians` distinct technicians, each holding every required skill at the
  required level or above, with a certificate valid until the slot's END (`valid_until` is the
  last minute a slot may end at; None never expires);
- exactly one equipment resource of `job.equipment_type` when the job names one.
The territory is soft: a resource of another territory may serve, ranked after those that match
(a resource without a territory matches every job).

- `find_slots`: the best candidates for one job, each resource set at its own earliest start.
- `greedy_plan`: jobs by priority, window and size, each at its best candidate.
- `auto_plan` (portal/dispatch/solver.py): Google OR-Tools' CP-SAT over the same rules,
  started from the greedy plan and never answering with less than it.
- `plan_problems`, `slot_problems`: the hard rules a plan or a slot breaks (none, we hope).
"""
from __future__ import annotations

import heapq
import math
import time
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise

TECHNICIAN = "technician"
EQUIPMENT = "equipment"
# The value of placing a job, by priority (0 low, 1 normal, 2 high, 3 urgent): an urgent job
# outweighs any two high ones, and so on down.
WEIGHTS = {0: 1, 1: 2, 2: 4, 3: 8}
# Why a job stays out of a plan.
NO_RESOURCE = "no_resource"   # no resource set qualifies: skills, certificates, equipment, crew
NO_TIME = "no_time"           # qualified resources exist, but no free time in the window
CAPACITY = "capacity"         # it fits alone, but the plan gave that time to more valuable jobs
# Auto-plan betters a long horizon's plan one window of this many minutes (a day) at a time.
WINDOW = 24 * 60


def _merge_free(free: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[tuple[int, int]] = []
    for begin, end in sorted(free):
        if begin >= end:
            continue
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((begin, end))
    return tuple(merged)


@dataclass(frozen=True)
class PlanResource:
    """A technician or a piece of equipment as the planner sees it."""

    id: int
    kind: str                           # TECHNICIAN or EQUIPMENT
    free: tuple[tuple[int, int], ...]   # sorted, disjoint [start, end) minutes it may work
    equipment_type: str = ""            # equipment: its type ("van")
    territory_id: int | None = None
    # skill_id -> (level 1..5, valid_until minute or None): counts for a slot ending by then.
    skills: Mapping[int, tuple[int, int | None]] = field(default_factory=dict)
    capacity: int = 0                   # working minutes in the horizon (for utilization)
    booked: int = 0                     # minutes already booked in the horizon

    def __post_init__(self) -> None:
        # Free time touching free time is one stretch: a job may run across the seam.
        object.__setattr__(self, "free", _merge_free(self.free))

    @property
    def utilization(self) -> float:
        return self.booked / self.capacity if self.capacity > 0 else 0.0


@dataclass(frozen=True)
class PlanJob:
    """A job to place: its duration, its window and what it needs."""

    id: int
    duration: int                       # minutes, > 0
    earliest: int                       # start >= earliest
    latest: int                         # start + duration <= latest
    priority: int = 1                   # 0 low, 1 normal, 2 high, 3 urgent
    skills: Mapping[int, int] = field(default_factory=dict)   # skill_id -> minimum level
    technicians: int = 1                # how many technicians (a crew of two: 2)
    equipment_type: str = ""            # needs one equipment resource of this type ("" none)
    territory_id: int | None = None     # a mismatch ranks lower, never refuses

    @property
    def weight(self) -> int:
        return WEIGHTS.get(self.priority, 1)


@dataclass(frozen=True)
class Slot:
    """One candidate (or one placement): a start and the resources that work it."""

    start: int
    resource_ids: tuple[int, ...]       # technicians first (by id), then the equipment
    utilization: float                  # mean booked/capacity of those resources before it
    territory_match: bool


@dataclass(frozen=True)
class Plan:
    """A proposal: where each placed job goes, and why the others could not be placed.

    `solver` is "cp-sat" when the solver's plan is proposed, else "greedy"; `status` is the
    solver's word for it ("OPTIMAL": proved the best; "FEASIBLE": the best found in the time),
    or for a greedy plan "greedy" (asked for), "no_solver" (OR-Tools missing) or
    "kept:<solver status>" (the solver found nothing better). `unplaced` gives NO_RESOURCE,
    NO_TIME or CAPACITY per job left out. Utilizations in the slots are those before the plan."""

    placements: dict[int, Slot]
    unplaced: dict[int, str]
    solver: str
    status: str
    weighted_placed: int
    total_lateness: int
    seconds: float


@dataclass(frozen=True)
class _Option:
    """A resource qualified for a job, with the grid starts it could take: inclusive ranges
    (first, last) of multiples of the step."""

    resource: PlanResource
    ranges: tuple[tuple[int, int], ...]
    match: bool

    @property
    def id(self) -> int:
        return self.resource.id

    @property
    def order(self) -> tuple[float, int]:
        return (self.resource.utilization, self.resource.id)


def _ceil_to(value: int, step: int) -> int:
    return -(-value // step) * step


def _latest_end(resource: PlanResource, job: PlanJob) -> int | None:
    """The latest end of a slot of `job` on `resource`, or None if the resource does not
    qualify at all (wrong kind, skill, level or equipment type)."""
    if resource.kind == TECHNICIAN:
        if job.technicians <= 0:
            return None
        latest = job.latest
        for skill_id, level in job.skills.items():
            held = resource.skills.get(skill_id)
            if held is None or held[0] < level:
                return None
            if held[1] is not None:
                latest = min(latest, held[1])
        return latest
    if resource.kind == EQUIPMENT and job.equipment_type:
        return job.latest if resource.equipment_type == job.equipment_type else None
    return None


def _matches(resource: PlanResource, job: PlanJob) -> bool:
    """Territory: a resource without one serves anywhere."""
    return resource.territory_id in (None, job.territory_id) or job.territory_id is None


def _ranges(free: Sequence[tuple[int, int]], earliest: int, latest: int, duration: int,
            step: int) -> tuple[tuple[int, int], ...]:
    """The grid starts inside one free interval and the window, as inclusive ranges."""
    out = []
    # Intervals ending before `earliest + duration` cannot hold the job: skip them at once.
    index = bisect_left(free, earliest + duration, key=lambda iv: iv[1])
    for begin, end in free[index:]:
        if begin + duration > latest:
            break
        first = _ceil_to(max(begin, earliest), step)
        last = (min(end, latest) - duration) // step * step
        if first <= last:
            out.append((first, last))
    return tuple(out)


def _options(job: PlanJob, resources: Iterable[PlanResource], step: int) -> list[_Option]:
    """The resources qualified for `job` that have at least one possible start."""
    out = []
    for resource in resources:
        latest = _latest_end(resource, job)
        if latest is None:
            continue
        ranges = _ranges(resource.free, job.earliest, latest, job.duration, step)
        if ranges:
            out.append(_Option(resource, ranges, _matches(resource, job)))
    return out


def _slot(start: int, chosen: Sequence[_Option]) -> Slot:
    techs = sorted(o.id for o in chosen if o.resource.kind == TECHNICIAN)
    others = [o.id for o in chosen if o.resource.kind != TECHNICIAN]
    # fsum is exact, so a set's figure does not depend on the order it was added in.
    utilization = math.fsum(o.resource.utilization for o in chosen) / len(chosen)
    return Slot(start, tuple(techs + others), utilization, all(o.match for o in chosen))


def _slot_key(slot: Slot) -> tuple:
    return (slot.start, not slot.territory_match, slot.utilization, slot.resource_ids)


def _best_sets(groups: Sequence[tuple[Sequence[_Option], int]]) -> Iterator[list[_Option]]:
    """Every way to take `count` options from each group, best first: by the sum of their
    utilizations, then by their ids. Each group is sorted by (utilization, id).

    Best-first over index tuples: moving one index to the next option never makes a set
    better (a higher or equal utilization, and at equal one a higher id, so a later id
    tuple), and every set is reached that way from the first one, so a heap yields them
    in order however many there are, paying only for the ones taken."""
    if any(len(items) < count for items, count in groups):
        return

    def entry(state):
        picked = [[items[i] for i in picks]
                  for (items, _), picks in zip(groups, state, strict=True)]
        chosen = [o for group in picked for o in group]
        ids = tuple(i for group in picked for i in sorted(o.id for o in group))
        return (math.fsum(o.resource.utilization for o in chosen), ids, state, chosen)

    first = tuple(tuple(range(count)) for _, count in groups)
    heap, seen = [entry(first)], {first}
    while heap:
        _, _, state, chosen = heapq.heappop(heap)
        yield chosen
        for g, ((items, count), picks) in enumerate(zip(groups, state, strict=True)):
            for j, index in enumerate(picks):
                bound = picks[j + 1] if j + 1 < count else len(items)
                if index + 1 < bound:
                    moved = (*picks[:j], index + 1, *picks[j + 1:])
                    successor = (*state[:g], moved, *state[g + 1:])
                    if successor not in seen:
                        seen.add(successor)
                        heapq.heappush(heap, entry(successor))


def _candidates(job: PlanJob, options: list[_Option], limit: int) -> list[Slot]:
    """Distinct resource sets, each at its own earliest start, the `limit` best by start, then
    territory match, then utilization, then ids."""
    techs = [o for o in options if o.resource.kind == TECHNICIAN]
    equipment = [o for o in options if o.resource.kind == EQUIPMENT]
    crew, vehicles = max(job.technicians, 0), (1 if job.equipment_type else 0)
    if limit <= 0 or crew + vehicles == 0 or len(techs) < crew or len(equipment) < vehicles:
        return []
    if crew + vehicles == 1:
        # One resource: each one at its first possible start.
        singles = [_slot(o.ranges[0][0], [o]) for o in (techs if crew else equipment)]
        return sorted(singles, key=_slot_key)[:limit]
    # Sweep the starts where some resource's range begins. A set whose earliest start is s
    # holds a member whose range begins at s; all sets possible at an earlier start were
    # emitted there (else the limit was already reached), so at s the sets not emitted yet
    # are exactly those whose earliest start is s.
    ranges = sorted((first, last, n) for n, o in enumerate(options) for first, last in o.ranges)
    emitted: set[tuple[int, ...]] = set()
    out: list[Slot] = []
    active: set[int] = set()
    ends: list[tuple[int, int]] = []
    i = 0
    while i < len(ranges) and len(out) < limit:
        start = ranges[i][0]
        while ends and ends[0][0] < start:
            active.discard(heapq.heappop(ends)[1])
        while i < len(ranges) and ranges[i][0] == start:
            _, last, n = ranges[i]
            active.add(n)
            heapq.heappush(ends, (last, n))
            i += 1
        pool = sorted((options[n] for n in active), key=lambda o: o.order)
        pool_techs = [o for o in pool if o.resource.kind == TECHNICIAN]
        pool_equipment = [o for o in pool if o.resource.kind == EQUIPMENT]
        # Sets that match the territory first, then the others.
        for matching in (True, False):
            if len(out) >= limit:
                break
            groups = [(pool_techs, crew), (pool_equipment, vehicles)]
            if matching:
                groups = [([o for o in items if o.match], count) for items, count in groups]
            for chosen in _best_sets(groups):
                slot = _slot(start, chosen)
                if slot.resource_ids in emitted or slot.territory_match != matching:
                    continue
                emitted.add(slot.resource_ids)
                out.append(slot)
                if len(out) >= limit:
                    break
    return sorted(out, key=_slot_key)


def find_slots(job: PlanJob, resources: Iterable[PlanResource], step: int = 15,
               limit: int = 10) -> list[Slot]:
    """The best candidates for `job`: distinct resource sets, each at its own earliest
    possible start, sorted by start, then territory match first, then utilization (lower
    first), then ids. The first one has the earliest start any set can take. For a
    one-resource job every qualified resource appears once, at its own earliest start."""
    if step <= 0 or job.duration <= 0:
        raise ValueError("step and duration must be positive")
    return _candidates(job, _options(job, resources, step), limit)


def slot_problems(job: PlanJob, slot: Slot, resources: Mapping[int, PlanResource],
                  step: int) -> list[str]:
    """The hard rules `slot` breaks for `job` (empty when it is possible)."""
    problems = []
    end = slot.start + job.duration
    if slot.start % step:
        problems.append("start off the grid")
    if slot.start < job.earliest or end > job.latest:
        problems.append("outside the window")
    if len(set(slot.resource_ids)) != len(slot.resource_ids):
        problems.append("a resource twice")
    chosen = [resources.get(rid) for rid in slot.resource_ids]
    if None in chosen:
        return [*problems, "unknown resource"]
    techs = [r for r in chosen if r.kind == TECHNICIAN]
    equipment = [r for r in chosen if r.kind == EQUIPMENT]
    if len(techs) != job.technicians or len(equipment) != (1 if job.equipment_type else 0):
        problems.append("wrong crew")
    for resource in chosen:
        latest = _latest_end(resource, job)
        if latest is None or end > latest:
            problems.append(f"resource {resource.id} not qualified")
        if not any(begin <= slot.start and end <= stop for begin, stop in resource.free):
            problems.append(f"resource {resource.id} not free")
    return problems


def plan_problems(plan: Plan, jobs: Sequence[PlanJob], resources: Sequence[PlanResource],
                  step: int) -> list[str]:
    """Every hard rule the plan's placements break, overlaps on a resource included."""
    by_id = {r.id: r for r in resources}
    job_by_id = {j.id: j for j in jobs}
    problems, busy = [], {}
    for job_id, slot in plan.placements.items():
        job = job_by_id[job_id]
        problems += [f"job {job_id}: {p}" for p in slot_problems(job, slot, by_id, step)]
        for rid in slot.resource_ids:
            busy.setdefault(rid, []).append((slot.start, slot.start + job.duration, job_id))
    for rid, spans in busy.items():
        spans.sort()
        for (_, end, a), (begin, _, b) in pairwise(spans):
            if begin < end:
                problems.append(f"jobs {a} and {b} overlap on resource {rid}")
    return problems


def _take(resource: PlanResource, start: int, end: int) -> PlanResource:
    """`resource` once [start, end) is booked out of one of its free intervals."""
    free = list(resource.free)
    index = bisect_right(free, (start, math.inf)) - 1
    begin, stop = free[index]
    free[index:index + 1] = [iv for iv in ((begin, start), (end, stop)) if iv[0] < iv[1]]
    return replace(resource, free=tuple(free), booked=resource.booked + end - start)


def _greedy(jobs: Sequence[PlanJob], resources: Sequence[PlanResource],
            step: int) -> dict[int, Slot]:
    current = {r.id: r for r in resources}
    placements = {}
    for job in sorted(jobs, key=lambda j: (-j.priority, j.latest, -j.duration, j.id)):
        slots = _candidates(job, _options(job, current.values(), step), 1)
        if slots:
            slot = placements[job.id] = slots[0]
            for rid in slot.resource_ids:
                current[rid] = _take(current[rid], slot.start, slot.start + job.duration)
    return placements


def _reason(job: PlanJob, resources: Sequence[PlanResource], step: int) -> str:
    if job.latest - job.earliest < job.duration:
        return NO_TIME
    # Qualified: right kind, skills and levels, a certificate that lasts to an end in the window.
    qualified = [r for r in resources
                 if (latest := _latest_end(r, job)) is not None
                 and latest - job.duration >= job.earliest]
    techs = sum(r.kind == TECHNICIAN for r in qualified)
    vehicles = sum(r.kind == EQUIPMENT for r in qualified)
    if (techs < job.technicians or vehicles < (1 if job.equipment_type else 0)
            or job.technicians + (1 if job.equipment_type else 0) == 0):
        return NO_RESOURCE
    return CAPACITY if find_slots(job, resources, step, 1) else NO_TIME


def _finish(placements: Mapping[int, Slot], jobs: Sequence[PlanJob],
            resources: Sequence[PlanResource], step: int, solver: str, status: str,
            started: float) -> Plan:
    by_id = {r.id: r for r in resources}
    job_by_id = {j.id: j for j in jobs}
    final = {}
    for job_id, slot in placements.items():
        job = job_by_id[job_id]
        chosen = [_Option(by_id[rid], (), _matches(by_id[rid], job)) for rid in slot.resource_ids]
        final[job_id] = replace(_slot(slot.start, chosen), resource_ids=slot.resource_ids)
    return Plan(
        placements=final,
        unplaced={j.id: _reason(j, resources, step) for j in jobs if j.id not in final},
        solver=solver, status=status,
        weighted_placed=sum(job_by_id[j].weight for j in final),
        total_lateness=sum(s.start - job_by_id[j].earliest for j, s in final.items()),
        seconds=time.perf_counter() - started,
    )


def greedy_plan(jobs: Sequence[PlanJob], resources: Sequence[PlanResource],
                step: int = 15) -> Plan:
    """Jobs by priority (highest first), then latest end, then duration (longest first), each
    at its best candidate in the time the jobs before it left free."""
    started = time.perf_counter()
    return _finish(_greedy(jobs, resources, step), jobs, resources, step, "greedy", "greedy",
                   started)
