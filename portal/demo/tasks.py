"""Demo tasks of «Прогресс»: work sent across departments, queues, overdue and done tasks for
the discipline report, checklists, comments with mentions, recurring series, every-day items."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from models.meta import utcnow
from models.tasks import (
    Task,
    TaskChecklistItem,
    TaskComment,
    TaskRecurrence,
    TaskWatcher,
    schedule_notices,
)
from portal.core.i18n import _
from portal.notifications.messages import When
from portal.notifications.sending import tell
from portal.tasks.recurring import following

ZONE = ZoneInfo("Europe/Moscow")

# author, assignee login or "@department", title, due (days from today, hour or None),
# priority, state, details
OPEN_WORK = [
    (
        "tarasova",
        "@accounting",
        "Подготовить пакет документов для аудитора",
        (1, 12),
        2,
        "open",
        "Аудитор приезжает в четверг. Нужны акты сверки за 3 квартал, оборотно-сальдовая ведомость "
        "и копии договоров с ключевыми поставщиками.",
    ),
    (
        "popova",
        "@supply",
        "Позвонить поставщику «ТехноСнаб» насчёт сроков поставки",
        (0, 16),
        3,
        "open",
        "Клиент ООО «Ромашка» ждёт серверные стойки к 25-му. Уточнить, успеют ли отгрузить.",
    ),
    (
        "sokolov",
        "@marketing",
        "Сделать презентацию для переговоров с «Вектор-Строй»",
        (2, 10),
        2,
        "open",
        "10–12 слайдов: кейсы внедрения, условия сервиса, цены на расширенную поддержку.",
    ),
    ("director", "kuznetsova", "Согласовать бюджет на обучение персонала", (-2, 18), 2, "in_progress", ""),
    (
        "director",
        "admin",
        "Обновить права доступа после реорганизации отдела продаж",
        (0, 18),
        2,
        "open",
        "Новые менеджеры должны видеть клиентов отдела; уволившимся — закрыть доступ.",
    ),
    (
        "kuznetsova",
        "admin",
        "Настроить резервное копирование базы портала",
        (-1, 12),
        3,
        "in_progress",
        "Ежедневная копия в 02:00, хранить 30 дней, проверить восстановление на тестовом сервере.",
    ),
    ("belova", "admin", "Подключить новый МФУ в переговорной", (0, None), 1, "open", ""),
    ("sokolov", "admin", "Выгрузить отчёт по звонкам за месяц", (3, None), 1, "open", ""),
    (
        "fedorova",
        "@field",
        "Выезд к клиенту: не работает сервер в «Альфа-Логистик»",
        (0, 14),
        3,
        "open",
        "Клиент сообщает о перегреве. Взять запасной блок питания.",
    ),
    ("egorov", "nikitin", "Заменить картриджи в офисе «Бета Групп»", (-3, 17), 1, "open", ""),
    ("vinogradova", "orlova", "Сверить взаиморасчёты с «ТехноСнаб»", (-1, 18), 2, "in_progress", ""),
    ("vinogradova", "bogdanova", "Начислить зарплату за первую половину месяца", (1, 15), 3, "open", ""),
    ("petrova", "vasiliev", "Подготовить рассылку о новой линейке сервисов", (4, None), 1, "open", ""),
    ("director", "@management", "Подготовить повестку совета директоров", (5, 12), 2, "open", ""),
    ("lebedev", "@accounting", "Выставить счёт ООО «Ромашка» по договору 45/2024", (0, 17), 2, "open", ""),
    (
        "morozov",
        "@supply",
        "Запросить коммерческое предложение на ноутбуки (15 шт.)",
        (6, None),
        1,
        "open",
        "",
    ),
    ("semenova", "golubev", "Оформить возврат бракованных мониторов", (-4, 16), 2, "open", ""),
    ("novikova", "@secretariat", "Забронировать гостиницу для делегации из Казани", (2, 12), 1, "open", ""),
    ("mikhailov", "alekseeva", "Обновить статью базы знаний про VPN", (7, None), 0, "open", ""),
    ("admin", "belova", "Заказать пропуска для новых сотрудников", (1, 12), 1, "open", ""),
    (
        "kiselev",
        "@secretariat",
        "Отправить оригиналы договоров курьером в «Вектор-Строй»",
        (0, 15),
        1,
        "open",
        "",
    ),
]

DAILY_ITEMS = [
    ("admin", "Проверить журнал резервного копирования"),
    ("admin", "Разобрать заявки на доступ"),
    ("popova", "Обзвонить клиентов с открытыми счетами"),
    ("bogdanova", "Проверить поступления на расчётный счёт"),
]

CHECKLISTS = {
    "Подготовить пакет документов для аудитора": [
        ("Акты сверки за 3 квартал", True),
        ("Оборотно-сальдовая ведомость", True),
        ("Копии договоров с поставщиками", False),
        ("Приказ об учётной политике", False),
    ],
    "Настроить резервное копирование базы портала": [
        ("Скрипт выгрузки базы", True),
        ("Расписание в systemd", True),
        ("Копирование на второй сервер", False),
        ("Проверка восстановления", False),
    ],
    "Сделать презентацию для переговоров с «Вектор-Строй»": [
        ("Собрать кейсы", True),
        ("Слайды с ценами", False),
        ("Согласовать с Соколовым", False),
    ],
}

COMMENTS = {
    "Подготовить пакет документов для аудитора": [
        ("vinogradova", "Приняли в работу. @orlova, возьмёшь акты сверки?"),
        ("orlova", "Да, акты будут готовы к среде."),
    ],
    "Настроить резервное копирование базы портала": [
        ("kuznetsova", "Алексей Викторович, это срочно: на прошлой неделе был сбой диска."),
        ("admin", "Скрипт готов, осталось проверить восстановление. @director, сервер для проверки выделим?"),
    ],
    "Позвонить поставщику «ТехноСнаб» насчёт сроков поставки": [
        ("popova", "Клиент звонил ещё раз утром, очень ждёт ответа."),
    ],
}

# Tasks done in the last two months, for the discipline report: (assignee, author, n).
HISTORY = [
    ("popova", "sokolov", 9),
    ("lebedev", "sokolov", 8),
    ("novikova", "sokolov", 7),
    ("morozov", "sokolov", 6),
    ("orlova", "vinogradova", 8),
    ("bogdanova", "vinogradova", 9),
    ("golubev", "semenova", 7),
    ("nikitin", "egorov", 10),
    ("zakharov", "egorov", 9),
    ("vasiliev", "petrova", 6),
    ("alekseeva", "fedorova", 7),
    ("mikhailov", "fedorova", 8),
    ("belova", "director", 5),
    ("tarasova", "director", 6),
    ("admin", "director", 5),
]
HISTORY_TITLES = [
    "Подготовить коммерческое предложение",
    "Согласовать договор с юристом",
    "Закрыть акты за месяц",
    "Провести инвентаризацию склада",
    "Обновить прайс-лист",
    "Ответить на претензию клиента",
    "Выезд на плановое обслуживание",
    "Подготовить отчёт для руководства",
    "Проверить счета поставщика",
    "Организовать встречу с партнёрами",
    "Заказать канцелярию",
    "Обновить инструкцию для клиентов",
]


def _local(day: dt.date, hour: int | None) -> tuple[dt.datetime, bool]:
    if hour is None:
        return dt.datetime.combine(day, dt.time(23, 59), ZONE).astimezone(dt.UTC), False
    return dt.datetime.combine(day, dt.time(hour, 0), ZONE).astimezone(dt.UTC), True


def make_demo(context) -> None:
    db = context.dbsession
    users, depts, rnd, today = context.users, context.departments, context.rnd, context.today
    now = utcnow()
    made: dict[str, Task] = {}

    def department_of(user):
        return user.memberships[0].department if user.memberships else None

    def task(author, target, title, due, priority=1, state="open", description="", created_days=3, **extra):
        if target.startswith("@"):
            assignee, dept = None, depts[target[1:]]
        else:
            assignee = users[target]
            dept = department_of(assignee)
        due_at, has_time = (None, False)
        due_on = None
        if due is not None:
            day = today + dt.timedelta(days=due[0])
            due_at, has_time = _local(day, due[1])
            due_on = day
        t = Task(
            author_id=users[author].id,
            assignee_id=assignee.id if assignee else None,
            department_id=dept.id if dept else None,
            description=description,
            priority=priority,
            state="open",
            due_at=due_at,
            due_has_time=has_time,
            due_on=due_on,
            created_at=now - dt.timedelta(days=created_days, hours=rnd.randint(1, 8)),
            **extra,
        )
        t.updated_at = t.created_at
        t.set_title(title)
        schedule_notices(t, now)
        if state != "open":
            t.state = state
        db.add(t)
        made[title] = t
        return t

    for author, target, title, due, priority, state, description in OPEN_WORK:
        t = task(author, target, title, due, priority, state, description)
        if due and due[0] < 0:
            t.notice_stage = 2  # the demo's overdue tasks have been reported already
    for login, title in DAILY_ITEMS:
        task(login, login, title, None, 1, daily=True, created_days=10)
    db.flush()

    for title, items in CHECKLISTS.items():
        for position, (text, done) in enumerate(items):
            made[title].checklist.append(
                TaskChecklistItem(
                    text=text,
                    done=done,
                    position=position,
                    done_at=now - dt.timedelta(hours=5) if done else None,
                )
            )
    for title, comments in COMMENTS.items():
        t = made[title]
        for i, (login, body) in enumerate(comments):
            db.add(
                TaskComment(
                    task=t,
                    author_id=users[login].id,
                    kind="comment",
                    body=body,
                    created_at=t.created_at + dt.timedelta(hours=2 + 3 * i),
                )
            )
            # As add_comment does, a mention makes a watcher only of someone who may see the
            # task already (watching grants nothing): Orlova sees the audit task in her
            # department's queue, the director sees every task.
            for mention in ("orlova", "director"):
                if f"@{mention}" in body and users[mention].id not in t.participant_ids():
                    t.watchers.append(TaskWatcher(user_id=users[mention].id))
    made["Сделать презентацию для переговоров с «Вектор-Строй»"].watchers.append(
        TaskWatcher(user_id=users["director"].id)
    )
    for t in made.values():
        db.add(
            TaskComment(
                task=t,
                author_id=t.author_id,
                kind="change",
                body=json.dumps({"event": "created"}),
                created_at=t.created_at,
            )
        )
    # Someone in supply already took the vendor call and is on it.
    vendor_call = made["Позвонить поставщику «ТехноСнаб» насчёт сроков поставки"]
    vendor_call.assignee_id = users["golubev"].id
    db.add(
        TaskComment(
            task=vendor_call,
            author_id=users["golubev"].id,
            kind="change",
            body=json.dumps({"event": "taken"}),
            created_at=now - dt.timedelta(hours=20),
        )
    )

    # Two months of finished work: mostly on time, some late, a few still overdue.
    for login, author, count in HISTORY:
        for _i in range(count):
            due_day = today - dt.timedelta(days=rnd.randint(1, 60))
            due_at, has_time = _local(due_day, rnd.choice((10, 12, 15, 18, None)))
            t = Task(
                author_id=users[author].id,
                assignee_id=users[login].id,
                department_id=department_of(users[login]).id,
                priority=rnd.choice((1, 1, 1, 2, 0, 3)),
                state="open",
                due_at=due_at,
                due_has_time=has_time,
                due_on=due_day,
                description="",
                created_at=due_at - dt.timedelta(days=rnd.randint(2, 10)),
            )
            t.set_title(rnd.choice(HISTORY_TITLES))
            roll = rnd.random()
            if roll < 0.07:
                t.notice_stage = 2  # still overdue
            else:
                t.state = "done"
                late = roll > 0.8
                t.done_at = due_at + (
                    dt.timedelta(hours=rnd.randint(3, 72))
                    if late
                    else -dt.timedelta(hours=rnd.randint(1, 48))
                )
            t.updated_at = t.done_at or t.created_at
            db.add(t)

    # Recurring series: every Monday's sales summary, the daily cash check.
    monday = today - dt.timedelta(days=today.weekday())
    db.add(
        TaskRecurrence(
            title="Еженедельная сводка продаж для директора",
            author_id=users["director"].id,
            assignee_id=users["sokolov"].id,
            department_id=depts["sales"].id,
            frequency="weekly",
            interval=1,
            weekdays=1,
            due_time=dt.time(11, 0),
            timezone="Europe/Moscow",
            starts_on=monday - dt.timedelta(days=21),
            next_on=monday + dt.timedelta(days=7),
            priority=2,
        )
    )
    db.add(
        TaskRecurrence(
            title="Сверка кассы",
            author_id=users["vinogradova"].id,
            assignee_id=users["bogdanova"].id,
            department_id=depts["accounting"].id,
            frequency="daily",
            interval=1,
            due_time=dt.time(17, 30),
            timezone="Europe/Moscow",
            starts_on=today - dt.timedelta(days=30),
            next_on=today + dt.timedelta(days=1),
        )
    )
    db.add(
        TaskRecurrence(
            title="Отчёт по дебиторской задолженности",
            author_id=users["vinogradova"].id,
            assignee_id=users["orlova"].id,
            department_id=depts["accounting"].id,
            frequency="monthly",
            interval=1,
            month_day=5,
            timezone="Europe/Moscow",
            starts_on=today.replace(day=1),
            active=True,
        )
    )
    db.flush()
    for rec in db.scalars(sa.select(TaskRecurrence).where(TaskRecurrence.next_on.is_(None))):
        rec.next_on = following(rec, today - dt.timedelta(days=1))
    # The series have been running: their past days are done, today's is waiting.
    for rec in db.scalars(sa.select(TaskRecurrence).where(TaskRecurrence.frequency != "monthly")):
        day = following(rec, today - dt.timedelta(days=22))
        while day is not None and day <= today:
            due_at, has_time = _local(day, rec.due_time.hour if rec.due_time else None)
            if rec.due_time:
                due_at = dt.datetime.combine(day, rec.due_time, ZONE).astimezone(dt.UTC)
            occurrence = Task(
                author_id=rec.author_id, assignee_id=rec.assignee_id, department_id=rec.department_id,
                priority=rec.priority, state="open", due_at=due_at, due_has_time=has_time, due_on=day,
                description="", recurrence_id=rec.id, occurrence_on=day,
                created_at=dt.datetime.combine(day, dt.time(7), ZONE).astimezone(dt.UTC))
            occurrence.set_title(rec.title)
            if day < today:
                occurrence.state = "done"
                occurrence.done_at = due_at - dt.timedelta(minutes=rnd.randint(-90, 240))
                occurrence.notice_stage = 2
            else:
                schedule_notices(occurrence, now)
            occurrence.updated_at = occurrence.done_at or occurrence.created_at
            db.add(occurrence)
            day = following(rec, day)
        rec.next_on = following(rec, today)
    # A few fresh notices in the admin's inbox, as the portal would have sent them (read in the
    # admin's language, whichever it is).
    fresh = made["Обновить права доступа после реорганизации отдела продаж"]
    tell(db, None, [users["admin"].id], "task_assigned",
         _("New task for you: ${title}", mapping={"title": fresh.title}),
         _("Due ${when}", mapping={"when": When(_local(today, 18)[0])}),
         f"/tasks/{fresh.id}")
    backup = made["Настроить резервное копирование базы портала"]
    tell(db, None, [users["admin"].id], "task_changed",
         _("New comment on ${title}", mapping={"title": backup.title}),
         "Кузнецова Ольга Петровна: Алексей Викторович, это срочно: на прошлой неделе был сбой диска.",
         f"/tasks/{backup.id}")
    db.flush()
