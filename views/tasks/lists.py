"""Tasks: the lists (my tasks, set by me, my department's queue...), a task's page, the header
search group, and the section in the navigation.

Other pages of the area: views/tasks/form.py (adding and editing), views/tasks/actions.py
(actions on a task), views/tasks/report.py (the report), views/tasks/recurring.py (series),
views/tasks/day.py (My day blocks); views/tasks/display.py says how tasks look on all of them.
"""

from __future__ import annotations

import datetime as dt
from math import ceil
from urllib.parse import urlencode

import sqlalchemy as sa
from pyramid.view import view_config

from models import search
from models.meta import utcnow
from models.people import Membership, User
from models.tasks import OPEN_STATES, PRIORITIES, Task, TaskRecurrence, TaskWatcher
from portal.audit.log import history_for
from portal.core.i18n import _, local_today
from portal.core.parsing import parse_int
from portal.tasks.activity import PRIORITY_LABELS, activity, due_text, reminder_text
from portal.tasks.links import resolve_links
from portal.tasks.lists import (
    COUNT_CAP,
    DUES,
    PAGE_SIZE,
    SORTS,
    STATES,
    VIEWS,
    Filters,
    available_views,
    count_of,
    counts_for,
    ordered,
    tab_counts,
    task_query,
    with_people,
)
from portal.tasks.planned import planned, series_view_clause
from portal.tasks.resources import Tasks
from portal.tasks.security import may_reassign, visible_tasks
from portal.tasks.service import COMMENT_MAX
from views.search.header import SearchGroup, SearchItem, search_provider
from views.tasks.display import task_helpers
from views.tasks.form import reassign_options


@view_config(context=Tasks, renderer="tasks/list.jinja2", permission="view")
def task_list(request):
    db = request.dbsession
    f = Filters.from_params(request)
    now = utcnow()
    today = local_today(request)
    stmt = task_query(request, f, now, today)
    total = count_of(db, stmt, cap=COUNT_CAP)
    pages = max(1, ceil(min(total, COUNT_CAP) / PAGE_SIZE))
    page = min(f.page, pages)
    tasks = (
        db.scalars(with_people(ordered(stmt, f.sort)).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE))
        .unique()
        .all()
    )
    base = request.resource_url(request.context)

    def url(**changes) -> str:
        changes.setdefault("page", 1)
        query = urlencode(f.params(**changes))
        return f"{base}?{query}" if query else base

    people, departments = [], []
    if f.view in ("department", "all", "created", "watching"):
        people = filter_people(request, f)
    if f.view in ("department", "all"):
        departments = filter_departments(request, f)
    links = resolve_links(request, [(t.link_type, t.link_id) for t in tasks if t.link_type])
    return {
        "coming": coming_repetitions(request, f, today) if page == 1 else [],
        "title": _("Tasks"),
        "f": f,
        "views": [(v, VIEWS[v]) for v in available_views(request)],
        "tab_counts": tab_counts(request),
        "states": STATES,
        "dues": DUES,
        "sorts": SORTS,
        "priorities": [(str(p), PRIORITY_LABELS[p]) for p in sorted(PRIORITIES, reverse=True)],
        "tasks": tasks,
        "counts": counts_for(db, [t.id for t in tasks]),
        "links": links,
        "total": total,
        "total_capped": total > COUNT_CAP,
        "count_cap": COUNT_CAP,
        "page": page,
        "pages": pages,
        "url": url,
        "page_url": lambda p: url(page=p),
        "people": people,
        "departments": departments,
        "may_add": request.has_permission("add", request.context),
        "may_report": request.has_permission("discipline", request.context["report"]),
        **task_helpers(request, now),
    }


def coming_repetitions(request, f: Filters, today) -> list:
    """"Due within 7 days": the days of recurring series in that week whose tasks are not made
    yet, for the same list (series feeding it, by the same rules), marked as coming."""
    if f.due != "week" or f.state not in ("active", "open", "any") or f.q or f.dept or f.person:
        return []
    clause = series_view_clause(request, f.view)
    if clause is not None and f.priority:
        clause = sa.and_(clause, TaskRecurrence.priority == int(f.priority))
    return planned(request, clause, today, today + dt.timedelta(days=6))


