"""The /tasks part of the resource tree: the section, its report and the recurring series."""

from __future__ import annotations

from pyramid.authorization import DENY_ALL, Allow

from models.tasks import Task, TaskRecurrence
from portal.resources import Container
from portal.security.policy import ADMIN_ACE, container_acl


class Tasks(Container):
    """/tasks/{id}: every task; listing and adding follow task.view / task.add."""

    def __acl__(self):
        return container_acl(self, "task", ("view", "add"))

    def load(self, key: str):
        if key.isdigit() and len(key) < 12:
            return self.request.dbsession.get(Task, int(key))
        return None


class DisciplineReport(Container):
    """/tasks/report: the execution discipline report (report.discipline, scoped)."""

    def __acl__(self):
        return container_acl(self, "report", ("discipline",))


class Recurrences(Container):
    """/tasks/recurring/{id}: series of recurring tasks."""

    def __acl__(self):
        return container_acl(self, "task", ("view", "add"))

    def load(self, key: str):
        if key.isdigit() and len(key) < 12:
            rec = self.request.dbsession.get(TaskRecurrence, int(key))
            return rec
        return None


def recurrence_acl(rec: TaskRecurrence) -> list:
    """A series is its author's; whoever it is assigned to may look at it. Tasks' edit rule
    holds too: whoever edits tasks with scope all, or of the series' department queue with
    scope department (a department head), views and edits the series."""
    acl = [ADMIN_ACE, (Allow, f"user:{rec.author_id}", ("view", "edit"))]
    if rec.assignee_id:
        acl.append((Allow, f"user:{rec.assignee_id}", "view"))
    parent = getattr(rec, "__parent__", None)
    if parent is not None:
        for role, scope in parent.request.role_matrix.roles_with(Task.security_type, "edit"):
            if scope == "all":
                acl.append((Allow, f"role:{role}", ("view", "edit")))
            elif scope == "department" and rec.department_id:
                acl.append((Allow, f"role:{role}@dept:{rec.department_id}", ("view", "edit")))
    acl.append(DENY_ALL)
    return acl


Tasks.children = {"report": DisciplineReport, "recurring": Recurrences}
