"""What a workflow step does to a job: put on hold or cancelled, it frees its resources (the
board's pane shows it again when resumed); started and completed, it keeps the actual times."""
from __future__ import annotations

from models.dispatch import Job
from models.meta import utcnow
from portal.dispatch.service import JobChanged, free_on_leave


def on_transition(event) -> None:
    job = event.obj
    if not isinstance(job, Job):
        return
    now = utcnow()
    request = event.request
    # What the job held before the step: the notice says when it was planned.
    old, old_start = tuple(job.resource_ids), job.starts_at
    if event.to_state in ("on_hold", "cancelled"):
        free_on_leave(request.dbsession, job)
    if event.to_state == "in_progress" and job.actual_start is None:
        job.actual_start = now
    if event.to_state == "completed" and job.actual_end is None:
        job.actual_end = now
    job.updated_at = now
    job.revision += 1
    identity = request.identity
    request.registry.notify(JobChanged(request.registry, job,
                                       identity.user.id if identity else None, "state", old,
                                       old_start))
