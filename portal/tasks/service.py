"""Business rules of tasks, shared by the pages, the tick and the demo: where a task may go,
creating, changing, taking, reassigning, commenting with @mentions, and what is said to whom.

Everything a user can get wrong raises `TaskProblem(field, message)`; the caller shows the
message next to the field and nothing is stored.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models.meta import utcnow
from models.people import Department, Membership, User
from models.tasks import (
    LINK_TYPES,
    OPEN_STATES,
    PRIORITIES,
    Task,
    TaskComment,
    TaskWatcher,
    schedule_notices,
)
from portal.core.i18n import DEFAULT_TIMEZONE, _
from portal.tasks.notify import When, tell
from portal.tasks.security import best_scope

TITLE_MAX = Task.__table__.c.title.type.length
DESCRIPTION_MAX = 20000
COMMENT_MAX = 10000
MENTION_RE = re.compile(r"(?<![\w@.])@([a-z0-9][a-z0-9._-]{0,61}[a-z0-9])", re.IGNORECASE)


class TaskProblem(Exception):
    def __init__(self, field: str, message):
        super().__init__(str(message))
        self.field = field
        self.message = message


# --- where a task goes -----------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A person (with the department the task then belongs to) or a department's queue."""

    user: User | None
    department: Department | None

    @property
    def value(self) -> str:
        if self.user is not None:
            return f"user:{self.user.id}"
        return f"dept:{self.department.id}" if self.department is not None else ""


def primary_department(dbsession, user: User) -> Department | None:
    """The department a task given to `user` belongs to: their first, by name."""
    return dbsession.scalar(
        sa.select(Department)
        .join(Membership, Membership.department_id == Department.id)
        .where(Membership.user_id == user.id)
        .order_by(Department.name, Department.id)
        .limit(1)
    )


def parse_target(dbsession, value: str, field: str = "assign_to", keep: Task | None = None) -> Target:
    """The person or queue a form names ("user:7", "dept:3"), checked against the database.

    `keep`: a task whose current department stays when it goes to one of its members.
    """
    kind, _sep, raw = (value or "").partition(":")
    if not raw.isdigit() or kind not in ("user", "dept") or len(raw) > 12:
        raise TaskProblem(field, _("Choose a person or a department."))
    if kind == "user":
        user = dbsession.get(User, int(raw))
        if user is None:
            raise TaskProblem(field, _("That person no longer exists. Choose someone else."))
        if not user.active:
            raise TaskProblem(
                field,
                _(
                    "${name} is deactivated and cannot take tasks. Choose someone else or their "
                    "department's queue.",
                    mapping={"name": user.full_name},
                ),
            )
        department = None
        if (
            keep is not None
            and keep.department_id is not None
            and dbsession.scalar(
                sa.select(Membership.id).where(
                    Membership.user_id == user.id, Membership.department_id == keep.department_id
                )
            )
        ):
            department = keep.department
        return Target(user, department or primary_department(dbsession, user))
    department = dbsession.get(Department, int(raw))
    if department is None:
        raise TaskProblem(
            field,
            _(
                "That department no longer exists (it may have been deleted). Choose another "
                "department or a person."
            ),
        )
    has_people = dbsession.scalar(
        sa.select(Membership.id)
        .join(User, User.id == Membership.user_id)
        .where(Membership.department_id == department.id, User.active)
        .limit(1)
    )
    if not has_people:
        raise TaskProblem(
            field,
            _(
                "Nobody works in “${name}” yet, so nobody could take the task from its queue. "
                "Choose a person or another department.",
                mapping={"name": department.name},
            ),
        )
    return Target(None, department)


