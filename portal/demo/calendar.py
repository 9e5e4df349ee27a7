"""Demo data of the calendar: rooms and equipment, this week's meetings, a weekly planning
meeting, a company holiday, answers given and still owed (a step of `portal demo`)."""

from __future__ import annotations

import datetime as dt

from models.calendar import Event, EventAttendee, EventRoom, Room
from models.meta import utcnow
from portal.calendar.booking import keep_booked
from portal.calendar.changes import new_uid, schedule_reminder
from portal.calendar.recurrence import series_end
from portal.core.i18n import zone_named

ROOMS = [
    ("Переговорная «Нева»", "room", 10, "3 этаж, 301", "Экран, камера для видеосвязи"),
    ("Переговорная «Волга»", "room", 6, "3 этаж, 305", ""),
    ("Конференц-зал", "room", 40, "1 этаж", "Проектор, микрофоны"),
    ("Проектор Epson", "equipment", None, "Секретариат", "Выдаёт секретариат"),
    ("Служебный автомобиль", "equipment", None, "Парковка", "Lada Largus, А123ВС 77"),
]

# (day offset from this week's Monday or "today", start "HH:MM" or None for all day, minutes or days,
#  title, organizer, invited logins, rooms, answers {login: answer}, extra fields)
EVENTS = [
    (
        0,
        "09:30",
        30,
        "Планёрка отдела продаж",
        "sokolov",
        ["popova", "lebedev", "novikova", "morozov"],
        ["Переговорная «Волга»"],
        {"popova": "accepted", "lebedev": "accepted", "novikova": "tentative"},
        {"rrule": "FREQ=WEEKLY;BYDAY=MO;COUNT=26", "calendar": "department", "dept": "sales", "reminder": 15},
    ),
    (
        1,
        "11:00",
        90,
        "Переговоры с ООО «Ромашка»",
        "director",
        ["sokolov", "popova", "vinogradova"],
        ["Переговорная «Нева»", "Проектор Epson"],
        {"sokolov": "accepted", "vinogradova": "declined"},
        {"guests": [("Иван Петров", "ivan.petrov@romashka.example")], "link": ("client", 1), "reminder": 30},
    ),
    (
        1,
        "15:00",
        60,
        "Сверка с поставщиком",
        "semenova",
        ["golubev", "orlova"],
        ["Переговорная «Волга»"],
        {"golubev": "accepted"},
        {},
    ),
    (
        2,
        "10:00",
        60,
        "Квартальный отчёт: подготовка документов",
        "tarasova",
        ["vinogradova", "bogdanova", "orlova"],
        ["Переговорная «Нева»"],
        {"vinogradova": "accepted", "bogdanova": "accepted"},
        {"calendar": "department", "dept": "accounting"},
    ),
    (
        2,
        "14:00",
        120,
        "Выезд к клиенту: монтаж оборудования",
        "pavlov",
        ["nikitin", "zakharov"],
        ["Служебный автомобиль"],
        {"nikitin": "accepted", "zakharov": "accepted"},
        {"link": ("job", 12)},
    ),
    (3, "12:00", 60, "Обед с партнёрами", "kuznetsova", [], [], {}, {"visibility": "busy"}),
    (
        3,
        "16:00",
        60,
        "Обучение: новая CRM",
        "petrova",
        ["vasiliev", "fedorova", "mikhailov", "alekseeva"],
        ["Конференц-зал"],
        {"vasiliev": "accepted", "mikhailov": "accepted"},
        {"reminder": 60},
    ),
    (
        4,
        "10:00",
        45,
        "Разбор обращений поддержки",
        "fedorova",
        ["mikhailov", "alekseeva"],
        [],
        {"mikhailov": "accepted"},
        {
            "rrule": "FREQ=WEEKLY;BYDAY=FR;COUNT=12",
            "calendar": "department",
            "dept": "support",
            "link": ("ticket", 341),
        },
    ),
    (4, "17:00", 60, "Личная встреча", "director", [], [], {}, {"visibility": "private"}),
    (4, None, 1, "День рождения компании", "belova", [], [], {}, {"calendar": "company"}),
    (
        7,
        "11:00",
        60,
        "Совет директоров",
        "director",
        ["kuznetsova", "sokolov", "petrova", "fedorova", "semenova"],
        ["Конференц-зал"],
        {"kuznetsova": "accepted"},
        {"reminder": 1440},
    ),
    (
        "today",
        "15:00",
        60,
        "Созвон с филиалом в Казани",
        "director",
        ["kuznetsova", "sokolov", "tarasova"],
        ["Переговорная «Нева»"],
        {"kuznetsova": "accepted", "tarasova": "accepted"},
        {"reminder": 15},
    ),
    (
        "today",
        "17:30",
        30,
        "Подписание договоров",
        "tarasova",
        ["director", "vinogradova"],
        [],
        {"vinogradova": "accepted"},
        {},
    ),
    (
        9,
        None,
        2,
        "Выставка «Связь-2026»",
        "petrova",
        ["vasiliev"],
        [],
        {"vasiliev": "accepted"},
        {"calendar": "department", "dept": "marketing"},
    ),
]


def make_demo(context) -> None:
    db = context.dbsession
    users, depts = context.users, context.departments
    rooms = {}
    for name, kind, capacity, location, description in ROOMS:
        rooms[name] = Room(
            name=name, kind=kind, capacity=capacity, location=location, description=description
        )
        db.add(rooms[name])
    db.flush()
    tz = zone_named("Europe/Moscow")
    monday = context.today - dt.timedelta(days=context.today.weekday())
    for offset, at, length, title, organizer, invited, room_names, answers, extra in EVENTS:
        day = context.today if offset == "today" else monday + dt.timedelta(days=offset)
        if at is None:
            start = dt.datetime.combine(day, dt.time(), tzinfo=tz)
            end = start + dt.timedelta(days=length)
        else:
            start = dt.datetime.combine(day, dt.time.fromisoformat(at), tzinfo=tz)
            end = start + dt.timedelta(minutes=length)
        start, end = start.astimezone(dt.UTC), end.astimezone(dt.UTC)
        rule = extra.get("rrule", "")
        link_type, link_id = extra.get("link", ("", None))
        event = Event(
            title=title,
            start_at=start,
            end_at=end,
            all_day=at is None,
            timezone=tz.key,
            rrule=rule,
            exdates=[],
            series_end_at=series_end(rule, start, end, tz.key),
            organizer_id=users[organizer].id,
            calendar=extra.get("calendar", "personal"),
            department_id=depts[extra["dept"]].id if "dept" in extra else None,
            visibility=extra.get("visibility", "public"),
            link_type=link_type,
            link_id=link_id,
            reminder_minutes=extra.get("reminder"),
            ical_uid=new_uid(),
            description="Повестка: итоги недели, планы, вопросы." if rule else "",
        )
        event.attendees.append(
            EventAttendee(user_id=users[organizer].id, answer="accepted", answered_at=utcnow())
        )
        for login in invited:
            answer = answers.get(login, "needs_action")
            event.attendees.append(
                EventAttendee(
                    user_id=users[login].id,
                    answer=answer,
                    answered_at=utcnow() if answer != "needs_action" else None,
                )
            )
        for name, email in extra.get("guests", []):
            event.attendees.append(EventAttendee(guest_name=name, guest_email=email))
        for name in room_names:
            event.bookings.append(EventRoom(room_id=rooms[name].id))
        db.add(event)
        db.flush()
        if room_names:
            keep_booked(db, event)  # the database refuses anyone else these rooms then
        schedule_reminder(db, event)
