"""Support tickets: queues, routing and assignment, SLA clocks on business hours with warnings
and escalation, the conversation with the requester, e-mail intake, the public form and
satisfaction.

- `hours.py`: Business hours (weekly intervals, holidays, working days, a time zone) and the
  arithmetic of working time over them.
- `jobs.py`: Background work of tickets, run by `portal tick`: SLA warnings and escalations.
- `notices.py`: Telling colleagues about tickets.
- `outbox.py`: E-mail to requesters: replies and the rating link.
- `resources.py`: The /tickets part of the resource tree, and the public /support pages.
- `security.py`: Who may do what with a ticket: its ACL and the same rules as SQL.
- `service.py`: Business rules of tickets: numbering, routing, assignment, the conversation,
  changes, merging, escalation, rating, the public form's limit.
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

    def mount_support() -> None:
        Root.children["support"] = Support

    config.action(("portal.public", "support"), mount_support, order=-100)
    config.scan("portal.tickets", categories=("portal",))
