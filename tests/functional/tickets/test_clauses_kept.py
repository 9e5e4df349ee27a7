"""The clause of the tickets a person may see is made once per set of rights and permission
(issue 11: not on every page), and stays its viewer's own: an agent sees their queues' tickets,
another person theirs. On SQLite and PostgreSQL."""
from __future__ import annotations

import sqlalchemy as sa

from models.tickets import Ticket
from portal.tickets.security import visible_tickets
from tests.functional.tickets.desk import desk  # noqa: F401


def test_each_viewer_keeps_their_own_clause(desk, factory, request_for, dbsession):
    mine = desk.ticket(subject="Не печатает принтер")
    elsewhere_dept = factory.department("Сервис")
    elsewhere_agent = factory.user("elsewhere", roles=["support"], departments=[elsewhere_dept])
    elsewhere = desk.ticket(subject="Шумит насос", queue_id=desk.make_queue(
        "Сервис", elsewhere_dept, None, [elsewhere_agent]).id)

    def seen(request, permission="view"):
        return set(dbsession.scalars(sa.select(Ticket.subject).where(
            visible_tickets(request, permission), Ticket.id.in_([mine.id, elsewhere.id]))))

    agent, again = request_for(desk.agents[0]), request_for(desk.agents[0])
    assert visible_tickets(again) is visible_tickets(agent)  # made once, then kept
    assert visible_tickets(again, "assign") is visible_tickets(agent, "assign")
    assert visible_tickets(agent, "assign") is not visible_tickets(agent)
    assert seen(agent) == seen(agent, "assign") == {"Не печатает принтер"}

    other = request_for(elsewhere_agent)
    assert visible_tickets(other) is not visible_tickets(agent)
    assert seen(other) == {"Шумит насос"}
    assert seen(request_for(desk.agents[1])) == {"Не печатает принтер"}
    assert seen(request_for(factory.user(roles=["admin"]))) == {"Не печатает принтер",
                                                                 "Шумит насос"}
