"""Dispatchers acting at the same instant, in real transactions on SQLite and PostgreSQL (one
session per thread, real commits; the rows are removed afterwards):

- many dispatchers put different jobs on one technician at overlapping times: exactly one
  succeeds, the others are refused, and no overlap is ever stored;
- many dispatchers move the same job from the same picture: exactly one move is kept.

To make the race certain every thread runs the friendly checks, then waits for the others
before writing: all checks saw a free technician, so only the database stands between them
and a double booking.
"""
from __future__ import annotations

import threading
import uuid

import pytest
import sqlalchemy as sa
import transaction
from pyramid.interfaces import ISecurityPolicy
from pyramid.request import Request
from pyramid.scripting import prepare

import models
import portal.dispatch.service as service
import workflows.engine as engine
from models.booking import ResourceBooking
from models.dispatch import Job, JobAssignment, JobChange, Resource, resource_key
from models.workflow import WorkflowHistory
from portal.resources import locate
from portal.security.principals import identity_for
from tests.conftest import Factory
from tests.functional.dispatch.shop import HOURS, msk, next_weekday
from workflows.engine import WorkflowError

THREADS = 8


@pytest.fixture
def crew(app):
    """A technician and THREADS unscheduled jobs, committed; removed afterwards."""
    tag = uuid.uuid4().hex[:8]
    with transaction.manager:
        db = models.get_tm_session(app.registry["dbsession_factory"], transaction.manager)
        people = Factory(db)
        dept = people.department(f"Service {tag}")
        user = people.user(login=f"tech-{tag}", departments=[dept])
        tech = Resource(kind="technician", name=f"Tech {tag}", user_id=user.id, hours=HOURS,
                        department_id=dept.id)
        db.add(tech)
        db.flush()
        jobs = []
        for i in range(THREADS):
            job = Job(number=f"J-2032-{tag[:4]}{i:02d}", department_id=dept.id,
                      duration_minutes=60)
            job.set_title(f"Race {i}")
            db.add(job)
            db.flush()
            jobs.append(job.id)
        tech_id = tech.id
    yield tech_id, jobs
    engine = app.registry["dbsession_factory"].kw["bind"]
    with engine.begin() as conn:
        conn.execute(sa.delete(ResourceBooking.__table__).where(
            ResourceBooking.resource == resource_key(tech_id)))
        conn.execute(sa.delete(JobChange.__table__).where(JobChange.job_id.in_(jobs)))
        conn.execute(sa.delete(WorkflowHistory.__table__).where(
            WorkflowHistory.object_type == "job", WorkflowHistory.object_id.in_(jobs)))
        conn.execute(sa.delete(JobAssignment.__table__).where(JobAssignment.job_id.in_(jobs)))
        conn.execute(sa.delete(Job.__table__).where(Job.id.in_(jobs)))
        conn.execute(sa.delete(Resource.__table__).where(Resource.id == tech_id))


def racing(monkeypatch, threads: int):
    """Make every thread's checks pass first, then wait for the others before writing."""
    barrier = threading.Barrier(threads, timeout=30)
    original = service.check_plan

    def check_then_wait(*args, **kw):
        found = original(*args, **kw)
        barrier.wait()
        return found

    monkeypatch.setattr(service, "check_plan", check_then_wait)


def run(app, work) -> tuple[list, list, list]:
    """Each of `work` (a function of a session) in its own thread and transaction at once:
    (what succeeded, refusals, other errors)."""
    done, refused, errors = [], [], []

    def go(fn):
        try:
            try:
                tm = transaction.TransactionManager()
                # As pyramid_tm runs a request: a transaction PostgreSQL ends as a deadlock or a
                # serialization conflict (SQLSTATE 40...) is run again, up to three times (two
                # bookings checked against each other's exclusion constraint can deadlock).
                for attempt in tm.attempts(3):
                    with attempt:
                        db = models.get_tm_session(app.registry["dbsession_factory"], tm)
                        result = fn(db)
                done.append(result)
            except service.PlanRefused as refusal:
                refused.append({p.code for p in refusal.problems})
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=go, args=(fn,)) for fn in work]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    return done, refused, errors


def stored_overlaps(engine, tech_id: int) -> int:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(ResourceBooking.holder, ResourceBooking.starts_at,
                                      ResourceBooking.ends_at)
                            .where(ResourceBooking.resource == resource_key(tech_id))).all()
        planned = conn.execute(
            sa.select(Job.id, Job.starts_at, Job.ends_at).join(JobAssignment)
            .where(JobAssignment.resource_id == tech_id, Job.starts_at.is_not(None))).all()

    def pairs(items):
        return sum(1 for i, a in enumerate(items) for b in items[i + 1:]
                   if a[0] != b[0] and a[1] < b[2] and b[1] < a[2])

    return pairs(rows) + pairs(planned)


