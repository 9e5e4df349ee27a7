"""How tasks look on every task page: state colours and icons, priorities, due dates in the
reader's zone (overdue, today, later), and the addresses of tasks and people. Shared by the
lists, a task's page, its actions, the recurring series and the My day blocks."""

from __future__ import annotations

from models.meta import utcnow
from portal.core.i18n import local_today
from portal.tasks.activity import PRIORITY_LABELS, PRIORITY_STYLES, due_text

STATE_STYLES = {"open": "primary", "in_progress": "info", "done": "success", "cancelled": "secondary"}
STATE_ICONS = {
    "open": "circle",
    "in_progress": "play-circle",
    "done": "check-circle-fill",
    "cancelled": "x-circle",
}


def task_helpers(request, now=None) -> dict:
    """What task templates use to show states, priorities and due dates."""
    now = now or utcnow()
    today = local_today(request)

    def due_class(task) -> str:
        if task.due_at is None:
            return "text-secondary"
        if task.is_open and task.due_at < now:
            return "due-overdue"
        local = (
            task.due_on
            if not task.due_has_time and task.due_on
            else task.due_at.astimezone(request.user_timezone).date()
        )
        if task.is_open and local == today:
            return "due-today"
        return "due-later"

    return {
        "now": now,
        "today": today,
        "state_styles": STATE_STYLES,
        "state_icons": STATE_ICONS,
        "state_title": lambda t: t.workflow.states[t.state].title,
        "priority_labels": PRIORITY_LABELS,
        "priority_styles": PRIORITY_STYLES,
        "due_text": lambda t, fmt="medium": due_text(request, t.due_at, t.due_has_time, t.due_on, fmt),
        "due_class": due_class,
        "task_url": lambda t, *parts: request.resource_url(request.root["tasks"], str(t.id), *parts),
        "person_url": lambda u: request.resource_url(request.root["people"], u.login),
    }