def filter_people(request, f: Filters) -> list:
    """Assignees to filter by: the people of the visible tasks' departments (a short list)."""
    db = request.dbsession
    stmt = sa.select(User).where(User.active)
    if f.view == "department":
        stmt = stmt.where(
            User.id.in_(
                sa.select(Membership.user_id).where(
                    Membership.department_id.in_(sorted(request.identity.dept_scope_ids) or [-1])
                )
            )
        )
    elif f.dept:
        stmt = stmt.where(
            User.id.in_(
                sa.select(Membership.user_id).where(
                    Membership.department_id.in_(sorted(request.department_tree.with_descendants([f.dept])))
                )
            )
        )
    elif f.view in ("created", "watching"):
        me = request.identity.user.id
        # Only tasks the user may see: a watched task they lost names its assignee no more.
        if f.view == "created":
            sub = sa.select(Task.assignee_id).where(Task.author_id == me, visible_tasks(request))
        else:
            sub = sa.select(Task.assignee_id).where(
                Task.id.in_(sa.select(TaskWatcher.task_id).where(TaskWatcher.user_id == me)),
                visible_tasks(request),
            )
        stmt = stmt.where(User.id.in_(sub.distinct()))
    return db.scalars(stmt.order_by(User.full_name).limit(300)).all()


def filter_departments(request, f: Filters) -> list:
    """Departments to filter by: those of the user's department scope, or every one."""
    tree = request.department_tree
    if f.view == "department":
        return tree.named(request.identity.dept_scope_ids)
    return tree.named(tree.names)


HISTORY_SHOWN = 30


@view_config(context=Task, renderer="tasks/view.jinja2", permission="view")
def task_view(request):
    task: Task = request.context
    me = request.identity.user
    link = None
    if task.link_type:
        link = resolve_links(request, [(task.link_type, task.link_id)])[(task.link_type, task.link_id)]
    may_edit = request.has_permission("edit", task)
    reassign = may_reassign(request, task) and task.is_open
    done_items = sum(1 for i in task.checklist if i.done)
    transitions = task.workflow.available(request, task)
    return {
        "title": task.title,
        "task": task,
        "link": link,
        "entries": activity(request, task),
        "may_edit": may_edit,
        "may_take": request.has_permission("take", task) and task.in_queue and task.is_open,
        # One's own task not started yet: "Start" beside the title too.
        "may_start": task.assignee_id == me.id and any(t.name == "start" for t in transitions),
        "transitions": transitions,
        "may_release": task.assignee_id == me.id and task.department_id is not None and task.is_open,
        "may_reassign": reassign,
        "reassign_options": reassign_options(request, task) if reassign else [],
        "watching": any(w.user_id == me.id for w in task.watchers),
        "watchers": sorted((w.user for w in task.watchers), key=lambda u: u.full_name),
        "checklist_done": done_items,
        "reminder": reminder_text(request, task.remind_before) if task.remind_before is not None else None,
        "list_url": request.resource_url(request.root["tasks"]),
        "comment_max": COMMENT_MAX,
        **task_helpers(request),
    }


@view_config(context=Task, name="history-part", renderer="admin/audit/history_part.jinja2",
             permission="view")
def task_history_part(request):
    """The task's latest changes, asked for when its page's history opens."""
    history = history_for(request.dbsession, request.context, limit=HISTORY_SHOWN + 1)
    return {"history": history[:HISTORY_SHOWN], "more_history": False, "history_url": None}


@search_provider
def search_tasks(request, q: str, limit: int) -> SearchGroup | None:
    """Tasks the user may see, by number or words of the title (open ones first)."""
    section = request.root["tasks"]
    if not request.has_permission("view", section):
        return None
    db = request.dbsession
    q = q.strip().lstrip("#")
    visible = visible_tasks(request)
    # At most a hundred matches read (models.search.preview), open and recent ones shown first;
    # and the task of that number.
    found = search.preview(db, "task", q, where=visible, ranked=False)
    ids = set(found.ids) if found is not None else set()
    number = parse_int(q)
    if number is not None and number < 10**9:
        ids.update(db.scalars(sa.select(Task.id).where(Task.id == number, visible)))
    if not ids:
        return None
    tasks = db.scalars(
        sa.select(Task).where(Task.id.in_(ids))
        .order_by(Task.state.in_(OPEN_STATES).desc(), Task.updated_at.desc(), Task.id.desc()).limit(limit)
    ).all()
    total = len(ids)
    items = []
    for t in tasks:
        state = request.translate(t.workflow.states[t.state].title)
        due = due_text(request, t.due_at, t.due_has_time, t.due_on, "short") if t.due_at else ""
        items.append(
            SearchItem(
                f"#{t.id} {t.title}",
                request.resource_url(section, str(t.id)),
                " · ".join(filter(None, [state, due])),
                icon="check2-square",
            )
        )
    more = request.resource_url(
        section,
        query={"view": "all" if "all" in available_views(request) else "mine", "q": q, "state": "any"},
    )
    return SearchGroup(_("Tasks"), items, more, total, found is not None and found.more)
