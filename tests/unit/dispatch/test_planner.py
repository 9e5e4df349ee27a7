"""The planning engine against brute force on small generated cases, and its edge cases.

The brute force here is written from the rules, not from the planner: every grid start and
every resource set is tried. Set PLANNER_BENCH=1 to also time 500 jobs on 50 resources over a
week and find-a-slot over 100 resources and 14 days (it prints the figures).
"""
from __future__ import annotations

import math
import os
import random
import time
from dataclasses import replace
from itertools import combinations, pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.dispatch import planner, solver
from portal.dispatch.planner import (
    CAPACITY,
    NO_RESOURCE,
    NO_TIME,
    PlanJob,
    PlanResource,
    find_slots,
    greedy_plan,
)
from portal.dispatch.solver import auto_plan
from tests.unit.dispatch.planning_cases import (
    DAY,
    fortnight_resources,
    make_jobs,
    make_resources,
    small_case,
    week_case,
)

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- the rules, written out plainly ------------------------------------------------------------

def fits(job: PlanJob, start: int, ids, by_id, step: int) -> bool:
    """Every hard rule of a slot."""
    end = start + job.duration
    if start % step or start < job.earliest or end > job.latest or len(set(ids)) != len(ids):
        return False
    chosen = [by_id[i] for i in ids]
    techs = [r for r in chosen if r.kind == "technician"]
    vans = [r for r in chosen if r.kind == "equipment"]
    if len(techs) != job.technicians or len(vans) != (1 if job.equipment_type else 0):
        return False
    for tech in techs:
        for skill, level in job.skills.items():
            held = tech.skills.get(skill)
            if held is None or held[0] < level or (held[1] is not None and held[1] < end):
                return False
    if any(van.equipment_type != job.equipment_type for van in vans):
        return False
    return all(any(a <= start and end <= b for a, b in r.free) for r in chosen)


def resource_sets(job: PlanJob, resources):
    techs = sorted((r for r in resources if r.kind == "technician"), key=lambda r: r.id)
    vans = [r for r in resources if r.kind == "equipment"]
    for crew in combinations(techs, job.technicians):
        for van in (combinations(vans, 1) if job.equipment_type else [()]):
            yield crew + van


