"""The /tasks part of the resource tree: the section, its report and the recurring series.

    /tasks                   the lists (task.view to look, task.add to add)
    /tasks/{id}              Task
    /tasks/report            the execution discipline report (report.discipline)
    /tasks/recurring/{id}    TaskRecurrence (a series of recurring tasks)

The ACLs of tasks and series are portal/tasks/security.py's.
"""

from __future__ import annotations

from sqlalchemy.orm import joinedload, selectinload

from models.tasks import Task, TaskRecurrence, TaskWatcher
from portal.resources import Container, load_by_id
from portal.security.acl import container_acl

# What a task's page shows besides its own columns, read with it (the lists read their own).
TASK_LOADS = (joinedload(Task.author), joinedload(Task.assignee), joinedload(Task.department),
              selectinload(Task.checklist), selectinload(Task.attachments),
              selectinload(Task.watchers).joinedload(TaskWatcher.user))


class Tasks(Container):
    """/tasks/{id}: every task; listing and adding follow task.view / task.add."""

    def __acl__(self):
        return container_acl(self, "task", ("view", "add"))

    def load(self, key: str):
        return load_by_id(self.request, Task, key, TASK_LOADS)


class DisciplineReport(Container):
    """/tasks/report: the execution discipline report (report.discipline, scoped)."""

    def __acl__(self):
        return container_acl(self, "report", ("discipline",))


class Recurrences(Container):
    """/tasks/recurring/{id}: series of recurring tasks."""

    def __acl__(self):
        return container_acl(self, "task", ("view", "add"))

    def load(self, key: str):
        return load_by_id(self.request, TaskRecurrence, key)


Tasks.children = {"report": DisciplineReport, "recurring": Recurrences}


def place_task(request, task: Task) -> None:
    """A task read by a query (the board's) in its place in the tree, so that its ACL works
    (portal.resources.LOCATORS, joined by portal.tasks' includeme)."""
    task.__parent__ = request.root["tasks"]
    task.__name__ = str(task.id)
