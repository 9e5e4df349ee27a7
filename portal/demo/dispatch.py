"""The demo company's field service: territories of Moscow, skills with levels and certificates
(one expiring soon), the three engineers, two vans and a leak detector on the board, a crew,
the service catalog, and jobs for clients around today — done ones with their reports on the
working days before, today's under way, the coming days planned through the same checks as the
board (one flagged: its engineer's certificate expires before it), and a pane of unscheduled
jobs to plan (one of them sent from a support ticket).

Moscow's wall times; the past is written as it happened (planning refuses the past), the
future goes through `service.plan`."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from models import booking
from models.clients import Address, Contact, Organization
from models.dispatch import (
    Job,
    JobAssignment,
    Resource,
    ResourceGroup,
    ResourceSkill,
    Service,
    ServiceSkill,
    Skill,
    Territory,
    TimeOff,
    job_key,
    resource_key,
)
from models.tickets import Ticket
from portal.dispatch import service
from portal.dispatch.service import JobInput, PlanRefused, create_job

MSK = dt.timezone(dt.timedelta(hours=3))
WEEK = ("mon", "tue", "wed", "thu", "fri")
HOURS = {"zone": "Europe/Moscow", "week": {d: ["09:00-13:00", "14:00-18:00"] for d in WEEK}}
LONG_HOURS = {"zone": "Europe/Moscow",
              "week": {d: ["08:00-20:00"] for d in (*WEEK, "sat")}}

TERRITORIES = ["Центр", "Север", "Юг", "Запад"]
# name, certified
SKILLS = [("Газовое оборудование", True), ("Электрика", False), ("Кондиционеры", True),
          ("Сантехника", False), ("Пусконаладка", False)]
# name, minutes, equipment type, price, [(skill, level)]
SERVICES = [
    ("Обслуживание газового котла", 120, "", 4500, [("Газовое оборудование", 3)]),
    ("Ремонт кондиционера", 90, "", 3800, [("Кондиционеры", 2)]),
    ("Монтаж электрощита", 240, "фургон", 12000, [("Электрика", 3)]),
    ("Диагностика", 60, "", 1500, []),
    ("Поиск утечки", 120, "течеискатель", 5200, [("Сантехника", 2)]),
    ("Пусконаладка оборудования", 180, "", 9000, [("Пусконаладка", 2)]),
]
# login, territory, {skill: (level, certificate expires in days or None)}
ENGINEERS = [
    ("pavlov", "Центр", {"Газовое оборудование": (5, 400), "Электрика": (4, None),
                         "Пусконаладка": (4, None)}),
    ("nikitin", "Север", {"Электрика": (3, None), "Кондиционеры": (3, 20),
                          "Сантехника": (2, None)}),
    ("zakharov", "Юг", {"Кондиционеры": (2, 300), "Сантехника": (3, None),
                        "Газовое оборудование": (3, 180)}),
]
# title, service, territory, working day from today (-1: the one before), hour, state,
# engineers, extra
JOBS = [
    ("Плановое ТО котла", "Обслуживание газового котла", "Центр", -3, 10, "completed",
     ["pavlov"], {}),
    ("Не охлаждает сплит-система", "Ремонт кондиционера", "Север", -3, 14, "completed",
     ["nikitin"], {"fixed": False}),
    ("Течь под мойкой в столовой", "Поиск утечки", "Юг", -2, 9, "completed",
     ["zakharov"], {"equipment": "течеискатель"}),
    ("Диагностика вентиляции", "Диагностика", "Запад", -2, 15, "completed", ["zakharov"], {}),
    ("Повторный выезд: сплит-система", "Ремонт кондиционера", "Север", -1, 10, "completed",
     ["nikitin"], {}),
    ("Запуск нового котла", "Пусконаладка оборудования", "Центр", -1, 14, "completed",
     ["pavlov"], {}),
    ("Замена фильтров вентиляции", "Диагностика", "Центр", 0, 9, "completed", ["pavlov"], {}),
    ("Не работает кондиционер в зале", "Ремонт кондиционера", "Север", 0, 11, "scheduled",
     ["nikitin"], {}),
    ("Осмотр котельной", "Обслуживание газового котла", "Юг", 0, 14, "scheduled",
     ["zakharov"], {}),
    ("Замена автоматов в щитовой", "Монтаж электрощита", "Центр", 1, 9, "scheduled",
     ["pavlov"], {"equipment": "фургон"}),
    ("Профилактика кондиционеров офиса", "Ремонт кондиционера", "Север", 1, 14, "scheduled",
     ["nikitin"], {}),
    ("Утечка в котельной", "Поиск утечки", "Юг", 2, 10, "scheduled", ["zakharov"],
     {"equipment": "течеискатель"}),
    ("ТО котла, второй корпус", "Обслуживание газового котла", "Центр", 2, 14, "scheduled",
     ["pavlov"], {}),
    ("Монтаж щита на складе (бригада)", "Монтаж электрощита", "Север", 3, 9, "scheduled",
     ["pavlov", "nikitin"], {"equipment": "фургон", "crew": 2}),
    ("Кондиционеры после сертификата", "Ремонт кондиционера", "Север", 20, 10, "scheduled",
     ["nikitin"], {}),
]
# title, service, territory, priority, window days from today (earliest, latest) or None
UNSCHEDULED = [
    ("Не включается котёл", "Обслуживание газового котла", "Юг", 3, (0, 2)),
    ("Шумит наружный блок кондиционера", "Ремонт кондиционера", "Север", 1, (1, 10)),
    ("Подключить новое оборудование на кухне", "Пусконаладка оборудования", "Центр", 1, None),
    ("Проверка электропроводки после ремонта", "Монтаж электрощита", "Запад", 2, (1, 6)),
    ("Диагностика котла перед сезоном", "Диагностика", "Центр", 0, None),
    ("Капает из потолка в переговорной", "Поиск утечки", "Юг", 2, (0, 5)),
    ("Обслуживание кондиционеров серверной", "Ремонт кондиционера", "Запад", 2, None),
    ("Сломался терминал на складе: выезд", "Диагностика", "Север", 2, (0, 4)),
]


def workday(today: dt.date, n: int) -> dt.date:
    """The n-th working day (Monday to Friday) from today: 0 today (or the next one if today is
    a weekend day), -1 the one before."""
    day = today
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    step = 1 if n > 0 else -1
    for _ in range(abs(n)):
        day += dt.timedelta(days=step)
        while day.weekday() >= 5:
            day += dt.timedelta(days=step)
    return day


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=MSK).astimezone(dt.UTC)


def make_demo(context) -> None:
    db, users, depts, today = context.dbsession, context.users, context.departments, context.today
    field = depts["field"]
    territories = {name: Territory(name=name) for name in TERRITORIES}
    skills = {name: Skill(name=name, certified=certified) for name, certified in SKILLS}
    db.add_all([*territories.values(), *skills.values()])
    db.flush()
    services = {}
    for name, minutes, equipment, price, needs in SERVICES:
        item = Service(name=name, duration_minutes=minutes, equipment_type=equipment, price=price)
        item.skills = [ServiceSkill(skill_id=skills[s].id, min_level=lvl) for s, lvl in needs]
        services[name] = item
    db.add_all(services.values())
    team = ResourceGroup(name="Инженеры", department_id=field.id)
    fleet = ResourceGroup(name="Транспорт и приборы", department_id=field.id)
    crew = ResourceGroup(name="Бригада монтажа", kind="crew", department_id=field.id)
    db.add_all([team, fleet, crew])
    db.flush()
    resources = {}
    for login, territory, held in ENGINEERS:
        user = users[login]
        tech = Resource(kind="technician", user_id=user.id, hours=HOURS, department_id=field.id,
                        territory_id=territories[territory].id,
                        group_id=(crew if login in ("pavlov", "nikitin") else team).id)
        tech.set_name(user.full_name)
        for name, value in held.items():
            if name not in skills or value is None:
                continue
            level, days = value
            tech.skills.append(ResourceSkill(
                skill_id=skills[name].id, level=level,
                certificate_expires=today + dt.timedelta(days=days) if days else None))
        resources[login] = tech
    for key, name, kind in (("van1", "Фургон «Газель» А123ВС", "фургон"),
                            ("van2", "Фургон «Ларгус» К456МР", "фургон"),
                            ("detector", "Течеискатель ТИ-200", "течеискатель")):
        item = Resource(kind="equipment", equipment_type=kind, hours=LONG_HOURS,
                        department_id=field.id, group_id=fleet.id,
                        territory_id=territories["Центр"].id)
        item.set_name(name)
        resources[key] = item
    db.add_all(resources.values())
    db.flush()
    # Никитин is at a training on the next Friday afternoon.
    friday = today + dt.timedelta(days=(4 - today.weekday()) % 7 or 7)
    db.add(TimeOff(resource_id=resources["nikitin"].id, kind="training",
                   starts_at=_at(friday, 14), ends_at=_at(friday, 18), note="Обучение VRF"))
    db.flush()

    orgs = db.scalars(sa.select(Organization).order_by(Organization.id).limit(40)).all()
    dispatcher = users["egorov"]
    now = dt.datetime.now(dt.UTC)
    equipment_of = {"фургон": ["van1", "van2"], "течеискатель": ["detector"]}

    def new_job(i, title, service_name, territory, priority=1, window=None, ticket_id=None):
        org = orgs[i % len(orgs)] if orgs else None
        contact = address = None
        if org is not None:
            contact = db.scalar(sa.select(Contact).where(Contact.organization_id == org.id)
                                .order_by(Contact.id).limit(1))
            address = db.scalar(sa.select(Address).where(Address.organization_id == org.id)
                                .order_by(Address.id).limit(1))
        earliest = latest = None
        if window is not None:
            earliest = _at(today + dt.timedelta(days=window[0]), 9)
            latest = _at(today + dt.timedelta(days=window[1]), 18)
        site = ", ".join(filter(None, (address.city, address.text))) if address else ""
        return create_job(db, dispatcher, JobInput(
            title=title, department_id=field.id, organization_id=org.id if org else None,
            contact_id=contact.id if contact else None, site_address=site or "Москва",
            territory_id=territories[territory].id, priority=priority,
            service_ids=[services[service_name].id], earliest_start=earliest,
            latest_finish=latest, ticket_id=ticket_id,
            description="Клиент просил позвонить за час до приезда."),
            now=min(now, _at(workday(today, -4), 8)))

    for i, (title, service_name, territory, offset, hour, state, engineers, extra) in \
            enumerate(JOBS):
        day = workday(today, offset)
        job = new_job(i, title, service_name, territory, priority=1 + (i % 3 == 0))
        if extra.get("crew"):
            job.technicians_needed = extra["crew"]
        ids = [resources[login].id for login in engineers]
        start = _at(day, hour)
        end = start + dt.timedelta(minutes=job.duration_minutes)
        if extra.get("equipment"):
            for key in equipment_of[extra["equipment"]]:
                if not booking_clash(db, resources[key].id, start, end):
                    ids.append(resources[key].id)
                    break
        if end > now + service.PAST_GRACE and state == "scheduled":
            try:
                service.plan(db, dispatcher, job, ids, start, end)
                continue
            except PlanRefused:
                pass
        write_past(db, job, ids, start, end, state, now, extra, dispatcher.id)
    ticket = db.scalar(sa.select(Ticket).where(Ticket.subject == "Сломался терминал на складе"))
    for i, (title, service_name, territory, priority, window) in enumerate(UNSCHEDULED):
        new_job(i + len(JOBS), title, service_name, territory, priority, window,
                ticket_id=ticket.id if ticket is not None and "терминал" in title else None)
    db.flush()
    # Никитин's air-conditioning certificate expires in 20 days: his jobs after it are flagged.
    service.recheck_jobs(db, [r.id for r in resources.values()])


def booking_clash(db, resource_id: int, start: dt.datetime, end: dt.datetime) -> bool:
    return bool(db.scalar(sa.select(sa.func.count()).select_from(booking.ResourceBooking).where(
        booking.ResourceBooking.resource == resource_key(resource_id),
        booking.ResourceBooking.starts_at < end, booking.ResourceBooking.ends_at > start)))


def write_past(db, job: Job, ids, start, end, state, now, extra, actor_id) -> None:
    """A job of earlier this week (or earlier today), written as it happened."""
    booking.book(db, job_key(job.id), {resource_key(i): [(start, end)] for i in ids})
    job.starts_at, job.ends_at = start, end
    job.assignments = [JobAssignment(resource_id=i) for i in ids]
    steps = [("schedule", "scheduled"), ("dispatch", "dispatched")]
    if start <= now:
        steps.append(("start", "in_progress"))
        job.actual_start = start + dt.timedelta(minutes=7 * (job.id % 4))
    if end <= now and state == "completed":
        steps.append(("complete", "completed"))
        job.actual_end = end + dt.timedelta(minutes=5 * (job.id % 3))
        job.work_done = "Выполнены работы по заявке, оборудование проверено."
        job.parts_used = "Фильтр, уплотнитель" if job.id % 2 else ""
        job.signed_by = "Иванов И. И."
        job.fixed_first_time = extra.get("fixed", True)
    for transition, to_state in steps:
        service.set_state(db, job, actor_id, transition, to_state)
    db.flush()
