"""Tasks with due dates in a person's ICS feed (portal.calendar.ics.ICS_FEED_PROVIDERS, joined
under the name "tasks" by portal.tasks' includeme).

Calendar programs show VEVENTs everywhere (Google Calendar ignores VTODO in subscriptions), so
each open task assigned to the person becomes an event: at its due time (15 minutes long), or
all day on its due date.
"""

from __future__ import annotations

import datetime as dt

import icalendar
import sqlalchemy as sa

from models.meta import utcnow
from models.people import User
from models.tasks import OPEN_STATES, Task
from portal.core.i18n import _
from portal.core.mail import localizer_for

FEED_PAST = dt.timedelta(days=60)
FEED_FUTURE = dt.timedelta(days=366)
FEED_LIMIT = 1000


def task_vevent(task: Task, base_url: str, summary_prefix: str) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", f"task-{task.id}@portal")
    event.add("summary", f"{summary_prefix}{task.title}")
    event.add("dtstamp", task.updated_at or utcnow())
    if task.due_has_time:
        event.add("dtstart", task.due_at)
        event.add("dtend", task.due_at + dt.timedelta(minutes=15))
    else:
        day = task.due_on or task.due_at.date()
        event.add("dtstart", day)
        event.add("dtend", day + dt.timedelta(days=1))
        event.add("transp", "TRANSPARENT")
    url = f"{base_url}/tasks/{task.id}"
    event.add("url", url)
    event.add("description", "\n\n".join(p for p in ((task.description or "").strip(), url) if p))
    event.add("categories", ["TASK"])
    return event


def tasks_feed(request, user: User) -> list:
    """Open tasks assigned to `user` that are due from two months ago to a year ahead."""
    now = utcnow()
    tasks = request.dbsession.scalars(
        sa.select(Task)
        .where(
            Task.assignee_id == user.id,
            Task.state.in_(OPEN_STATES),
            Task.due_at >= now - FEED_PAST,
            Task.due_at <= now + FEED_FUTURE,
        )
        .order_by(Task.due_at)
        .limit(FEED_LIMIT)
    ).all()
    if not tasks:
        return []
    prefix = localizer_for(request.registry, user.locale).translate(_("Task: "))
    return [task_vevent(t, request.application_url, prefix) for t in tasks]
