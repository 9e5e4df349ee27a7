"""What must happen once, at the same instant: ticket numbers, taking a ticket, the round robin,
an SLA alert, a rating. Real commits, one session per thread, all threads released together;
on SQLite and on PostgreSQL. The rows are removed afterwards."""
from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
import sqlalchemy as sa
import transaction
from pyramid.request import Request
from pyramid.scripting import prepare

import models
from models.meta import utcnow
from models.notifications import Notification
from models.people import User
from models.tickets import Queue, QueueAgent, SlaPolicy, Ticket, TicketCounter, TicketSlaAlert
from portal.tickets import service, sla
from portal.tickets.service import AlreadyTaken, TicketInput, create_ticket, rate, take
from tests.conftest import Factory
from tests.functional.tickets.desk import HOURS

THREADS = 8


def session_of(app):
    request = Request.blank("/", environ={"HTTP_HOST": "example.com", "HTTP_ACCEPT_LANGUAGE": "en"})
    env = prepare(request=request, registry=app.registry)
    request.root = env["root"]
    return request, env["closer"]


@pytest.fixture
def desk_committed(app):
    """A queue with three agents and SLA policies, committed; everything removed afterwards."""
    tag = uuid.uuid4().hex[:8]
    with transaction.manager:
        db = models.get_tm_session(app.registry["dbsession_factory"], transaction.manager)
        people = Factory(db)
        dept = people.department(f"Support {tag}")
        agents = [people.user(login=f"ag-{tag}-{i}", roles=["support"], departments=[dept])
                  for i in range(3)]
        queue = Queue(name=f"Queue {tag}", department_id=dept.id, hours=HOURS,
                      assignment="round_robin")
        queue.agents = [QueueAgent(user_id=a.id) for a in agents]
        db.add(queue)
        db.flush()
        db.add(SlaPolicy(queue_id=queue.id, priority=1, first_response_minutes=60,
                         resolution_minutes=480))
        ids = (queue.id, [a.id for a in agents])
    yield ids
    engine = app.registry["dbsession_factory"].kw["bind"]
    queue_id, agent_ids = ids
    with engine.begin() as conn:
        tickets = [r[0] for r in conn.execute(sa.select(Ticket.id).where(Ticket.queue_id == queue_id))]
        for table in ("ticket_sla_alerts", "ticket_messages", "ticket_pauses", "ticket_watchers",
                      "workflow_history"):
            column = "object_id" if table == "workflow_history" else "ticket_id"
            if tickets:
                ids = ",".join(map(str, tickets))
                conn.execute(sa.text(f"DELETE FROM {table} WHERE {column} IN ({ids})"))
        conn.execute(sa.delete(Ticket.__table__).where(Ticket.queue_id == queue_id))
        conn.execute(sa.delete(Notification.__table__).where(Notification.user_id.in_(agent_ids)))
        conn.execute(sa.delete(SlaPolicy.__table__).where(SlaPolicy.queue_id == queue_id))
        conn.execute(sa.delete(QueueAgent.__table__).where(QueueAgent.queue_id == queue_id))
        conn.execute(sa.delete(Queue.__table__).where(Queue.id == queue_id))


def run_together(n, work):
    """Run work(i, request) in n threads released at once; returns (results, errors)."""
    barrier = threading.Barrier(n, timeout=30)
    results, errors = [None] * n, []

    def one(i):
        request, close = session_of(APP[0])
        try:
            with request.tm:
                barrier.wait()
                results[i] = work(i, request)
        except BaseException as error:
            errors.append(error)
        finally:
            close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    return results, errors


APP: list = []


@pytest.fixture(autouse=True)
def _app(app):
    APP[:] = [app]


def test_tickets_made_at_the_same_instant_get_distinct_numbers(app, desk_committed):
    queue_id, _agents = desk_committed

    def make(i, request):
        ticket = create_ticket(request.dbsession, None, TicketInput(
            subject=f"Одновременно {i}", queue_id=queue_id, channel="web"),
            registry=request.registry)
        return ticket.number

    numbers, errors = run_together(THREADS, make)
    assert not errors, errors
    assert len(set(numbers)) == THREADS
    year = utcnow().year
    engine = app.registry["dbsession_factory"].kw["bind"]
    with engine.connect() as conn:
        last = conn.scalar(sa.select(TicketCounter.last).where(TicketCounter.year == year))
    assert f"T-{year}-{last:06d}" in numbers  # the counter stands at the last number given


def test_round_robin_at_the_same_instant_deals_evenly(app, desk_committed):
    """Six tickets at once in a round-robin queue of three agents: two each."""
    queue_id, agents = desk_committed

    def make(i, request):
        ticket = create_ticket(request.dbsession, None, TicketInput(
            subject=f"Круг {i}", queue_id=queue_id), registry=request.registry)
        return ticket.assignee_id

    assignees, errors = run_together(6, make)
    assert not errors, errors
    assert sorted(assignees) == sorted(agents * 2)


