"""Benchmark data and timings of service scheduling (issue 13): 500 resources (460 technicians
with skills and certificates, 40 vans) in 5 territories of 100 and 25 groups, and 100,000 jobs
(a tenth at small scale): two a day per technician on the working days up to a week ahead,
done in the past, planned from today on, their bookings in `resource_bookings`; 2,000 waiting
unscheduled.

Budgets: board data for 100 resources × 7 days p95 ≤ 150 ms; one move validated and saved
p95 ≤ 50 ms; find-a-slot over 100 resources × 14 days ≤ 300 ms; auto-plan of 500 jobs on 50
resources over a week ≤ 10 s, placing at least the greedy plan's priority-weighted jobs (both
printed).
"""
from __future__ import annotations

import datetime as dt
import random
import time

import sqlalchemy as sa

SCALES = {"small": {"jobs": 10_000}, "large": {"jobs": 100_000}}
TECHNICIANS = 460
VANS = 40
TERRITORIES = 5
GROUPS = 25
SKILLS = 20
UNSCHEDULED = 2_000
FIRST_RESOURCE = 1
MSK = dt.timezone(dt.timedelta(hours=3))
WEEK = ("mon", "tue", "wed", "thu", "fri")
HOURS = {"zone": "Europe/Moscow", "week": {d: ["09:00-13:00", "14:00-18:00"] for d in WEEK}}
VAN_HOURS = {"zone": "Europe/Moscow", "week": {d: ["08:00-20:00"] for d in (*WEEK, "sat")}}
TITLES = ["Не греет котёл", "Течёт кондиционер", "Замена автоматов", "Поиск утечки",
          "Пусконаладка", "Плановое ТО", "Диагностика", "Шумит вентиляция"]
BATCH = 20_000


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=MSK).astimezone(dt.UTC)


def _today() -> dt.date:
    return dt.datetime.now(MSK).date()


