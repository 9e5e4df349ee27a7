"""The requester's pages (the web form, the rating link) and the desk's set-up and reports:
what each may do, what is stored, what hostile input gets."""
from __future__ import annotations

import sqlalchemy as sa

from models.tickets import IntakeAttempt, Queue, RoutingRule, SlaPolicy, Ticket
from portal.tickets import service
from portal.tickets.service import INTAKE_LIMIT
from tests.functional.tickets.desk import desk  # noqa: F401


def web_form(testapp, **values):
    page = testapp.get("/support")
    form = page.forms["support-form"]
    for key, value in values.items():
        form[key] = value
    return form


def test_the_web_form_registers_a_ticket_without_a_login_and_names_its_number(testapp, dbsession, desk):
    from models.notifications import MailMessage

    dbsession.info["mail_enabled"] = True
    form = web_form(testapp, name="Ирина", email="irina@example.org", subject="Не открывается отчёт",
                    description="С утра ошибка 500")
    done = form.submit(status=303).follow()
    ticket = dbsession.scalar(sa.select(Ticket).where(Ticket.subject == "Не открывается отчёт"))
    assert ticket is not None and ticket.number in done.text
    assert (ticket.channel, ticket.requester_email, ticket.author_id) == ("web", "irina@example.org", None)
    assert "ticket-registered" in done.text
    ack = dbsession.scalar(sa.select(MailMessage).where(MailMessage.kind == "ticket_ack"))
    assert ack.to_addr == "irina@example.org" and ticket.number in ack.body  # and by e-mail


def test_the_web_form_needs_a_way_to_answer_and_refuses_robots_and_floods(testapp, dbsession, desk):
    page = web_form(testapp, subject="Вопрос").submit(status=400)
    assert "Leave an e-mail or a phone" in page.text
    robot = web_form(testapp, subject="Buy now", email="bot@example.org", website="http://spam")
    robot.submit(status=200)
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Ticket).where(
        Ticket.subject == "Buy now")) == 0
    for i in range(INTAKE_LIMIT):
        web_form(testapp, subject=f"Волна {i}", phone="+7 900 000-00-00").submit(status=303)
    flood = web_form(testapp, subject="Ещё одна", phone="+7 900 000-00-00").submit(status=429)
    assert "Too many requests" in flood.text
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Ticket).where(
        Ticket.subject == "Ещё одна")) == 0
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(IntakeAttempt)) >= INTAKE_LIMIT


def test_the_web_form_refuses_a_post_without_its_token(testapp, desk):
    testapp.post("/support", {"subject": "x", "email": "a@example.org"}, status=400)


def test_the_rating_page_records_one_score_and_says_so_the_second_time(testapp, dbsession, desk):
    ticket = desk.ticket(requester_email="c@example.org")
    token = service.after_transition(dbsession, ticket, "in_progress", "resolved")
    ticket.state = "resolved"
    page = testapp.get(f"/support/rate/{token}?score=4")
    assert ticket.number in page.text
    form = page.forms["rating-form"]
    form["comment"] = "Быстро и понятно"
    thanks = form.submit()
    assert "rating-thanks" in thanks.text
    dbsession.refresh(ticket)
    assert (ticket.rating, ticket.rating_comment) == (4, "Быстро и понятно")
    again = testapp.get(f"/support/rate/{token}")
    assert "rating-done" in again.text and "already rated (4 of 5)" in again.text
    testapp.get("/support/rate/not-a-token", status=404)
    testapp.get("/support/rate/" + "x" * 5000, status=404)


