"""The task lists: my tasks, set by me, my department's queue, watching, my department's tasks,
all — with filters, each one query filtered by what the user may see (in SQL)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from models import search
from models.people import Department, User
from models.tasks import OPEN_STATES, PRIORITIES, Task, TaskChecklistItem, TaskComment, TaskWatcher
from portal.core.i18n import _
from portal.core.parsing import parse_int
from portal.security.filters import best_scope
from portal.tasks.security import queue_clause, visible_tasks

VIEWS = {
    "mine": _("My tasks"),
    "created": _("Set by me"),
    "queue": _("Department queue"),
    "watching": _("Watching"),
    "department": _("My department's tasks"),
    "all": _("All tasks"),
}
STATES = {
    "active": _("Unfinished"),
    "open": _("Open"),
    "in_progress": _("In progress"),
    "done": _("Done"),
    "cancelled": _("Cancelled"),
    "any": _("Any state"),
}
DUES = {
    "": _("Any due date"),
    "overdue": _("Overdue"),
    "today": _("Due today"),
    "week": _("Due within 7 days"),
    "none": _("No due date"),
}
SORTS = {
    "due": _("Due date"),
    "priority": _("Priority"),
    "created": _("Newest first"),
    "updated": _("Recently changed"),
}
PAGE_SIZE = 40
MAX_QUERY = 200


def available_views(request) -> list[str]:
    views = ["mine", "created", "queue", "watching"]
    scope = best_scope(request, "task", "view")
    if scope in ("department", "all"):
        views.append("department")
    if scope == "all":
        views.append("all")
    return views


@dataclass(frozen=True)
class Filters:
    view: str = "mine"
    state: str = "active"
    due: str = ""
    priority: str = ""
    q: str = ""
    dept: int | None = None
    person: int | None = None
    sort: str = "due"
    page: int = 1
    extra: dict = field(default_factory=dict, compare=False)

    @classmethod
    def from_params(cls, request) -> Filters:
        get = request.GET

        def pick(name, allowed, default):
            value = get.get(name, default)
            return value if value in allowed else default

        def number(name):
            value = parse_int(get.get(name, ""))
            return value if value is not None and value < 10**9 else None

        views = available_views(request)
        return cls(
            view=pick("view", views, "mine"),
            state=pick("state", STATES, "active"),
            due=pick("due", DUES, ""),
            priority=pick("priority", [str(p) for p in PRIORITIES], ""),
            q=get.get("q", "").strip()[:MAX_QUERY],
            dept=number("dept"),
            person=number("person"),
            sort=pick("sort", SORTS, "due"),
            page=max(number("page") or 1, 1),
        )

    def params(self, **changes) -> dict:
        f = replace(self, **changes)
        out = {
            "view": f.view if f.view != "mine" else "",
            "state": f.state if f.state != "active" else "",
            "due": f.due,
            "priority": f.priority,
            "q": f.q,
            "dept": f.dept or "",
            "person": f.person or "",
            "sort": f.sort if f.sort != "due" else "",
            "page": f.page if f.page > 1 else "",
        }
        return {k: v for k, v in out.items() if v not in ("", None)}

    @property
    def narrowed(self) -> bool:
        return bool(self.state != "active" or self.due or self.priority or self.q or self.dept or self.person)


def day_bounds(request, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The user's local day as a UTC range [start, end)."""
    zone = request.user_timezone
    start = dt.datetime.combine(day, dt.time(0), zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def view_clause(request, view: str):
    identity = request.identity
    me = identity.user.id
    if view == "mine":
        return Task.assignee_id == me
    if view == "created":
        return Task.author_id == me
    if view == "queue":
        return queue_clause(identity.department_ids or [-1])
    if view == "watching":
        return Task.id.in_(sa.select(TaskWatcher.task_id).where(TaskWatcher.user_id == me))
    if view == "department":
        return Task.department_id.in_(sorted(identity.dept_scope_ids) or [-1])
    return sa.true()


def search_clause(dbsession, q: str, everyones: bool = False):
    """WHERE of the tasks found by `q`: every word of it begins a word of the title (the shared
    search index, models/search.py), or it is the task's number ("#123"); None when `q` is empty.

    `everyones`: the list is of every task (an administrator's "all"), read through the matches;
    any other list is read through its own indexes, each task looked up among the matches
    ("+ 0" keeps SQLite from walking thousands of matches for a person's few tasks)."""
    q = q.strip().lstrip("#")
    if not q:
        return None
    ids = search.ids_of(dbsession, "task", q)
    clause = (Task.id if everyones else Task.id + 0).in_(ids) if ids is not None else sa.false()
    number = parse_int(q)
    if number is not None and number < 10**9:
        clause = sa.or_(Task.id == number, clause)
    return clause


def task_query(request, f: Filters, now: dt.datetime, today: dt.date) -> sa.Select:
    stmt = sa.select(Task).where(visible_tasks(request), view_clause(request, f.view))
    if f.state == "active":
        stmt = stmt.where(Task.state.in_(OPEN_STATES))
    elif f.state != "any":
        stmt = stmt.where(Task.state == f.state)
    if f.due == "overdue":
        stmt = stmt.where(Task.due_at < now, Task.state.in_(OPEN_STATES))
    elif f.due == "today":
        start, end = day_bounds(request, today)
        stmt = stmt.where(Task.due_at >= start, Task.due_at < end)
    elif f.due == "week":
        _start, end = day_bounds(request, today + dt.timedelta(days=6))
        stmt = stmt.where(Task.due_at < end)
    elif f.due == "none":
        stmt = stmt.where(Task.due_at.is_(None))
    if f.priority:
        stmt = stmt.where(Task.priority == int(f.priority))
    clause = search_clause(request.dbsession, f.q, everyones=f.view == "all"
                           and best_scope(request, "task", "view") == "all")
    if clause is not None:
        stmt = stmt.where(clause)
    if f.dept and f.view in ("department", "all"):
        stmt = stmt.where(Task.department_id.in_(sorted(request.department_tree.with_descendants([f.dept]))))
    if f.person and f.view in ("department", "all", "created", "watching"):
        stmt = stmt.where(Task.assignee_id == f.person)
    return stmt


def ordered(stmt: sa.Select, sort: str) -> sa.Select:
    if sort == "priority":
        return stmt.order_by(Task.priority.desc(), Task.due_at.is_(None), Task.due_at, Task.id.desc())
    if sort == "created":
        return stmt.order_by(Task.created_at.desc(), Task.id.desc())
    if sort == "updated":
        return stmt.order_by(Task.updated_at.desc(), Task.id.desc())
    return stmt.order_by(Task.due_at.is_(None), Task.due_at, Task.priority.desc(), Task.id.desc())


def with_people(stmt: sa.Select) -> sa.Select:
    """The list's people and department, joined: only what a row shows of them (names)."""
    return stmt.options(joinedload(Task.assignee).load_only(User.full_name, User.login),
                        joinedload(Task.department).load_only(Department.name),
                        joinedload(Task.author).load_only(User.full_name, User.login))


COUNT_CAP = 5000


def count_of(dbsession, stmt: sa.Select, cap: int | None = None) -> int:
    """How many rows `stmt` selects; with `cap`, counting stops there (a list of 300,000 tasks
    needs no exact total, and counting every match of a search costs a scan)."""
    inner = stmt.order_by(None).with_only_columns(sa.literal(1))
    if cap is not None:
        inner = inner.limit(cap + 1)
    return dbsession.scalar(sa.select(sa.func.count()).select_from(inner.subquery()))


@dataclass
class Counts:
    checklist_done: int = 0
    checklist_total: int = 0
    comments: int = 0


def counts_for(dbsession, ids: list[int]) -> dict[int, Counts]:
    """Checklist progress and comment counts of the listed tasks (one statement: both grouped
    counts, told apart by their first column)."""
    out = {i: Counts() for i in ids}
    if not ids:
        return out
    checklist = (sa.select(sa.literal("c"), TaskChecklistItem.task_id, sa.func.count(),
                           sa.func.sum(sa.case((TaskChecklistItem.done, 1), else_=0)))
                 .where(TaskChecklistItem.task_id.in_(ids)).group_by(TaskChecklistItem.task_id))
    comments = (sa.select(sa.literal("m"), TaskComment.task_id, sa.func.count(),
                          sa.literal(0))
                .where(TaskComment.task_id.in_(ids), TaskComment.kind == "comment")
                .group_by(TaskComment.task_id))
    for kind, task_id, n, done in dbsession.execute(sa.union_all(checklist, comments)):
        if kind == "c":
            out[task_id].checklist_total, out[task_id].checklist_done = n, int(done or 0)
        else:
            out[task_id].comments = n
    return out


def tab_counts(request) -> dict[str, int]:
    """Open tasks in "my tasks" and in the queue: the numbers on the tabs (one statement)."""
    me = request.identity.user.id
    count = sa.select(sa.func.count()).select_from(Task)
    mine = count.where(Task.assignee_id == me, Task.state.in_(OPEN_STATES)).scalar_subquery()
    queue = (count.where(queue_clause(request.identity.department_ids)).scalar_subquery()
             if request.identity.department_ids else sa.literal(0))
    mine_n, queue_n = request.dbsession.execute(sa.select(mine, queue)).one()
    return {"mine": mine_n, "queue": queue_n}
