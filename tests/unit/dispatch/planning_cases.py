"""Generated planning cases: small ones for hypothesis (checked against brute force) and large
seeded ones for the timings (`week_case`: 500 jobs on 50 resources over a week;
`fortnight_resources`: 100 resources over 14 days)."""
from __future__ import annotations

import random

from hypothesis import strategies as st

from portal.dispatch.planner import EQUIPMENT, TECHNICIAN, PlanJob, PlanResource

DAY = 24 * 60
SKILLS = (1, 2)
TYPES = ("van", "ladder")


@st.composite
def free_time(draw, horizon: int) -> tuple[tuple[int, int], ...]:
    """Free time in [0, horizon): per day a shift (the middle of the day), split or cut short,
    bounds often off the 15-minute grid, pieces sometimes touching (one stretch), sometimes
    nothing at all."""
    length = min(horizon, DAY)
    out = []
    for base in range(0, horizon, length):
        begin, end = base + length // 3, base + length * 17 // 24
        begin += draw(st.sampled_from((0, 0, 5, 60, length // 4)))
        end -= draw(st.sampled_from((0, 0, 10, 90)))
        mode = draw(st.sampled_from(("shift", "shift", "split", "none", "piece")))
        if mode == "split" and begin < end:
            cut = draw(st.integers(begin, end))
            gap = draw(st.sampled_from((0, 30, 60, 7)))
            out += [(begin, cut), (cut + gap, end)]
        elif mode == "piece":
            out.append((begin, begin + draw(st.sampled_from((10, 45, 100)))))
        elif mode == "shift":
            out.append((begin, end))
    return tuple((a, b) for a, b in out if a < b)


@st.composite
def small_resources(draw, horizon: int) -> list[PlanResource]:
    out = []
    for rid in range(1, draw(st.sampled_from((1, 2, 3, 3, 4, 4, 4))) + 1):
        kind = draw(st.sampled_from((TECHNICIAN, TECHNICIAN, TECHNICIAN, EQUIPMENT)))
        capacity = draw(st.sampled_from((0, 480, 960)))
        skills = {}
        if kind == TECHNICIAN:
            for skill in SKILLS:
                if draw(st.sampled_from((True, True, False))):
                    until = draw(st.sampled_from((None, None, None, horizon // 3, horizon // 2)))
                    skills[skill] = (draw(st.sampled_from((1, 2, 3, 5))), until)
        out.append(PlanResource(
            id=rid, kind=kind, free=draw(free_time(horizon)),
            equipment_type=draw(st.sampled_from(TYPES)) if kind == EQUIPMENT else "",
            territory_id=draw(st.sampled_from((None, 1, 2))), skills=skills, capacity=capacity,
            booked=draw(st.sampled_from((0, 60, 120, 240))) if capacity else 0))
    return out


@st.composite
def small_job(draw, horizon: int, job_id: int = 1, durations=(15, 20, 30, 45, 60, 90, 120),
              ) -> PlanJob:
    duration = draw(st.sampled_from(durations))
    day = min(horizon, DAY)
    earliest = draw(st.sampled_from((0, day // 3, day // 3 + 7, day // 2, horizon // 2)))
    return PlanJob(
        id=job_id, duration=duration, earliest=earliest,
        latest=earliest + duration + draw(st.sampled_from((horizon, -15, 0, 30, 120, day // 2,
                                                           horizon, horizon))),
        priority=draw(st.integers(0, 3)),
        skills=draw(st.sampled_from(({}, {}, {1: 1}, {2: 3}, {1: 2, 2: 1}))),
        technicians=draw(st.sampled_from((1, 1, 1, 1, 1, 2, 2, 3))),
        equipment_type=draw(st.sampled_from(("", "", "", "", "van", "ladder"))),
        territory_id=draw(st.sampled_from((None, 1, 2))))


@st.composite
def small_case(draw, max_jobs: int = 6, horizons=(DAY, 2 * DAY)):
    horizon = draw(st.sampled_from(horizons))
    resources = draw(small_resources(horizon))
    jobs = [draw(small_job(horizon, n)) for n in range(1, draw(st.integers(1, max_jobs)) + 1)]
    return jobs, resources


def working_time(rng: random.Random, days: int) -> tuple[tuple[int, int], ...]:
    """Weekdays 8:00 to 17:00 with a lunch hour, a day off now and then, and some bookings
    already cut out (what the adapter hands over)."""
    free = []
    for day in range(days):
        if (day % 7 >= 5 and rng.random() < 0.8) or rng.random() < 0.07:
            continue
        base = day * DAY
        for begin, end in ((8 * 60, 12 * 60), (13 * 60, 17 * 60)):
            if rng.random() < 0.3:   # a booking inside this half-day
                cut = rng.randrange(begin, end - 60, 15)
                length = rng.choice((30, 45, 60, 90))
                parts = [(begin, cut), (cut + length, end)]
            else:
                parts = [(begin, end)]
            free += [(base + a, base + b) for a, b in parts if a < b]
    return tuple(free)


def make_resources(rng: random.Random, technicians: int, equipment: int,
                   days: int) -> list[PlanResource]:
    out = []
    for rid in range(1, technicians + equipment + 1):
        free = working_time(rng, days)
        capacity = sum(b - a for a, b in free) + rng.randrange(0, 600, 30)
        common = dict(id=rid, free=free, territory_id=rng.choice((1, 2, 3, 4)), capacity=capacity,
                      booked=capacity - sum(b - a for a, b in free))
        if rid <= technicians:
            skills = {s: (rng.randint(1, 5), rng.choice((None, None, None, rng.randrange(
                days * DAY)))) for s in rng.sample(range(1, 7), rng.randint(3, 5))}
            out.append(PlanResource(kind=TECHNICIAN, skills=skills, **common))
        else:
            out.append(PlanResource(kind=EQUIPMENT, equipment_type=rng.choice(("van", "van",
                                                                                "lift")), **common))
    return out


def make_jobs(rng: random.Random, count: int, days: int) -> list[PlanJob]:
    out = []
    for jid in range(1, count + 1):
        day = rng.randrange(days)
        earliest = day * DAY + rng.choice((0, 8 * 60, 10 * 60, 13 * 60))
        latest = min(days * DAY, earliest + rng.choice((1, 1, 2, 3)) * DAY)
        out.append(PlanJob(
            id=jid, duration=rng.choice((30, 45, 60, 60, 90, 120, 120, 180, 240, 50)),
            earliest=earliest, latest=latest, priority=rng.choice((0, 1, 1, 1, 2, 2, 3)),
            skills={s: rng.randint(1, 2) for s in rng.sample(range(1, 7), rng.randint(0, 1))},
            technicians=2 if rng.random() < 0.1 else 1,
            equipment_type=rng.choice(("", "", "", "van", "lift")),
            territory_id=rng.choice((1, 2, 3, 4))))
    return out


def week_case(seed: int = 13) -> tuple[list[PlanJob], list[PlanResource]]:
    """500 jobs on 50 resources (40 technicians, 10 vans and lifts) over a week."""
    rng = random.Random(seed)
    return make_jobs(rng, 500, 7), make_resources(rng, 40, 10, 7)


def fortnight_resources(seed: int = 14) -> list[PlanResource]:
    """100 resources (85 technicians, 15 equipment) over 14 days."""
    return make_resources(random.Random(seed), 85, 15, 14)
