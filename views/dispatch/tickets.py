"""Service jobs from a ticket: "Send a technician" on the ticket's page (a new job prefilled
from the ticket), and the ticket's jobs with their state beside it, each a link to its page
(views/tickets/ticket.py's @ticket_action hook)."""
from __future__ import annotations

from models.tickets import Ticket
from portal.core.i18n import _
from portal.dispatch.lists import jobs_of
from views.clients.organizations import Action
from views.tickets.ticket import ticket_action
from workflows.job import JOB

# A job's button by its state; an open one in the portal's blue (Bootstrap's "info" cyan reads
# at 1.8:1 on the page's background, below WCAG's 4.5:1).
JOB_STATE_CSS = {"completed": "btn-outline-success", "cancelled": "btn-outline-secondary"}


@ticket_action
def ticket_jobs(request, ticket: Ticket) -> list[Action]:
    section = request.root["dispatch"]["jobs"]
    out = []
    if request.has_permission("add", section):
        out.append(Action(_("Send a technician"),
                          request.resource_url(section, "add", query={"ticket": ticket.id}),
                          icon="truck", css="btn-outline-primary", id="send-technician"))
    if request.has_permission("view", section):
        translate = request.translate
        for job in jobs_of(request, ticket_id=ticket.id, limit=5):
            # A plain string: the header translates titles it is given, and a number is no
            # message id.
            title = f"{job.number} · {translate(JOB.states[job.state].title)}"
            out.append(Action(title, request.resource_url(section, job.number), icon="truck",
                              css=JOB_STATE_CSS.get(job.state, "btn-outline-primary"),
                              id=f"ticket-job-{job.number}"))
    return out