def may_send_to(request, task: Task | None, target: Target) -> bool:
    """Whether the user may send `task` (None: a new one) to `target`.

    Anyone adds a task for anyone (task.add: all); the author re-sends their own task anywhere;
    `assign` with department scope (a department head) reassigns within their departments and
    those below; with scope all, anywhere.
    """
    identity = request.identity
    if task is None:
        return request.has_permission("add", request.root["tasks"])
    if identity.is_admin or task.author_id == identity.user.id:
        return True
    if not request.has_permission("assign", task):
        return False
    scope = best_scope(request, "task", "assign")
    if scope == "all":
        return True
    allowed = set(identity.dept_scope_ids)
    if target.department is not None and target.user is None:
        return target.department.id in allowed
    if target.user is not None:
        user_depts = set(
            request.dbsession.scalars(
                sa.select(Membership.department_id).where(Membership.user_id == target.user.id)
            )
        )
        return bool(user_depts & allowed)
    return False


def may_reassign(request, task: Task) -> bool:
    identity = request.identity
    return bool(
        identity
        and (
            identity.is_admin or task.author_id == identity.user.id or request.has_permission("assign", task)
        )
    )


# --- due dates and reminders ----------------------------------------------------------------


def zone_of(user: User | None) -> ZoneInfo:
    try:
        return ZoneInfo((user.timezone if user else "") or DEFAULT_TIMEZONE)
    except (KeyError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def local_instant(day: dt.date, time: dt.time, zone: ZoneInfo, field: str = "due_time") -> dt.datetime:
    """`day` at `time` in `zone`, refusing a time that the clocks skip (daylight saving)."""
    naive = dt.datetime.combine(day, time)
    aware = naive.replace(tzinfo=zone)
    back = aware.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None)
    if back != naive:
        raise TaskProblem(
            field,
            _(
                "${time} does not exist on ${date} in your time zone: the clocks move forward then. "
                "Choose another time.",
                mapping={"time": time.strftime("%H:%M"), "date": day.isoformat()},
            ),
        )
    return aware.astimezone(dt.UTC)


def due_instant(day: dt.date | None, time: dt.time | None, zone: ZoneInfo) -> tuple[dt.datetime | None, bool]:
    """(due_at in UTC, has_time): a date alone means the end of that day (the day itself is
    kept in `Task.due_on`)."""
    if day is None:
        if time is not None:
            raise TaskProblem("due_date", _("Give the date as well as the time."))
        return None, False
    if day.year < 2000 or day.year > 2100:
        raise TaskProblem(
            "due_date",
            _("Enter a real date, for example ${example}.", mapping={"example": dt.date.today().isoformat()}),
        )
    if time is None:
        return local_instant(day, dt.time(23, 59), zone, "due_date"), False
    return local_instant(day, time, zone), True


REMIND_UNITS = {"minutes": 1, "hours": 60, "days": 1440}
REMIND_MAX = 60 * 24 * 90


def remind_minutes(amount: int | None, unit: str, has_due: bool) -> int | None:
    if amount is None:
        return None
    if not has_due:
        raise TaskProblem(
            "remind_amount", _("A reminder needs a due date: set one, or leave the reminder empty.")
        )
    minutes = amount * REMIND_UNITS.get(unit, 1)
    if amount < 0 or minutes > REMIND_MAX:
        raise TaskProblem(
            "remind_amount", _("A reminder can be from 0 minutes to 90 days before the due time.")
        )
    return minutes


# --- creating and changing ------------------------------------------------------------------


def clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise TaskProblem("title", _("Say what needs to be done."))
    if len(title) > TITLE_MAX:
        raise TaskProblem("title", _("At most ${max} characters, please.", mapping={"max": TITLE_MAX}))
    return title


def clean_link(link_type: str | None, link_id) -> tuple[str | None, int | None]:
    if not link_type and link_id in (None, ""):
        return None, None
    if link_type not in LINK_TYPES:
        raise TaskProblem("link_type", _("Choose what kind of record the task is about."))
    if link_id in (None, "") or not str(link_id).isdigit() or len(str(link_id)) > 12:
        raise TaskProblem("link_id", _("Enter the number of the record."))
    return link_type, int(link_id)


