"""Benchmark data and pages of tasks (issue 4): 300,000 tasks among 500 people, with queues,
overdue and done work; My day for the admin and for an ordinary employee; a tick over 10,000
due reminders.

Budgets: My day p95 ≤ 100 ms; a tick over 10,000 due reminders ≤ 10 s.
"""

from __future__ import annotations

import datetime as dt
import random
import time

import sqlalchemy as sa

from tests.bench.clients import SCALES

TASKS = 300_000
PEOPLE = 500
REMINDERS = 10_000
BATCH = 10_000
EMPLOYEE = "user7"
TITLES = [
    "Подготовить коммерческое предложение",
    "Согласовать договор",
    "Закрыть акты за месяц",
    "Провести инвентаризацию",
    "Обновить прайс-лист",
    "Ответить на претензию клиента",
    "Выезд на обслуживание",
    "Подготовить отчёт для руководства",
    "Проверить счета поставщика",
    "Организовать встречу с партнёрами",
    "Заказать канцелярию",
    "Позвонить поставщику",
    "Сверить взаиморасчёты",
    "Обновить инструкцию",
    "Подготовить презентацию",
    "Выставить счёт",
]


def generate(engine, scale_name: str) -> None:
    """300,000 tasks (both scales: the issue's figure), inserted in batches."""
    from models.meta import utcnow
    from models.people import Membership, fold

    rnd = random.Random(11)
    now = utcnow()
    with engine.connect() as conn:
        dept_of = dict(
            conn.execute(
                sa.select(Membership.user_id, Membership.department_id).where(Membership.user_id <= PEOPLE)
            ).all()
        )
    people = sorted(dept_of)
    folded = {t: fold(t) for t in TITLES}
    # One task in five is about a client (as in a CRM): the card's timeline reads them through
    # the (link_type, link_id) index, and the statistics of an index that names nothing would
    # send the planner elsewhere.
    organizations = SCALES[scale_name]["organizations"]
    with engine.begin() as conn:
        rows = []
        for i in range(1, TASKS + 1):
            author = rnd.choice(people)
            assignee = rnd.choice(people)
            queue = rnd.random() < 0.03
            due = now + dt.timedelta(days=rnd.uniform(-365, 45))
            has_time = rnd.random() < 0.6
            if not has_time:
                due = due.replace(hour=20, minute=59, second=0, microsecond=0)
            roll = rnd.random()
            done_at = None
            if due < now:
                state = "done" if roll < 0.88 else "cancelled" if roll < 0.92 else "open"
            else:
                state = "open" if roll < 0.8 else "in_progress" if roll < 0.95 else "done"
            if state == "done":
                done_at = min(now, due + dt.timedelta(hours=rnd.uniform(-72, 30)))
            title = rnd.choice(TITLES)
            rows.append(
                {
                    "id": i,
                    "title": f"{title} №{i}",
                    "description": "",
                    "state": state,
                    "priority": rnd.choice((0, 1, 1, 1, 2, 3)),
                    "author_id": author,
                    "assignee_id": None if queue and state in ("open",) else assignee,
                    "department_id": dept_of[assignee],
                    "due_at": due,
                    "due_has_time": has_time,
                    "due_on": due.date(),
                    "notice_stage": 2 if (due < now or state not in ("open", "in_progress")) else 1,
                    "daily": rnd.random() < 0.002 and state == "open",
                    "search_text": f"{folded[title]} №{i}",
                    "created_at": due - dt.timedelta(days=rnd.uniform(1, 20)),
                    "updated_at": now,
                    "done_at": done_at,
                    **({"link_type": "organization", "link_id": rnd.randint(1, organizations)}
                       if i % 5 == 0 else {"link_type": None, "link_id": None}),
                }
            )
            if len(rows) == BATCH:
                _insert(conn, rows)
                rows = []
        if rows:
            _insert(conn, rows)
        conn.execute(sa.text("ANALYZE"))


def _insert(conn, rows: list[dict]) -> None:
    """Tasks and their search documents (the title, folded), as the ORM would index them."""
    from models import search
    from models.tasks import Task

    conn.execute(sa.insert(Task.__table__), rows)
    search.index_documents(conn, "task", [(r["id"], r["search_text"], "") for r in rows],
                           replace=False)


def pages() -> list[tuple[str, str, float]]:
    return [
        ("tasks_my_day", "/", 100),
        ("tasks_mine", "/tasks", 150),
        ("tasks_overdue", "/tasks?due=overdue", 150),
        ("tasks_queue", "/tasks?view=queue", 150),
        ("tasks_all_search", "/tasks?view=all&q=%D0%B4%D0%BE%D0%B3%D0%BE%D0%B2%D0%BE%D1%80", 300),
        ("task_page", "/tasks/4242", 100),
        ("tasks_report_month", "/tasks/report?period=last_month", 500),
    ]


def _login(client, login: str):
    import webtest

    other = webtest.TestApp(client.app, extra_environ={"HTTP_HOST": "127.0.0.1:6543"})
    page = other.get("/login")
    other.post(
        "/login",
        {
            "login": login,
            "password": "bench-pass-1",
            "csrf_token": page.html.find("input", {"name": "csrf_token"})["value"],
        },
        status=303,
    )
    return other


def measure(client, scale_name: str, report) -> bool:
    """My day of an ordinary employee (SQL filters in play), then a tick over 10,000 due
    reminders, timed as `portal tick` runs it (its own transaction); then puts things back."""
    from pyramid.scripting import prepare

    from models.meta import utcnow
    from models.notifications import Notification
    from models.tasks import OPEN_STATES, Task
    from portal.tasks.jobs import fire_reminders
    from tests.bench.run import timed

    ok = True
    employee = _login(client, EMPLOYEE)
    ok &= report("tasks_my_day_employee", timed(employee, "/", 200), 100)
    ok &= report("tasks_mine_employee", timed(employee, "/tasks", 100), 150)
    ok &= report("tasks_report_employee", timed(employee, "/tasks/report?period=year", 50), 500)

    registry = client.app.registry
    env = prepare(registry=registry)
    request = env["request"]
    try:
        with request.tm:
            db = request.dbsession
            now = utcnow()
            ids = db.scalars(
                sa.select(Task.id).where(Task.state.in_(OPEN_STATES)).order_by(Task.id).limit(REMINDERS)
            ).all()
            db.execute(
                sa.update(Task)
                .where(Task.id.in_(ids))
                .values(remind_at=now - dt.timedelta(minutes=5), reminded_at=None, remind_before=60)
            )
            first_note = db.scalar(sa.select(sa.func.max(Notification.id))) or 0
        start = time.perf_counter()
        with request.tm:
            fired = fire_reminders(request.dbsession, registry)
        elapsed = (time.perf_counter() - start) * 1000
        with request.tm:
            request.dbsession.execute(sa.delete(Notification).where(Notification.id > first_note))
            request.dbsession.execute(
                sa.update(Task)
                .where(Task.id.in_(ids))
                .values(remind_at=None, reminded_at=None, remind_before=None)
            )
    finally:
        env["closer"]()
    print(f"bench tasks_tick_reminders fired={fired}", flush=True)
    ok &= fired == len(ids)
    ok &= report("tasks_tick_10000_reminders", [elapsed], 10_000)
    return ok
