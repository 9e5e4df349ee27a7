"""Business rules of tasks, shared by the pages, the tick and the demo: where a task may go,
creating, changing, taking, reassigning, commenting with @mentions, the checklist, watchers and
attachments, and what is said to whom (reactions to the rest of the portal: subscribers.py).

Functions that change a task take (dbsession, actor, ...) and `registry` (the application's, so
that each person hears in their own language), never the web request: the pages, `portal tick`
and the coming API call the same rules. Whether the actor may do it at all is the view's
permission (portal/tasks/security.py computes it); where a rule also depends on what the actor
may see or where they may send work (`check_target`, `check_link`), it takes their request.

Following a task grants nothing: watchers and @mentioned people see a task only while a rule
of their own lets them. So whoever is told about a task, beyond its author and assignee, is
first checked against its ACL (`who_may_view`), and those functions take the request too: a
watcher who can no longer see the task hears nothing of it, a person mentioned who cannot see
it is not told (the author is, that they were not), and nobody is added as a watcher who
could not open the task.

Everything a user can get wrong raises `TaskProblem` (a models.errors.UserError) naming the
field; the caller shows the message next to that field and nothing is stored.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from pyramid.interfaces import IRootFactory

from models.errors import ConflictError, UserError
from models.meta import utcnow
from models.people import Department, Membership, User
from models.tasks import (
    LINK_TYPES,
    OPEN_STATES,
    PRIORITIES,
    Task,
    TaskAttachment,
    TaskChecklistItem,
    TaskComment,
    TaskWatcher,
    schedule_notices,
)
from portal.core.i18n import _
from portal.core.parsing import local_instant, parse_int
from portal.security.policy import check_access
from portal.tasks.links import link_problem
from portal.tasks.notify import When, tell
from portal.tasks.security import may_send_to

TITLE_MAX = Task.__table__.c.title.type.length
DESCRIPTION_MAX = 20000
COMMENT_MAX = 10000
CHECKLIST_MAX = TaskChecklistItem.__table__.c.text.type.length
CHECKLIST_ITEMS_MAX = 100
MENTION_RE = re.compile(r"(?<![\w@.])@([a-z0-9][a-z0-9._-]{0,61}[a-z0-9])", re.IGNORECASE)


class TaskProblem(UserError):
    """A rule of tasks the user broke: `message` says why, `field` names the form field."""


class AlreadyTaken(TaskProblem, ConflictError):
    """Someone else took the task from the queue first."""


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
    number = parse_int(raw) if raw.strip() == raw else None
    if number is None or kind not in ("user", "dept"):
        raise TaskProblem(_("Choose a person or a department."), field)
    if kind == "user":
        user = dbsession.get(User, number)
        if user is None:
            raise TaskProblem(_("That person no longer exists. Choose someone else."), field)
        if not user.active:
            raise TaskProblem(
                _(
                    "${name} is deactivated and cannot take tasks. Choose someone else or their "
                    "department's queue.",
                    mapping={"name": user.full_name},
                ),
                field,
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
    department = dbsession.get(Department, number)
    if department is None:
        raise TaskProblem(
            _(
                "That department no longer exists (it may have been deleted). Choose another "
                "department or a person."
            ),
            field,
        )
    has_people = dbsession.scalar(
        sa.select(Membership.id)
        .join(User, User.id == Membership.user_id)
        .where(Membership.department_id == department.id, User.active)
        .limit(1)
    )
    if not has_people:
        raise TaskProblem(
            _(
                "Nobody works in “${name}” yet, so nobody could take the task from its queue. "
                "Choose a person or another department.",
                mapping={"name": department.name},
            ),
            field,
        )
    return Target(None, department)


def check_target(request, task: Task | None, target: Target) -> None:
    """Refuse a person or queue the user may not send `task` (None: a new task) to
    (portal.tasks.security.may_send_to)."""
    if may_send_to(request, task, target):
        return
    if task is None:
        raise TaskProblem(_("You may not send tasks there."), "assign_to")
    raise TaskProblem(_("You may reassign this task only within your departments."), "assign_to")


# --- who may see it ------------------------------------------------------------------------------


def who_may_view(request, task: Task, user_ids) -> set[int]:
    """Those of `user_ids` who may view `task` now: each active person's principals against the
    task's ACL, the very check that opening its page makes (portal.security.policy)."""
    ids = {u for u in user_ids if u}
    if not ids:
        return set()
    # The task as the tree holds it (the identity map's row, with its parent): its ACL needs it.
    # A request that did not traverse (the tick's, a script's) gets its root from the factory.
    root = getattr(request, "root", None) or request.registry.getUtility(IRootFactory)(request)
    located = root["tasks"][str(task.id)]
    users = request.dbsession.scalars(sa.select(User).where(User.id.in_(sorted(ids)), User.active))
    return {user.id for user in users if check_access(request, user, located, "view")[0]}


