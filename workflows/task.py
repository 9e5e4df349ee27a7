"""The task workflow: open → in progress → done / cancelled, and reopen.

Bound to models.tasks.Task by workflows/__init__.py. Every transition needs `edit` on the task
(its author and assignee, a department head within the department, a director), which the ACL
computes (portal/tasks/security.py). A task waiting in a department's queue is taken first (the
"Take" action), then started.
"""
from pyramid.i18n import TranslationStringFactory

from workflows.engine import State, Transition, Workflow

_ = TranslationStringFactory("portal")


def _needs_assignee(request, task):
    if task.assignee_id is None:
        return _("The task is waiting in its department's queue: take it first.")
    return None


TASK = Workflow(
    name="task",
    initial="open",
    type_permissions=("view", "add", "edit", "assign"),
    states={
        "open": State(_("Open")),
        "in_progress": State(_("In progress")),
        "done": State(_("Done")),
        "cancelled": State(_("Cancelled")),
    },
    transitions=[
        Transition("start", ("open",), "in_progress", "edit", _("Start"), guard=_needs_assignee),
        Transition("finish", ("open", "in_progress"), "done", "edit", _("Mark done")),
        Transition("cancel", ("open", "in_progress"), "cancelled", "edit", _("Cancel"),
                   needs_comment=True),
        Transition("reopen", ("done", "cancelled"), "open", "edit", _("Reopen")),
    ],
)
