"""A support desk for the ticket tests: a Support department with a queue, its lead and
agents, SLA policies on business hours, and ways to make tickets through the service.

Test modules import the fixture: `from tests.functional.tickets.desk import desk  # noqa: F401`.
"""
from __future__ import annotations

import datetime as dt

import pytest

from models.tickets import Queue, QueueAgent, SlaPolicy
from portal.tickets.service import TicketInput, create_ticket

# Monday to Friday 9–13 and 14–18, Moscow (a lunch break stops the clock).
HOURS = {"zone": "Europe/Moscow",
         "week": {d: ["09:00-13:00", "14:00-18:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
         "holidays": [], "workdays": {}}


class Desk:
    def __init__(self, dbsession, factory, app):
        self.db = dbsession
        self.factory = factory
        self.registry = app.registry
        self.support = factory.department("Support")
        self.lead = factory.user("lead", roles=["support", "dept_head"], departments=[self.support],
                                 full_name="Фёдорова Ольга")
        self.agents = [factory.user(f"agent{i}", roles=["support"], departments=[self.support],
                                    full_name=f"Агент {i}") for i in (1, 2, 3)]
        self.queue = self.make_queue("Поддержка", self.support, self.lead, self.agents)

    def make_queue(self, name, department, lead, agents, assignment="manual", hours=HOURS):
        queue = Queue(name=name, department_id=department.id, lead_id=lead.id if lead else None,
                      assignment=assignment, hours=hours)
        queue.agents = [QueueAgent(user_id=a.id) for a in agents]
        self.db.add(queue)
        self.db.flush()
        for priority, first, resolution in ((0, 480, 2400), (1, 240, 960), (2, 60, 480),
                                            (3, 30, 240)):
            self.db.add(SlaPolicy(queue_id=queue.id, priority=priority,
                                  first_response_minutes=first, resolution_minutes=resolution))
        self.db.flush()
        return queue

    def ticket(self, actor=None, subject="Не печатает принтер", now: dt.datetime | None = None,
               **fields):
        fields.setdefault("queue_id", self.queue.id)
        return create_ticket(self.db, actor, TicketInput(subject=subject, **fields),
                             registry=self.registry, now=now)


@pytest.fixture
def desk(dbsession, factory, app):
    return Desk(dbsession, factory, app)



def plain_ticket(dbsession, factory, subject: str = "Не печатает принтер"):
    """A ticket in a queue of its own, written straight to the database (for tests of other
    areas that only need a ticket to exist)."""
    from models.tickets import Ticket

    dept = factory.department()
    queue = Queue(name=f"Queue of {dept.name}", department_id=dept.id)
    dbsession.add(queue)
    dbsession.flush()
    ticket = Ticket(number=f"T-2031-{queue.id:06d}", subject=subject, queue_id=queue.id,
                    department_id=dept.id)
    dbsession.add(ticket)
    dbsession.flush()
    return ticket