def log_change(task: Task, actor_id: int | None, event: dict) -> TaskComment:
    """One line of the task's activity, stored as data and told in the reader's language."""
    import json

    entry = TaskComment(
        task=task, author_id=actor_id, kind="change", body=json.dumps(event, ensure_ascii=False, default=str)
    )
    return entry


def task_url(task: Task) -> str:
    return f"/tasks/{task.id}"


def create_task(
    request,
    *,
    title: str,
    target: Target,
    description: str = "",
    priority: int = 1,
    due_at: dt.datetime | None = None,
    due_has_time: bool = False,
    due_on: dt.date | None = None,
    remind_before: int | None = None,
    daily: bool = False,
    link: tuple[str | None, int | None] = (None, None),
    author: User | None = None,
    recurrence_id: int | None = None,
    occurrence_on: dt.date | None = None,
    notify: bool = True,
) -> Task:
    db = request.dbsession
    author = author or request.identity.user
    task = Task(
        description=(description or "").strip()[:DESCRIPTION_MAX],
        priority=priority if priority in PRIORITIES else 1,
        author_id=author.id,
        assignee_id=target.user.id if target.user else None,
        department_id=target.department.id if target.department else None,
        due_at=due_at,
        due_has_time=due_has_time,
        remind_before=remind_before,
        due_on=due_on,
        daily=daily,
        link_type=link[0],
        link_id=link[1],
        recurrence_id=recurrence_id,
        occurrence_on=occurrence_on,
        state="open",
    )
    task.set_title(clean_title(title))
    schedule_notices(task)
    db.add(task)
    db.flush()
    db.add(log_change(task, author.id, {"event": "created"}))
    if notify:
        tell_assigned(request, task, actor_id=author.id)
    return task


def tell_assigned(request, task: Task, actor_id: int | None) -> None:
    """The assignee hears they have a task; for a queue, every member of the department."""
    if task.assignee_id:
        tell(
            request,
            [task.assignee_id],
            "task_assigned",
            _("New task for you: ${title}", mapping={"title": task.title}),
            due_line(task),
            task_url(task),
            exclude=actor_id,
        )
    elif task.department_id:
        members = request.dbsession.scalars(
            sa.select(Membership.user_id)
            .join(User, User.id == Membership.user_id)
            .where(Membership.department_id == task.department_id, User.active)
        )
        tell(
            request,
            list(members),
            "task_assigned",
            _(
                "New task in the queue of ${department}: ${title}",
                mapping={"department": task.department.name, "title": task.title},
            ),
            due_line(task),
            task_url(task),
            exclude=actor_id,
        )


def due_line(task: Task):
    """A short body for notifications: the due date, told in each reader's zone and language."""
    if task.due_at is None:
        return _("No due date.")
    return _("Due ${when}", mapping={"when": When(task.due_at, task.due_has_time, task.due_on)})


TRACKED = (
    "title",
    "description",
    "priority",
    "due_at",
    "due_has_time",
    "due_on",
    "remind_before",
    "daily",
    "link_type",
    "link_id",
)


