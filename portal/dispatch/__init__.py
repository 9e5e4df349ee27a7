"""Service scheduling: the service catalog, resources (technicians and equipment) with skills,
territories, groups and crews, working hours and time off; service jobs and their plan on the
dispatcher's board, refused by the database when a resource would be booked twice; find-a-slot
and auto-plan; technicians' jobs; the service head's figures.

- `availability.py`: When resources can work: working weeks, time off, what is booked.
- `resources.py`: The /dispatch part of the resource tree.
- `security.py`: Who may see and change jobs and resources: the ACL's rules as SQL.
- `service.py`: Jobs: numbers, new jobs, planning under every constraint (the database refuses
  double bookings), taking off the board, flagging jobs a change of a resource made invalid.
- `subscribers.py`: What a workflow step does to a job.
"""

from models.dispatch import Job, Resource
from models.meta import ROW_ACL
from portal.core.i18n import _
from portal.dispatch.feeds import includeme_feeds
from portal.dispatch.notices import includeme_notices
from portal.dispatch.resources import Dispatch, place_job, place_resource
from portal.dispatch.subscribers import on_transition
from portal.resources import LOCATORS, add_section
from portal.security.acl import row_acl
from workflows.engine import Transitioned


def includeme(config) -> None:
    add_section(config, "dispatch", Dispatch, _("Dispatch"), "truck", 38)
    config.register(ROW_ACL, Job, row_acl)
    config.register(ROW_ACL, Resource, row_acl)
    config.register(LOCATORS, Job, place_job)
    config.register(LOCATORS, Resource, place_resource)
    config.add_subscriber(on_transition, Transitioned)
    includeme_notices(config)
    includeme_feeds(config)
    config.scan("portal.dispatch", categories=("portal",))
