"""Background work of tasks, run by `portal tick`: reminders, "due soon" and "overdue" notices,
the day's tasks of recurring series (their rule: portal/tasks/recurring.py), and colleagues'
birthdays ahead. Each job takes the tick's (dbsession, registry); none needs a web request.

Exactly once, even with two tick processes at the same time: due rows are claimed with
`portal.core.ticker.claim` (FOR UPDATE SKIP LOCKED on PostgreSQL), and each is switched off by an
UPDATE whose WHERE still requires it to be pending (`remind_at IS NOT NULL`, `notice_stage <
n`) with RETURNING — a row another process has just fired no longer matches, so only one
process ever gets it back and notifies. Occurrences of a series are unique per day; birthday
notices are marked in `notification_keys`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from models.meta import utcnow
from models.notifications import NotificationKey, NotificationSettings, notify_many
from models.people import Membership, User
from models.tasks import (
    DUE_SOON_WINDOW,
    NOTICE_DONE,
    NOTICE_DUE_SOON,
    OPEN_STATES,
    Task,
    TaskRecurrence,
)
from portal.core.i18n import _, zone_named
from portal.core.ticker import claim, job
from portal.tasks.notify import When, messages, ngettext, plural, readers
from portal.tasks.recurring import create_occurrence, following

BATCH = 2000


def _queue_members(dbsession, department_ids) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    ids = sorted({d for d in department_ids if d})
    if ids:
        for dept_id, user_id in dbsession.execute(
            sa.select(Membership.department_id, Membership.user_id)
            .join(User, User.id == Membership.user_id)
            .where(Membership.department_id.in_(ids), User.active)
        ):
            out[dept_id].append(user_id)
    return out


def _who_does(row, members) -> list[int]:
    """The assignee, or everyone in the queue's department."""
    if row.assignee_id:
        return [row.assignee_id]
    return members.get(row.department_id, [])


def _fire(dbsession, registry, now: dt.datetime, pending, switch_off, build) -> int:
    """Claim pending task ids in batches, switch each off exactly once, notify for those won."""
    total = 0
    while True:
        ids = claim(dbsession, sa.select(Task.id).where(pending).order_by(Task.id).limit(BATCH))
        if not ids:
            return total
        won = dbsession.execute(
            sa.update(Task)
            .where(Task.id.in_(ids), pending)
            .values(**switch_off)
            .returning(
                Task.id,
                Task.title,
                Task.assignee_id,
                Task.department_id,
                Task.author_id,
                Task.due_at,
                Task.due_has_time,
                Task.due_on,
            )
            .execution_options(synchronize_session=False)
        ).all()
        members = _queue_members(dbsession, [r.department_id for r in won if not r.assignee_id])
        planned = [(row, list(build(row, members))) for row in won]
        everyone = {uid for _row, parts in planned for recipients, *_rest in parts for uid in recipients}
        known = readers(dbsession, everyone, registry)
        items = []
        for row, parts in planned:
            for recipients, kind, title, body in parts:
                items.extend(
                    messages(
                        dbsession, registry, recipients, kind, title, body, f"/tasks/{row.id}", known=known
                    )
                )
        notify_many(dbsession, items)
        total += len(won)
        if len(ids) < BATCH:
            return total


def fire_reminders(dbsession, registry, now: dt.datetime | None = None) -> int:
    """Reminders whose time has come: told once to whoever does the task."""
    now = now or utcnow()
    pending = sa.and_(Task.remind_at.is_not(None), Task.remind_at <= now, Task.state.in_(OPEN_STATES))

    def build(row, members):
        when = When(row.due_at, row.due_has_time, row.due_on)
        yield (
            _who_does(row, members),
            "reminder",
            _("Reminder: ${title}", mapping={"title": row.title}),
            _("Due ${when}", mapping={"when": when}),
        )

    return _fire(dbsession, registry, now, pending, {"remind_at": None, "reminded_at": now}, build)


def fire_due_soon(dbsession, registry, now: dt.datetime | None = None) -> int:
    now = now or utcnow()
    pending = sa.and_(
        Task.notice_stage < NOTICE_DUE_SOON,
        Task.due_at > now,
        Task.due_at <= now + DUE_SOON_WINDOW,
        Task.state.in_(OPEN_STATES),
    )

    def build(row, members):
        yield (
            _who_does(row, members),
            "task_due",
            _("Due soon: ${title}", mapping={"title": row.title}),
            _("Due ${when}", mapping={"when": When(row.due_at, row.due_has_time, row.due_on)}),
        )

    return _fire(dbsession, registry, now, pending, {"notice_stage": NOTICE_DUE_SOON}, build)


def fire_overdue(dbsession, registry, now: dt.datetime | None = None) -> int:
    """Overdue tasks: whoever does it, and the author, hear it once."""
    now = now or utcnow()
    pending = sa.and_(Task.notice_stage < NOTICE_DONE, Task.due_at <= now, Task.state.in_(OPEN_STATES))

    def build(row, members):
        doers = _who_does(row, members)
        when = When(row.due_at, row.due_has_time, row.due_on)
        yield (
            doers,
            "task_due",
            _("Overdue: ${title}", mapping={"title": row.title}),
            _("It was due ${when}", mapping={"when": when}),
        )
        if row.author_id not in doers:
            yield (
                [row.author_id],
                "task_due",
                _("Overdue: ${title}", mapping={"title": row.title}),
                _("A task you set was due ${when} and is not done yet.", mapping={"when": when}),
            )

    return _fire(dbsession, registry, now, pending, {"notice_stage": NOTICE_DONE}, build)


