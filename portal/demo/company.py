"""The demo company «Прогресс»: departments, about 25 people, their roles (`portal demo`)."""
from __future__ import annotations

import datetime as dt
import importlib
import random
from dataclasses import dataclass

import sqlalchemy as sa

from models.errors import UserError
from models.meta import Base
from models.people import Department, User
from models.roles import LocalRoleGrant, Role
from portal.core.i18n import _, zone_named
from portal.people.rules import create_user, set_departments
from portal.security.default_roles import grant_auto_roles, seed_roles

DEMO_PASSWORD = "demo1234"

# key: (name, parent key)
DEPARTMENTS = {
    "management": ("Руководство", None),
    "sales": ("Отдел продаж", "management"),
    "marketing": ("Отдел маркетинга", "management"),
    "support": ("Служба поддержки", "management"),
    "field": ("Выездной сервис", "support"),
    "supply": ("Отдел снабжения", "management"),
    "accounting": ("Бухгалтерия", "management"),
    "secretariat": ("Секретариат", "management"),
}

# login, full name, position, department, roles, phone, birthday offset from today (days) or date
PEOPLE = [
    ("admin", "Смирнов Алексей Викторович", "Системный администратор", "management", ["admin"], "+7 495 100-00-01", "1985-03-14"),
    ("director", "Волков Андрей Николаевич", "Генеральный директор", "management", ["director"], "+7 495 100-00-02", "1971-09-02"),
    ("kuznetsova", "Кузнецова Ольга Петровна", "Заместитель директора", "management", ["director"], "+7 495 100-00-03", 3),
    ("sokolov", "Соколов Дмитрий Игоревич", "Начальник отдела продаж", "sales", ["dept_head", "sales"], "+7 495 100-01-01", "1980-05-21"),
    ("popova", "Попова Анна Сергеевна", "Менеджер по продажам", "sales", ["sales"], "+7 916 201-11-11", "1990-12-05"),
    ("lebedev", "Лебедев Игорь Александрович", "Менеджер по продажам", "sales", ["sales"], "+7 916 201-11-12", 1),
    ("novikova", "Новикова Екатерина Андреевна", "Менеджер по работе с ключевыми клиентами", "sales", ["sales"], "+7 916 201-11-13", "1992-07-30"),
    ("morozov", "Морозов Павел Олегович", "Менеджер по продажам", "sales", ["sales"], "+7 916 201-11-14", "1988-02-11"),
    ("petrova", "Петрова Мария Владимировна", "Руководитель отдела маркетинга", "marketing", ["dept_head", "marketing"], "+7 495 100-02-01", "1986-10-17"),
    ("vasiliev", "Васильев Артём Дмитриевич", "Маркетолог", "marketing", ["marketing"], "+7 926 302-22-21", 5),
    ("fedorova", "Фёдорова Юлия Николаевна", "Руководитель службы поддержки", "support", ["dept_head", "support"], "+7 495 100-03-01", "1984-04-08"),
    ("mikhailov", "Михайлов Сергей Павлович", "Специалист поддержки", "support", ["support"], "+7 926 303-33-31", "1995-01-26"),
    ("alekseeva", "Алексеева Дарья Игоревна", "Специалист поддержки", "support", ["support"], "+7 926 303-33-32", "1997-06-19"),
    ("egorov", "Егоров Николай Васильевич", "Диспетчер выездного сервиса", "field", ["dispatcher"], "+7 495 100-04-01", "1979-11-03"),
    ("nikitin", "Никитин Роман Евгеньевич", "Инженер выездного сервиса", "field", ["technician"], "+7 903 404-44-41", "1991-08-14"),
    ("zakharov", "Захаров Максим Андреевич", "Инженер выездного сервиса", "field", ["technician"], "+7 903 404-44-42", "1993-03-29"),
    ("pavlov", "Павлов Виктор Степанович", "Старший инженер", "field", ["technician", "dept_head"], "+7 903 404-44-43", "1976-12-24"),
    ("semenova", "Семёнова Ирина Константиновна", "Начальник отдела снабжения", "supply", ["dept_head", "supply"], "+7 495 100-05-01", "1982-09-09"),
    ("golubev", "Голубев Константин Ильич", "Менеджер по закупкам", "supply", ["supply"], "+7 985 505-55-51", "1989-05-02"),
    ("vinogradova", "Виноградова Татьяна Михайловна", "Главный бухгалтер", "accounting", ["dept_head", "accountant"], "+7 495 100-06-01", "1974-02-15"),
    ("bogdanova", "Богданова Светлана Юрьевна", "Бухгалтер", "accounting", ["accountant"], "+7 985 606-66-61", 0),
    ("orlova", "Орлова Наталья Геннадьевна", "Бухгалтер по расчётам", "accounting", ["accountant"], "+7 985 606-66-62", "1994-10-01"),
    ("belova", "Белова Елена Викторовна", "Офис-менеджер", "secretariat", ["secretary"], "+7 495 100-07-01", "1996-04-22"),
    ("tarasova", "Тарасова Ксения Алексеевна", "Секретарь руководителя", "secretariat", ["secretary"], "+7 495 100-07-02", -1),
    ("kiselev", "Киселёв Александр Борисович", "Курьер", "secretariat", [], "+7 999 707-77-71", "1998-07-07"),
]