def grid(job: PlanJob, step: int) -> range:
    return range(-(-job.earliest // step) * step, job.latest - job.duration + 1, step)


def brute_candidates(job: PlanJob, resources, step: int):
    """Each resource set at its earliest start, ranked as find_slots promises."""
    by_id = {r.id: r for r in resources}
    out = []
    for chosen in resource_sets(job, resources):
        ids = tuple(r.id for r in chosen)
        start = next((s for s in grid(job, step) if fits(job, s, ids, by_id, step)), None)
        if start is not None:
            utilization = math.fsum(r.booked / r.capacity if r.capacity else 0.0
                                    for r in chosen) / len(chosen)
            match = job.territory_id is None or all(
                r.territory_id in (None, job.territory_id) for r in chosen)
            out.append(planner.Slot(start, ids, utilization, match))
    return sorted(out, key=lambda s: (s.start, not s.territory_match, s.utilization,
                                      s.resource_ids))


def brute_best_weight(jobs, resources, step: int) -> int:
    """The most weighted jobs any conflict-free plan places, by exhaustive search."""
    by_id = {r.id: r for r in resources}
    options = {j.id: [(s, tuple(r.id for r in chosen)) for chosen in resource_sets(j, resources)
                      for s in grid(j, step) if fits(j, s, tuple(r.id for r in chosen), by_id,
                                                     step)]
               for j in jobs}
    order = sorted(jobs, key=lambda j: -j.weight)
    best = 0

    def search(index, weight, busy):
        nonlocal best
        best = max(best, weight)
        if index == len(order) or weight + sum(j.weight for j in order[index:]) <= best:
            return
        job = order[index]
        for start, ids in options[job.id]:
            span = (start, start + job.duration)
            if all(not (a < span[1] and span[0] < b) for rid in ids for a, b in busy.get(rid, ())):
                search(index + 1, weight + job.weight,
                       {**busy, **{rid: (*busy.get(rid, ()), span) for rid in ids}})
        search(index + 1, weight, busy)

    search(0, 0, {})
    return best


def assert_sound(plan, jobs, resources, step: int) -> None:
    by_id = {r.id: r for r in resources}
    job_by_id = {j.id: j for j in jobs}
    spans = {}
    for job_id, slot in plan.placements.items():
        job = job_by_id[job_id]
        assert fits(job, slot.start, slot.resource_ids, by_id, step), (job, slot)
        for rid in slot.resource_ids:
            spans.setdefault(rid, []).append((slot.start, slot.start + job.duration))
    for rid, busy in spans.items():
        busy.sort()
        assert all(a[1] <= b[0] for a, b in pairwise(busy)), (rid, busy)
    assert set(plan.placements) | set(plan.unplaced) == set(job_by_id)
    assert not set(plan.placements) & set(plan.unplaced)
    assert plan.weighted_placed == sum(job_by_id[j].weight for j in plan.placements)
    assert plan.total_lateness == sum(s.start - job_by_id[j].earliest
                                      for j, s in plan.placements.items())


# -- find_slots against brute force -----------------------------------------------------------

@FAST
@given(case=small_case(max_jobs=4), step=st.sampled_from((15, 15, 30)), limit=st.integers(1, 12))
def test_find_slots_is_the_brute_force_ranking(case, step, limit):
    jobs, resources = case
    by_id = {r.id: r for r in resources}
    crews = [replace(job, technicians=2) for job in jobs if job.technicians == 1]
    for job in jobs + crews:
        expected = brute_candidates(job, resources, step)
        found = find_slots(job, resources, step=step, limit=limit)
        assert all(fits(job, s.start, s.resource_ids, by_id, step) for s in found)
        if expected:
            # Never a missed earlier start: the first candidate has the earliest of any set.
            assert found[0].start == expected[0].start
        assert found == expected[:limit]


@FAST
@given(case=small_case(max_jobs=3))
def test_one_technician_job_offers_each_qualified_technician_at_its_own_earliest(case):
    jobs, resources = case
    by_id = {r.id: r for r in resources}
    for job in jobs:
        job = replace(job, technicians=1, equipment_type="")
        found = {s.resource_ids: s.start for s in find_slots(job, resources, limit=100)}
        for tech in (r for r in resources if r.kind == "technician"):
            starts = [s for s in grid(job, 15) if fits(job, s, (tech.id,), by_id, 15)]
            assert found.get((tech.id,)) == (starts[0] if starts else None)


# -- plans --------------------------------------------------------------------------------------

@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=small_case(max_jobs=6))
def test_plans_break_no_rule_and_auto_plan_places_at_least_the_greedy_weight(case):
    jobs, resources = case
    greedy = greedy_plan(jobs, resources)
    auto = auto_plan(jobs, resources, time_limit=5.0)
    assert_sound(greedy, jobs, resources, 15)
    assert_sound(auto, jobs, resources, 15)
    assert auto.weighted_placed >= greedy.weighted_placed
    assert ((auto.weighted_placed, -auto.total_lateness)
            >= (greedy.weighted_placed, -greedy.total_lateness))
    for job_id, reason in auto.unplaced.items():
        job = next(j for j in jobs if j.id == job_id)
        alone = find_slots(job, resources, limit=1)
        assert (reason == CAPACITY) == bool(alone)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=small_case(max_jobs=5, horizons=(6 * 60, 8 * 60)))
def test_auto_plan_places_the_brute_force_optimum_on_tiny_cases(case):
    jobs, resources = case
    plan = auto_plan(jobs, resources, step=30, time_limit=10.0)
    assert_sound(plan, jobs, resources, 30)
    assert plan.weighted_placed == brute_best_weight(jobs, resources, 30)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10 ** 6))
def test_window_by_window_search_keeps_every_rule_over_several_days(seed):
    rng = random.Random(seed)
    jobs, resources = make_jobs(rng, 60, 3), make_resources(rng, 6, 2, 3)
    greedy = greedy_plan(jobs, resources)
    # The search itself, without auto_plan's last check that would hide a broken plan.
    better = solver._improve(jobs, resources, 15, dict(greedy.placements),
                              time.perf_counter() + 0.7)
    assert_sound(planner._finish(better, jobs, resources, 15, "cp-sat", "FEASIBLE", 0.0),
                 jobs, resources, 15)
    auto = auto_plan(jobs, resources, time_limit=0.7)
    assert_sound(auto, jobs, resources, 15)
    assert ((auto.weighted_placed, -auto.total_lateness)
            >= (greedy.weighted_placed, -greedy.total_lateness))
    assert auto.seconds < 2.0