def test_many_dispatchers_booking_one_technician_at_once_only_one_wins(app, dbengine, crew,
                                                                        monkeypatch):
    tech_id, jobs = crew
    day = next_weekday(weekday=1)
    racing(monkeypatch, THREADS)

    def put(i):
        def fn(db):
            job = db.get(Job, jobs[i])
            service.plan(db, None, job, [tech_id], msk(day, 10, 5 * i))
            return job.id
        return fn

    done, refused, errors = run(app, [put(i) for i in range(THREADS)])
    assert not errors, errors
    assert len(done) == 1, f"{len(done)} jobs were put on one technician at overlapping times"
    assert refused == [{"overlap"}] * (THREADS - 1)
    assert stored_overlaps(dbengine, tech_id) == 0
    with dbengine.connect() as conn:
        states = conn.execute(sa.select(Job.state, sa.func.count()).where(Job.id.in_(jobs))
                              .group_by(Job.state)).all()
    # The refused jobs are still in the pane, nothing half-written.
    assert dict(states) == {"scheduled": 1, "unscheduled": THREADS - 1}


def test_many_dispatchers_moving_the_same_job_only_one_move_is_kept(app, dbengine, crew,
                                                                     monkeypatch):
    tech_id, jobs = crew
    day = next_weekday(weekday=2)
    with transaction.manager:
        db = models.get_tm_session(app.registry["dbsession_factory"], transaction.manager)
        job = db.get(Job, jobs[0])
        service.plan(db, None, job, [tech_id], msk(day, 9))
        seen = job.revision
    racing(monkeypatch, THREADS)

    def move(i):
        def fn(db):
            job = db.get(Job, jobs[0])
            service.plan(db, None, job, [tech_id], msk(day, 10, 5 * i),
                         revision=seen)
            return job.starts_at
        return fn

    done, refused, errors = run(app, [move(i) for i in range(THREADS)])
    assert not errors, errors
    assert len(done) == 1
    assert all(codes & {"revision", "overlap"} for codes in refused) and len(refused) == THREADS - 1
    with dbengine.connect() as conn:
        starts = conn.execute(sa.select(Job.starts_at, Job.revision).where(Job.id == jobs[0])).one()
        booked = conn.execute(sa.select(ResourceBooking.starts_at).where(
            ResourceBooking.resource == resource_key(tech_id))).scalars().all()
        moves = conn.scalar(sa.select(sa.func.count()).select_from(JobChange).where(
            JobChange.job_id == jobs[0], JobChange.action == "move"))
    assert starts.starts_at == done[0] and starts.revision == seen + 1
    assert booked == [done[0]] and moves == 1
    assert stored_overlaps(dbengine, tech_id) == 0



def test_two_people_taking_one_workflow_step_at_once_take_it_once(app, dbengine, crew,
                                                                  monkeypatch):
    """Two dispatchers put the same job on hold at the same instant (any workflow's step, from
    its generic button): one step is taken, the other is told; the history has it once."""
    _tech_id, jobs = crew
    with transaction.manager:
        db = models.get_tm_session(app.registry["dbsession_factory"], transaction.manager)
        people = Factory(db)
        boss = people.user(login=f"boss-{uuid.uuid4().hex[:6]}", roles=["dispatcher"]).id
    barrier = threading.Barrier(2, timeout=30)
    original = engine.Workflow._claim

    def wait_then_claim(self, *args, **kw):
        barrier.wait()
        return original(self, *args, **kw)

    monkeypatch.setattr(engine.Workflow, "_claim", wait_then_claim)
    taken, told, errors = [], [], []

    def hold():
        request = Request.blank("/", environ={"HTTP_HOST": "example.com",
                                              "HTTP_ACCEPT_LANGUAGE": "en"})
        env = prepare(request=request, registry=app.registry)
        request.root = env["root"]
        try:
            with request.tm:
                db = request.dbsession
                user = db.get(models.User, boss)
                policy = request.registry.getUtility(ISecurityPolicy)
                policy.identity_cache.set(request, identity_for(db, user, request.department_tree))
                job = locate(request, db.get(Job, jobs[0]))
                job.workflow.transition(request, job, "hold", "Ждём запчасть")
                taken.append(1)
        except WorkflowError as error:
            told.append(str(error))
        except BaseException as error:
            errors.append(error)
        finally:
            env["closer"]()

    threads = [threading.Thread(target=hold) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    assert not errors, errors
    assert len(taken) == 1 and told == ["Someone changed this a moment ago: look at it again."]
    with dbengine.connect() as conn:
        steps = conn.scalar(sa.select(sa.func.count()).select_from(WorkflowHistory).where(
            WorkflowHistory.object_type == "job", WorkflowHistory.object_id == jobs[0],
            WorkflowHistory.transition == "hold"))
    assert steps == 1
