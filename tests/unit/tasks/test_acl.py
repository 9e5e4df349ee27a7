"""The task lists' SQL filter and the task ACL agree (DESIGN.md §5): whoever a list shows a task
to may open it, and nobody may open a task that their lists hide."""

from __future__ import annotations

import itertools

import sqlalchemy as sa

from models.tasks import Task, TaskWatcher
from portal.tasks.security import visible_tasks


def test_sql_filter_and_acl_agree_for_every_viewer_and_task(dbsession, factory, request_for):
    top = factory.department("Головной")
    sub = factory.department("Дочерний", parent=top)
    other = factory.department("Другой")
    people = {
        "top_employee": factory.user(departments=[top]),
        "sub_employee": factory.user(departments=[sub]),
        "other_employee": factory.user(departments=[other]),
        "top_head": factory.user(departments=[top], roles=["dept_head"]),
        "director": factory.user(departments=[other], roles=["director"]),
        "watcher": factory.user(departments=[other]),
    }
    tasks = []
    for author, assignee, dept, state in itertools.product(
        ["top_employee", "other_employee"],
        [None, "sub_employee", "top_employee"],
        [top, sub, other],
        ["open", "done"],
    ):
        task = Task(
            author_id=people[author].id,
            assignee_id=people[assignee].id if assignee else None,
            department_id=dept.id,
            state=state,
        )
        task.set_title(f"{author}-{assignee}-{dept.name}-{state}")
        if state == "done" and assignee is None:
            task.watchers.append(TaskWatcher(user_id=people["watcher"].id))
        dbsession.add(task)
        tasks.append(task)
    dbsession.flush()
    ids = [t.id for t in tasks]
    for name, person in people.items():
        request = request_for(person)
        listed = set(dbsession.scalars(sa.select(Task.id).where(Task.id.in_(ids), visible_tasks(request))))
        section = request.root["tasks"]
        allowed = set()
        for task in tasks:
            task.__parent__, task.__name__ = section, str(task.id)
            if request.has_permission("view", task):
                allowed.add(task.id)
        assert listed == allowed, name
    # Watching grants nothing: the watched tasks (done, out of any queue) stay hidden from the
    # watcher, who has no rule of their own for them.
    watched = {t.id for t in tasks if t.watchers}
    request = request_for(people["watcher"])
    assert watched and not watched & set(dbsession.scalars(sa.select(Task.id).where(visible_tasks(request))))
    # And the rules are what the roles say: a few spot checks.
    request = request_for(people["sub_employee"])
    queue_in_sub = [
        t for t in tasks if t.assignee_id is None and t.department_id == sub.id and t.state == "open"
    ]
    assert all(
        t.id in set(dbsession.scalars(sa.select(Task.id).where(visible_tasks(request)))) for t in queue_in_sub
    )
