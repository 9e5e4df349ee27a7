"""Taking a queue task at the same instant (DESIGN.md §9): "Take" both assigns the task and puts it
in progress, and of several members pressing it at once exactly one gets it, the guarded
UPDATE deciding; the task is started once. Real commits, one session per thread, all threads
released together; on SQLite and on PostgreSQL. The rows are removed afterwards."""

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
from models.notifications import Notification
from models.people import User
from models.tasks import Task, TaskComment
from models.workflow import WorkflowHistory
from portal.security.principals import identity_for
from portal.tasks.service import AlreadyTaken, take
from tests.conftest import Factory

THREADS = 6


@pytest.fixture
def queue_task(app):
    """A task waiting in a department's queue of three members, committed; removed afterwards."""
    tag = uuid.uuid4().hex[:8]
    with transaction.manager:
        db = models.get_tm_session(app.registry["dbsession_factory"], transaction.manager)
        people = Factory(db)
        dept = people.department(f"Снабжение {tag}")
        author = people.user(login=f"au-{tag}")
        members = [people.user(login=f"tm-{tag}-{i}", departments=[dept]) for i in range(3)]
        task = Task(author_id=author.id, department_id=dept.id, state="open")
        task.set_title(f"Заказать бумагу {tag}")
        db.add(task)
        db.flush()
        ids = (task.id, [m.id for m in members], author.id)
    yield ids
    task_id, member_ids, author_id = ids
    engine = app.registry["dbsession_factory"].kw["bind"]
    with engine.begin() as conn:
        conn.execute(sa.delete(WorkflowHistory.__table__).where(
            WorkflowHistory.object_type == "task", WorkflowHistory.object_id == task_id))
        conn.execute(sa.delete(TaskComment.__table__).where(TaskComment.task_id == task_id))
        conn.execute(sa.text("DELETE FROM search_documents WHERE kind = 'task' AND object_id = :id"),
                     {"id": task_id})
        conn.execute(sa.delete(Task.__table__).where(Task.id == task_id))
        conn.execute(sa.delete(Notification.__table__).where(
            Notification.user_id.in_([*member_ids, author_id])))


def run_together(app, users: list[int], work):
    """work(request, user) in one thread per user, released at once; (results, errors)."""
    barrier = threading.Barrier(len(users), timeout=30)
    results, errors = [None] * len(users), []

    def one(i):
        request = Request.blank("/", environ={"HTTP_HOST": "example.com", "HTTP_ACCEPT_LANGUAGE": "en"})
        env = prepare(request=request, registry=app.registry)
        request.root = env["root"]
        try:
            with request.tm:
                me = request.dbsession.get(User, users[i])
                # Who they are, without a session row: writing one would make SQLite's writers
                # wait for each other before the race starts.
                policy = app.registry.queryUtility(ISecurityPolicy)
                identity = identity_for(request.dbsession, me, request.department_tree)
                policy.identity_cache.set(request, identity)
                barrier.wait()
                results[i] = work(request, me)
        except AlreadyTaken:
            results[i] = "refused"
        except BaseException as error:  # a deadlock or an error of the database: the test says so
            errors.append(error)
        finally:
            env["closer"]()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(users))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    return results, errors


def test_members_taking_one_task_at_once_only_one_gets_it_and_starts_it(app, queue_task):
    task_id, members, _author = queue_task
    users = [members[i % len(members)] for i in range(THREADS)]

    def grab(request, me):
        task = request.root["tasks"][str(task_id)]
        return "started" if take(request.dbsession, me, task, registry=request.registry,
                                 request=request) else "taken"

    results, errors = run_together(app, users, grab)
    assert not errors, errors
    assert sorted(results) == ["refused"] * (THREADS - 1) + ["started"]
    winner = users[results.index("started")]
    engine = app.registry["dbsession_factory"].kw["bind"]
    with engine.connect() as conn:
        assert conn.execute(sa.select(Task.assignee_id, Task.state).where(Task.id == task_id)).one() == (
            winner, "in_progress")
        moves = conn.execute(sa.select(WorkflowHistory.to_state).where(
            WorkflowHistory.object_type == "task", WorkflowHistory.object_id == task_id)).scalars().all()
        assert moves == ["in_progress"]
        taken = conn.scalar(sa.select(sa.func.count()).select_from(TaskComment).where(
            TaskComment.task_id == task_id, TaskComment.kind == "change", TaskComment.body.like('%"taken"%')))
        assert taken == 1
