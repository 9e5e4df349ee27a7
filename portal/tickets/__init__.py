"""Support tickets: queues, routing and assignment, SLA clocks on business hours with warnings
and escalation, the conversation with the requester, e-mail intake, the public form and
satisfaction.

- `audit.py`: Queues, their agents and tickets in the audit log, in words (and its undo).
- `client_links.py`: Tickets on the client card's timeline.
- `hours.py`: Business-hours calendars (weekly intervals, holidays, special working days, time
  zone, daylight saving) and the SLA clock over a ticket's life with pauses.
- `inbound.py`: Incoming e-mail parsed safely (plain text, the reply without its quotes,
  size-limited attachments; auto-replies, bounces and loops recognised) and the threading
  headers of our replies.
- `intake.py`: Tickets from e-mail: a new ticket or a message on the ticket it answers, once.
- `jobs.py`: `portal tick`: SLA warnings and escalations, the support mailbox taken in.
- `links.py`: Tickets as what a task is about; a ticket's conversation read in one query.
- `lists.py`: The ticket lists (mine, unassigned in my queues, breaching soon, waiting, all),
  filtered in SQL, most urgent first.
- `mailbox.py`: The support mailbox over IMAP: each unseen message handed over once, marked
  seen only when handled.
- `notices.py`: Telling colleagues about tickets.
- `outbox.py`: E-mail to requesters (replies, the rating link) with headers that thread back.
- `report.py`: The lead's figures: open by queue and priority, SLA at risk, load, satisfaction,
  SLA compliance, repeat requests.
- `resources.py`: The /tickets part of the resource tree, and the public /support pages.
- `security.py`: Who may do what with a ticket: its ACL and the same rules as SQL.
- `service.py`: Business rules of tickets: numbering, routing, assignment, the conversation,
  changes, merging, escalation, rating, the public form's limit.
- `settings.py`: Setting up the desk: queues, policies, hours, routing rules, ready answers.
- `sla.py`: The targets of a ticket, the state of its clocks, the alerts of the tick.
- `subscribers.py`: What a workflow step does to a ticket.
"""

from models.meta import ROW_ACL
from models.tickets import Ticket
from portal.core.i18n import _
from portal.resources import LOCATORS, Root, add_section
from portal.tickets.resources import Support, Tickets, place_ticket
from portal.tickets.security import ticket_acl
from portal.tickets.subscribers import on_transition
from workflows.engine import Transitioned


def includeme(config) -> None:
    add_section(config, "tickets", Tickets, _("Tickets"), "life-preserver", 35)
    config.register(ROW_ACL, Ticket, ticket_acl)
    config.register(LOCATORS, Ticket, place_ticket)
    config.add_subscriber(on_transition, Transitioned)
    config.include(".audit")

    def mount_support() -> None:
        Root.children["support"] = Support

    config.action(("portal.public", "support"), mount_support, order=-100)
    config.scan("portal.tickets", categories=("portal",))
