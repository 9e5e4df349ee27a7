"""Tasks across departments: tasks, checklists, comments, watchers, recurrence (issue 4).

A task is assigned to a person or to a department's queue (`assignee_id` empty): any member of
that department may take it from there. `department_id` is the department responsible for the
task — the queue it was sent to, or the assignee's department — and is what department scope
(a department head's) means for tasks.

Times are UTC. A due date without a time is stored as the end of that day in the author's time
zone (`due_has_time` false), and shown as a date. Background work (`portal tick`) keys off three
columns: `remind_at` (a reminder not yet fired; cleared when it fires), `notice_stage` (0 nothing
said yet, 1 "due soon" sent, 2 "overdue" sent or nothing more to say) and, for series,
`task_recurrences.next_on`.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

import models.search as search
from models.meta import Base, UTCDateTime, utcnow
from models.people import Department, User, fold

OPEN_STATES = ("open", "in_progress")
CLOSED_STATES = ("done", "cancelled")
# Stored as numbers so that "most urgent first" is an ORDER BY.
PRIORITIES = {0: "low", 1: "normal", 2: "high", 3: "urgent"}
FREQUENCIES = ("daily", "weekly", "monthly")
# Kinds of records a task may point at; their areas register how to show them
# (portal/tasks/links.py).
LINK_TYPES = ("organization", "contact", "ticket", "job", "deal")

NOTICE_NONE, NOTICE_DUE_SOON, NOTICE_DONE = 0, 1, 2


class TaskRecurrence(Base):
    """A series: every day, every N weeks on chosen weekdays, or every month on a day.

    `portal tick` creates the occurrence of each day that comes (a Task with `recurrence_id`
    and `occurrence_on`, unique together), so two ticks never create the same one twice. Who may
    see and change a series is portal/tasks/security.py's (bound by portal.tasks' includeme).
    """

    __tablename__ = "task_recurrences"
    __versioned__: dict = {}

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    priority: Mapped[int] = mapped_column(sa.SmallInteger, default=1)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("departments.id", ondelete="SET NULL"), index=True
    )
    frequency: Mapped[str] = mapped_column(sa.String(10), default="daily")
    interval: Mapped[int] = mapped_column(sa.SmallInteger, default=1)
    # Weekly: Monday=0 ... Sunday=6, as a bit mask (1 << weekday).
    weekdays: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    month_day: Mapped[int | None] = mapped_column(sa.SmallInteger)
    # Monthly by weekday ("the 2nd Tuesday", "the last Friday"): which one of the month (1-4,
    # -1 the last) and which weekday (Monday=0); empty: monthly on `month_day`.
    month_week: Mapped[int | None] = mapped_column(sa.SmallInteger)
    month_weekday: Mapped[int | None] = mapped_column(sa.SmallInteger)
    due_time: Mapped[dt.time | None] = mapped_column(sa.Time)
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Europe/Moscow")
    remind_before: Mapped[int | None] = mapped_column(sa.Integer)
    starts_on: Mapped[dt.date] = mapped_column(sa.Date)
    until: Mapped[dt.date | None] = mapped_column(sa.Date)
    # The next day an occurrence is due to be created; empty when the series has ended.
    next_on: Mapped[dt.date | None] = mapped_column(sa.Date, index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    department: Mapped[Department | None] = relationship()

    @property
    def weekday_list(self) -> list[int]:
        return [d for d in range(7) if self.weekdays & (1 << d)]


class Task(Base):
    __tablename__ = "tasks"
    __versioned__: dict = {}
    __table_args__ = (
        sa.Index("ix_tasks_assignee_state_due", "assignee_id", "state", "due_at"),
        sa.Index("ix_tasks_department_state_due", "department_id", "state", "due_at"),
        # A department's queue: its tasks with nobody assigned yet.
        sa.Index("ix_tasks_queue", "department_id", "assignee_id", "state", "due_at"),
        sa.Index("ix_tasks_author_state_due", "author_id", "state", "due_at"),
        sa.Index("ix_tasks_notice", "notice_stage", "due_at"),
        sa.Index("ix_tasks_link", "link_type", "link_id"),
        sa.UniqueConstraint("recurrence_id", "occurrence_on"),
    )
    security_type = "task"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # Workflow state (workflows/task.py): open, in_progress, done, cancelled.
    state: Mapped[str] = mapped_column(sa.String(20), default="open")
    priority: Mapped[int] = mapped_column(sa.SmallInteger, default=1)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id", ondelete="SET NULL"))
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    due_has_time: Mapped[bool] = mapped_column(default=False)
    # The day as the author meant it (their time zone): what a date-only task shows everywhere.
    due_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    # Minutes before the due time; `remind_at` is when, until the reminder has fired.
    remind_before: Mapped[int | None] = mapped_column(sa.Integer)
    remind_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    notice_stage: Mapped[int] = mapped_column(sa.SmallInteger, default=NOTICE_NONE)
    # Shown in My day every day until it is done.
    daily: Mapped[bool] = mapped_column(default=False)
    link_type: Mapped[str | None] = mapped_column(sa.String(20))
    link_id: Mapped[int | None] = mapped_column(sa.Integer)
    recurrence_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("task_recurrences.id", ondelete="SET NULL"), index=True
    )
    occurrence_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    # Folded title: case-insensitive search in any alphabet on both databases.
    search_text: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    department: Mapped[Department | None] = relationship()
    recurrence: Mapped[TaskRecurrence | None] = relationship()
    watchers: Mapped[list[TaskWatcher]] = relationship(back_populates="task", cascade="all, delete-orphan")
    checklist: Mapped[list[TaskChecklistItem]] = relationship(
        back_populates="task",
        cascade="all, delete-orphan",
        order_by="TaskChecklistItem.position, TaskChecklistItem.id",
    )
    comments: Mapped[list[TaskComment]] = relationship(
        back_populates="task", cascade="all, delete-orphan", order_by="TaskComment.created_at, TaskComment.id"
    )
    attachments: Mapped[list[TaskAttachment]] = relationship(
        back_populates="task",
        cascade="all, delete-orphan",
        order_by="TaskAttachment.created_at, TaskAttachment.id",
    )

    def set_title(self, title: str) -> None:
        self.title = title
        self.search_text = fold(title)

    @property
    def is_open(self) -> bool:
        return (self.state or "open") in OPEN_STATES  # a new, unsaved task is open

    @property
    def in_queue(self) -> bool:
        return self.assignee_id is None and self.department_id is not None

    def is_overdue(self, now: dt.datetime | None = None) -> bool:
        return self.is_open and self.due_at is not None and self.due_at < (now or utcnow())

    @property
    def priority_name(self) -> str:
        return PRIORITIES.get(self.priority, "normal")

    def participant_ids(self) -> set[int]:
        """Who hears about changes: the author, the assignee and the watchers."""
        out = {self.author_id, *(w.user_id for w in self.watchers)}
        if self.assignee_id:
            out.add(self.assignee_id)
        return out

    # --- security: the ACL is computed by portal/tasks/security.py (bound to Task by
    # portal.tasks' includeme); these say whose and which department's the task is.
    def security_departments(self) -> list[int]:
        return [self.department_id] if self.department_id else []

    def security_owners(self) -> list[int]:
        """Everyone with an own-scope share in the task: its author and its assignee. Watching
        grants nothing: a watcher sees the task only while a rule of their own lets them (were
        it otherwise, anyone could show a task to anyone by adding or @mentioning them, and a
        queue member who watched would keep it after someone else took it)."""
        return sorted({self.author_id, *([self.assignee_id] if self.assignee_id else [])})

    def editor_ids(self) -> list[int]:
        """Own-scope holders of `edit`: the author and the assignee, as for `view`."""
        return self.security_owners()

    @classmethod
    def sql_in_departments(cls, ids):
        return cls.department_id.in_(ids)

    @classmethod
    def sql_owned_by(cls, user_id: int):
        """`security_owners` as SQL: the author or the assignee (watchers are not owners)."""
        return sa.or_(cls.author_id == user_id, cls.assignee_id == user_id)

    def __repr__(self) -> str:
        return f"<Task {self.id} {self.title!r}>"


class TaskWatcher(Base):
    __tablename__ = "task_watchers"
    __versioned__: dict = {}
    __table_args__ = (sa.UniqueConstraint("task_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed for the audit: the version table (no unique constraint there) is read by task.
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)

    task: Mapped[Task] = relationship(back_populates="watchers")
    user: Mapped[User] = relationship()


class TaskChecklistItem(Base):
    __tablename__ = "task_checklist_items"
    __versioned__: dict = {}

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(sa.String(500))
    done: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    done_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    task: Mapped[Task] = relationship(back_populates="checklist")
    done_by: Mapped[User | None] = relationship()


class TaskComment(Base):
    """A comment, or (kind "change") a line of the task's activity told in words (audited;
    the audit log leaves the "change" lines out, as the task's own versions tell them)."""

    __tablename__ = "task_comments"
    __versioned__: dict = {}

    id: Mapped[int] = mapped_column(primary_key=True)
    # A single-column index, so that the audit's version table gets one too.
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(10), default="comment")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    task: Mapped[Task] = relationship(back_populates="comments")
    author: Mapped[User | None] = relationship()


