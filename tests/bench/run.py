"""`make bench`: generate data at a named scale into its own database, then time key pages
through the whole WSGI stack (router, transactions, security, templates).

Prints one line per measurement:
    bench <name> n=<requests> p50=<ms> p95=<ms> queries=<statements per request> budget=<ms> ok|over
"""
from __future__ import annotations

import argparse
import importlib
import os
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
from tests.load.run import stored_heads, up_to_date

ROOT = Path(__file__).resolve().parents[2]
# Each area: a module with `generate(engine, scale)` (after people, which comes first) and
# `pages()` -> [(name, path, budget ms)], and optionally `measure(client, scale)` for other timings.
AREAS = ["tests.bench.people", "tests.bench.calendar", "tests.bench.kb", "tests.bench.clients",
         "tests.bench.tasks", "tests.bench.tickets", "tests.bench.dispatch", "tests.bench.sales"]
SCALE_NAMES = ("small", "large")


class AdminApp(webtest.TestApp):
    """The administrator's browser. Should its session be lost (a redirect to the login page),
    it logs in again and says so on a `bench note` line, so that the run goes on."""

    def log_in(self) -> None:
        login = self.get("/login")
        self.post("/login", {"login": "admin", "password": "bench-pass-1",
                             "csrf_token": login.html.find("input", {"name": "csrf_token"})["value"]},
                  status=303)

    def do_request(self, req, status=None, expect_errors=None):
        res = super().do_request(req, status=status if status != 200 else None,
                                 expect_errors=expect_errors)
        if res.status_int in (302, 303) and "/login" in res.headers.get("Location", "") \
                and not req.path.startswith("/login"):
            print(f"bench note: session lost before {req.path}; logged in again", flush=True)
            self.log_in()
            res = super().do_request(req, status=None, expect_errors=expect_errors)
        if status == 200 and res.status_int != 200:
            raise webtest.AppError(f"Bad response: {res.status} (not 200) for {req.path_qs}")
        return res


def timed(app: webtest.TestApp, path: str, n: int) -> list[float]:
    app.get(path)  # warm-up
    out = []
    for _ in range(n):
        start = time.perf_counter()
        app.get(path, status=200)
        out.append((time.perf_counter() - start) * 1000)
    return out


# SQL statements sent by the application since the last line was printed (an engine event).
STATEMENTS = {"sent": 0, "reported": 0}


def count_statements(conn, cursor, statement, parameters, context, executemany) -> None:
    STATEMENTS["sent"] += 1


def report(name: str, samples: list[float], budget: float) -> bool:
    """One line; `queries=` is the statements per timed request (the warm-up one included in
    the count, which every timing here makes first)."""
    samples = sorted(samples)
    p50 = statistics.median(samples)
    p95 = samples[max(0, round(len(samples) * 0.95) - 1)]
    ok = p95 <= budget
    sent = STATEMENTS["sent"] - STATEMENTS["reported"]
    STATEMENTS["reported"] = STATEMENTS["sent"]
    queries = sent / (len(samples) + 1)
    print(f"bench {name} n={len(samples)} p50={p50:.1f} p95={p95:.1f} queries={queries:.1f} "
          f"budget={budget:.0f} {'ok' if ok else 'over'}", flush=True)
    return ok


def _current(path: Path) -> bool:
    """Whether the data file was made with today's migrations (else it is made again)."""
    current = up_to_date(stored_heads(path))
    if not current and path.exists():
        print(f"bench {path.name} is older than the code's migrations: made again", flush=True)
    return current


def main_bench(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="small", choices=SCALE_NAMES)
    parser.add_argument("-n", type=int, default=200, help="requests per page")
    parser.add_argument("--fresh", action="store_true", help="regenerate the data")
    parser.add_argument("--db", help="the data file (default var/bench-<scale>.sqlite)")
    parser.add_argument("--areas", help="only these areas, comma-separated (people is always "
                        "in), e.g. --areas sales; their own data file "
                        "(var/bench-<scale>-<areas>.sqlite)")
    args = parser.parse_args(argv)
    names = AREAS
    tag = ""
    if args.areas:
        chosen = {f"tests.bench.{name.strip()}" for name in args.areas.split(",") if name.strip()}
        unknown = chosen - set(AREAS)
        if unknown:
            parser.error(f"unknown areas: {', '.join(sorted(unknown))}")
        names = [name for name in AREAS if name in chosen or name == AREAS[0]]
        tag = "-" + "-".join(name.rsplit(".", 1)[-1] for name in names)
    areas = [importlib.import_module(name) for name in names]
    path = Path(args.db) if args.db else ROOT / "var" / f"bench-{args.scale}{tag}.sqlite"
    path.parent.mkdir(exist_ok=True)
    if args.fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    # Configured first: the areas register their search kinds and row rules as the application
    # is configured, and generating data indexes it.
    app = main({}, **{"sqlalchemy.url": f"sqlite:///{path}", "session.secret": "bench",
                      "pyramid.default_locale_name": "en"})
    if args.fresh or not path.exists() or not _current(path):
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        start = time.perf_counter()
        from tests.conftest import migrate

        engine = models.get_engine({"sqlalchemy.url": f"sqlite:///{path}"})
        migrate(engine)
        for area in areas:
            began = time.perf_counter()
            area.generate(engine, args.scale)
            print(f"bench generate-{area.__name__.rsplit('.', 1)[-1]} "
                  f"seconds={time.perf_counter() - began:.1f}", flush=True)
        engine.dispose()
        # Whatever the application's engine opened before the file was made again is let go.
        app.registry["dbengine"].dispose()
        print(f"bench generate-{args.scale} seconds={time.perf_counter() - start:.1f}", flush=True)
    client = AdminApp(app, extra_environ={"HTTP_HOST": "127.0.0.1:6543"})
    client.log_in()
    sa.event.listen(app.registry["dbengine"], "before_cursor_execute", count_statements)
    STATEMENTS["reported"] = STATEMENTS["sent"]
    ok = True
    for area in areas:
        for name, url, budget in area.pages():
            try:
                ok &= report(name, timed(client, url, args.n), budget)
            except webtest.AppError as error:
                # One broken page is reported and the others are still timed.
                print(f"bench {name} error {str(error).splitlines()[0][:200]}", flush=True)
                ok = False
        if hasattr(area, "measure"):
            ok &= area.measure(client, args.scale, report)
    return 0 if ok or os.environ.get("BENCH_NO_FAIL") else 1


if __name__ == "__main__":
    sys.exit(main_bench())
