"""Tasks across departments: the rules of a task's life, queues, lists, links to clients, recurring
series, reminders and notices sent by `portal tick`, the execution report and tasks in each
person's ICS feed.

- `activity.py`: A task's activity in words: comments, and the changes stored as data by
  portal.tasks.service.log_change, told in the reader's language and time zone.
- `audit.py`: Tasks in the audit log, in words (portal/audit/log.py's extension points).
- `client_links.py`: Tasks and events about a client: the organization and contact link types
  (checked, named and linked for the records the user may see), the records offered by the form's
  picker, and the tasks and events on the client card's timeline.
- `ics.py`: Tasks with due dates in a person's ICS feed (portal.calendar.ics.ICS_FEED_PROVIDERS).
- `jobs.py`: Background work of tasks, run by `portal tick`: reminders, "due soon" and "overdue"
  notices, the occurrences of recurring tasks, and colleagues' birthdays ahead.
- `links.py`: What a task is about: a client, a contact, a ticket, a service job or a deal, stored
  as a generic (link_type, link_id) pair. Each area that owns such records registers how to name
  them and where they are, for the records a user may see:
- `lists.py`: The task lists: my tasks, set by me, my department's queue, watching, my department's
  tasks, all — with filters, each one query filtered by what the user may see (in SQL).
- `notify.py`: Telling people about tasks, each in their own language and time zone.
- `report.py`: The execution discipline report: of the tasks due in a period, how many were done on
  time, done late, are still overdue, or are not due yet — by person or by department.
- `resources.py`: The /tasks part of the resource tree: the section, its report and the recurring
  series.
- `security.py`: Who may do what with a task: its computed ACL and the same rules as SQL for
  listings.
- `service.py`: Business rules of tasks, shared by the pages, the tick and the demo: where a task
  may go, creating, changing, taking, reassigning, commenting with @mentions, and what is said to
  whom.
"""


def includeme(config) -> None:
    config.include(".audit")
    # Ticker jobs, timeline providers, feed providers and link types marked by decorators.
    config.scan("portal.tasks", categories=("portal",))