def generate(engine, scale_name: str) -> None:
    """Territories, skills, groups, resources with skills, then jobs with assignments and
    bookings, in batches."""
    from models import search
    from models.booking import ResourceBooking
    from models.dispatch import (
        Job,
        JobAssignment,
        JobCounter,
        JobSkill,
        Resource,
        ResourceGroup,
        ResourceSkill,
        Skill,
        Territory,
    )
    from models.people import fold

    scale = SCALES[scale_name]
    rnd = random.Random(13)
    today = _today()
    with engine.begin() as conn:
        # Clients of the jobs: the organizations the clients' bench made (none: no client).
        orgs = conn.execute(sa.text("SELECT max(id) FROM organizations")).scalar() or 0
        conn.execute(sa.insert(Territory.__table__),
                     [{"id": t, "name": f"Округ {t}", "active": True}
                      for t in range(1, TERRITORIES + 1)])
        conn.execute(sa.insert(Skill.__table__),
                     [{"id": s, "name": f"Навык {s}", "certified": s % 4 == 0, "active": True}
                      for s in range(1, SKILLS + 1)])
        conn.execute(sa.insert(ResourceGroup.__table__),
                     [{"id": g, "name": f"Бригада {g}", "kind": "group", "department_id": 2,
                       "active": True} for g in range(1, GROUPS + 1)])
        resources, skills = [], []
        for i in range(TECHNICIANS + VANS):
            rid = FIRST_RESOURCE + i
            technician = i < TECHNICIANS
            name = f"Инженер {rid}" if technician else f"Фургон {rid}"
            resources.append({
                "id": rid, "kind": "technician" if technician else "equipment", "name": name,
                "user_id": i + 1 if technician else None,
                "equipment_type": "" if technician else "van",
                # 100 resources a territory: rows 1-100 territory 1, ...
                "territory_id": i * TERRITORIES // (TECHNICIANS + VANS) + 1,
                "group_id": i % GROUPS + 1, "department_id": 2,
                "hours": HOURS if technician else VAN_HOURS, "active": True,
                "search_text": fold(name)})
            if technician:
                for skill in rnd.sample(range(1, SKILLS + 1), rnd.randint(2, 4)):
                    skills.append({
                        "resource_id": rid, "skill_id": skill, "level": rnd.randint(1, 5),
                        "certificate_expires": (today + dt.timedelta(days=rnd.randint(30, 700)))
                        if skill % 4 == 0 else None})
        conn.execute(sa.insert(Resource.__table__), resources)
        conn.execute(sa.insert(ResourceSkill.__table__), skills)
        skills_of = {}
        for s in skills:
            skills_of.setdefault(s["resource_id"], []).append(s)
        # Working days back from a week ahead until the jobs are used up.
        planned = scale["jobs"] - UNSCHEDULED
        per_day = TECHNICIANS * 2
        days, day = [], today + dt.timedelta(days=7)
        while len(days) * per_day < planned:
            if day.weekday() < 5:
                days.append(day)
            day -= dt.timedelta(days=1)
        days.reverse()
        now = dt.datetime.now(dt.UTC)
        job_id = 0
        jobs, assignments, bookings, needs = [], [], [], []

        def flush():
            conn.execute(sa.insert(Job.__table__), jobs)
            if assignments:
                conn.execute(sa.insert(JobAssignment.__table__), assignments)
            if bookings:
                conn.execute(sa.insert(ResourceBooking.__table__), bookings)
            if needs:
                conn.execute(sa.insert(JobSkill.__table__), needs)
            search.index_documents(conn, "job", [
                (j["id"], search.text_of(j["number"], j["title"]), search.text_of(j["site_address"]))
                for j in jobs], replace=False)
            for rows in (jobs, assignments, bookings, needs):
                rows.clear()

        def job_row(title, priority, duration, state, start=None, end=None, territory=1):
            nonlocal job_id
            job_id += 1
            number = f"J-2026-{job_id:06d}"
            address = f"Москва, ул. Рабочая, {job_id % 300 + 1}"
            done = state == "completed"
            return {
                "id": job_id, "number": number, "title": title, "description": "",
                "organization_id": rnd.randint(1, min(orgs, 10_000)) if orgs else None,
                "contact_id": None,
                "site_address": address, "territory_id": territory, "department_id": 2,
                "author_id": None, "ticket_id": None, "priority": priority,
                "duration_minutes": duration, "technicians_needed": 1, "equipment_type": "",
                "earliest_start": None, "latest_finish": None, "state": state,
                "starts_at": start, "ends_at": end, "override_reason": "",
                "actual_start": start + dt.timedelta(minutes=rnd.choice((0, 5, 10, 25)))
                if done else None,
                "actual_end": end if done else None, "work_done": "Сделано" if done else "",
                "parts_used": "", "signed_by": "Клиент" if done else "",
                "fixed_first_time": rnd.random() < 0.85 if done else None, "flagged": "",
                "revision": 1, "search_text": fold(f"{number} {title} {address}"),
                "created_at": (start or now) - dt.timedelta(days=3), "updated_at": end or now}

        for day in days:
            for t in range(TECHNICIANS):
                rid = FIRST_RESOURCE + t
                for hour in (9, 14):
                    start = _at(day, hour, rnd.choice((0, 30)))
                    duration = rnd.choice((60, 90, 120))
                    end = start + dt.timedelta(minutes=duration)
                    state = "completed" if end < now else "scheduled"
                    row = job_row(rnd.choice(TITLES), rnd.choice((0, 1, 1, 2, 3)), duration,
                                  state, start, end, resources[t]["territory_id"])
                    jobs.append(row)
                    assignments.append({"job_id": row["id"], "resource_id": rid})
                    bookings.append({"resource": f"resource:{rid}", "holder": f"job:{row['id']}",
                                     "starts_at": start, "ends_at": end})
                    held = rnd.choice(skills_of[rid])
                    needs.append({"job_id": row["id"], "skill_id": held["skill_id"],
                                  "min_level": 1})
                if len(jobs) >= BATCH:
                    flush()
                if job_id >= planned:
                    break
            if job_id >= planned:
                break
        for _ in range(UNSCHEDULED):
            first = today + dt.timedelta(days=rnd.randint(0, 3))
            row = job_row(rnd.choice(TITLES), rnd.choice((0, 1, 1, 2, 3)),
                          rnd.choice((60, 90, 120)), "unscheduled",
                          territory=rnd.randint(1, TERRITORIES))
            row["earliest_start"] = _at(first, 9)
            row["latest_finish"] = _at(first + dt.timedelta(days=rnd.randint(2, 10)), 18)
            jobs.append(row)
            if rnd.random() < 0.5:
                needs.append({"job_id": row["id"], "skill_id": rnd.randint(1, SKILLS),
                              "min_level": rnd.randint(1, 3)})
        flush()
        conn.execute(sa.insert(JobCounter.__table__), [{"year": 2026, "last": job_id}])
        conn.execute(sa.text("ANALYZE"))


def pages() -> list[tuple[str, str, float]]:
    """As the administrator: the service head's report for this week (the board and the
    planning are timed in `measure`)."""
    return [("dispatch_report_week", "/dispatch/report", 300)]


def _territory_ids(conn, territory: int) -> list[int]:
    return list(conn.execute(sa.text(
        "SELECT id FROM dispatch_resources WHERE territory_id = :t AND active ORDER BY id"),
        {"t": territory}).scalars())