# --- due dates, reminders, titles, links: a task's fields ----------------------------------------


def due_instant(day: dt.date | None, time: dt.time | None, zone: ZoneInfo) -> tuple[dt.datetime | None, bool]:
    """(due_at in UTC, has_time): a date alone means the end of that day (the day itself is
    kept in `Task.due_on`)."""
    if day is None:
        if time is not None:
            raise TaskProblem(_("Give the date as well as the time."), "due_date")
        return None, False
    if day.year < 2000 or day.year > 2100:
        raise TaskProblem(
            _("Enter a real date, for example ${example}.", mapping={"example": dt.date.today().isoformat()}),
            "due_date",
        )
    if time is None:
        return local_instant(day, dt.time(23, 59), zone, "due_date"), False
    return local_instant(day, time, zone, "due_time"), True


REMIND_UNITS = {"minutes": 1, "hours": 60, "days": 1440}
REMIND_MAX = 60 * 24 * 90


def remind_minutes(amount: int | None, unit: str, has_due: bool) -> int | None:
    """Minutes before the due time ("2 hours" → 120), for a task that has a due date."""
    if amount is None:
        return None
    if not has_due:
        raise TaskProblem(
            _("A reminder needs a due date: set one, or leave the reminder empty."), "remind_amount"
        )
    minutes = amount * REMIND_UNITS.get(unit, 1)
    if amount < 0 or minutes > REMIND_MAX:
        raise TaskProblem(
            _("A reminder can be from 0 minutes to 90 days before the due time."), "remind_amount"
        )
    return minutes


def clean_title(title: str) -> str:
    """The title on one line; refuses an empty or too long one."""
    title = " ".join((title or "").split())
    if not title:
        raise TaskProblem(_("Say what needs to be done."), "title")
    if len(title) > TITLE_MAX:
        raise TaskProblem(_("At most ${max} characters, please.", mapping={"max": TITLE_MAX}), "title")
    return title


def clean_link(link_type: str | None, link_id) -> tuple[str | None, int | None]:
    """(link type, record number) of what the task is about, or (None, None)."""
    if not link_type and link_id in (None, ""):
        return None, None
    if link_type not in LINK_TYPES:
        raise TaskProblem(_("Choose what kind of record the task is about."), "link_type")
    number = parse_int(link_id)
    if number is None:
        raise TaskProblem(_("Enter the number of the record."), "link_id")
    return link_type, number


def check_link(request, task: Task | None, link: tuple[str | None, int | None]) -> None:
    """Refuse to link a record the user cannot see; a link kept as it was is not checked again
    (whoever edits may not see that client)."""
    if task is not None and (task.link_type, task.link_id) == link:
        return
    why = link_problem(request, *link)
    if why:
        raise TaskProblem(why, "link_id")


def task_fields(values: dict, zone: ZoneInfo) -> dict:
    """A task's fields from what the form read (title, description, due date and time in the
    author's `zone`, reminder, priority, every-day display, link): the values for `create_task`
    and `update_task`, or a TaskProblem naming the field that is wrong."""
    title = clean_title(values["title"])
    due_at, has_time = due_instant(values["due_date"], values["due_time"], zone)
    return {
        "title": title,
        "description": values["description"],
        "due_at": due_at,
        "due_has_time": has_time,
        "due_on": values["due_date"] if due_at else None,
        "remind_before": remind_minutes(values["remind_amount"], values["remind_unit"], due_at is not None),
        "daily": values["daily"],
        "priority": int(values["priority"]),
        "link": clean_link(values["link_type"], values["link_id"]),
    }


# --- creating and changing ------------------------------------------------------------------


def log_change(task: Task, actor_id: int | None, event: dict) -> TaskComment:
    """One line of the task's activity, stored as data and told in the reader's language."""
    return TaskComment(
        task=task, author_id=actor_id, kind="change", body=json.dumps(event, ensure_ascii=False, default=str)
    )


