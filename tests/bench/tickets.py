"""Benchmark data and pages of support tickets (issue 12): 500,000 tickets and 2,000,000
messages in 10 queues with 40 agents (large scale; a tenth at small scale), 50,000 of them open
with SLA targets on business hours; the queue view and a ticket page as an agent (SQL filters in
play), the lead's dashboard, an SLA tick over 50,000 open tickets, and 1,000 e-mails taken in
from a real IMAP server (when dovecot is installed).

Budgets: queue view and ticket page p95 ≤ 100 ms; dashboard ≤ 300 ms; the SLA tick ≤ 10 s;
1,000 e-mails ≤ 60 s.
"""
from __future__ import annotations

import datetime as dt
import random
import time

import sqlalchemy as sa

SCALES = {"small": {"tickets": 50_000, "messages": 200_000, "open": 5_000},
          "large": {"tickets": 500_000, "messages": 2_000_000, "open": 50_000}}
QUEUES = 10
AGENTS = 40  # user ids 1601..1640, four per queue
FIRST_AGENT = 1601
AGENT = "user1600"  # the first agent of the first queue
LEAD = "user1639"  # id 1640: lead of the first queue (dept_head there)
BATCH = 20_000
HOURS = {"zone": "Europe/Moscow",
         "week": {d: ["09:00-13:00", "14:00-18:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
         "holidays": [], "workdays": {}}
SUBJECTS = ["Не печатает принтер", "Не приходят письма", "Ошибка входа в кабинет",
            "Медленно работает отчёт", "Сломался терминал", "Вопрос по счёту",
            "Нужна консультация по тарифу", "Не работает интеграция с 1С", "Замена картриджа",
            "Сбой при оплате"]
REPLIES = ["Здравствуйте! Разбираемся.", "Уточните, пожалуйста, модель устройства.",
           "Проблема решена, проверьте.", "Спасибо, всё работает."]


def generate(engine, scale_name: str) -> None:
    """Queues, agents and their roles, SLA policies, then tickets and messages in batches."""
    from models.meta import utcnow
    from models.people import Membership, fold
    from models.roles import Role, RoleGrant
    from models.tickets import (
        Queue,
        QueueAgent,
        SlaPolicy,
        TicketCounter,
    )
    from portal.tickets.hours import BusinessHours, due_at

    scale = SCALES[scale_name]
    rnd = random.Random(12)
    now = utcnow()
    hours = BusinessHours.from_data(HOURS)
    targets = {0: (480, 2400), 1: (240, 960), 2: (60, 480), 3: (30, 240)}
    with engine.begin() as conn:
        roles = dict(conn.execute(sa.select(Role.name, Role.id)).all())
        queue_rows, agents, grants, members, policies = [], [], [], [], []
        for q in range(1, QUEUES + 1):
            lead = FIRST_AGENT + AGENTS - q  # 1640 leads queue 1
            queue_rows.append({"id": q, "name": f"Очередь {q}", "department_id": q + 1,
                               "lead_id": lead, "assignment": "least_loaded" if q % 2 else "manual",
                               "hours": HOURS, "reopen_days": 7, "active": True})
            for priority, (first, resolution) in targets.items():
                policies.append({"queue_id": q, "priority": priority,
                                 "first_response_minutes": first, "resolution_minutes": resolution,
                                 "warn_share": 0.8, "raise_priority": False})
            grants.append({"role_id": roles["dept_head"], "user_id": lead})
            members.append({"user_id": lead, "department_id": q + 1})
        for a in range(AGENTS - QUEUES):
            user_id = FIRST_AGENT + a
            queue = a % QUEUES + 1
            agents.append({"queue_id": queue, "user_id": user_id, "active": True})
            grants.append({"role_id": roles["support"], "user_id": user_id})
            members.append({"user_id": user_id, "department_id": queue + 1})
        conn.execute(sa.insert(Queue.__table__), queue_rows)
        conn.execute(sa.insert(SlaPolicy.__table__), policies)
        conn.execute(sa.insert(QueueAgent.__table__), agents)
        conn.execute(sa.insert(RoleGrant.__table__), grants)
        existing = set(conn.execute(sa.select(Membership.user_id, Membership.department_id)).all())
        conn.execute(sa.insert(Membership.__table__),
                     [m for m in members if (m["user_id"], m["department_id"]) not in existing])
        agents_of = {q: [a["user_id"] for a in agents if a["queue_id"] == q]
                     for q in range(1, QUEUES + 1)}
        n, n_open = scale["tickets"], scale["open"]
        per_ticket = scale["messages"] // n
        message_id = 0
        rows, messages = [], []
        for i in range(1, n + 1):
            queue = rnd.randint(1, QUEUES)
            is_open = i > n - n_open  # the newest are the open ones
            created = now - dt.timedelta(days=(n - i) / n * 540 + rnd.random())
            if is_open:
                created = now - dt.timedelta(hours=rnd.uniform(0.1, 24 * 10))
            priority = rnd.choice((0, 1, 1, 1, 2, 3))
            subject = rnd.choice(SUBJECTS)
            state = (rnd.choice(("new", "assigned", "in_progress", "in_progress",
                                 "waiting_customer", "waiting_third_party"))
                     if is_open else rnd.choice(("closed", "closed", "resolved", "cancelled")))
            assignee = None if state == "new" else rnd.choice(agents_of[queue])
            first_at = None if state in ("new", "assigned") else created + dt.timedelta(hours=1)
            first, resolution = targets[priority]
            first_due = due_at(hours, created, first * 60)
            resolution_due = due_at(hours, created, resolution * 60)
            resolved = None if is_open else created + dt.timedelta(hours=rnd.uniform(1, 60))
            number = f"T-2026-{i:06d}"
            rating = rnd.choice((None, None, 5, 4, 3)) if state == "closed" else None
            rows.append({
                "id": i, "number": number, "subject": subject, "description": subject + ".",
                "organization_id": rnd.randint(1, 10_000), "contact_id": None,
                "requester_name": "", "requester_email": f"client{i % 5000}@example.org",
                "requester_phone": "", "channel": rnd.choice(("phone", "email", "web", "portal")),
                "category": "", "priority": priority, "queue_id": queue, "department_id": queue + 1,
                "assignee_id": assignee, "author_id": None, "state": state, "tags": [],
                "search_text": fold(f"{number} {subject} client{i % 5000}@example.org"),
                "created_at": created, "updated_at": resolved or created,
                "first_response_at": first_at, "resolved_at": resolved,
                "closed_at": resolved if state == "closed" else None,
                "first_response_due_at": first_due, "resolution_due_at": resolution_due,
                "first_response_warn_at": None, "resolution_warn_at": None,
                "sla_next_at": (first_due if first_at is None else resolution_due) if is_open else None,
                "sla_version": 1, "paused_at": None,
                "urgent_at": (first_due if first_at is None else resolution_due) if is_open else None,
                "rating": rating, "rating_comment": "",
                "rated_at": resolved if rating is not None else None,
            })
            for k in range(per_ticket):
                message_id += 1
                messages.append({"id": message_id, "ticket_id": i,
                                 "kind": ("incoming", "reply", "note", "reply")[k % 4],
                                 "author_id": assignee if k % 4 else None,
                                 "from_name": "", "from_email": "", "body": REPLIES[k % 4],
                                 "message_id": None,
                                 "created_at": created + dt.timedelta(minutes=30 * (k + 1))})
            if len(rows) == BATCH:
                _insert(conn, rows, messages)
                rows, messages = [], []
        if rows:
            _insert(conn, rows, messages)
        conn.execute(sa.insert(TicketCounter.__table__), [{"year": 2026, "last": n}])
        conn.execute(sa.text("ANALYZE"))


def _insert(conn, rows: list[dict], messages: list[dict]) -> None:
    """Tickets, their messages and their search documents, as the ORM would index them."""
    from models import search
    from models.tickets import Ticket, TicketMessage

    conn.execute(sa.insert(Ticket.__table__), rows)
    conn.execute(sa.insert(TicketMessage.__table__), messages)
    search.index_documents(conn, "ticket", [
        (r["id"], search.text_of(r["number"], r["subject"]),
         search.text_of(r["requester_name"], r["requester_email"])) for r in rows], replace=False)


def pages() -> list[tuple[str, str, float]]:
    """As the administrator (no SQL filter): the lists and a page."""
    return [
        ("tickets_all_admin", "/tickets?view=all", 100),
        ("tickets_search_admin",
         "/tickets?view=all&state=any&q=%D0%BF%D1%80%D0%B8%D0%BD%D1%82%D0%B5%D1%80", 300),
        ("ticket_page_admin", "/tickets/T-2026-000123", 100),
    ]


def measure(client, scale_name: str, report) -> bool:
    """As an agent and as a lead (SQL filters in play); then the SLA tick over the open tickets
    and 1,000 e-mails from IMAP, timed as `portal tick` runs them; then puts things back."""
    from pyramid.scripting import prepare
    from zope.sqlalchemy import mark_changed

    from models.meta import utcnow
    from models.notifications import Notification
    from models.tickets import OPEN_STATES, Ticket, TicketSlaAlert
    from portal.tickets.service import sla_job
    from tests.bench.run import timed
    from tests.bench.tasks import _login

    ok = True
    agent = _login(client, AGENT)
    number = client.app.registry["dbengine"].connect().execute(sa.text(
        "SELECT number FROM tickets WHERE queue_id = 1 AND state = 'in_progress' "
        "ORDER BY id DESC LIMIT 1")).scalar()
    ok &= report("tickets_queue_agent", timed(agent, "/tickets?view=queue", 100), 100)
    ok &= report("tickets_mine_agent", timed(agent, "/tickets", 100), 100)
    ok &= report("ticket_page_agent", timed(agent, f"/tickets/{number}", 100), 100)
    lead = _login(client, LEAD)
    ok &= report("tickets_dashboard_lead", timed(lead, "/tickets/report", 30), 300)
    ok &= report("tickets_my_day_agent", timed(agent, "/", 100), 100)

    registry = client.app.registry
    env = prepare(registry=registry)
    request = env["request"]
    try:
        now = utcnow()
        with request.tm:
            db = request.dbsession
            first_note = db.scalar(sa.select(sa.func.max(Notification.id))) or 0
            first_alert = db.scalar(sa.select(sa.func.max(TicketSlaAlert.id))) or 0
            db.execute(sa.update(Ticket).where(Ticket.state.in_(OPEN_STATES))
                       .values(sla_next_at=now - dt.timedelta(minutes=1)))
            mark_changed(db)
            open_count = db.scalar(sa.select(sa.func.count()).select_from(Ticket).where(
                Ticket.state.in_(OPEN_STATES)))
        start = time.perf_counter()
        said = 0
        while True:  # as ticks follow each other: 5,000 tickets a run
            with request.tm:
                done = sla_job(request.dbsession, registry, now)
            said += done
            with request.tm:
                left = request.dbsession.scalar(sa.select(sa.func.count()).select_from(Ticket).where(
                    Ticket.state.in_(OPEN_STATES), Ticket.sla_next_at <= now))
            if not left:
                break
        elapsed = (time.perf_counter() - start) * 1000
        with request.tm:
            request.dbsession.execute(sa.delete(Notification).where(Notification.id > first_note))
            request.dbsession.execute(sa.delete(TicketSlaAlert).where(TicketSlaAlert.id > first_alert))
            mark_changed(request.dbsession)
    finally:
        env["closer"]()
    print(f"bench tickets_sla_tick open={open_count} alerts={said}", flush=True)
    ok &= report(f"tickets_sla_tick_{open_count}_open", [elapsed], 10_000)
    ok &= _intake(registry, report)
    return ok


def _intake(registry, report) -> bool:
    """1,000 e-mails appended to a private dovecot, then taken in by the tick's job."""
    from pyramid.scripting import prepare
    from zope.sqlalchemy import mark_changed

    from models.tickets import Ticket, TicketMessage
    from portal.tickets.jobs import take_in_mailbox
    from tests.functional.tickets.test_intake import mail
    from tests.imapserver import ImapServer, dovecot_available

    if not dovecot_available():
        print("bench tickets_imap_1000 skipped: dovecot is not installed", flush=True)
        return True
    with ImapServer() as server:
        box = server.for_user("bench")
        box.append_many([mail(subject=f"Письмо {i}", body=f"Текст письма {i}",
                              sender=f"imap{i}@bench.example", message_id=f"<bench-{i}@bench.example>")
                         for i in range(1000)])
        saved = dict(registry.settings)
        registry.settings.update(box.settings(batch="1000"))
        env = prepare(registry=registry)
        request = env["request"]
        try:
            start = time.perf_counter()
            with request.tm:
                result = take_in_mailbox(request)
            elapsed = (time.perf_counter() - start) * 1000
            with request.tm:
                db = request.dbsession
                ids = db.scalars(sa.select(Ticket.id).where(
                    Ticket.requester_email.like("imap%@bench.example"))).all()
                db.execute(sa.delete(TicketMessage).where(TicketMessage.ticket_id.in_(ids)))
                db.execute(sa.delete(Ticket).where(Ticket.id.in_(ids)))
                mark_changed(db)
        finally:
            env["closer"]()
            registry.settings.clear()
            registry.settings.update(saved)
    print(f"bench tickets_imap handled={result.handled} failed={result.failed} "
          f"error={result.error or '-'}", flush=True)
    return report("tickets_imap_1000", [elapsed], 60_000) and result.handled == 1000
