"""The pages people open all day (issue 11's targets), timed through the whole WSGI stack on an
existing bench database, without generating anything: My day, the client card and the client
list, as the administrator and as the busy sales manager.

    .venv/bin/python -m tests.bench.hot [--scale large] [--db FILE] [--migrate] [-n 200]
        [--profile NAME] [--only NAME]

Prints `bench <name> n= p50= p95= queries= cpu=` lines like `make bench` (`cpu=`: the median
CPU time of the request's thread, steadier than wall time on a busy machine); `--profile NAME`
prints a cProfile of that page's requests (sorted by cumulative and by own time) instead of
timing. A data file older than the code's migrations is refused unless `--migrate` (which
upgrades it in place: give a copy with `--db` to keep the original).
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", message="pkg_resources is deprecated")

import sqlalchemy as sa

import models
from portal import main
from tests.bench.clients import BUSY, PASSWORD, _ids
from tests.bench.run import AdminApp
from tests.load.run import stored_heads, up_to_date

ROOT = Path(__file__).resolve().parents[2]
TARGET_P50, TARGET_P95 = 12.0, 25.0


class Client(AdminApp):
    login_name = "admin"

    def log_in(self) -> None:
        login = self.get("/login")
        self.post("/login", {"login": self.login_name, "password": PASSWORD,
                             "csrf_token": login.html.find("input", {"name": "csrf_token"})["value"]},
                  status=303)


def upgrade(path: Path) -> None:
    """Migrate the SQLite file at `path` to every head (and the default roles)."""
    from tests.conftest import migrate  # here: pytest's module, as tests/bench/run.py does

    engine = models.get_engine({"sqlalchemy.url": f"sqlite:///{path}"})
    try:
        migrate(engine)
    finally:
        engine.dispose()


def pages(org_id: int) -> list[tuple[str, str, str]]:
    """(name, who, path)."""
    return [("home", "admin", "/"), ("clients_card", "admin", "/clients/1"),
            ("clients_list", "admin", "/clients/"), ("my_day_sales", BUSY, "/"),
            ("clients_card_sales", BUSY, f"/clients/{org_id}"),
            ("clients_list_sales", BUSY, "/clients/")]


def main_hot(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="large")
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--profile")
    parser.add_argument("--only", action="append")
    parser.add_argument("--db", help="the data file (default var/bench-<scale>.sqlite)")
    parser.add_argument("--migrate", action="store_true",
                        help="upgrade the data file to the code's migrations when it is older")
    args = parser.parse_args(argv)
    path = Path(args.db) if args.db else ROOT / "var" / f"bench-{args.scale}.sqlite"
    if not path.exists():
        print(f"bench hot: {path} missing (run `make bench SCALE={args.scale}` first)")
        return 2
    if not up_to_date(stored_heads(path)):
        if not args.migrate:
            print(f"bench hot: {path} is older than the code's migrations: --migrate upgrades "
                  "it (new columns and tables, the data kept; best on a copy, --db)")
            return 2
        upgrade(path)
    app = main({}, **{"sqlalchemy.url": f"sqlite:///{path}", "session.secret": "bench",
                      "pyramid.default_locale_name": "en"})
    engine = app.registry["dbengine"]
    with engine.connect() as conn:
        org_id = _ids(conn)["org"]
    clients = {}
    for who in ("admin", BUSY):
        client = Client(app, extra_environ={"HTTP_HOST": "127.0.0.1:6543"})
        client.login_name = who
        client.log_in()
        clients[who] = client
    sent = [0]
    sa.event.listen(engine, "before_cursor_execute", lambda *a: sent.__setitem__(0, sent[0] + 1))
    ok = True
    for name, who, url in pages(org_id):
        if args.only and name not in args.only:
            continue
        if args.profile and name != args.profile:
            continue
        client = clients[who]
        for _ in range(5):
            client.get(url, status=200)  # warm-up
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.n):
                client.get(url, status=200)
            profiler.disable()
            stats = pstats.Stats(profiler)
            stats.sort_stats("cumulative").print_stats(60)
            stats.sort_stats("tottime").print_stats(40)
            continue
        before = sent[0]
        samples, cpu = [], []
        for _ in range(args.n):
            start, start_cpu = time.perf_counter(), time.thread_time()
            client.get(url, status=200)
            samples.append((time.perf_counter() - start) * 1000)
            cpu.append((time.thread_time() - start_cpu) * 1000)
        samples.sort()
        p50 = statistics.median(samples)
        p95 = samples[max(0, round(len(samples) * 0.95) - 1)]
        good = p50 <= TARGET_P50 and p95 <= TARGET_P95
        ok &= good
        print(f"bench {name} n={len(samples)} p50={p50:.1f} p95={p95:.1f} "
              f"queries={(sent[0] - before) / len(samples):.1f} cpu={statistics.median(cpu):.1f} "
              f"target={TARGET_P50:.0f}/{TARGET_P95:.0f} {'ok' if good else 'over'}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main_hot())
