"""Factories for the task tests: tasks made directly in the test's transaction."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from models.meta import utcnow
from models.notifications import Notification
from models.tasks import Task, schedule_notices


@pytest.fixture
def make_task(dbsession):
    """make_task(author, assignee=None, department=None, **fields) -> Task (flushed)."""

    def make(
        author,
        assignee=None,
        department=None,
        title="Prepare the quarterly report",
        due_in: dt.timedelta | None = None,
        **fields,
    ):
        if department is None and assignee is not None and assignee.memberships:
            department = assignee.memberships[0].department
        task = Task(
            author_id=author.id,
            assignee_id=assignee.id if assignee else None,
            department_id=department.id if department else None,
            due_at=utcnow() + due_in if due_in is not None else fields.pop("due_at", None),
            due_has_time=True,
            **fields,
        )
        task.set_title(title)
        schedule_notices(task)
        dbsession.add(task)
        dbsession.flush()
        return task

    return make


@pytest.fixture
def inbox(dbsession):
    """inbox(user) -> [(kind, title)] of their notifications, oldest first."""

    def read(user):
        return [
            (n.kind, n.title)
            for n in dbsession.scalars(
                sa.select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
            )
        ]

    return read
