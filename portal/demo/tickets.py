"""The demo company's support desk: a support queue (round robin between the two specialists,
Фёдорова its lead) and a field-service queue, SLA policies on Moscow office hours with a lunch
break, routing rules, ready answers, and tickets from clients in every state — new ones waiting
in the queue, some at risk or breached, some waiting for the customer, resolved and rated ones.
Made through the service, as people would, with the clock set back to when each happened."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

import portal.tickets.service as service
from models.clients import Contact, Organization
from models.tickets import CannedResponse, Queue, QueueAgent, RoutingRule, SlaPolicy
from portal.tickets.service import TicketInput, create_ticket

OFFICE = {"zone": "Europe/Moscow",
          "week": {d: ["09:00-13:00", "14:00-18:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
          "holidays": ["2026-12-31", "2027-01-01", "2027-01-02", "2027-01-07"],
          "workdays": {}}
# (priority, first response minutes, resolution minutes)
TARGETS = [(0, 480, 2400), (1, 240, 960), (2, 60, 480), (3, 30, 240)]

# subject, description, channel, category, priority, hours ago, state, assignee, rating
TICKETS = [
    ("Не печатает принтер в бухгалтерии", "После обновления драйвера печать встала.", "phone",
     "Оборудование", 1, 2, "new", None, None),
    ("Не приходят счета на почту", "Третий день не получаем счета от вашей системы.", "email",
     "Документы", 2, 5, "assigned", "mikhailov", None),
    ("Ошибка при входе в личный кабинет", "Пишет «неверный пароль», хотя пароль верный.", "web",
     "Доступ", 3, 1, "in_progress", "alekseeva", None),
    ("Как выгрузить акт сверки?", "Нужна инструкция для нового бухгалтера.", "email",
     "Консультация", 0, 30, "waiting_customer", "mikhailov", None),
    ("Сломался терминал на складе", "Терминал сбора данных не включается.", "phone",
     "Оборудование", 2, 50, "in_progress", "alekseeva", None),
    ("Нужна замена картриджа", "Картридж в приёмной закончился.", "portal", "Оборудование", 1,
     80, "resolved", "mikhailov", 5),
    ("Не работает интеграция с 1С", "Заказы не выгружаются с утра.", "email", "Интеграции", 3,
     120, "closed", "alekseeva", 4),
    ("Вопрос по тарифу", "Какие услуги входят в расширенный тариф?", "web", "Консультация", 0,
     200, "closed", "mikhailov", 3),
    ("Медленно открываются отчёты", "Отчёт по продажам грузится минуту.", "portal", "Производительность",
     1, 26, "waiting_third_party", "alekseeva", None),
    ("Повторно: не печатает принтер", "Проблема вернулась.", "phone", "Оборудование", 1, 8, "new",
     None, None),
]


def make_demo(context) -> None:
    db, users, depts = context.dbsession, context.users, context.departments
    # Assigned by hand while the history is made up; round robin from then on.
    support = Queue(name="Техподдержка", department_id=depts["support"].id,
                    lead_id=users["fedorova"].id, assignment="manual", hours=OFFICE,
                    reopen_days=7)
    support.agents = [QueueAgent(user_id=users[login].id) for login in ("mikhailov", "alekseeva")]
    field = Queue(name="Выездной сервис", department_id=depts["field"].id,
                  lead_id=users["pavlov"].id, assignment="manual", hours=OFFICE, reopen_days=14)
    field.agents = [QueueAgent(user_id=users[login].id) for login in ("egorov", "pavlov")]
    db.add_all([support, field])
    db.flush()
    for queue in (support, field):
        for priority, first, resolution in TARGETS:
            db.add(SlaPolicy(queue_id=queue.id, priority=priority, first_response_minutes=first,
                             resolution_minutes=resolution, raise_priority=priority == 2,
                             warn_share=0.75))
    db.add_all([
        RoutingRule(position=1, name="Выезд инженера", words="выезд, монтаж, установка",
                    queue_id=field.id, priority=1),
        RoutingRule(position=2, name="Срочные сбои", words="не работает, авария, сбой",
                    queue_id=support.id, priority=3),
        CannedResponse(title="Приняли в работу",
                       body="Здравствуйте! Ваше обращение принято в работу, мы вернёмся с ответом "
                            "в течение рабочего дня."),
        CannedResponse(title="Нужны подробности",
                       body="Здравствуйте! Уточните, пожалуйста, когда появилась проблема и "
                            "приложите снимок экрана с ошибкой."),
        CannedResponse(title="Выезд инженера", queue_id=field.id,
                       body="Инженер приедет в согласованное время. Подготовьте, пожалуйста, "
                            "доступ к оборудованию."),
    ])
    db.flush()
    orgs = db.scalars(sa.select(Organization).order_by(Organization.id).limit(len(TICKETS))).all()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    for i, (subject, text, channel, category, priority, hours_ago, state, agent, rating) in \
            enumerate(TICKETS):
        org = orgs[i % len(orgs)] if orgs else None
        contact = db.scalar(sa.select(Contact).where(Contact.organization_id == org.id)
                            .order_by(Contact.id).limit(1)) if org is not None else None
        when = now - dt.timedelta(hours=hours_ago)
        author = users["popova"] if channel in ("phone", "portal") else None
        ticket = create_ticket(db, author, TicketInput(
            subject=subject, description=text, channel=channel, category=category,
            priority=priority, queue_id=support.id, organization_id=org.id if org else None,
            contact_id=contact.id if contact else None,
            requester_email="" if contact else "client@example.org"),
            registry=None, now=when)
        if agent is None:
            continue
        service.give_to(db, None, ticket, users[agent].id, registry=None)
        step = when + dt.timedelta(minutes=40)
        if state == "assigned":
            continue
        service.add_message(db, users[agent], ticket, "Здравствуйте! Разбираемся с проблемой.",
                            public=True, registry=None, now=step)
        service.record_state(db, ticket, "in_progress", users[agent].id, "start")
        steps = {"waiting_customer": ["waiting_customer"], "resolved": ["resolved"],
                 "waiting_third_party": ["waiting_third_party"], "closed": ["resolved", "closed"]}
        before = "in_progress"
        for n, to in enumerate(steps.get(state, [])):
            service.record_state(db, ticket, to, users[agent].id, to)
            service.after_transition(db, ticket, before, to, now=step + dt.timedelta(hours=1 + n))
            before = to
        if rating is not None:
            ticket.rating, ticket.rated_at = rating, step + dt.timedelta(hours=3)
    support.assignment = "round_robin"
    db.flush()