def update_task(request, task: Task, values: dict) -> list[str]:
    """Apply edited fields; log and tell what changed. Returns the names of changed fields."""
    actor = request.identity.user
    changed = []
    old = {name: getattr(task, name) for name in TRACKED}
    if "title" in values:
        task.set_title(clean_title(values["title"]))
    for name in TRACKED[1:]:
        if name in values:
            value = values[name]
            if name == "description":
                value = (value or "").strip()[:DESCRIPTION_MAX]
            setattr(task, name, value)
    for name in TRACKED:
        if getattr(task, name) != old[name]:
            changed.append(name)
    if not changed:
        return []
    if {"due_at", "remind_before"} & set(changed):
        schedule_notices(task)
    task.updated_at = utcnow()
    for name in changed:
        if name in ("due_has_time", "due_on", "link_id"):
            continue
        new = getattr(task, name)
        event = {"event": "field", "field": name, "old": old[name], "new": new}
        if name == "due_at":
            event.update(
                old_time=old["due_has_time"],
                new_time=task.due_has_time,
                old_on=old["due_on"],
                new_on=task.due_on,
            )
        if name == "link_type":
            event.update(old=[old["link_type"], old["link_id"]], new=[task.link_type, task.link_id])
        if name == "description":
            event.update(old=None, new=None)
        request.dbsession.add(log_change(task, actor.id, event))
    if "link_id" in changed and "link_type" not in changed:
        request.dbsession.add(
            log_change(
                task,
                actor.id,
                {
                    "event": "field",
                    "field": "link_type",
                    "old": [old["link_type"], old["link_id"]],
                    "new": [task.link_type, task.link_id],
                },
            )
        )
    request.dbsession.flush()
    tell(
        request,
        task.participant_ids(),
        "task_changed",
        _("Task changed: ${title}", mapping={"title": task.title}),
        _(
            "${name} changed: ${fields}.",
            mapping={
                "name": actor.full_name,
                "fields": list(dict.fromkeys(FIELD_WORDS[n] for n in changed if n in FIELD_WORDS)),
            },
        ),
        task_url(task),
        exclude=actor.id,
    )
    return changed


# Field names in notification bodies (translated one by one by `tell(words=True)`).
FIELD_WORDS = {
    "title": _("title"),
    "description": _("description"),
    "priority": _("priority"),
    "due_at": _("due date"),
    "remind_before": _("reminder"),
    "daily": _("every-day display"),
    "link_type": _("related record"),
    "link_id": _("related record"),
}


def assign(request, task: Task, target: Target) -> bool:
    """Send the task to another person or queue (the caller has checked `may_send_to`)."""
    actor = request.identity.user
    new_user = target.user.id if target.user else None
    new_dept = target.department.id if target.department else None
    if task.assignee_id == new_user and task.department_id == new_dept:
        return False
    old = {"user": task.assignee_id, "dept": task.department_id}
    previous_assignee = task.assignee_id
    task.assignee_id = new_user
    task.department_id = new_dept
    task.assignee = target.user
    task.department = target.department
    task.updated_at = utcnow()
    request.dbsession.add(
        log_change(
            task, actor.id, {"event": "assigned", "old": old, "new": {"user": new_user, "dept": new_dept}}
        )
    )
    request.dbsession.flush()
    tell_assigned(request, task, actor_id=actor.id)
    others = {task.author_id, *(w.user_id for w in task.watchers)}
    if previous_assignee:
        others.add(previous_assignee)
    others.discard(new_user)
    who = (
        target.user.full_name
        if target.user
        else _("the queue of ${department}", mapping={"department": target.department.name})
    )
    tell(
        request,
        others,
        "task_changed",
        _("Task reassigned: ${title}", mapping={"title": task.title}),
        _("${name} sent it to ${who}.", mapping={"name": actor.full_name, "who": who}),
        task_url(task),
        exclude=actor.id,
    )
    return True


