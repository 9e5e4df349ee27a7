"""The task workflow: open → in progress → done / cancelled, and reopen."""
from portal.i18n import _
from workflows.engine import State, Transition, Workflow, register

TASK = register(Workflow(
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
        Transition("start", ("open",), "in_progress", "edit", _("Start")),
        Transition("finish", ("open", "in_progress"), "done", "edit", _("Mark done")),
        Transition("cancel", ("open", "in_progress"), "cancelled", "edit", _("Cancel"),
                   needs_comment=True),
        Transition("reopen", ("done", "cancelled"), "open", "edit", _("Reopen")),
    ],
))
