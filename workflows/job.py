"""The service-job workflow: unscheduled → scheduled → dispatched → in progress → completed,
with on hold and cancelled.

Planning is the service's (portal/dispatch/service.py): putting a job on the board makes it
"scheduled", taking it off makes it "unscheduled" again, and both write the same history as a
transition. The steps here: the dispatcher sends a scheduled job to its technicians
(dispatch), a technician starts and completes it on site (edit: the technician assigned, own
scope), the dispatcher holds, resumes or cancels it. A job on hold or cancelled holds no
resource (its bookings are freed); a completed one keeps them as the record of the work.

Bound to models.dispatch.Job by workflows/__init__.py.
"""
from pyramid.i18n import TranslationStringFactory

from workflows.engine import State, Transition, Workflow

_ = TranslationStringFactory("portal")


def _needs_plan(request, job):
    if job.starts_at is None or not job.assignments:
        return _("Put the job on the board first: it has no time or technician yet.")
    return None


def _needs_report(request, job):
    if not (job.work_done or "").strip():
        return _("Say what was done before completing the job.")
    return None


PLANNED = ("scheduled", "dispatched")

JOB = Workflow(
    name="job",
    initial="unscheduled",
    type_permissions=("view", "add", "dispatch", "edit"),
    states={
        "unscheduled": State(_("Unscheduled")),
        "scheduled": State(_("Scheduled")),
        "dispatched": State(_("Dispatched")),
        "in_progress": State(_("In progress")),
        "completed": State(_("Completed"), {"dispatch": ()}),
        "on_hold": State(_("On hold")),
        "cancelled": State(_("Cancelled"), {"dispatch": (), "edit": ()}),
    },
    transitions=[
        # Taken by the service once the job is on the board (or taken off it).
        Transition("schedule", ("unscheduled",), "scheduled", "dispatch", _("Schedule"),
                   guard=_needs_plan),
        Transition("unschedule", PLANNED, "unscheduled", "dispatch", _("Take off the board")),
        Transition("dispatch", ("scheduled",), "dispatched", "dispatch",
                   _("Send to the technician"), guard=_needs_plan),
        Transition("start", PLANNED, "in_progress", "edit", _("Start work"), guard=_needs_plan),
        Transition("complete", ("in_progress",), "completed", "edit", _("Complete"),
                   guard=_needs_report),
        Transition("hold", ("unscheduled", *PLANNED), "on_hold", "dispatch", _("Put on hold"),
                   needs_comment=True),
        Transition("resume", ("on_hold",), "unscheduled", "dispatch", _("Resume")),
        Transition("cancel", ("unscheduled", "on_hold", *PLANNED), "cancelled", "dispatch",
                   _("Cancel"), needs_comment=True),
    ],
)
