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
- `auto_plan`: Google OR-Tools' CP-SAT over the same rules, started from the greedy plan and
  never answering with less than it (a long horizon is bettered a day's window at a time);
  the greedy plan alone when OR-Tools is not installed.
- `plan_problems`, `slot_problems`: the hard rules a plan or a slot breaks (none, we hope).
"""
from __future__ import annotations

import heapq
import itertools
import math
import time
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise

try:
    from ortools.sat.python import cp_model
    HAVE_ORTOOLS = True
except ImportError:  # an optional dependency: without it auto_plan answers with the greedy plan
    cp_model = None
    HAVE_ORTOOLS = False

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


def _merge(ranges: Iterable[tuple[int, int]]) -> list[list[int]]:
    merged: list[list[int]] = []
    for first, last in sorted(ranges):
        if merged and first <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], last)
        else:
            merged.append([first, last])
    return merged


def _solve(jobs: Sequence[PlanJob], resources: Sequence[PlanResource], step: int,
           hint: Mapping[int, Slot], time_limit: float) -> tuple[dict[int, Slot] | None, str]:
    """CP-SAT, starts in units of `step`, intervals in minutes: a start per job, a presence per
    (job, qualified resource) with an optional interval, no overlap per resource including
    fixed intervals for the time it is not free, a certificate's end as a bound on the pair.
    First the most weighted jobs placed, then (those kept) the least lateness and the lightest
    most-loaded resource: two solves, each started from the best plan known."""
    model = cp_model.CpModel()
    by_id = {r.id: r for r in resources}
    intervals: dict[int, list] = {}
    loads: dict[int, list] = {}
    placed, starts, chosen, first = {}, {}, {}, {}
    weighted, lateness, late_bound = [], [], 0
    for job in jobs:
        options = _options(job, resources, step)
        crew, vehicles = max(job.technicians, 0), (1 if job.equipment_type else 0)
        techs = [o for o in options if o.resource.kind == TECHNICIAN]
        equipment = [o for o in options if o.resource.kind == EQUIPMENT]
        if crew + vehicles == 0 or len(techs) < crew or len(equipment) < vehicles:
            continue
        domain = _merge((a // step, b // step) for o in options for a, b in o.ranges)
        start = model.new_int_var_from_domain(
            cp_model.Domain.from_intervals(domain), f"start{job.id}")
        present = model.new_bool_var(f"placed{job.id}")
        pairs = {}
        for o in options:
            use = pairs[o.id] = model.new_bool_var(f"use{job.id}_{o.id}")
            latest = _latest_end(o.resource, job)
            if latest < job.latest:   # a certificate that expires inside the window
                model.add(step * start + job.duration <= latest).only_enforce_if(use)
            intervals.setdefault(o.id, []).append(model.new_optional_fixed_size_interval_var(
                step * start, job.duration, use, f"on{job.id}_{o.id}"))
            loads.setdefault(o.id, []).append((use, job.duration))
        model.add(sum(pairs[o.id] for o in techs) == crew * present)
        model.add(sum(pairs[o.id] for o in equipment) == vehicles * present)
        placed[job.id], starts[job.id], chosen[job.id] = present, start, pairs
        first[job.id] = domain[0][0]
        weighted.append(job.weight * present)
        # An unplaced job's start is free and settles at its first value: no lateness counted.
        lateness.append(start - domain[0][0])
        late_bound += domain[-1][1] - domain[0][0]
    if not placed:
        return {}, "OPTIMAL"
    begin = min(first.values()) * step
    end = max(j.latest for j in jobs)
    for rid, ivs in intervals.items():
        edges = [begin, *(t for iv in by_id[rid].free for t in iv), end]
        for a, b in zip(edges[::2], edges[1::2], strict=True):
            if a < b:
                ivs.append(model.new_fixed_size_interval_var(a, b - a, f"off{rid}_{a}"))
        model.add_no_overlap(ivs)
    load_bound = max(by_id[rid].booked + sum(d for _, d in pairs) for rid, pairs in loads.items())
    most = model.new_int_var(0, load_bound, "most_loaded")
    for rid, pairs in loads.items():
        model.add(by_id[rid].booked + sum(use * d for use, d in pairs) <= most)

    def suggest(plan: Mapping[int, Slot]) -> None:
        model.clear_hints()
        for job_id, present in placed.items():
            slot = plan.get(job_id)
            model.add_hint(present, slot is not None)
            model.add_hint(starts[job_id], slot.start // step if slot else first[job_id])
            for rid, use in chosen[job_id].items():
                model.add_hint(use, slot is not None and rid in slot.resource_ids)

    def read(solver) -> dict[int, Slot]:
        out = {}
        for job_id, present in placed.items():
            if solver.value(present):
                ids = [rid for rid, use in chosen[job_id].items() if solver.value(use)]
                techs = sorted(rid for rid in ids if by_id[rid].kind == TECHNICIAN)
                rest = [rid for rid in ids if by_id[rid].kind != TECHNICIAN]
                out[job_id] = Slot(solver.value(starts[job_id]) * step, tuple(techs + rest),
                                   0.0, True)
        return out

    deadline = time.perf_counter() + time_limit
    best, name, reached = None, "UNKNOWN", 0
    value = sum(weighted)
    for phase in (1, 2):
        if phase == 1:
            model.maximize(value)
        else:
            model.add(value >= reached)
            model.minimize((load_bound + 1) * sum(lateness) + most)
        suggest(best or hint)
        solver = cp_model.CpSolver()
        left = deadline - time.perf_counter()
        solver.parameters.max_time_in_seconds = max(left * (0.6 if phase == 1 else 1.0), 0.05)
        solver.parameters.num_workers = 2
        # Probing a model of thousands of optional intervals can eat the whole time limit.
        solver.parameters.cp_model_probing_level = 0
        status = solver.solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            break
        best, name = read(solver), solver.status_name(status)
        reached = round(solver.objective_value)
    return best, name


def _window(jobs: Sequence[PlanJob], resources: Sequence[PlanResource],
            plan: Mapping[int, Slot], first: int, last: int,
            ) -> tuple[list[PlanJob], list[PlanResource]]:
    """The jobs to plan again in [first, last) (those placed inside it, and the unplaced ones
    whose window meets it; their windows cut to it), and the resources' time around the
    other placements, which stay."""
    movable, around = [], {r.id: r for r in resources}
    for job in jobs:
        slot = plan.get(job.id)
        inside = slot is not None and first <= slot.start and slot.start + job.duration <= last
        if inside or (slot is None and job.earliest < last and job.latest > first):
            movable.append(replace(job, earliest=max(job.earliest, first),
                                   latest=min(job.latest, last)))
        elif slot is not None:
            for rid in slot.resource_ids:
                around[rid] = _take(around[rid], slot.start, slot.start + job.duration)
    return movable, list(around.values())


def _improve(jobs: Sequence[PlanJob], resources: Sequence[PlanResource], step: int,
             plan: Mapping[int, Slot], deadline: float) -> dict[int, Slot]:
    """Better `plan` one window of time at a time (a neighbourhood search with CP-SAT): the
    jobs placed inside the window and the unplaced ones whose window meets it are planned
    again around the others, kept fixed. A week's model at once is too big for the solver to
    improve in seconds; a day's is small enough. Windows of a day, shifted by half a day
    every other pass, until time is up or a pass improves nothing."""
    plan = dict(plan)
    job_by_id = {j.id: j for j in jobs}

    def score(placements: Mapping[int, Slot], ids: Iterable[int]) -> tuple[int, int]:
        placed = [i for i in ids if i in placements]
        return (sum(job_by_id[i].weight for i in placed),
                -sum(placements[i].start - job_by_id[i].earliest for i in placed))

    low, high = min(j.earliest for j in jobs), max(j.latest for j in jobs)
    for shift in itertools.count():
        begin = low - low % WINDOW + (WINDOW // 2 if shift % 2 else 0) - WINDOW
        windows = [(t, t + WINDOW) for t in range(begin, high, WINDOW) if t + WINDOW > low]
        improved = False
        for n, (first, last) in enumerate(windows):
            left = deadline - time.perf_counter()
            if left < 0.05:
                return plan
            movable, around = _window(jobs, resources, plan, first, last)
            ids = [j.id for j in movable]
            before = {i: plan[i] for i in ids if i in plan}
            if all(i in before and before[i].start < j.earliest + step
                   for i, j in zip(ids, movable, strict=True)):
                continue   # nothing to gain: all placed, each at its first start
            found, _ = _solve(movable, around, step, before, max(left / (len(windows) - n), 0.05))
            if found is not None and score(found, ids) > score(before, ids):
                for i in ids:
                    plan.pop(i, None)
                plan.update(found)
                improved = True
        if not improved and shift % 2:
            return plan
    raise AssertionError("unreachable")


def auto_plan(jobs: Sequence[PlanJob], resources: Sequence[PlanResource], step: int = 15,
              time_limit: float = 8.0, solver: str = "auto") -> Plan:
    """The best plan CP-SAT finds within `time_limit` seconds, started from the greedy plan;
    the greedy plan when the solver finds nothing better (more weighted jobs placed, or as many
    with less lateness), when `solver` is "greedy", or when OR-Tools is not installed.

    Jobs all inside one window (a day) are solved at once; over longer horizons the whole
    model gets a share of the time (enough to prove a small case optimal), then the plan is
    bettered window by window."""
    if solver not in ("auto", "cp-sat", "greedy"):
        raise ValueError(f"unknown solver {solver!r}")
    if step <= 0 or any(job.duration <= 0 for job in jobs):
        raise ValueError("step and durations must be positive")
    started = time.perf_counter()
    deadline = started + time_limit
    greedy = _greedy(jobs, resources, step)
    if solver == "greedy" or not HAVE_ORTOOLS or not jobs:
        status = "no_solver" if solver != "greedy" and not HAVE_ORTOOLS else "greedy"
        return _finish(greedy, jobs, resources, step, "greedy", status, started)
    span = max(j.latest for j in jobs) - min(j.earliest for j in jobs)
    # The whole model at once: all the time within a window; otherwise a try that proves a
    # small case optimal, and little for a big one (measured: no better in 1.6 of 8 seconds).
    share = 1.0 if span <= WINDOW else 0.3 if len(jobs) <= 100 else 0.05
    found, status = _solve(jobs, resources, step, greedy,
                           (deadline - time.perf_counter()) * share)
    if status != "OPTIMAL" and span > WINDOW:
        found = _improve(jobs, resources, step, found or greedy, deadline)
        status = "FEASIBLE"
    fallback = _finish(greedy, jobs, resources, step, "greedy", f"kept:{status}", started)
    if found is None:
        return fallback
    plan = _finish(found, jobs, resources, step, "cp-sat", status, started)
    if plan_problems(plan, jobs, resources, step):   # never propose a broken plan
        return fallback
    better = ((plan.weighted_placed, -plan.total_lateness)
              > (fallback.weighted_placed, -fallback.total_lateness))
    return plan if better else replace(fallback, seconds=plan.seconds)