def task_url(task: Task) -> str:
    return f"/tasks/{task.id}"


def create_task(
    dbsession,
    actor: User,
    *,
    registry,
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
    recurrence_id: int | None = None,
    occurrence_on: dt.date | None = None,
    notify: bool = True,
) -> Task:
    """A new task set by `actor` (its author) for `target`; the assignee, or the queue's
    department, hears about it."""
    task = Task(
        description=(description or "").strip()[:DESCRIPTION_MAX],
        priority=priority if priority in PRIORITIES else 1,
        author_id=actor.id,
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
    dbsession.add(task)
    dbsession.flush()
    dbsession.add(log_change(task, actor.id, {"event": "created"}))
    if notify:
        tell_assigned(dbsession, registry, task, actor_id=actor.id)
    return task


def tell_assigned(dbsession, registry, task: Task, actor_id: int | None) -> None:
    """The assignee hears they have a task; for a queue, every member of the department."""
    if task.assignee_id:
        tell(
            dbsession,
            registry,
            [task.assignee_id],
            "task_assigned",
            _("New task for you: ${title}", mapping={"title": task.title}),
            due_line(task),
            task_url(task),
            exclude=actor_id,
        )
    elif task.department_id:
        members = dbsession.scalars(
            sa.select(Membership.user_id)
            .join(User, User.id == Membership.user_id)
            .where(Membership.department_id == task.department_id, User.active)
        )
        tell(
            dbsession,
            registry,
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


def update_task(dbsession, actor: User, task: Task, values: dict, *, registry, request) -> list[str]:
    """Apply edited fields; log and tell what changed (to the participants who may still see
    the task). Returns the names of changed fields."""
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
        dbsession.add(log_change(task, actor.id, event))
    if "link_id" in changed and "link_type" not in changed:
        dbsession.add(
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
    dbsession.flush()
    tell(
        dbsession,
        registry,
        who_may_view(request, task, task.participant_ids() - {actor.id}),
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


def new_target(task: Task, target: Target | None) -> Target | None:
    """`target` when it would change who does the task; None when it names who does it now
    (the assignee, or the same person and department)."""
    if target is None:
        return None
    wanted = (target.user.id if target.user else None, target.department.id if target.department else None)
    if wanted == (task.assignee_id, task.department_id):
        return None
    if target.user is not None and target.user.id == task.assignee_id:
        return None
    return target


def assign(dbsession, actor: User, task: Task, target: Target, *, registry, request) -> bool:
    """Send the task to another person or queue (the caller has checked `check_target`); the
    assignee before hears, and its author and watchers who may still see it."""
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
    dbsession.add(
        log_change(
            task, actor.id, {"event": "assigned", "old": old, "new": {"user": new_user, "dept": new_dept}}
        )
    )
    dbsession.flush()
    tell_assigned(dbsession, registry, task, actor_id=actor.id)
    others = who_may_view(request, task, {task.author_id, *(w.user_id for w in task.watchers)} - {actor.id})
    # Whoever did it until now learns that it is no longer theirs, even when that ends their
    # access: the task was theirs a moment ago, and they must not go on working on it.
    if previous_assignee:
        others.add(previous_assignee)
    others.discard(new_user)
    who = (
        target.user.full_name
        if target.user
        else _("the queue of ${department}", mapping={"department": target.department.name})
    )
    tell(
        dbsession,
        registry,
        others,
        "task_changed",
        _("Task reassigned: ${title}", mapping={"title": task.title}),
        _("${name} sent it to ${who}.", mapping={"name": actor.full_name, "who": who}),
        task_url(task),
        exclude=actor.id,
    )
    return True


def take(dbsession, actor: User, task: Task, *, registry, request, start: bool = True) -> bool:
    """A member of the queue's department takes the task: it is theirs now and, with `start`
    (the "Take" button: one click, as Bitrix24 users expect), in progress at once, in the same
    transaction, when they may start it. Returns whether it was started.

    Two members taking it at the same moment: one guarded UPDATE (still in the queue, still
    open) lets exactly one of them have it; the other is told that someone else took it.
    Its author and watchers hear once, those who may still see it (a member who only watched
    it from the queue sees it no more).
    """
    if not task.in_queue or not task.is_open:
        raise AlreadyTaken(_("Someone has already taken this task."), "take")
    dbsession.flush()
    won = dbsession.execute(
        sa.update(Task)
        .where(Task.id == task.id, Task.assignee_id.is_(None), Task.state.in_(OPEN_STATES))
        .values(assignee_id=actor.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        dbsession.expire(task)
        raise AlreadyTaken(_("Someone else took this task a moment ago."), "take")
    # Through the ORM as well, so the change is audited like any other.
    task.assignee_id = actor.id
    task.assignee = actor
    task.updated_at = utcnow()
    dbsession.add(log_change(task, actor.id, {"event": "taken"}))
    dbsession.flush()
    started = False
    root = getattr(request, "root", None) or request.registry.getUtility(IRootFactory)(request)
    task = root["tasks"][str(task.id)]  # located: its ACL needs its parent
    if start and task.state == "open" and any(
        t.name == "start" for t in task.workflow.available(request, task)
    ):
        # The state's own history line and its guarded UPDATE; its notice is this one's.
        task.taken_now = True
        task.workflow.transition(request, task, "start")
        started = True
    message = (
        _("${name} took it from the queue of ${department} and started it.",
          mapping={"name": actor.full_name, "department": task.department.name})
        if started
        else _("${name} took it from the queue of ${department}.",
               mapping={"name": actor.full_name, "department": task.department.name})
    )
    tell(
        dbsession,
        registry,
        who_may_view(request, task, {task.author_id, *(w.user_id for w in task.watchers)} - {actor.id}),
        "task_changed",
        _("Task taken: ${title}", mapping={"title": task.title}),
        message,
        task_url(task),
        exclude=actor.id,
    )
    return started


def release(dbsession, actor: User, task: Task, *, registry) -> None:
    """The assignee puts the task back into its department's queue."""
    if task.assignee_id != actor.id or task.department_id is None or not task.is_open:
        raise TaskProblem(
            _("Only its assignee can return an open task to its department's queue."), "release"
        )
    task.assignee_id = None
    task.assignee = None
    if task.state == "in_progress":
        task.state = "open"
    task.updated_at = utcnow()
    dbsession.add(log_change(task, actor.id, {"event": "released"}))
    dbsession.flush()
    tell_assigned(dbsession, registry, task, actor_id=actor.id)


# --- watchers, comments, mentions ------------------------------------------------------------


def add_watcher(dbsession, actor: User, task: Task, user: User, *, registry, request) -> bool:
    """`user` follows the task (added by `actor`, who may be themselves); False if they do.

    Watching grants nothing, so only someone who may see the task can follow it; adding someone
    else is for those who may edit the task (the page's permission)."""
    if not user.active:
        raise TaskProblem(_("${name} is deactivated.", mapping={"name": user.full_name}), "watcher")
    if any(w.user_id == user.id for w in task.watchers):
        return False
    if user.id not in who_may_view(request, task, [user.id]):
        raise TaskProblem(
            _(
                "${name} cannot see this task, so they cannot watch it. Assign it to them, or ask "
                "whoever manages their access.",
                mapping={"name": user.full_name},
            ),
            "watcher",
        )
    task.watchers.append(TaskWatcher(user_id=user.id, user=user))
    if user.id != actor.id:
        dbsession.add(log_change(task, actor.id, {"event": "watcher", "user": user.id}))
    dbsession.flush()
    if user.id != actor.id:
        tell(
            dbsession,
            registry,
            [user.id],
            "task_changed",
            _(
                "${name} added you as a watcher: ${title}",
                mapping={"name": actor.full_name, "title": task.title},
            ),
            due_line(task),
            task_url(task),
        )
    return True


def remove_watcher(dbsession, task: Task, user_id: int) -> bool:
    """The person no longer follows the task; False if they did not."""
    for w in list(task.watchers):
        if w.user_id == user_id:
            task.watchers.remove(w)
            dbsession.flush()
            return True
    return False


def mentioned_users(dbsession, text: str) -> list[User]:
    logins = {m.lower() for m in MENTION_RE.findall(text or "")}
    if not logins:
        return []
    stmt = sa.select(User).where(User.login.in_(sorted(logins)), User.active)
    return list(dbsession.scalars(stmt.order_by(User.full_name, User.id)))


@dataclass(frozen=True)
class Commented:
    """What `add_comment` did: the comment, and the people it @mentioned who were not told
    because they cannot see the task (their names are for its author, and nobody else)."""

    comment: TaskComment
    not_notified: list[User]


def add_comment(dbsession, actor: User, task: Task, body: str, *, registry, request) -> Commented:
    """A comment. The people it @mentions who may see the task hear and start watching it (as
    in Jira or Bitrix24); those who may not are neither told nor added — a mention never shows
    a task to anyone — and are returned so that the author learns who was not told. The other
    participants who may still see the task hear of the new comment."""
    body = (body or "").strip()
    if not body:
        raise TaskProblem(_("Write something first."), "body")
    if len(body) > COMMENT_MAX:
        raise TaskProblem(_("At most ${max} characters, please.", mapping={"max": COMMENT_MAX}), "body")
    comment = TaskComment(task=task, author_id=actor.id, kind="comment", body=body)
    dbsession.add(comment)
    mentioned = [u for u in mentioned_users(dbsession, body) if u.id != actor.id]
    sees = who_may_view(request, task, {u.id for u in mentioned})
    reached = [u for u in mentioned if u.id in sees]
    for user in reached:
        if user.id not in task.participant_ids():
            task.watchers.append(TaskWatcher(user_id=user.id, user=user))
    task.updated_at = utcnow()
    dbsession.flush()
    snippet = body if len(body) <= 300 else body[:297] + "…"
    reached_ids = {u.id for u in reached}
    tell(
        dbsession,
        registry,
        reached_ids,
        "mention",
        _("${name} mentioned you: ${title}", mapping={"name": actor.full_name, "title": task.title}),
        snippet,
        task_url(task) + f"#comment-{comment.id}",
        exclude=actor.id,
    )
    tell(
        dbsession,
        registry,
        who_may_view(request, task, task.participant_ids() - reached_ids - {actor.id}),
        "task_changed",
        _("New comment on ${title}", mapping={"title": task.title}),
        f"{actor.full_name}: {snippet}",
        task_url(task) + f"#comment-{comment.id}",
        exclude=actor.id,
    )
    return Commented(comment, [u for u in mentioned if u.id not in sees])


# --- the checklist and attachments ---------------------------------------------------------------


def add_checklist_item(dbsession, task: Task, text: str) -> TaskChecklistItem | None:
    """A new item at the end of the checklist (None when the text is blank)."""
    text = " ".join((text or "").split())
    if not text:
        return None
    if len(text) > CHECKLIST_MAX:
        raise TaskProblem(
            _("A checklist item is at most ${max} characters.", mapping={"max": CHECKLIST_MAX}), "checklist"
        )
    if len(task.checklist) >= CHECKLIST_ITEMS_MAX:
        raise TaskProblem(
            _("A checklist holds at most ${max} items.", mapping={"max": CHECKLIST_ITEMS_MAX}), "checklist"
        )
    position = max((i.position for i in task.checklist), default=0) + 1
    item = TaskChecklistItem(text=text, position=position)
    task.checklist.append(item)
    dbsession.flush()
    return item


def toggle_checklist_item(dbsession, actor: User, item: TaskChecklistItem) -> None:
    """Tick an item (remembering who and when) or untick it."""
    item.done = not item.done
    item.done_at = utcnow() if item.done else None
    item.done_by_id = actor.id if item.done else None
    dbsession.flush()


def remove_checklist_item(dbsession, task: Task, item: TaskChecklistItem) -> None:
    task.checklist.remove(item)
    dbsession.flush()


def attach_file(dbsession, actor: User, task: Task, *, filename: str, content_type: str, size: int,
                sha256: str) -> TaskAttachment:
    """A stored file (portal.files.storage) attached to the task, said in its activity."""
    attachment = TaskAttachment(
        filename=filename, content_type=content_type, size=size, sha256=sha256, uploader_id=actor.id
    )
    task.attachments.append(attachment)
    dbsession.add(log_change(task, actor.id, {"event": "attachment", "name": filename}))
    dbsession.flush()
    return attachment


def may_detach(request, task: Task, attachment: TaskAttachment) -> bool:
    """Whoever uploaded a file removes it, and whoever may edit the task."""
    return attachment.uploader_id == request.identity.user.id or request.has_permission("edit", task)


def detach_file(dbsession, task: Task, attachment: TaskAttachment) -> None:
    task.attachments.remove(attachment)
    dbsession.flush()
