"""The ticket pages: the lists, a new ticket, a ticket's page and what is done on it."""
from __future__ import annotations

import sqlalchemy as sa

from models.tickets import Ticket, TicketMessage
from tests.functional.tickets.desk import desk  # noqa: F401


def test_an_employee_registers_a_ticket_and_the_agent_answers_it(testapp, dbsession, factory, desk):
    sales = factory.user("seller", roles=["sales"])
    testapp.login(sales.login)
    form = testapp.get("/tickets/add").forms["ticket-form"]
    form["subject"] = "Клиент не может войти в личный кабинет"
    form["description"] = "Звонил главный бухгалтер."
    form["requester_email"] = "buh@example.org"
    page = form.submit(status=303).follow()
    ticket = dbsession.scalar(sa.select(Ticket).order_by(Ticket.id.desc()))
    assert ticket.number in page.text and ticket.subject in page.text
    assert (ticket.queue_id, ticket.author_id, ticket.state) == (desk.queue.id, sales.id, "new")
    assert ticket.first_response_due_at is not None

    agent = desk.agents[0]
    testapp.login(agent.login)
    listing = testapp.get("/tickets?view=queue")
    assert ticket.number in listing.text
    testapp.post_csrf(f"/tickets/{ticket.number}/take", status=303)
    testapp.post_csrf(f"/tickets/{ticket.number}/reply",
                      {"body": "Сбросили пароль, попробуйте снова."}, status=303)
    testapp.post_csrf(f"/tickets/{ticket.number}/reply",
                      {"body": "Проверить журнал входа", "note": "1"}, status=303)
    dbsession.refresh(ticket)
    assert (ticket.assignee_id, ticket.state) == (agent.id, "assigned")
    assert ticket.first_response_at is not None
    kinds = dbsession.scalars(sa.select(TicketMessage.kind).where(
        TicketMessage.ticket_id == ticket.id, TicketMessage.kind != "change")
        .order_by(TicketMessage.id)).all()
    assert kinds == ["reply", "note"]
    page = testapp.get(f"/tickets/{ticket.number}")
    assert "Internal note" in page.text and "Сбросили пароль" in page.text


def test_a_colleague_outside_support_sees_only_their_own_tickets(testapp, factory, desk):
    theirs = desk.ticket(subject="Чужой тикет")
    outsider = factory.user("outsider")
    testapp.login(outsider.login)
    testapp.get(f"/tickets/{theirs.number}", status=403)
    assert theirs.number not in testapp.get("/tickets?view=all").text