# --- recurring tasks ----------------------------------------------------------------------------


def create_recurring(dbsession, registry, now: dt.datetime | None = None) -> int:
    """Make today's occurrence of every series that is due (missed days are not made up)."""
    now = now or utcnow()
    horizon = (now + dt.timedelta(days=1)).date()
    made = 0
    for rec in claim(
        dbsession,
        sa.select(TaskRecurrence)
        .where(TaskRecurrence.active, TaskRecurrence.next_on.is_not(None), TaskRecurrence.next_on <= horizon)
        .order_by(TaskRecurrence.id),
    ):
        today = now.astimezone(zone_named(rec.timezone)).date()
        if rec.next_on > today:
            continue
        day = rec.next_on
        while True:
            nxt = following(rec, day)
            if nxt is None or nxt > today:
                break
            day = nxt
        if create_occurrence(dbsession, rec, day, registry=registry) is not None:
            made += 1
        rec.next_on = following(rec, day)
        if rec.next_on is None:
            rec.active = False
    return made


# --- colleagues' birthdays ----------------------------------------------------------------------

MAX_BIRTHDAYS_AHEAD = 14
DEFAULT_BIRTHDAYS_AHEAD = 3


def _next_birthday(birthday: dt.date, today: dt.date) -> dt.date:
    for year in (today.year, today.year + 1):
        try:
            day = birthday.replace(year=year)
        except ValueError:  # 29 February in a common year: the 28th
            day = dt.date(year, 2, 28)
        if day >= today:
            return day
    return today


def birthday_notices(dbsession, registry, now: dt.datetime | None = None) -> int:
    """Tell each person about their department colleagues' birthdays N days ahead (their
    setting, 3 by default, 0 for never), once per colleague and year."""
    now = now or utcnow()
    start = (now - dt.timedelta(days=1)).date()
    mds = sorted(
        {
            (start + dt.timedelta(days=i)).month * 100 + (start + dt.timedelta(days=i)).day
            for i in range(MAX_BIRTHDAYS_AHEAD + 3)
        }
    )
    me, them = aliased(Membership), aliased(Membership)
    reader, person = aliased(User), aliased(User)
    rows = dbsession.execute(
        sa.select(
            me.user_id,
            person.id,
            person.full_name,
            person.login,
            person.birthday,
            reader.timezone,
            NotificationSettings.birthdays_ahead,
        )
        .join(them, sa.and_(them.department_id == me.department_id, them.user_id != me.user_id))
        .join(person, person.id == them.user_id)
        .join(reader, reader.id == me.user_id)
        .outerjoin(NotificationSettings, NotificationSettings.user_id == me.user_id)
        .where(person.birth_md.in_(mds), person.active, reader.active)
    ).all()
    wanted: dict[tuple[int, str], tuple] = {}
    for reader_id, person_id, name, login, birthday, zone, ahead in rows:
        ahead = DEFAULT_BIRTHDAYS_AHEAD if ahead is None else ahead
        if not ahead or birthday is None:
            continue
        today = now.astimezone(zone_named(zone)).date()
        day = _next_birthday(birthday, today)
        days = (day - today).days
        if 0 < days <= ahead:
            wanted[(reader_id, f"birthday:{person_id}:{day.year}")] = (name, login, day, days)
    if not wanted:
        return 0
    # Skip the notices already given before inserting marks (most of them, most minutes).
    given = set()
    pairs = list(wanted)
    for i in range(0, len(pairs), 500):
        chunk = pairs[i : i + 500]
        given.update(
            dbsession.execute(
                sa.select(NotificationKey.user_id, NotificationKey.key).where(
                    sa.tuple_(NotificationKey.user_id, NotificationKey.key).in_(chunk)
                )
            ).all()
        )
    items = []
    for (reader_id, key), (name, login, day, days) in wanted.items():
        if (reader_id, key) in given:
            continue
        title = plural(
            ngettext("${name} has a birthday in ${n} day", "${name} has a birthday in ${n} days", days),
            {"name": name},
        )
        body = _(
            "On ${when}", mapping={"when": When(dt.datetime.combine(day, dt.time(12), dt.UTC), False, day)}
        )
        for item in messages(
            dbsession, registry, [reader_id], "birthday", title, body, f"/people/{login}", key=key
        ):
            items.append(item)
    return notify_many(dbsession, items)


# --- the jobs -----------------------------------------------------------------------------------


@job("task_reminders")
def reminders_job(request) -> int:
    return fire_reminders(request.dbsession, request.registry)


@job("tasks_due_soon")
def due_soon_job(request) -> int:
    return fire_due_soon(request.dbsession, request.registry)


@job("tasks_overdue")
def overdue_job(request) -> int:
    return fire_overdue(request.dbsession, request.registry)


@job("recurring_tasks")
def recurring_job(request) -> int:
    return create_recurring(request.dbsession, request.registry)


@job("birthday_notices")
def birthdays_job(request) -> int:
    return birthday_notices(request.dbsession, request.registry)
