"""A task's history in words, one feed in time order: comments, changes of its state (the
workflow's history: who moved it from what to what, and why) and changes of its fields (stored
as data by portal.tasks.service.log_change: who changed what from what to what), told in the
reader's language and time zone."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

import sqlalchemy as sa
from markupsafe import Markup, escape

from models.people import User
from models.tasks import Task, TaskComment
from models.workflow import WorkflowHistory
from portal.core.i18n import _, format_date, format_datetime
from portal.tasks.links import resolve_links
from portal.tasks.service import MENTION_RE

PRIORITY_LABELS = {0: _("Low"), 1: _("Normal"), 2: _("High"), 3: _("Urgent")}
PRIORITY_STYLES = {0: "secondary", 1: "primary", 2: "warning", 3: "danger"}


def ngettext(singular: str, plural: str, n: int) -> tuple[str, str, int]:
    """Marks a plural message for extraction (Babel's ngettext keyword)."""
    return singular, plural, n


def pluralize(request, triple, **mapping) -> str:
    singular, plural, n = triple
    return request.localizer.pluralize(singular, plural, n, domain="portal", mapping={"n": n, **mapping})


def reminder_text(request, minutes: int | None) -> str:
    if minutes is None:
        return request.translate(_("No reminder"))
    if minutes == 0:
        return request.translate(_("At the due time"))
    if minutes % 1440 == 0:
        return pluralize(request, ngettext("${n} day before", "${n} days before", minutes // 1440))
    if minutes % 60 == 0:
        return pluralize(request, ngettext("${n} hour before", "${n} hours before", minutes // 60))
    return pluralize(request, ngettext("${n} minute before", "${n} minutes before", minutes))


def due_text(
    request, due_at: dt.datetime | None, has_time: bool, due_on: dt.date | None, fmt: str = "medium"
) -> str:
    """A due date as people read it: "21 Nov 2026, 12:00"; in lists ("short") the year only
    when it is not this one; a date-only task shows its day."""
    if due_at is None:
        return request.translate(_("No due date"))
    zone = request.user_timezone
    local = due_at.astimezone(zone)
    day = due_on if (not has_time and due_on) else local.date()
    this_year = day.year == dt.datetime.now(zone).year
    pattern = "d MMM" if fmt == "short" and this_year else "d MMM y"
    # Kept per day (and moment), pattern and language: lists show the same few days.
    if not has_time:
        return format_date(request, day, pattern)
    return format_datetime(request, due_at, pattern + ", HH:mm")


@dataclass
class Entry:
    id: int
    kind: str  # comment | change | state
    author: User | None
    at: dt.datetime
    html: Markup
    comment: str = ""  # a change of state: the reason given


def render_comment(request, body: str, known_logins: dict[str, User]) -> Markup:
    """Plain text with line breaks, links, and @mentions of real people linked to them."""
    text = str(escape(body))
    text = re.sub(
        r"(https?://[^\s<]+)", r'<a href="\1" rel="noopener noreferrer" target="_blank">\1</a>', text
    )

    def mention(match):
        user = known_logins.get(match.group(1).lower())
        if user is None:
            return match.group(0)
        url = request.resource_url(request.root["people"], user.login)
        return (
            f'<a class="mention" href="{escape(url)}" title="{escape(user.full_name)}">'
            f"@{escape(user.login)}</a>"
        )

    text = MENTION_RE.sub(mention, text)
    return Markup(text.replace("\n", "<br>"))


def activity(request, task: Task) -> list[Entry]:
    """The task's history feed, oldest first: comments, changes of state and of fields."""
    db = request.dbsession
    rows = list(
        db.scalars(
            sa.select(TaskComment)
            .where(TaskComment.task_id == task.id)
            .order_by(TaskComment.created_at, TaskComment.id)
        )
    )
    moves = list(
        db.scalars(
            sa.select(WorkflowHistory)
            .where(WorkflowHistory.object_type == task.security_type, WorkflowHistory.object_id == task.id)
            .order_by(WorkflowHistory.at, WorkflowHistory.id)
        )
    )
    events = {}
    user_ids, dept_ids, logins, links = set(), set(), set(), []
    user_ids.update(m.actor_id for m in moves if m.actor_id)
    for row in rows:
        if row.author_id:
            user_ids.add(row.author_id)
        if row.kind == "comment":
            logins.update(m.lower() for m in MENTION_RE.findall(row.body))
            continue
        try:
            event = json.loads(row.body)
        except ValueError:
            continue
        events[row.id] = event
        if event.get("event") == "assigned":
            for side in ("old", "new"):
                user_ids.add((event.get(side) or {}).get("user"))
                dept_ids.add((event.get(side) or {}).get("dept"))
        if event.get("event") in ("watcher", "assignee_left"):
            user_ids.add(event.get("user"))
        if event.get("field") == "link_type":
            links += [tuple(event.get("old") or (None, None)), tuple(event.get("new") or (None, None))]
    users = {
        u.id: u
        for u in db.scalars(
            sa.select(User).where(
                sa.or_(User.id.in_({i for i in user_ids if i}), User.login.in_(sorted(logins)))
            )
        )
    }
    by_login = {u.login: u for u in users.values()}
    names = request.department_tree.names
    depts = {i: names[i] for i in dept_ids if i in names}
    resolved = resolve_links(request, [p for p in links if p[0]])
    out = []
    for row in rows:
        author = users.get(row.author_id)
        if row.kind == "comment":
            html = render_comment(request, row.body, by_login)
        else:
            event = events.get(row.id)
            if event is None:
                continue
            html = describe(request, event, users, depts, resolved)
            if html is None:
                continue
        out.append(Entry(row.id, row.kind, author, row.created_at, html))
    states = getattr(task, "workflow", None)
    for move in moves:
        out.append(Entry(move.id, "state", users.get(move.actor_id), move.at,
                         state_change(request, states, move.from_state, move.to_state), move.comment))
    # In time order; at the same instant, what was done first in the request comes first (a
    # task is taken, then started).
    order = {"comment": 1, "change": 0, "state": 1}
    out.sort(key=lambda e: (e.at, order[e.kind], e.id))
    return out


def state_change(request, workflow, old: str, new: str) -> Markup:
    """"changed the status: Open → In progress", in the reader's language."""

    def title(name):
        state = workflow.states.get(name) if workflow is not None else None
        return request.translate(state.title) if state is not None else name

    return escape(request.translate(
        _("changed the status: ${old} → ${new}", mapping={"old": title(old), "new": title(new)})
    ))


def _where(request, side: dict, users, depts) -> Markup:
    user = users.get((side or {}).get("user"))
    if user is not None:
        return escape(user.full_name)
    dept = depts.get((side or {}).get("dept"))
    if dept:
        return escape(request.translate(_("the queue of ${department}", mapping={"department": dept})))
    return escape(request.translate(_("nobody")))


def _parse_dt(value):
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _parse_date(value):
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def describe(request, event: dict, users, depts, links) -> Markup | None:
    tr = request.translate
    kind = event.get("event")
    if kind == "created":
        return escape(tr(_("created the task")))
    if kind == "taken":
        return escape(tr(_("took the task from the queue")))
    if kind == "released":
        return escape(tr(_("returned the task to its department's queue")))
    if kind == "assigned":
        return escape(
            tr(_("changed the assignee: ${old} → ${new}", mapping={
                "old": _where(request, event.get("old"), users, depts),
                "new": _where(request, event.get("new"), users, depts)}))
        )
    if kind == "watcher":
        user = users.get(event.get("user"))
        return escape(
            tr(_("added ${name} to the watchers", mapping={"name": user.full_name if user else "?"}))
        )
    if kind == "assignee_left":
        user = users.get(event.get("user"))
        return escape(
            tr(
                _(
                    "${name} was deactivated: the task went back to the queue",
                    mapping={"name": user.full_name if user else "?"},
                )
            )
        )
    if kind == "department_deleted":
        return escape(
            tr(
                _(
                    "the department “${name}” was deleted: choose a new assignee",
                    mapping={"name": event.get("name", "")},
                )
            )
        )
    if kind == "attachment":
        return escape(tr(_("attached “${name}”", mapping={"name": event.get("name", "")})))
    if kind != "field":
        return None
    field, old, new = event.get("field"), event.get("old"), event.get("new")
    if field == "title":
        return escape(tr(_("renamed the task: “${old}” → “${new}”", mapping={"old": old, "new": new})))
    if field == "description":
        return escape(tr(_("changed the description")))
    if field == "priority":
        return escape(
            tr(
                _(
                    "changed the priority: ${old} → ${new}",
                    mapping={
                        "old": tr(PRIORITY_LABELS.get(old, _("Normal"))),
                        "new": tr(PRIORITY_LABELS.get(new, _("Normal"))),
                    },
                )
            )
        )
    if field == "due_at":
        before = due_text(request, _parse_dt(old), event.get("old_time"), _parse_date(event.get("old_on")))
        after = due_text(request, _parse_dt(new), event.get("new_time"), _parse_date(event.get("new_on")))
        return escape(tr(_("changed the due date: ${old} → ${new}", mapping={"old": before, "new": after})))
    if field == "remind_before":
        return escape(
            tr(
                _(
                    "changed the reminder: ${old} → ${new}",
                    mapping={"old": reminder_text(request, old), "new": reminder_text(request, new)},
                )
            )
        )
    if field == "daily":
        return escape(
            tr(
                _("shows the task in My day every day until it is done")
                if new
                else _("stopped showing the task in My day every day")
            )
        )
    if field == "link_type":

        def label(pair):
            if not pair or not pair[0]:
                return "—"
            link = links.get((pair[0], pair[1]))
            return link.text(request) if link else f"{pair[0]} #{pair[1]}"

        return escape(
            tr(
                _(
                    "changed the related record: ${old} → ${new}",
                    mapping={"old": label(old), "new": label(new)},
                )
            )
        )
    return None
