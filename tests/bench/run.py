"""`make bench`: generate data at a named scale into its own database, then time key pages
through the whole WSGI stack (router, transactions, security, templates).

Prints one line per measurement:
    bench <name> n=<requests> p50=<ms> p95=<ms> budget=<ms> ok|over
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", message="pkg_resources is deprecated")

import sqlalchemy as sa
import webtest

import models
from portal import main

ROOT = Path(__file__).resolve().parents[2]
SCALES = {
    # issue 2: 2,000 users and 100 departments
    "small": {"users": 2000, "departments": 100},
    "large": {"users": 2000, "departments": 100},
}
PASSWORD = "bench-pass-1"


def generate(url: str, scale: dict) -> None:
    """Departments in a tree, people with memberships and roles, inserted in batches."""
    from faker import Faker

    from models.people import Department, Membership, User, digits, fold
    from models.roles import Role, RoleGrant
    from portal.auth import hash_password
    from portal.setup_data import grant_auto_roles, seed_roles
    from tests.conftest import migrate

    engine = models.get_engine({"sqlalchemy.url": url})
    migrate(engine)
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
    engine.dispose()


def timed(app: webtest.TestApp, path: str, n: int) -> list[float]:
    app.get(path)  # warm-up
    out = []
    for _ in range(n):
        start = time.perf_counter()
        app.get(path, status=200)
        out.append((time.perf_counter() - start) * 1000)
    return out


def report(name: str, samples: list[float], budget: float) -> bool:
    samples = sorted(samples)
    p50 = statistics.median(samples)
    p95 = samples[max(0, round(len(samples) * 0.95) - 1)]
    ok = p95 <= budget
    print(f"bench {name} n={len(samples)} p50={p50:.1f} p95={p95:.1f} budget={budget:.0f} "
          f"{'ok' if ok else 'over'}", flush=True)
    return ok


def main_bench(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="small", choices=sorted(SCALES))
    parser.add_argument("-n", type=int, default=200, help="requests per page")
    parser.add_argument("--fresh", action="store_true", help="regenerate the data")
    args = parser.parse_args(argv)
    path = ROOT / "var" / f"bench-{args.scale}.sqlite"
    path.parent.mkdir(exist_ok=True)
    if args.fresh or not path.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        start = time.perf_counter()
        generate(f"sqlite:///{path}", SCALES[args.scale])
        print(f"bench generate-{args.scale} seconds={time.perf_counter() - start:.1f}", flush=True)
    app = main({}, **{"sqlalchemy.url": f"sqlite:///{path}", "session.secret": "bench",
                      "pyramid.default_locale_name": "en"})
    client = webtest.TestApp(app, extra_environ={"HTTP_HOST": "127.0.0.1:6543"})
    login = client.get("/login")
    client.post("/login", {"login": "admin", "password": PASSWORD,
                           "csrf_token": login.html.find("input", {"name": "csrf_token"})["value"]},
                status=303)
    pages = [
        ("home", "/", 50),
        ("people", "/people", 50),
        ("people_search", "/people?q=%D0%B8%D0%B2%D0%B0%D0%BD", 50),
        ("person", "/people/user17", 50),
        ("admin_users", "/admin/users", 50),
        ("admin_users_search", "/admin/users?q=user1", 50),
    ]
    ok = True
    for name, url, budget in pages:
        ok &= report(name, timed(client, url, args.n), budget)
    return 0 if ok or os.environ.get("BENCH_NO_FAIL") else 1


if __name__ == "__main__":
    sys.exit(main_bench())