HEADS = {"management": "director", "sales": "sokolov", "marketing": "petrova", "support": "fedorova",
         "field": "pavlov", "supply": "semenova", "accounting": "vinogradova", "secretariat": "belova"}

def _birthday(spec, today: dt.date) -> dt.date:
    if isinstance(spec, int):
        # Near today, so "birthdays this week" has something to show in the demo.
        day = today + dt.timedelta(days=spec)
        return day.replace(year=1990)
    return dt.date.fromisoformat(spec)


class DemoPresent(UserError):
    """The demo company is there already: `portal demo` adds it once."""


def make_demo(dbsession) -> list[str]:
    """Create the demo company; returns the logins (admin first). A person created before with a
    demo login (the first admin, by `portal adduser admin`) is kept as they are, password
    included; the demo company is refused when it is there already."""
    seed_roles(dbsession)
    existing = {u.login: u for u in dbsession.scalars(
        sa.select(User).where(User.login.in_([p[0] for p in PEOPLE])))}
    if set(existing) - {"admin"}:
        raise DemoPresent(_("The demo company is already in this database."))
    # The company's today (Moscow): from 21:00 UTC it is already tomorrow there.
    today = dt.datetime.now(zone_named(None)).date()
    depts: dict[str, Department] = {}
    for order, (key, (name, parent)) in enumerate(DEPARTMENTS.items()):
        depts[key] = Department(name=name, parent=depts.get(parent), sort_order=order)
        dbsession.add(depts[key])
    dbsession.flush()
    grant_auto_roles(dbsession)
    users = dict(existing)
    for login, name, position, dept, roles, phone, birthday in PEOPLE:
        if login in existing:
            # The first admin joins the demo's department, keeping their roles and password.
            if not existing[login].memberships:
                set_departments(dbsession, existing[login], [depts[dept]])
            continue
        users[login] = create_user(
            dbsession, login=login, full_name=name, password=DEMO_PASSWORD, roles=roles,
            departments=[depts[dept]], email=f"{login}@progress.example", phone=phone,
            position=position, birthday=_birthday(birthday, today), locale="",
        )
    for key, login in HEADS.items():
        depts[key].head = users[login]
    # The chief accountant also reviews what the secretariat does (a local role, as on Sharing).
    dept_head = dbsession.scalar(sa.select(Role).where(Role.name == "dept_head"))
    dbsession.add(LocalRoleGrant(container_type="department", container_id=depts["secretariat"].id,
                                 role=dept_head, user=users["vinogradova"]))
    dbsession.flush()
    context = DemoContext(dbsession, depts, users, random.Random(7), today)
    for step in DEMO_STEPS:
        importlib.import_module(step).make_demo(context)
    move_sequences_past_ids(dbsession)
    return [p[0] for p in PEOPLE]


def move_sequences_past_ids(dbsession) -> None:
    """Rows the demo inserted with their ids given (in bulk) leave PostgreSQL's id sequences
    behind; move each past the largest id so that the next row added gets a free one."""
    if dbsession.bind.dialect.name != "postgresql":
        return
    for table in Base.metadata.sorted_tables:
        if "id" not in table.c or not table.c.id.primary_key or len(table.primary_key.columns) != 1:
            continue
        sequence = dbsession.scalar(sa.text("SELECT pg_get_serial_sequence(:t, 'id')"),
                                    {"t": table.name})
        if sequence:
            dbsession.execute(sa.text(
                f"SELECT setval(:s, COALESCE((SELECT max(id) FROM {table.name}), 0) + 1, false)"),
                {"s": sequence})


@dataclass
class DemoContext:
    """What each area's demo step gets: the session, departments and people by key, a seeded
    random generator and today's date."""

    dbsession: object
    departments: dict
    users: dict
    rnd: random.Random
    today: dt.date


# Modules with a `make_demo(context)` that add an area's demo data, in this order.
DEMO_STEPS: list[str] = ["portal.demo.clients", "portal.demo.calendar", "portal.demo.tasks", "portal.demo.kb",
                         "portal.demo.tickets", "portal.demo.dispatch", "portal.demo.sales"]

