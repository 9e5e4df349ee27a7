"""The rules of tickets through the service, on SQLite and PostgreSQL: numbers, routing,
assignment, SLA targets with exact instants (nights, lunch, weekends, holidays, pauses, a change
of priority or queue), escalation, merging, rating."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from models.notifications import Notification
from models.tickets import RoutingRule, Ticket, TicketMessage, TicketSlaAlert
from portal.tickets import service, sla
from portal.tickets.service import TicketInput, TicketProblem, create_ticket
from tests.functional.tickets.desk import HOURS, desk  # noqa: F401

UTC = dt.UTC


def moscow(y, m, d, hh, mm=0) -> dt.datetime:
    """A Moscow wall-clock time as the UTC instant (Moscow is UTC+3 all year)."""
    return dt.datetime(y, m, d, hh, mm, tzinfo=UTC) - dt.timedelta(hours=3)


# Monday 30 November 2026 is a working day; 5–6 December a weekend.

def test_numbers_count_up_within_a_year_and_start_again_next_year(desk):
    a = desk.ticket(now=moscow(2026, 11, 30, 10))
    b = desk.ticket(now=moscow(2026, 11, 30, 11))
    c = desk.ticket(now=moscow(2027, 1, 11, 10))
    n = int(a.number.rsplit("-", 1)[1])
    assert a.number.startswith("T-2026-") and b.number == f"T-2026-{n + 1:06d}"
    assert c.number == "T-2027-000001"


def test_a_normal_ticket_created_in_the_morning_gets_its_targets_in_working_hours(desk):
    # Normal: first response 4 h, resolution 16 h (two working days), lunch 13–14.
    t = desk.ticket(now=moscow(2026, 11, 30, 10))
    assert t.first_response_due_at == moscow(2026, 11, 30, 15)  # 10–13, lunch, 14–15
    assert t.resolution_due_at == moscow(2026, 12, 2, 10)  # 7 h Mon, 8 h Tue, 1 h Wed
    assert t.first_response_warn_at == moscow(2026, 11, 30, 14, 12)  # 80 % of 4 h = 3 h 12 min


def test_a_ticket_created_at_night_or_on_a_holiday_starts_at_the_next_opening(desk):
    night = desk.ticket(now=moscow(2026, 12, 1, 23, 30), priority=2)  # high: 1 h, 8 h
    assert night.first_response_due_at == moscow(2026, 12, 2, 10)
    friday_evening = desk.ticket(now=moscow(2026, 12, 4, 17, 30), priority=2)
    # Half an hour on Friday, the rest on Monday morning.
    assert friday_evening.first_response_due_at == moscow(2026, 12, 7, 9, 30)
    desk.queue.hours = {**HOURS, "holidays": ["2026-12-07"]}
    holiday = desk.ticket(now=moscow(2026, 12, 6, 12), priority=2)  # Sunday, then a holiday
    assert holiday.first_response_due_at == moscow(2026, 12, 8, 10)


def test_waiting_for_the_customer_stops_the_clock_and_the_time_waited_is_not_counted(desk, dbsession):
    t = desk.ticket(now=moscow(2026, 11, 30, 10), priority=2)  # resolution 8 h: Tue 10:00
    assert t.resolution_due_at == moscow(2026, 12, 1, 10)
    service.give_to(dbsession, None, t, desk.agents[0].id, registry=desk.registry)
    service.after_transition(dbsession, t, "assigned", "waiting_customer", now=moscow(2026, 11, 30, 12))
    t.state = "waiting_customer"
    assert t.resolution_due_at is None and t.paused_at == moscow(2026, 11, 30, 12)
    assert [c.state for c in sla.clocks(t, moscow(2026, 11, 30, 16))][1] == "paused"
    # The customer answers the next morning at 11: the 2 h used before the pause are kept.
    service.requester_message(dbsession, t, "Вот скриншот", from_email="c@example.org",
                              registry=desk.registry, now=moscow(2026, 12, 1, 11))
    assert t.state == "in_progress" and t.paused_at is None
    # 6 h left from Tue 11:00: 11–13, 14–18 → Tue 18:00.
    assert t.resolution_due_at == moscow(2026, 12, 1, 18)


def test_a_new_priority_moves_the_ticket_to_its_policy_from_creation_keeping_pauses(desk, dbsession):
    t = desk.ticket(now=moscow(2026, 11, 30, 10), priority=1)
    service.after_transition(dbsession, t, "new", "waiting_customer", now=moscow(2026, 11, 30, 11))
    service.after_transition(dbsession, t, "waiting_customer", "in_progress",
                             now=moscow(2026, 11, 30, 15))
    version = t.sla_version
    service.update_fields(dbsession, desk.lead, t, {"priority": 3}, now=moscow(2026, 11, 30, 15))
    # Urgent: resolution 4 h from creation: 10–11 (1 h), paused 11–15, then 15–18 (3 h).
    assert t.resolution_due_at == moscow(2026, 11, 30, 18)
    assert t.first_response_due_at == moscow(2026, 11, 30, 10, 30)  # 30 min, before the pause
    assert t.sla_version > version
    assert dbsession.scalar(sa.select(TicketMessage.body).where(
        TicketMessage.ticket_id == t.id, TicketMessage.kind == "change")
        .order_by(TicketMessage.id.desc())) == '{"event": "priority", "from": 1, "to": 3}'


def test_moving_to_another_queue_uses_that_queues_hours(desk, dbsession, factory):
    night_team = factory.department("Ночная смена")
    always = {"zone": "Europe/Moscow", "week": {d: ["00:00-24:00"] for d in
                                                ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}
    other = desk.make_queue("Круглосуточно", night_team, None, [], hours=always)
    t = desk.ticket(now=moscow(2026, 12, 5, 12), priority=2)  # Saturday
    assert t.first_response_due_at == moscow(2026, 12, 7, 10)
    service.update_fields(dbsession, desk.lead, t, {"queue_id": other.id})
    assert (t.queue_id, t.department_id) == (other.id, night_team.id)
    assert t.first_response_due_at == moscow(2026, 12, 5, 13)


def test_routing_rules_send_tickets_by_words_channel_and_category(desk, dbsession, factory):
    field_dept = factory.department("Выезд")
    field = desk.make_queue("Выездной сервис", field_dept, None, [])
    dbsession.add_all([
        RoutingRule(position=1, words="выезд, монтаж", queue_id=field.id, priority=2),
        RoutingRule(position=2, channel="web", category="Оплата", queue_id=desk.queue.id,
                    priority=0),
    ])
    dbsession.flush()
    by_words = desk.ticket(subject="Нужен МОНТАЖ кондиционера", queue_id=None)
    assert (by_words.queue_id, by_words.priority) == (field.id, 2)
    by_both = desk.ticket(subject="Вопрос", queue_id=None, channel="web", category="Оплата")
    assert (by_both.queue_id, by_both.priority) == (desk.queue.id, 0)
    neither = desk.ticket(subject="Вопрос", queue_id=None, channel="phone", category="Оплата")
    assert neither.priority == 1
    chosen = desk.ticket(subject="Монтаж", queue_id=desk.queue.id, priority=3)
    assert (chosen.queue_id, chosen.priority) == (desk.queue.id, 3)  # a choice beats the rules


def test_least_loaded_gives_the_new_ticket_to_the_agent_with_fewest_open(desk, dbsession):
    desk.queue.assignment = "least_loaded"
    a1, a2, a3 = desk.agents
    for agent, n in ((a1, 2), (a2, 0), (a3, 1)):
        for _ in range(n):
            t = desk.ticket(assignee_id=agent.id)
            assert t.assignee_id == agent.id
    assert desk.ticket().assignee_id == a2.id
    assert desk.ticket().assignee_id in (a2.id, a3.id)


def test_round_robin_skips_inactive_agents(desk, dbsession):
    desk.queue.assignment = "round_robin"
    desk.queue.agents[1].active = False
    got = [desk.ticket().assignee_id for _ in range(4)]
    assert got == [desk.agents[0].id, desk.agents[2].id, desk.agents[0].id, desk.agents[2].id]


def test_bad_input_is_refused_with_the_field_named(desk):
    for fields, field in (({"subject": "  "}, "subject"), ({"subject": "x" * 301}, "subject"),
                          ({"channel": "pigeon"}, "channel"), ({"priority": 9}, "priority"),
                          ({"requester_email": "not an address"}, "requester_email")):
        data = {"subject": "Тема", **fields}
        try:
            create_ticket(desk.db, None, TicketInput(queue_id=desk.queue.id, **data),
                          registry=desk.registry)
        except TicketProblem as problem:
            assert problem.field == field
        else:
            raise AssertionError(f"{fields} was accepted")


def test_breach_tells_the_lead_once_and_raises_priority_when_the_policy_says(desk, dbsession):
    policy = sla.policy_for(dbsession, desk.queue.id, 1)
    policy.raise_priority = True
    t = desk.ticket(now=moscow(2026, 11, 30, 10))
    service.give_to(dbsession, None, t, desk.agents[0].id, registry=desk.registry)
    warn = service.sla_job(dbsession, desk.registry, moscow(2026, 11, 30, 14, 30))
    assert warn == 1  # the first-response warning, to the assignee
    assert service.sla_job(dbsession, desk.registry, moscow(2026, 11, 30, 14, 31)) == 0
    breached = service.sla_job(dbsession, desk.registry, moscow(2026, 11, 30, 15, 1))
    assert breached == 1 and t.priority == 2
    lead_notes = dbsession.scalars(sa.select(Notification.kind).where(
        Notification.user_id == desk.lead.id)).all()
    assert lead_notes.count("ticket_sla") == 1
    # The new priority has its own targets: their alerts are new ones, said once each.
    assert t.sla_version >= 2
    kinds = dbsession.execute(sa.select(TicketSlaAlert.clock, TicketSlaAlert.stage).where(
        TicketSlaAlert.ticket_id == t.id).order_by(TicketSlaAlert.id)).all()
    assert kinds[:2] == [("first_response", 1), ("first_response", 2)]
    # A reply stops the first-response clock: nothing more is said about it.
    service.add_message(dbsession, desk.agents[0], t, "Отвечаем", public=True,
                        registry=desk.registry, now=moscow(2026, 11, 30, 15, 2))
    assert [c.state for c in sla.clocks(t, moscow(2026, 11, 30, 15, 3))][0] == "breached"


def test_a_reply_in_time_meets_the_first_response_target(desk, dbsession):
    t = desk.ticket(now=moscow(2026, 11, 30, 10))
    service.add_message(dbsession, desk.agents[0], t, "Здравствуйте", public=True,
                        registry=desk.registry, now=moscow(2026, 11, 30, 11))
    assert t.first_response_at == moscow(2026, 11, 30, 11)
    assert sla.clocks(t, moscow(2026, 11, 30, 16))[0].state == "met"
    note_only = desk.ticket(now=moscow(2026, 11, 30, 10))
    service.add_message(dbsession, desk.agents[0], note_only, "Заметка", public=False,
                        registry=desk.registry, now=moscow(2026, 11, 30, 11))
    assert note_only.first_response_at is None  # a note is no answer to the requester


def test_merge_moves_the_messages_and_cancels_the_duplicate(desk, dbsession):
    keep = desk.ticket(subject="Принтер")
    dup = desk.ticket(subject="Принтер снова")
    service.requester_message(dbsession, dup, "Ещё раз пишу", from_email="c@example.org",
                              registry=desk.registry)
    service.merge(dbsession, desk.lead, dup, keep, registry=desk.registry)
    assert (dup.state, dup.duplicate_of_id) == ("cancelled", keep.id)
    assert dbsession.scalar(sa.select(TicketMessage.ticket_id).where(
        TicketMessage.body == "Ещё раз пишу")) == keep.id
    try:
        service.merge(dbsession, desk.lead, keep, keep, registry=desk.registry)
    except TicketProblem:
        pass
    else:
        raise AssertionError("a ticket merged into itself")


def test_resolution_gives_a_rating_link_that_records_one_score(desk, dbsession):
    t = desk.ticket()
    token = service.after_transition(dbsession, t, "in_progress", "resolved")
    t.state = "resolved"
    assert token and t.rating_token_hash and token not in (t.rating_token_hash or "")
    assert service.rate(dbsession, token, 5, "Спасибо!").recorded
    again = service.rate(dbsession, token, 1, "передумал")
    assert not again.recorded
    dbsession.refresh(t)
    assert (t.rating, t.rating_comment) == (5, "Спасибо!")
    assert service.rate(dbsession, "wrong-token", 3).ticket is None
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Ticket).where(
        Ticket.rating.is_not(None))) == 1


def test_a_resolved_ticket_reopens_within_its_queues_days_and_not_after(desk, dbsession, request_for):
    from portal.resources import locate
    from workflows.engine import WorkflowError

    request = request_for(desk.lead)
    fresh = locate(request, desk.ticket(subject="Свежая", assignee_id=desk.agents[0].id))
    fresh.workflow.transition(request, fresh, "resolve")
    assert fresh.resolved_at is not None and fresh.paused_at is not None
    fresh.workflow.transition(request, fresh, "reopen")
    assert (fresh.state, fresh.resolved_at, fresh.paused_at) == ("in_progress", None, None)
    old = locate(request, desk.ticket(subject="Старая", assignee_id=desk.agents[0].id))
    old.workflow.transition(request, old, "resolve")
    old.resolved_at -= dt.timedelta(days=desk.queue.reopen_days + 1)
    try:
        old.workflow.transition(request, old, "reopen")
    except WorkflowError as error:
        assert "open a new one" in str(request.translate(error.message))
    else:
        raise AssertionError("a ticket resolved long ago was reopened")
    assert old.state == "resolved"