class TaskAttachment(Base):
    """A file attached to a task: stored once by content (var/files/ab/cdef…), served through
    a view that checks the task's `view` permission."""

    __tablename__ = "task_attachments"
    __versioned__: dict = {}

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    uploader_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(100), default="application/octet-stream")
    size: Mapped[int] = mapped_column(sa.Integer, default=0)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    task: Mapped[Task] = relationship(back_populates="attachments")
    uploader: Mapped[User | None] = relationship()


# --- keeping the background-work columns consistent -------------------------------------------

DUE_SOON_WINDOW = dt.timedelta(hours=24)


def schedule_notices(task: Task, now: dt.datetime | None = None) -> None:
    """Set what `portal tick` still has to say about the task after its due date, reminder or
    state changed: the reminder time, and whether "due soon" / "overdue" are still to come.

    A task due within a day of now needs no separate "due soon": the person has just been told
    about it (assigned or changed) with its due date.
    """
    now = now or utcnow()
    task.reminded_at = None
    task.remind_at = None
    if not task.is_open or task.due_at is None:
        task.notice_stage = NOTICE_DONE if not task.is_open else NOTICE_NONE
        return
    if task.remind_before is not None:
        task.remind_at = task.due_at - dt.timedelta(minutes=task.remind_before)
    task.notice_stage = NOTICE_DUE_SOON if task.due_at - now <= DUE_SOON_WINDOW else NOTICE_NONE


@sa.event.listens_for(Task.state, "set")
def _state_changed(task: Task, value, old, initiator) -> None:
    """Done tasks remember when (the discipline report); closed tasks need no more notices."""
    if value == old:
        return
    if value == "done":
        task.done_at = utcnow()
    elif value in OPEN_STATES:
        task.done_at = None
    if value in CLOSED_STATES:
        task.notice_stage = NOTICE_DONE
        task.remind_at = None
    # Reopening schedules the notices again: the caller runs schedule_notices() afterwards
    # (this event fires before the new state is stored).


def task_document(task: Task) -> tuple[str, str]:
    """What tasks are found by: the words of their title."""
    return search.text_of(task.title), ""


def task_terms(q: str | None) -> list[str]:
    """The words of a query, folded: every one counts ("ООО" too, noise for client names)."""
    return search.TERM_RE.findall(fold(q or ""))[:search.MAX_TERMS]


def includeme(config) -> None:
    # Kind code 4 in the shared search index (models/search/); rewritten only when the title
    # changes, not on every change of state or due date.
    search.register(config, "task", Task, task_document, code=4, terms=task_terms,
                    fields=("title",))
