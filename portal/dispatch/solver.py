"""Auto-plan: Google OR-Tools' CP-SAT over the planning engine's rules (portal/dispatch/
planner.py: the data, the rules, find-a-slot and the greedy plan).

In units of the grid's step: an optional interval per (job, qualified resource) sharing the
job's start, a presence per job, no overlap per resource including fixed intervals for its
non-free time, exactly the crew and the equipment when placed; the objective is the weighted
jobs placed, then the earliest finish, then a balanced load. The greedy plan is the hint, and
a solver's answer is kept only when every rule holds and it is strictly better, so auto-plan
never answers with less than the greedy plan. One model over a week never beat greedy here,
so a horizon longer than a day is bettered one day-long window at a time (the jobs outside the
window kept where they are). Without OR-Tools, the greedy plan.
"""
from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from portal.dispatch.planner import (
    EQUIPMENT,
    TECHNICIAN,
    WINDOW,
    Plan,
    PlanJob,
    PlanResource,
    Slot,
    _finish,
    _greedy,
    _latest_end,
    _options,
    _take,
    plan_problems,
)

try:
    from ortools.sat.python import cp_model
    HAVE_ORTOOLS = True
except ImportError:  # an optional dependency: without it auto_plan answers with the greedy plan
    cp_model = None
    HAVE_ORTOOLS = False

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
