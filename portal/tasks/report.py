"""The execution discipline report: of the tasks due in a period, how many were done on time,
done late, are still overdue, or are not due yet — by person or by department.

One grouped query. Who sees whose figures follows report.discipline: own scope = tasks
assigned to oneself, department scope = tasks of one's departments, all = everything.
Cancelled tasks and tasks without a due date do not count.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from models.meta import utcnow
from models.people import Department, User
from models.tasks import OPEN_STATES, Task
from portal.security.filters import sql_filter


class DisciplineScope:
    """report.discipline as a filter over tasks (portal.security.filters.sql_filter's protocol)."""

    security_type = "report"

    @staticmethod
    def sql_in_departments(ids):
        return Task.department_id.in_(ids)

    @staticmethod
    def sql_owned_by(user_id: int):
        return Task.assignee_id == user_id


@dataclass
class Row:
    key: int | None
    name: str
    on_time: int = 0
    late: int = 0
    overdue: int = 0
    pending: int = 0

    @property
    def due(self) -> int:
        """Tasks whose due time has passed: the base of the on-time share."""
        return self.on_time + self.late + self.overdue

    @property
    def total(self) -> int:
        return self.due + self.pending

    @property
    def on_time_share(self) -> float | None:
        return self.on_time / self.due if self.due else None

    def add(self, other: Row) -> None:
        self.on_time += other.on_time
        self.late += other.late
        self.overdue += other.overdue
        self.pending += other.pending


def period_bounds(start: dt.date, end: dt.date, zone) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, the day after end 00:00) in `zone`, as UTC."""
    lo = dt.datetime.combine(start, dt.time(0), zone).astimezone(dt.UTC)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), zone).astimezone(dt.UTC)
    return lo, hi


def discipline(
    request,
    start: dt.date,
    end: dt.date,
    group: str = "person",
    department_id: int | None = None,
    now: dt.datetime | None = None,
) -> list[Row]:
    now = now or utcnow()
    lo, hi = period_bounds(start, end, request.user_timezone)
    done = Task.state == "done"
    is_open = Task.state.in_(OPEN_STATES)
    key = Task.assignee_id if group == "person" else Task.department_id
    stmt = (
        sa.select(
            key,
            sa.func.sum(sa.case((sa.and_(done, Task.done_at <= Task.due_at), 1), else_=0)),
            sa.func.sum(sa.case((sa.and_(done, Task.done_at > Task.due_at), 1), else_=0)),
            sa.func.sum(sa.case((sa.and_(is_open, Task.due_at < now), 1), else_=0)),
            sa.func.sum(sa.case((sa.and_(is_open, Task.due_at >= now), 1), else_=0)),
        )
        .where(
            Task.due_at >= lo,
            Task.due_at < hi,
            Task.state != "cancelled",
            sql_filter(request, DisciplineScope, "discipline"),
        )
        .group_by(key)
    )
    if department_id is not None:
        ids = sorted(request.department_tree.with_descendants([department_id]))
        stmt = stmt.where(Task.department_id.in_(ids))
    raw = request.dbsession.execute(stmt).all()
    ids = [r[0] for r in raw if r[0] is not None]
    model = User if group == "person" else Department
    label = User.full_name if group == "person" else Department.name
    names = (
        dict(request.dbsession.execute(sa.select(model.id, label).where(model.id.in_(ids))).all())
        if ids
        else {}
    )
    rows = [
        Row(k, names.get(k, "") if k is not None else "", int(a or 0), int(b or 0), int(c or 0), int(d or 0))
        for k, a, b, c, d in raw
    ]
    # Most tasks due first (where discipline matters most); the queue's untaken tasks last.
    rows.sort(key=lambda r: (r.key is None, -r.due, -r.total, r.name))
    return rows


def totals(rows: list[Row]) -> Row:
    out = Row(None, "")
    for row in rows:
        out.add(row)
    return out