def measure(client, scale_name: str, report) -> bool:
    """The dispatcher's work, timed through the services as the board calls them: a move
    validated and saved (committed), find-a-slot over a territory's 100 resources and two
    weeks, auto-plan of 500 jobs on 50 technicians over a week, CP-SAT against greedy."""
    from pyramid.scripting import prepare

    from models.dispatch import Job
    from portal.dispatch import planning, service
    from tests.bench.run import timed

    ok = True
    registry = client.app.registry
    engine = registry["dbengine"]
    with engine.connect() as conn:
        territory = _territory_ids(conn, 1)
    env = prepare(registry=registry)
    request = env["request"]
    today = _today()
    monday = today + dt.timedelta(days=7 - today.weekday())
    week = f"start={monday.isoformat()}&end={(monday + dt.timedelta(days=7)).isoformat()}"
    ok &= report("dispatch_board_100x7", timed(client, f"/dispatch/board.json?{week}&territory=1",
                                               50), 150)
    ok &= report("dispatch_board_page", timed(client, "/dispatch", 50), 100)
    try:
        # One move: the last planned job of a technician next week, back and forth between
        # 16:30 and 17:00 on the Friday (its usual places are 14:00 or 14:30).
        with engine.connect() as conn:
            job_id = conn.execute(sa.text(
                "SELECT j.id FROM dispatch_jobs j JOIN dispatch_job_assignments a "
                "ON a.job_id = j.id WHERE a.resource_id = :r AND j.state = 'scheduled' "
                "ORDER BY j.starts_at DESC LIMIT 1"), {"r": territory[0]}).scalar()
        samples = []
        for i in range(60):
            start = time.perf_counter()
            with request.tm:
                db = request.dbsession
                job = db.get(Job, job_id)
                day = job.starts_at.astimezone(MSK).date()
                at = _at(day, 16, 30 if i % 2 else 45)
                service.plan(db, None, job, [territory[0]], at, at + dt.timedelta(minutes=60))
            samples.append((time.perf_counter() - start) * 1000)
        ok &= report("dispatch_move_saved", samples[1:], 50)

        request.tm.begin()
        try:
            db = request.dbsession
            job = db.scalar(sa.select(Job).where(Job.state == "unscheduled").order_by(Job.id)
                            .limit(1))
            job.earliest_start = job.latest_finish = None
            samples = []
            for _ in range(20):
                start = time.perf_counter()
                found = planning.find_slots_for(db, job, dt.datetime.now(dt.UTC), days=14,
                                                resource_ids=territory)
                samples.append((time.perf_counter() - start) * 1000)
        finally:
            request.tm.abort()
        ok &= report(f"dispatch_find_slot_100x14_found{len(found)}", samples, 300)

        request.tm.begin()
        try:
            db = request.dbsession
            techs = [r for r in territory if r <= TECHNICIANS][:50]
            jobs = list(db.scalars(sa.select(Job.id).where(Job.state == "unscheduled")
                                   .order_by(Job.id).limit(500)))
            # Their windows: next Monday and Tuesday, more work than the 50 have free time
            # for (their usual jobs fill half of each day), so that the plans must choose.
            db.execute(sa.update(Job).where(Job.id.in_(jobs)).values(
                earliest_start=_at(monday, 9), latest_finish=_at(monday + dt.timedelta(days=1), 18)))
            end = monday + dt.timedelta(days=7)
            results = {}
            for solver in ("greedy", "auto"):
                began = time.perf_counter()
                proposal = planning.propose(db, _at(monday, 0), _at(end, 0),
                                            dt.datetime.now(dt.UTC), resource_ids=techs,
                                            job_ids=jobs, time_limit=8, solver=solver)
                results[solver] = (time.perf_counter() - began, proposal)
        finally:
            request.tm.abort()
        for solver, (seconds, proposal) in results.items():
            print(f"bench dispatch_autoplan_{solver} jobs={proposal['jobs']} "
                  f"placed={len(proposal['placements'])} weighted={proposal['weighted_placed']} "
                  f"lateness_min={proposal['total_lateness']} solver={proposal['solver']} "
                  f"seconds={seconds:.2f}", flush=True)
        seconds, best = results["auto"]
        ok &= report("dispatch_autoplan_500x50_week", [seconds * 1000], 10_000)
        if best["weighted_placed"] < results["greedy"][1]["weighted_placed"]:
            print("bench dispatch_autoplan placed less than greedy: over", flush=True)
            ok = False
    finally:
        env["closer"]()
    return ok