def test_window_by_window_search_moves_a_blocking_job():
    # Each day greedy gives the only technician with the skill a long job that the other one
    # could do; searching a day at a time moves it and places both short jobs.
    days = [(480, 720), (DAY + 480, DAY + 720)]
    resources = [tech(1, days, skills={1: (1, None)}), tech(2, days)]
    jobs = []
    for day in (0, 1):
        window = {"earliest": day * DAY, "latest": (day + 1) * DAY, "priority": 3}
        jobs += [PlanJob(id=10 * day + 1, duration=240, **window),
                 *(PlanJob(id=10 * day + n, duration=120, skills={1: 1}, **window)
                   for n in (2, 3))]
    greedy = planner._greedy(jobs, resources, 15)
    better = solver._improve(jobs, resources, 15, dict(greedy), time.perf_counter() + 5)
    assert sum(j.weight for j in jobs if j.id in greedy) == 16
    assert set(better) == {j.id for j in jobs}
    assert_sound(planner._finish(better, jobs, resources, 15, "cp-sat", "FEASIBLE", 0.0),
                 jobs, resources, 15)


def test_window_by_window_search_works_around_a_job_across_the_window_edge():
    # A night job crosses midnight: searching the day before, it stays where it is and the
    # evening job does not fit; the windows shifted by half a day move them both.
    resources = [tech(1, [(DAY - 240, DAY + 240)])]
    night = PlanJob(id=1, duration=120, earliest=DAY - 240, latest=DAY + 240)
    evening = PlanJob(id=2, duration=60, earliest=DAY - 60, latest=DAY)
    start = {1: planner.Slot(DAY - 60, (1,), 0.0, True)}
    better = solver._improve([night, evening], resources, 15, start, time.perf_counter() + 5)
    assert set(better) == {1, 2}
    movable, around = solver._window([night, evening], resources, start, 0, DAY)
    assert [j.id for j in movable] == [2] and movable[0].latest == DAY
    assert around[0].free == ((DAY - 240, DAY - 60), (DAY + 60, DAY + 240))
    assert_sound(planner._finish(better, [night, evening], resources, 15, "cp-sat", "FEASIBLE",
                                 0.0), [night, evening], resources, 15)


# -- edge cases ---------------------------------------------------------------------------------

def tech(rid, free, **kwargs):
    return PlanResource(id=rid, kind="technician", free=tuple(free), **kwargs)


def van(rid, free, kind="van"):
    return PlanResource(id=rid, kind="equipment", free=tuple(free), equipment_type=kind)


def test_job_longer_than_any_free_interval_has_no_time():
    resources = [tech(1, [(480, 1020), (DAY + 480, DAY + 1020)])]
    job = PlanJob(id=1, duration=600, earliest=0, latest=2 * DAY)
    assert find_slots(job, resources) == []
    assert greedy_plan([job], resources).unplaced == {1: NO_TIME}
    assert auto_plan([job], resources).unplaced == {1: NO_TIME}


def test_window_already_past_has_no_time():
    resources = [tech(1, [(0, DAY)])]
    job = PlanJob(id=1, duration=60, earliest=600, latest=645)
    assert find_slots(job, resources) == []
    assert auto_plan([job], resources).unplaced == {1: NO_TIME}


def test_resource_without_free_time_has_no_time_and_is_never_offered():
    resources = [tech(1, []), tech(2, [(600, 720)])]
    job = PlanJob(id=1, duration=60, earliest=0, latest=DAY)
    assert [s.resource_ids for s in find_slots(job, resources)] == [(2,)]
    assert greedy_plan([job], resources[:1]).unplaced == {1: NO_TIME}


def test_certificate_counts_only_for_slots_ending_before_it_expires():
    resources = [tech(1, [(0, DAY)], skills={7: (3, 600)})]
    job = PlanJob(id=1, duration=60, earliest=540, latest=DAY, skills={7: 2})
    assert [s.start for s in find_slots(job, resources)] == [540]
    late = PlanJob(id=2, duration=60, earliest=560, latest=DAY, skills={7: 2})
    assert find_slots(late, resources) == []
    assert auto_plan([late], resources).unplaced == {2: NO_RESOURCE}
    weak = PlanJob(id=3, duration=60, earliest=0, latest=DAY, skills={7: 4})
    assert greedy_plan([weak], resources).unplaced == {3: NO_RESOURCE}


