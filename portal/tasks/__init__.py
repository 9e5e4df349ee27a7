"""Tasks across departments: the rules of a task's life, queues, lists, links to clients, recurring
series, reminders and notices sent by `portal tick`, the execution report and tasks in each
person's ICS feed.

- `activity.py`: A task's activity in words: comments, and the changes stored as data by
  portal.tasks.service.log_change, told in the reader's language and time zone.
- `audit.py`: Tasks in the audit log, in words (portal/audit/log.py's extension points).
- `board.py`: One's tasks as a board by state (new, in progress, done in the last 7 days); moving
  a card is the workflow transition to that column, with its permission and guard.
- `client_links.py`: Tasks and events about a client: the organization and contact link types
  (checked, named and linked for the records the user may see), the records offered by the form's
  picker, and the tasks and events on the client card's timeline.
- `ics.py`: Tasks with due dates in a person's ICS feed (portal.calendar.ics.ICS_FEED_PROVIDERS).
- `jobs.py`: Background work of tasks, run by `portal tick`: reminders, "due soon" and "overdue"
  notices, the day's tasks of recurring series, and colleagues' birthdays ahead.
- `links.py`: What a task is about: a client, a contact, a ticket, a service job or a deal, stored
  as a generic (link_type, link_id) pair. Each area that owns such records registers how to name
  them and where they are, for the records a user may see.
- `lists.py`: The task lists: my tasks, set by me, my department's queue, watching, my department's
  tasks, all — with filters, each one query filtered by what the user may see (in SQL).
- `notify.py`: Telling people about tasks, each in their own language and time zone.
- `planned.py`: Tasks before they exist: the coming days of recurring series (and one's tasks
  due) in the calendar (portal.calendar.events.CALENDAR_ENTRY_PROVIDERS), and in "Due within
  7 days".
- `recurring.py`: Recurring tasks: a series' rule, setting it up and changing it, and making the
  task of each of its days.
- `report.py`: The execution discipline report: of the tasks due in a period, how many were done on
  time, done late, are still overdue, or are not due yet — by person or by department.
- `resources.py`: The /tasks part of the resource tree: the section, its report and the recurring
  series.
- `security.py`: Who may do what with a task or a series: their computed ACLs, the same rules as
  SQL for listings, and where a person may send a task.
- `service.py`: Business rules of tasks, shared by the pages, the tick and the demo: where a task
  may go, creating, changing, taking, reassigning, commenting with @mentions, the checklist,
  watchers and attachments, and what is said to whom.
- `subscribers.py`: What happens to tasks when something happens elsewhere: a workflow
  transition, a person deactivated, a department deleted.
"""

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models.meta import ROW_ACL
from models.tasks import Task, TaskRecurrence
from portal.calendar.events import CALENDAR_ENTRY_PROVIDERS
from portal.calendar.ics import ICS_FEED_PROVIDERS
from portal.core.i18n import _
from portal.resources import LOCATORS, add_section
from portal.tasks.ics import tasks_feed
from portal.tasks.planned import calendar_entries
from portal.tasks.resources import Tasks, place_task
from portal.tasks.security import recurrence_acl, task_acl
from portal.tasks.subscribers import departments_deleted, on_person_deactivated, on_transition
from workflows.engine import Transitioned


def includeme(config) -> None:
    config.include(".audit")
    add_section(config, "tasks", Tasks, _("Tasks"), "check2-square", 30)
    config.register(ROW_ACL, Task, task_acl)
    config.register(ROW_ACL, TaskRecurrence, recurrence_acl)
    config.register(LOCATORS, Task, place_task)
    # Tasks with due dates in each person's calendar feed.
    config.register(ICS_FEED_PROVIDERS, "tasks", tasks_feed)
    # One's tasks due and the coming days of one's series in one's own calendar.
    config.register(CALENDAR_ENTRY_PROVIDERS, "tasks", calendar_entries)
    # A task's state changed: its people hear; a person deactivated: their tasks go back.
    config.add_subscriber(on_transition, Transitioned)
    config.add_subscriber(on_person_deactivated, Transitioned)
    # A department about to be deleted hands its tasks back first (every session's flush).
    if not sa.event.contains(Session, "before_flush", departments_deleted):
        sa.event.listen(Session, "before_flush", departments_deleted)
    # Ticker jobs, timeline providers, feed providers and link types marked by decorators.
    config.scan("portal.tasks", categories=("portal",))