def take(request, task: Task) -> None:
    """A member of the queue's department takes the task: it is theirs now, still open until
    they start it.

    Two members taking it at the same moment: one guarded UPDATE (still in the queue, still
    open) lets exactly one of them have it; the other is told that someone else took it.
    """
    actor = request.identity.user
    if not task.in_queue or not task.is_open:
        raise TaskProblem("take", _("Someone has already taken this task."))
    db = request.dbsession
    db.flush()
    won = db.execute(
        sa.update(Task)
        .where(Task.id == task.id, Task.assignee_id.is_(None), Task.state.in_(OPEN_STATES))
        .values(assignee_id=actor.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        db.expire(task)
        raise TaskProblem("take", _("Someone else took this task a moment ago."))
    # Through the ORM as well, so the change is audited like any other.
    task.assignee_id = actor.id
    task.assignee = actor
    task.updated_at = utcnow()
    request.dbsession.add(log_change(task, actor.id, {"event": "taken"}))
    request.dbsession.flush()
    tell(
        request,
        {task.author_id, *(w.user_id for w in task.watchers)},
        "task_changed",
        _("Task taken: ${title}", mapping={"title": task.title}),
        _(
            "${name} took it from the queue of ${department}.",
            mapping={"name": actor.full_name, "department": task.department.name},
        ),
        task_url(task),
        exclude=actor.id,
    )


def release(request, task: Task) -> None:
    """The assignee puts the task back into its department's queue."""
    actor = request.identity.user
    if task.assignee_id != actor.id or task.department_id is None or not task.is_open:
        raise TaskProblem(
            "release", _("Only its assignee can return an open task to its department's queue.")
        )
    task.assignee_id = None
    task.assignee = None
    if task.state == "in_progress":
        task.state = "open"
    task.updated_at = utcnow()
    request.dbsession.add(log_change(task, actor.id, {"event": "released"}))
    request.dbsession.flush()
    tell_assigned(request, task, actor_id=actor.id)


# --- watchers, comments, mentions ------------------------------------------------------------


def add_watcher(request, task: Task, user: User) -> bool:
    if not user.active:
        raise TaskProblem("watcher", _("${name} is deactivated.", mapping={"name": user.full_name}))
    if any(w.user_id == user.id for w in task.watchers):
        return False
    task.watchers.append(TaskWatcher(user_id=user.id, user=user))
    actor = request.identity.user
    if user.id != actor.id:
        request.dbsession.add(log_change(task, actor.id, {"event": "watcher", "user": user.id}))
    request.dbsession.flush()
    if user.id != actor.id:
        tell(request, [user.id], "task_changed",
             _("${name} added you as a watcher: ${title}", mapping={"name": actor.full_name, "title": task.title}),
             due_line(task), task_url(task))
    return True


def remove_watcher(request, task: Task, user_id: int) -> bool:
    for w in list(task.watchers):
        if w.user_id == user_id:
            task.watchers.remove(w)
            request.dbsession.flush()
            return True
    return False


def mentioned_users(dbsession, text: str) -> list[User]:
    logins = {m.lower() for m in MENTION_RE.findall(text or "")}
    if not logins:
        return []
    return list(dbsession.scalars(sa.select(User).where(User.login.in_(sorted(logins)), User.active)))


def add_comment(request, task: Task, body: str) -> TaskComment:
    """A comment; people it @mentions start watching the task (so they can open it) and hear."""
    actor = request.identity.user
    body = (body or "").strip()
    if not body:
        raise TaskProblem("body", _("Write something first."))
    if len(body) > COMMENT_MAX:
        raise TaskProblem("body", _("At most ${max} characters, please.", mapping={"max": COMMENT_MAX}))
    comment = TaskComment(task=task, author_id=actor.id, kind="comment", body=body)
    request.dbsession.add(comment)
    mentioned = [u for u in mentioned_users(request.dbsession, body) if u.id != actor.id]
    for user in mentioned:
        if user.id not in task.participant_ids():
            task.watchers.append(TaskWatcher(user_id=user.id, user=user))
    task.updated_at = utcnow()
    request.dbsession.flush()
    snippet = body if len(body) <= 300 else body[:297] + "…"
    mentioned_ids = {u.id for u in mentioned}
    tell(
        request,
        mentioned_ids,
        "mention",
        _("${name} mentioned you: ${title}", mapping={"name": actor.full_name, "title": task.title}),
        snippet,
        task_url(task) + f"#comment-{comment.id}",
        exclude=actor.id,
    )
    tell(
        request,
        task.participant_ids() - mentioned_ids,
        "task_changed",
        _("New comment on ${title}", mapping={"title": task.title}),
        f"{actor.full_name}: {snippet}",
        task_url(task) + f"#comment-{comment.id}",
        exclude=actor.id,
    )
    return comment


# --- what the workflow and the rest of the portal do to tasks -----------------------------------


def on_transition(event) -> None:
    """Subscriber of workflows.engine.Transitioned: tell the participants, re-plan notices."""
    if event.workflow.name != "task":
        return
    task: Task = event.obj
    request = event.request
    if event.to_state in OPEN_STATES and event.from_state not in OPEN_STATES:
        schedule_notices(task)
    task.updated_at = utcnow()
    actor = request.identity.user if request.identity else None
    state = event.workflow.states[event.to_state].title
    body = _("${name}: ${state}.", mapping={"name": actor.full_name if actor else "", "state": state})
    if event.comment.strip():
        body = _(
            "${name}: ${state}. “${comment}”",
            mapping={
                "name": actor.full_name if actor else "",
                "state": state,
                "comment": event.comment.strip()[:300],
            },
        )
    tell(
        request,
        task.participant_ids(),
        "task_changed",
        _("${title}: ${state}", mapping={"title": task.title, "state": state}),
        body,
        task_url(task),
        exclude=actor.id if actor else None,
    )


def on_person_deactivated(event) -> None:
    """A person who leaves hands their open tasks back: to their department's queue, or to the
    author when the task has no department. Nothing is lost, and the authors hear about it."""
    if event.workflow.name != "account" or event.to_state != "deactivated":
        return
    request = event.request
    person: User = event.obj
    tasks = list(
        request.dbsession.scalars(
            sa.select(Task).where(Task.assignee_id == person.id, Task.state.in_(OPEN_STATES))
        )
    )
    actor_id = request.identity.user.id if request.identity else None
    for task in tasks:
        task.assignee_id = None
        task.assignee = None
        if task.department_id is None:
            task.assignee_id = task.author_id if task.author_id != person.id else None
        if task.state == "in_progress":
            task.state = "open"
        request.dbsession.add(log_change(task, actor_id, {"event": "assignee_left", "user": person.id}))
        if task.assignee_id is None and task.department_id is not None:
            tell_assigned(request, task, actor_id=actor_id)
        tell(
            request,
            {task.author_id},
            "task_changed",
            _("Task returned: ${title}", mapping={"title": task.title}),
            _(
                "${name} was deactivated; the task went back to ${where}.",
                mapping={
                    "name": person.full_name,
                    "where": _("the queue of ${department}", mapping={"department": task.department.name})
                    if task.department is not None
                    else _("you"),
                },
            ),
            task_url(task),
            exclude=actor_id,
        )
    request.dbsession.flush()


def on_departments_deleted(dbsession, departments: list[Department]) -> None:
    """Before a department is deleted: its open tasks keep everything but the department,
    say so in their activity, and their authors are asked to choose a new assignee."""
    from portal.tasks.notify import tell_session

    ids = [d.id for d in departments if d.id is not None]
    if not ids:
        return
    names = {d.id: d.name for d in departments}
    tasks = list(dbsession.scalars(sa.select(Task).where(Task.department_id.in_(ids))))
    for task in tasks:
        name = names.get(task.department_id, "")
        task.department_id = None
        task.department = None
        dbsession.add(
            log_change(task, dbsession.info.get("actor_id"), {"event": "department_deleted", "name": name})
        )
        if task.is_open and task.assignee_id is None:
            tell_session(
                dbsession,
                {task.author_id},
                "task_changed",
                _("Choose a new assignee: ${title}", mapping={"title": task.title}),
                _(
                    "The department “${department}” was deleted while the task waited in its queue.",
                    mapping={"department": name},
                ),
                task_url(task),
            )


@sa.event.listens_for(Session, "before_flush")
def _departments_deleted(session, flush_context, instances) -> None:
    gone = [obj for obj in session.deleted if isinstance(obj, Department)]
    if gone:
        on_departments_deleted(session, gone)