def test_crew_of_two_with_a_van():
    resources = [tech(1, [(480, 1020)], territory_id=2), tech(2, [(480, 1020)]),
                 tech(3, [(600, 1020)]), van(10, [(540, 1020)]), van(11, [(0, DAY)], "lift")]
    job = PlanJob(id=1, duration=120, earliest=0, latest=DAY, technicians=2,
                  equipment_type="van", territory_id=1)
    found = find_slots(job, resources)
    # Techs first by id, then the van; the territory match first at the same start.
    assert [(s.start, s.resource_ids, s.territory_match) for s in found] == [
        (540, (1, 2, 10), False), (600, (2, 3, 10), True), (600, (1, 3, 10), False)]
    assert find_slots(job, resources, limit=2) == found[:2]
    second = PlanJob(id=2, duration=120, earliest=0, latest=DAY, technicians=2,
                     equipment_type="van")
    for plan in (greedy_plan([job, second], resources), auto_plan([job, second], resources)):
        assert_sound(plan, [job, second], resources, 15)
        assert len(plan.placements) == 2
    alone = [tech(1, [(0, DAY)]), van(10, [(0, DAY)])]
    assert greedy_plan([job], alone).unplaced == {1: NO_RESOURCE}


def test_least_utilized_first_at_the_same_start():
    resources = [tech(1, [(0, DAY)], capacity=600, booked=300),
                 tech(2, [(0, DAY)], capacity=600, booked=60), tech(3, [(0, DAY)])]
    job = PlanJob(id=1, duration=60, earliest=0, latest=DAY, technicians=2)
    assert [s.resource_ids for s in find_slots(job, resources)] == [(2, 3), (1, 3), (1, 2)]


def test_free_time_touching_free_time_is_one_stretch():
    resources = [tech(1, [(0, 60), (60, 120)])]
    job = PlanJob(id=1, duration=90, earliest=0, latest=DAY)
    assert [s.start for s in find_slots(job, resources)] == [0]


def test_higher_priority_wins_the_only_time_and_the_other_is_out_for_capacity():
    resources = [tech(1, [(480, 600)])]
    low = PlanJob(id=1, duration=120, earliest=0, latest=DAY, priority=0)
    urgent = PlanJob(id=2, duration=60, earliest=0, latest=DAY, priority=3)
    for plan in (greedy_plan([low, urgent], resources), auto_plan([low, urgent], resources)):
        assert set(plan.placements) == {2}
        assert plan.unplaced == {1: CAPACITY}
        assert plan.weighted_placed == 8


def test_auto_plan_beats_greedy_when_greedy_blocks_two_jobs_with_one():
    # Greedy puts the long urgent job first at 8:00 on the only technician both short ones
    # could use; the solver moves it to the other technician.
    resources = [tech(1, [(480, 720)], skills={1: (1, None)}), tech(2, [(480, 720)])]
    big = PlanJob(id=1, duration=240, earliest=0, latest=DAY, priority=3)
    small = [PlanJob(id=n, duration=120, earliest=0, latest=DAY, priority=3, skills={1: 1})
             for n in (2, 3)]
    greedy = greedy_plan([big, *small], resources)
    auto = auto_plan([big, *small], resources)
    assert greedy.weighted_placed == 8 and auto.weighted_placed == 24
    assert auto.solver == "cp-sat" and auto.status == "OPTIMAL"


def test_without_ortools_auto_plan_is_the_greedy_plan(monkeypatch):
    monkeypatch.setattr(solver, "HAVE_ORTOOLS", False)
    resources = [tech(1, [(0, DAY)])]
    jobs = [PlanJob(id=n, duration=60, earliest=0, latest=DAY) for n in (1, 2)]
    plan = auto_plan(jobs, resources)
    assert (plan.solver, plan.status) == ("greedy", "no_solver")
    assert plan.placements == greedy_plan(jobs, resources).placements
    assert auto_plan(jobs, resources, solver="greedy").status == "greedy"


# -- figures for the bench ----------------------------------------------------------------------

@pytest.mark.skipif(not os.environ.get("PLANNER_BENCH"), reason="timings: PLANNER_BENCH=1")
def test_bench_figures():
    resources = fortnight_resources()
    crew = PlanJob(id=1, duration=120, earliest=0, latest=14 * DAY, technicians=2,
                   equipment_type="van")
    started = time.perf_counter()
    for _ in range(10):
        find_slots(crew, resources)
    print(f"\nfind_slots, 100 resources x 14 days: {(time.perf_counter() - started) * 100:.1f} ms")
    jobs, resources = week_case()
    greedy = greedy_plan(jobs, resources)
    auto = auto_plan(jobs, resources)
    for plan in (greedy, auto):
        print(f"{plan.solver}/{plan.status}: weighted {plan.weighted_placed}, placed "
              f"{len(plan.placements)}/{len(jobs)}, lateness {plan.total_lateness} min, "
              f"{plan.seconds:.2f} s")
    assert auto.weighted_placed >= greedy.weighted_placed
    assert auto.seconds < 10
