"""Task reminders fire exactly once even when two `portal tick` processes run at the same time.

On PostgreSQL with real, committed data and two concurrent sessions: once with the claim as
the ticker does it (FOR UPDATE SKIP LOCKED), once with a plain SELECT so that both sessions
pick the same rows and only the guarded UPDATE ... RETURNING keeps them apart; and once with
two whole `portal tick` runs in parallel.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

import portal.tasks.jobs
from models.meta import utcnow
from models.notifications import Notification
from models.people import Department, Membership, User
from models.tasks import Task

TASKS = 150


@pytest.fixture
def pg(app, dbengine):
    if dbengine.dialect.name != "postgresql":
        pytest.skip("the concurrency proof runs on PostgreSQL")
    return dbengine


@pytest.fixture
def committed_tasks(pg):
    """Two people and TASKS tasks with due reminders, committed; removed afterwards."""
    tag = uuid.uuid4().hex[:8]
    now = utcnow()
    with pg.begin() as conn:
        dept = conn.execute(
            sa.insert(Department.__table__)
            .values(name=f"Concurrency {tag}", description="", block_local_roles=False, sort_order=0)
            .returning(Department.id)
        ).scalar_one()
        ids = []
        for n in range(2):
            ids.append(
                conn.execute(
                    sa.insert(User.__table__)
                    .values(
                        login=f"tick{tag}{n}",
                        full_name=f"Tick {n}",
                        email="",
                        phone="",
                        position="",
                        locale="en",
                        timezone="UTC",
                        state="active",
                        password_hash="",
                        search_text="",
                        created_at=now,
                    )
                    .returning(User.id)
                ).scalar_one()
            )
            conn.execute(sa.insert(Membership.__table__).values(user_id=ids[-1], department_id=dept))
        author, assignee = ids
        conn.execute(
            sa.insert(Task.__table__),
            [
                {
                    "title": f"Reminder {i}",
                    "description": "",
                    "state": "open",
                    "priority": 1,
                    "author_id": author,
                    "assignee_id": assignee,
                    "department_id": dept,
                    "due_at": now + dt.timedelta(hours=1),
                    "due_has_time": True,
                    "remind_before": 120,
                    "remind_at": now - dt.timedelta(minutes=i % 50),
                    "notice_stage": 1,
                    "daily": False,
                    "search_text": "",
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(TASKS)
            ],
        )
    yield assignee
    with pg.begin() as conn:
        conn.execute(sa.delete(Notification.__table__).where(Notification.user_id.in_(ids)))
        conn.execute(sa.text("DELETE FROM notification_keys WHERE user_id = ANY(:ids)"), {"ids": ids})
        conn.execute(sa.text("DELETE FROM mail_outbox WHERE user_id = ANY(:ids)"), {"ids": ids})
        conn.execute(sa.delete(Task.__table__).where(Task.author_id == author))
        conn.execute(sa.delete(Membership.__table__).where(Membership.department_id == dept))
        conn.execute(sa.delete(User.__table__).where(User.id.in_(ids)))
        conn.execute(sa.delete(Department.__table__).where(Department.id == dept))


def reminders_per_task(engine, user_id: int) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(
            conn.execute(
                sa.select(Notification.title, sa.func.count())
                .where(Notification.user_id == user_id, Notification.kind == "reminder")
                .group_by(Notification.title)
            ).all()
        )


def run_two(engine, registry, before_fire=None) -> list[int]:
    start = threading.Barrier(2)
    results, errors = [0, 0], []

    def worker(i):
        try:
            with Session(engine) as session:
                start.wait(timeout=10)
                results[i] = portal.tasks.jobs.fire_reminders(session, registry)
                session.commit()
        except Exception as error:  # pragma: no cover - shown in the assertion
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return results


def test_two_ticks_claiming_with_skip_locked_fire_each_reminder_once(app, pg, committed_tasks):
    results = run_two(pg, app.registry)
    assert sum(results) == TASKS
    counts = reminders_per_task(pg, committed_tasks)
    assert len(counts) == TASKS and set(counts.values()) == {1}


def test_even_when_both_ticks_read_the_same_rows_the_guarded_update_lets_one_win(
    app, pg, committed_tasks, monkeypatch
):
    both_read = threading.Barrier(2)

    def plain_claim(dbsession, stmt):
        rows = dbsession.scalars(stmt).all()  # no locks: both sessions see every due reminder
        both_read.wait(timeout=10)
        return rows

    monkeypatch.setattr(portal.tasks.jobs, "claim", plain_claim)
    results = run_two(pg, app.registry)
    assert sorted(results) == [0, TASKS]
    counts = reminders_per_task(pg, committed_tasks)
    assert len(counts) == TASKS and set(counts.values()) == {1}


def test_two_whole_tick_runs_at_once(app, pg, committed_tasks):
    from portal.core.ticker import tick

    start = threading.Barrier(2)
    reports = []

    def worker():
        start.wait(timeout=10)
        reports.append(tick(app.registry))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sum(r.get("task_reminders", 0) for r in reports) == TASKS
    counts = reminders_per_task(pg, committed_tasks)
    assert len(counts) == TASKS and set(counts.values()) == {1}


@pytest.fixture
def queue_task(pg):
    """A department of two members and one task in its queue, committed; removed afterwards."""
    tag = uuid.uuid4().hex[:8]
    now = utcnow()
    with pg.begin() as conn:
        dept = conn.execute(
            sa.insert(Department.__table__)
            .values(name=f"Queue {tag}", description="", block_local_roles=False, sort_order=0)
            .returning(Department.id)
        ).scalar_one()
        ids = []
        for n in range(3):
            ids.append(
                conn.execute(
                    sa.insert(User.__table__)
                    .values(login=f"take{tag}{n}", full_name=f"Member {n}", email="", phone="",
                            position="", locale="en", timezone="UTC", state="active",
                            password_hash="", search_text="", created_at=now)
                    .returning(User.id)
                ).scalar_one()
            )
            conn.execute(sa.insert(Membership.__table__).values(user_id=ids[-1], department_id=dept))
        task = conn.execute(
            sa.insert(Task.__table__)
            .values(title=f"Call the vendor {tag}", description="", state="open", priority=1,
                    author_id=ids[0], assignee_id=None, department_id=dept, due_has_time=False,
                    notice_stage=0, daily=False, search_text="", created_at=now, updated_at=now)
            .returning(Task.id)
        ).scalar_one()
    yield task, ids[1:]
    with pg.begin() as conn:
        conn.execute(sa.delete(Notification.__table__).where(Notification.user_id.in_(ids)))
        conn.execute(sa.text("DELETE FROM notification_keys WHERE user_id = ANY(:ids)"), {"ids": ids})
        conn.execute(sa.text("DELETE FROM mail_outbox WHERE user_id = ANY(:ids)"), {"ids": ids})
        conn.execute(sa.text("DELETE FROM task_comments WHERE task_id = :id"), {"id": task})
        # The audit keeps its versions of the task; only the people go.
        conn.execute(sa.text("UPDATE transaction SET user_id = NULL WHERE user_id = ANY(:ids)"), {"ids": ids})
        conn.execute(sa.delete(Task.__table__).where(Task.id == task))
        conn.execute(sa.delete(Membership.__table__).where(Membership.department_id == dept))
        conn.execute(sa.delete(User.__table__).where(User.id.in_(ids)))
        conn.execute(sa.delete(Department.__table__).where(Department.id == dept))


def test_two_members_taking_the_same_queue_task_at_once_only_one_gets_it(app, pg, queue_task):
    import transaction
    from pyramid.request import Request
    from pyramid.scripting import prepare

    import models
    from portal.tasks.service import TaskProblem, take

    task_id, members = queue_task
    both_read = threading.Barrier(2)
    outcome: dict[int, str] = {}

    def worker(user_id):
        manager = transaction.TransactionManager(explicit=True)
        session = models.get_tm_session(app.registry["dbsession_factory"], manager)
        request = Request.blank("/", environ={"HTTP_HOST": "example.com", "HTTP_ACCEPT_LANGUAGE": "en",
                                              "tm.active": True, "tm.manager": manager,
                                              "app.dbsession": session})
        env = prepare(request=request, registry=app.registry)
        try:
            with manager:
                user = session.get(User, user_id)
                request.session["uid"], request.session["pwd"] = user.id, user.password_hash[-16:]
                task = session.get(Task, task_id)
                assert task.in_queue  # both see it in the queue before either takes it
                both_read.wait(timeout=10)
                try:
                    take(session, user, task, registry=app.registry, request=request)
                    outcome[user_id] = "taken"
                except TaskProblem as problem:
                    outcome[user_id] = request.translate(problem.message)
        except Exception as error:  # pragma: no cover - shown in the assertion
            outcome[user_id] = repr(error)
        finally:
            env["closer"]()
            session.close()

    threads = [threading.Thread(target=worker, args=(uid,)) for uid in members]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcome.values()) == ["Someone else took this task a moment ago.", "taken"], outcome
    winner = next(uid for uid, what in outcome.items() if what == "taken")
    with pg.connect() as conn:
        assert conn.scalar(sa.select(Task.assignee_id).where(Task.id == task_id)) == winner
