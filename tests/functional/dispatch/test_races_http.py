"""Two dispatchers dropping jobs on one technician at the same instant, over HTTP against a
served portal (waitress on 127.0.0.1, a SQLite file database): 40 pairs of simultaneous
`POST /dispatch/plan` for overlapping times, and no double booking stored — one of each pair
gets the technician, the other the clear refusal (409), nobody a server error. Then 20 pairs
moving the same job from the same picture: one move of each pair is kept.
"""
from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
import sqlalchemy as sa
import transaction
from waitress import create_server

import models
from models.booking import ResourceBooking
from models.dispatch import Job, JobChange, Resource, resource_key
from portal import main
from tests.conftest import Factory, app_settings, migrate
from tests.functional.calendar.test_booking_race_http import Browser
from tests.functional.tickets.test_races_http import at_once

PAIRS = 40
MOVES = 20
# Every day 00:00-24:00, so that any day far ahead is working time.
ALWAYS = {"zone": "Europe/Moscow",
          "week": {d: ["00:00-24:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}
FIRST_DAY = dt.date(2031, 3, 3)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The portal served over a fresh SQLite file: two dispatchers, a technician, jobs."""
    url = f"sqlite:///{tmp_path_factory.mktemp('dispatch-race') / 'portal.sqlite'}"
    engine = models.get_engine({"sqlalchemy.url": url})
    migrate(engine)
    settings = app_settings(url)
    settings["dbengine"] = engine
    app = main({}, **settings)
    with transaction.manager:
        db = models.get_tm_session(app.registry["dbsession_factory"], transaction.manager)
        people = Factory(db)
        dept = people.department("Service")
        logins = [people.user(login=f"dispatcher{i}", roles=["dispatcher"],
                              departments=[dept]).login for i in range(2)]
        tech_user = people.user(login="tech", roles=["technician"], departments=[dept])
        tech = Resource(kind="technician", name="Техник", user_id=tech_user.id, hours=ALWAYS,
                        department_id=dept.id)
        db.add(tech)
        db.flush()
        jobs = []
        for i in range(2 * PAIRS + 1):
            job = Job(number=f"J-2031-{i + 1:06d}", department_id=dept.id, duration_minutes=60)
            job.set_title(f"Заявка {i}")
            db.add(job)
            db.flush()
            jobs.append(job.id)
        tech_id = tech.id
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}", engine, logins, tech_id, jobs
    server.close()
    engine.dispose()


def log_in(base: str, login: str) -> Browser:
    browser = Browser(base)
    browser.log_in(login)
    browser.token = browser.csrf("/dispatch")
    return browser


def plan(browser: Browser, values: dict) -> tuple[int, dict]:
    status, body = browser.request("/dispatch/plan", {**values, "csrf_token": browser.token})
    return status, json.loads(body)


def overlaps(engine, tech_id: int) -> int:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(ResourceBooking.holder, ResourceBooking.starts_at,
                                      ResourceBooking.ends_at)
                            .where(ResourceBooking.resource == resource_key(tech_id))).all()
    return sum(1 for i, a in enumerate(rows) for b in rows[i + 1:]
               if a[0] != b[0] and a[1] < b[2] and b[1] < a[2])


def test_pairs_of_dispatchers_dropping_jobs_on_one_technician_at_once(served):
    base, engine, logins, tech_id, jobs = served
    people = [log_in(base, login) for login in logins]
    answers = []
    for pair in range(PAIRS):
        day = (FIRST_DAY + dt.timedelta(days=pair)).isoformat()
        wanted = [{"job": jobs[2 * pair], "resources": tech_id, "start": f"{day}T10:00:00"},
                  {"job": jobs[2 * pair + 1], "resources": tech_id, "start": f"{day}T10:30:00"}]
        answers += at_once([lambda p=p, v=v: plan(p, v)
                            for p, v in zip(people, wanted, strict=True)])
    statuses = sorted(status for status, _body in answers)
    assert len(answers) == 2 * PAIRS
    assert statuses.count(200) == PAIRS and statuses.count(409) == PAIRS, statuses
    refusals = [body for status, body in answers if status == 409]
    assert all({p["code"] for p in body["problems"]} == {"overlap"} for body in refusals)
    assert overlaps(engine, tech_id) == 0
    with engine.connect() as conn:
        stored = conn.scalar(sa.select(sa.func.count()).select_from(ResourceBooking).where(
            ResourceBooking.resource == resource_key(tech_id)))
        planned = conn.scalar(sa.select(sa.func.count()).select_from(Job).where(
            Job.state == "scheduled"))
    assert stored == planned == PAIRS


def test_pairs_of_dispatchers_moving_one_job_at_once_keep_one_move(served):
    base, engine, logins, tech_id, jobs = served
    people = [log_in(base, login) for login in logins]
    job = jobs[-1]
    day = FIRST_DAY + dt.timedelta(days=PAIRS + 10)
    status, body = plan(people[0], {"job": job, "resources": tech_id,
                                   "start": f"{day.isoformat()}T08:00:00"})
    assert status == 200, body
    answers = []
    for move in range(MOVES):
        with engine.connect() as conn:
            seen = conn.scalar(sa.select(Job.revision).where(Job.id == job))
        starts = [f"{day.isoformat()}T{9 + (2 * move) % 12:02d}:00:00",
                  f"{day.isoformat()}T{10 + (2 * move) % 12:02d}:00:00"]
        answers += at_once([lambda p=p, s=s, seen=seen: plan(p, {"job": job, "resources": tech_id,
                                                                "start": s, "revision": seen})
                            for p, s in zip(people, starts, strict=True)])
    statuses = sorted(status for status, _body in answers)
    assert statuses.count(200) == MOVES and statuses.count(409) == MOVES, statuses
    with engine.connect() as conn:
        moves = conn.scalar(sa.select(sa.func.count()).select_from(JobChange).where(
            JobChange.job_id == job, JobChange.action == "move"))
        booked = conn.scalar(sa.select(sa.func.count()).select_from(ResourceBooking).where(
            ResourceBooking.holder == f"job:{job}"))
    assert moves == MOVES and booked == 1
    assert overlaps(engine, tech_id) == 0