def test_only_administrators_set_up_queues_policies_and_rules(testapp, dbsession, desk, factory):
    testapp.login(desk.lead.login)
    testapp.get("/tickets/settings", status=403)
    testapp.post_csrf("/tickets/settings/queue", {"name": "Чужая"}, status=403)
    admin = factory.user("boss", roles=["admin"])
    testapp.login(admin.login)
    page = testapp.get("/tickets/settings")
    form = page.forms["queue-form"]
    form["name"] = "Бухгалтерия клиентов"
    form["department"] = str(desk.support.id)
    form["assignment"] = "least_loaded"
    form["day_sat"] = "10:00-14:00"
    form["holidays"] = "2027-01-01\n2027-01-02"
    form.submit(status=303)
    queue = dbsession.scalar(sa.select(Queue).where(Queue.name == "Бухгалтерия клиентов"))
    assert queue.assignment == "least_loaded"
    assert queue.hours["week"]["sat"] == ["10:00-14:00"]
    assert queue.hours["holidays"] == ["2027-01-01", "2027-01-02"]
    bad = testapp.get(f"/tickets/settings?queue={queue.id}").forms["queue-form"]
    bad["day_mon"] = "18:00-09:00"
    answer = bad.submit(status=400)
    assert "must end after it starts" in answer.text
    dbsession.refresh(queue)
    assert "mon" in queue.hours["week"]  # nothing half-written
    policies = testapp.get(f"/tickets/settings?queue={queue.id}").forms["policies-form"]
    policies["first_3"] = "0.5"
    policies["resolution_3"] = "4"
    policies.submit(status=303)
    urgent = dbsession.scalar(sa.select(SlaPolicy).where(SlaPolicy.queue_id == queue.id,
                                                         SlaPolicy.priority == 3))
    assert (urgent.first_response_minutes, urgent.resolution_minutes) == (30, 240)
    rule = testapp.get("/tickets/settings").forms["rule-form"]
    rule["words"] = "счёт, акт"
    rule["queue"] = str(queue.id)
    rule.submit(status=303)
    assert dbsession.scalar(sa.select(RoutingRule.words).where(RoutingRule.queue_id == queue.id)) \
        == "счёт, акт"


def test_the_lead_sees_the_dashboard_and_an_agent_only_their_own_figures(testapp, dbsession, desk, factory):
    mine = desk.ticket(subject="Мой тикет", assignee_id=desk.agents[0].id)
    desk.ticket(subject="Чужой тикет", assignee_id=desk.agents[1].id)
    testapp.login(desk.lead.login)
    page = testapp.get("/tickets/report")
    assert "Поддержка" in page.text and desk.agents[1].full_name in page.text
    testapp.login(desk.agents[0].login)
    own = testapp.get("/tickets/report")
    load = own.html.select_one("#agent-load").text
    assert desk.agents[0].full_name in load and desk.agents[1].full_name not in load
    assert mine.number
    outsider = factory.user("stranger")
    testapp.login(outsider.login)
    testapp.get("/tickets/report", status=403)


def test_hostile_ids_and_numbers_answer_404_not_500(testapp, desk):
    testapp.login(desk.lead.login)
    for path in ("/tickets/%C2%B2", "/tickets/99999999999999999999", "/tickets/T-2026-99999x",
                 "/tickets/T-0000-000000", "/tickets/-1"):
        testapp.get(path, status=404)
    ticket = desk.ticket()
    for path, data in ((f"/tickets/{ticket.number}/assign", {"user": "²"}),
                       (f"/tickets/{ticket.number}/fields", {"priority": "99"}),
                       (f"/tickets/{ticket.number}/fields", {"queue": "99999999999999999999"}),
                       (f"/tickets/{ticket.number}/merge", {"into": "<script>"}),
                       (f"/tickets/{ticket.number}/link-article", {"article": "abc"}),
                       (f"/tickets/{ticket.number}/reply", {"body": ""})):
        answer = testapp.post_csrf(path, data, status=303)
        assert answer.status_int == 303
    assert testapp.get(f"/tickets/{ticket.number}").status_int == 200


def test_the_sla_compliance_of_a_period_comes_as_csv(testapp, dbsession, desk):
    import datetime as dt

    ticket = desk.ticket(subject="Решённая", assignee_id=desk.agents[0].id)
    service.add_message(dbsession, desk.agents[0], ticket, "Ответ", public=True,
                        registry=desk.registry)
    service.after_transition(dbsession, ticket, "in_progress", "resolved")
    ticket.state = "resolved"
    dbsession.flush()
    testapp.login(desk.lead.login)
    today = dt.date.today()
    page = testapp.get("/tickets/report")
    csv_url = page.html.select_one("#compliance-csv")["href"]
    answer = testapp.get(csv_url, {"from": (today - dt.timedelta(days=2)).isoformat(),
                                   "to": (today + dt.timedelta(days=2)).isoformat()})
    assert answer.content_type == "text/csv"
    lines = answer.body.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Queue;Tickets resolved;First response on time")
    assert lines[1] == "Поддержка;1;100;100;;0"
    testapp.login(desk.agents[1].login)
    testapp.get(csv_url)  # an agent reports on their own tickets: none resolved
