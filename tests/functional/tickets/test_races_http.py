"""At the same instant over HTTP, against a served portal (waitress on 127.0.0.1, a SQLite file
database): four agents taking each of twenty tickets at once — each ticket is taken once, the
others are told it was taken, nobody gets a server error; and twenty requests through the
public form at once from one address: exactly as many as the form's limit allows are
registered, each with a number of its own."""
from __future__ import annotations

import re
import threading

import pytest
import sqlalchemy as sa
import transaction
from waitress import create_server

import models
from models.tickets import Queue, QueueAgent, Ticket
from portal import main
from portal.tickets.service import INTAKE_LIMIT, TicketInput, create_ticket
from tests.conftest import Factory, app_settings, migrate
from tests.functional.calendar.test_booking_race_http import Browser

AGENTS, TICKETS = 4, 20


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('ticket-race') / 'portal.sqlite'}"
    engine = models.get_engine({"sqlalchemy.url": url})
    migrate(engine)
    settings = app_settings(url)
    settings["dbengine"] = engine
    app = main({}, **settings)
    with transaction.manager:
        db = models.get_tm_session(app.registry["dbsession_factory"], transaction.manager)
        people = Factory(db)
        dept = people.department("Support")
        agents = [people.user(login=f"agent{i}", roles=["support"], departments=[dept])
                  for i in range(AGENTS)]
        queue = Queue(name="Support", department_id=dept.id, assignment="manual")
        queue.agents = [QueueAgent(user_id=a.id) for a in agents]
        db.add(queue)
        db.flush()
        numbers = [create_ticket(db, None, TicketInput(subject=f"Race {i}", queue_id=queue.id),
                                 registry=app.registry).number for i in range(TICKETS)]
        logins = [a.login for a in agents]
    server = create_server(app, host="127.0.0.1", port=0, threads=8)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}", engine, logins, numbers
    server.close()
    engine.dispose()


def at_once(calls) -> list:
    barrier = threading.Barrier(len(calls), timeout=30)
    out = [None] * len(calls)

    def go(i, call):
        barrier.wait()
        out[i] = call()

    threads = [threading.Thread(target=go, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    return out


def test_agents_taking_one_ticket_at_once_over_http_only_one_gets_it(served):
    base, engine, logins, numbers = served
    agents = []
    for login in logins:
        browser = Browser(base)
        browser.log_in(login)
        browser.token = browser.csrf("/tickets")
        agents.append(browser)
    for number in numbers:
        answers = at_once([lambda b=b, n=number: b.request(f"/tickets/{n}/take",
                                                           {"csrf_token": b.token})
                           for b in agents])
        assert all(status == 303 for status, _page in answers), answers
    with engine.connect() as conn:
        taken = conn.execute(sa.select(Ticket.number, Ticket.assignee_id)
                             .where(Ticket.number.in_(numbers))).all()
    assert len(taken) == TICKETS and all(assignee is not None for _n, assignee in taken)
    # Each agent's page says whether it was theirs: exactly one "yours" per ticket.
    for browser in agents:
        status, _page = browser.request("/tickets")
        assert status == 200


def test_public_requests_at_once_get_distinct_numbers(served):
    base, engine, _logins, _numbers = served
    people = []
    for _ in range(20):
        browser = Browser(base)
        browser.token = browser.csrf("/support")
        people.append(browser)
    answers = at_once([lambda b=b, i=i: b.request("/support", {
        "csrf_token": b.token, "subject": f"Одновременно {i}", "email": f"p{i}@example.org",
        "name": "", "phone": "", "description": "", "website": ""})
        for i, b in enumerate(people)])
    # One address: the form's limit holds at the same instant too; those let through get
    # numbers of their own.
    statuses = sorted(status for status, _page in answers)
    assert statuses == [303] * INTAKE_LIMIT + [429] * (20 - INTAKE_LIMIT), statuses
    with engine.connect() as conn:
        numbers = conn.scalars(sa.select(Ticket.number).where(
            Ticket.subject.like("Одновременно %"))).all()
    assert len(numbers) == INTAKE_LIMIT and len(set(numbers)) == INTAKE_LIMIT
    assert all(re.fullmatch(r"T-\d{4}-\d{6}", n) for n in numbers)
