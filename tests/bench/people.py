"""Benchmark data and pages of the foundation: people, departments, administration."""
from __future__ import annotations

import random

import sqlalchemy as sa

import models

PASSWORD = "bench-pass-1"
SCALES = {"small": {"users": 2000, "departments": 100}, "large": {"users": 2000, "departments": 100}}


def generate(engine, scale_name: str) -> None:
    """Departments in a tree, people with memberships and roles, inserted in batches."""
    from faker import Faker

    from models.people import Department, Membership, User, digits, fold
    from models.roles import Role, RoleGrant
    from portal.security.default_roles import grant_auto_roles, seed_roles
    from portal.security.login import hash_password

    scale = SCALES[scale_name]
    fake = Faker("ru_RU")
    fake.seed_instance(2)
    rnd = random.Random(2)
    names = [fake.name() for _ in range(600)]
    positions = [fake.job()[:200] for _ in range(80)]
    password_hash = hash_password(PASSWORD)
    with engine.begin() as conn:
        dept_rows = []
        for i in range(scale["departments"]):
            parent = rnd.randrange(i) + 1 if i >= 8 else (1 if i else None)
            dept_rows.append({"id": i + 1, "name": f"{fake.bs().capitalize()[:150]} {i + 1}",
                              "parent_id": parent, "description": "", "block_local_roles": False,
                              "sort_order": i})
        conn.execute(sa.insert(Department.__table__), dept_rows)
        users, members = [], []
        for i in range(scale["users"]):
            login = "admin" if i == 0 else f"user{i}"
            name = names[i % len(names)]
            phone = (f"+7 9{rnd.randrange(10, 99)} {rnd.randrange(100, 999)}-"
                     f"{rnd.randrange(10, 99)}-{rnd.randrange(10, 99)}")
            email = f"{login}@bench.example"
            birthday = fake.date_of_birth(minimum_age=20, maximum_age=65)
            users.append({"id": i + 1, "login": login, "full_name": name, "email": email, "phone": phone,
                          "position": rnd.choice(positions), "birthday": birthday,
                          "birth_md": birthday.month * 100 + birthday.day, "locale": "en",
                          "timezone": "Europe/Moscow", "state": "active", "password_hash": password_hash,
                          "search_text": " ".join([fold(name), login, email, digits(phone)]),
                          "created_at": models.meta.utcnow()})
            members.append({"user_id": i + 1, "department_id": rnd.randrange(scale["departments"]) + 1})
        conn.execute(sa.insert(User.__table__), users)
        conn.execute(sa.insert(Membership.__table__), members)
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        seed_roles(session)
        grant_auto_roles(session)
        admin_role = session.scalar(sa.select(Role).where(Role.name == "admin"))
        session.add(RoleGrant(role_id=admin_role.id, user_id=1))
        session.commit()



def pages() -> list[tuple[str, str, float]]:
    """(name, path, p95 budget in ms) measured as the bench admin."""
    return [
        ("home", "/", 50),
        ("people", "/people", 50),
        ("people_search", "/people?q=%D0%B8%D0%B2%D0%B0%D0%BD", 50),
        ("person", "/people/user17", 50),
        ("admin_users", "/admin/users", 50),
        ("admin_users_search", "/admin/users?q=user1", 50),
    ]
