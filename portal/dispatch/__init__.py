"""Service scheduling: the service catalog, resources (technicians and equipment) with skills,
territories, groups and crews, working hours and time off; service jobs and their plan on the
dispatcher's board, refused by the database when a resource would be booked twice; find-a-slot
and auto-plan; technicians' jobs; the service head's figures.

- `availability.py`: When resources can work: working weeks, time off, what is booked.
- `client_links.py`: Jobs on the client card's timeline and as what a task is about.
- `feeds.py`: Jobs in a technician's ICS feed and as busy time in the team calendar.
- `field.py`: A technician's day: my jobs, start, the completion report (done once).
- `lists.py`: The job list's tabs and filters in SQL; editing a job's details.
- `manage.py`: Resources, skills, hours, time off, the catalog, territories, groups and crews.
- `notices.py`: Telling technicians that a job is theirs, moved, no longer theirs, stopped.
- `planner.py`: The planning engine, pure: find-a-slot and the greedy plan.
- `planning.py`: Find-a-slot and auto-plan over the database (free time in, instants out).
- `report.py`: The service head's figures: utilization, states, on-time arrival, first-time fix.
- `resources.py`: The /dispatch part of the resource tree.
- `security.py`: Who may see and change jobs and resources: the ACL's rules as SQL.
- `service.py`: Jobs: numbers, new jobs, planning under every constraint (the database refuses
  double bookings), taking off the board, flagging jobs a change of a resource made invalid.
- `solver.py`: Auto-plan with CP-SAT, never worse than the greedy plan.
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