def test_many_agents_taking_one_ticket_at_once_only_one_gets_it(app, desk_committed):
    queue_id, agents = desk_committed
    with transaction.manager:
        db = models.get_tm_session(app.registry["dbsession_factory"], transaction.manager)
        db.get(Queue, queue_id).assignment = "manual"
        number = create_ticket(db, None, TicketInput(subject="Кто возьмёт", queue_id=queue_id),
                               registry=app.registry).number

    def grab(i, request):
        db = request.dbsession
        me = db.get(User, agents[i % len(agents)])
        ticket = db.scalar(sa.select(Ticket).where(Ticket.number == number))
        try:
            take(db, me, ticket, registry=request.registry)
        except AlreadyTaken:
            return None
        return me.id

    winners, errors = run_together(THREADS, grab)
    assert not errors, errors
    won = [w for w in winners if w is not None]
    assert len(won) == 1
    engine = app.registry["dbsession_factory"].kw["bind"]
    with engine.connect() as conn:
        assert conn.scalar(sa.select(Ticket.assignee_id).where(Ticket.number == number)) == won[0]


def test_ticks_at_the_same_instant_say_each_breach_once(app, desk_committed):
    """Several `portal tick`s racing over a breached ticket: one alert row, one notice."""
    queue_id, agents = desk_committed
    with transaction.manager:
        db = models.get_tm_session(app.registry["dbsession_factory"], transaction.manager)
        db.get(Queue, queue_id).assignment = "manual"
        monday = dt.datetime(2026, 11, 30, 7, 0, tzinfo=dt.UTC)  # 10:00 Moscow
        ticket = create_ticket(db, None, TicketInput(subject="Горит", queue_id=queue_id),
                               registry=app.registry, now=monday)
        db.get(Queue, queue_id).lead_id = agents[0]
        ticket_id = ticket.id
    later = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)

    def tick(i, request):
        return service.sla_job(request.dbsession, request.registry, later)

    said, errors = run_together(4, tick)
    assert not errors, errors
    assert sum(said) == 2  # the first-response and the resolution breaches, once each
    engine = app.registry["dbsession_factory"].kw["bind"]
    with engine.connect() as conn:
        alerts = conn.execute(sa.select(TicketSlaAlert.clock, TicketSlaAlert.stage).where(
            TicketSlaAlert.ticket_id == ticket_id)).all()
        notes = conn.scalar(sa.select(sa.func.count()).select_from(Notification).where(
            Notification.user_id == agents[0], Notification.kind == "ticket_sla"))
    assert sorted(alerts) == [("first_response", sla.STAGE_BREACHED),
                              ("resolution", sla.STAGE_BREACHED)]
    assert notes == 2


def test_a_rating_link_used_twice_at_once_records_one_score(app, desk_committed):
    queue_id, _agents = desk_committed
    token, digest = service.rating_token()
    with transaction.manager:
        db = models.get_tm_session(app.registry["dbsession_factory"], transaction.manager)
        ticket = create_ticket(db, None, TicketInput(subject="Оцените", queue_id=queue_id),
                               registry=app.registry)
        ticket.rating_token_hash = digest
        ticket_id = ticket.id

    def vote(i, request):
        return rate(request.dbsession, token, 1 + i % 5, f"comment {i}").recorded

    recorded, errors = run_together(THREADS, vote)
    assert not errors, errors
    assert recorded.count(True) == 1
    engine = app.registry["dbsession_factory"].kw["bind"]
    with engine.connect() as conn:
        score, comment = conn.execute(sa.select(Ticket.rating, Ticket.rating_comment).where(
            Ticket.id == ticket_id)).one()
    winner = recorded.index(True)
    assert (score, comment) == (1 + winner % 5, f"comment {winner}")


def test_the_public_forms_limit_holds_for_submissions_at_the_same_instant(app):
    addr = f"203.0.113.{uuid.uuid4().int % 250}"

    def submit(i, request):
        return service.intake_allowed(request.dbsession, addr)

    allowed, errors = run_together(THREADS, submit)
    assert not errors, errors
    assert allowed.count(True) == service.INTAKE_LIMIT
    engine = app.registry["dbsession_factory"].kw["bind"]
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM ticket_intake_attempts WHERE remote_addr = :a"),
                     {"a": addr})


def test_a_tick_that_tells_nobody_still_keeps_what_it_said(app, desk_committed):
    """A breach with nobody to tell (no lead, nobody assigned) is written down all the same,
    and the ticket moves on to its next instant: the next tick does not say it again."""
    queue_id, _agents = desk_committed
    with transaction.manager:
        db = models.get_tm_session(app.registry["dbsession_factory"], transaction.manager)
        db.get(Queue, queue_id).assignment = "manual"
        monday = dt.datetime(2026, 11, 30, 7, 0, tzinfo=dt.UTC)
        ticket_id = create_ticket(db, None, TicketInput(subject="Ничья", queue_id=queue_id),
                                  registry=app.registry, now=monday).id
    later = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)
    said, errors = run_together(1, lambda i, request: service.sla_job(
        request.dbsession, request.registry, later))
    assert not errors and said == [2]
    engine = app.registry["dbsession_factory"].kw["bind"]
    with engine.connect() as conn:
        alerts = conn.scalar(sa.select(sa.func.count()).select_from(TicketSlaAlert).where(
            TicketSlaAlert.ticket_id == ticket_id))
        next_at = conn.scalar(sa.select(Ticket.sla_next_at).where(Ticket.id == ticket_id))
    assert alerts == 2 and next_at is None
