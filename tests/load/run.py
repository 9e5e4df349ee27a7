"""`make load`: serve the portal on loopback and put a bounded mixed load on it with locust.

Backends, one after the other (LOAD_BACKENDS, comma-separated; default both when PostgreSQL is
installed, else sqlite):

- ``sqlite``: one `portal serve` process (waitress, LOAD_THREADS threads, default 1, the
  ticker on, as `make serve` runs it) on a copy of the demo data (`portal initdb` +
  `portal demo`, made once into
  var/load/demo.sqlite and again when the migrations change), or on a copy of a `make bench`
  data file when LOAD_DATA names one (``bench`` is var/bench-$SCALE.sqlite; log in then with
  LOAD_LOGINS=admin LOAD_PASSWORD=bench-pass-1).
- ``postgresql-2proc``: a throwaway PostgreSQL server (tests/pgserver.py) with the demo data,
  and two `portal serve` processes on two ports (the ticker in the first only); the simulated
  users are shared out between them in turn.

Each server gets its own ini file under var/load/ (development.ini with its own database, port
and files folder; templates not reloaded, as in production). The load (tests/load/locustfile.py):
LOAD_USERS simulated users (default 20, all started at once), each logging in as a demo person
and then working without pause, 80 % reads and 20 % writes, for LOAD_SECONDS (default 60); the
figures count from the moment every user has logged in (log-in is not part of the mix).
Locust's log and CSV figures go to var/load/<backend>-*; the servers' logs to
var/load/<backend>-serve*.log.

Prints, per backend, exactly one line (response times in milliseconds, errors = failed
requests: a status other than 2xx, or a write not answered with a redirect):

    load <backend> <req_per_s> req/s p50=<ms> p95=<ms> errors=<n>

On PostgreSQL, LOAD_CPU=1 also prints the CPU used by the portal processes, PostgreSQL and
locust (`cpu portal=..% postgres=..% locust=..%`, 100 % = one core), and LOAD_PG_STATS=1 runs
the server with pg_stat_statements and writes the statements ranked by total time (execution
and planning) to var/load/postgresql-statements.txt.

Exit status 0 when every backend ran (whatever its errors), 1 otherwise.
"""
from __future__ import annotations

import csv
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.pgserver import ThrowawayPostgres, postgres_available

ROOT = Path(__file__).resolve().parents[2]
VAR = ROOT / "var" / "load"
BIN = Path(sys.executable).parent
PORTAL = str(BIN / "portal")
LOCUST = str(BIN / "locust")
LOCUSTFILE = ROOT / "tests" / "load" / "locustfile.py"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_ini(name: str, url: str, port: int) -> Path:
    """development.ini with this run's database, port and files folder: var/load/<name>.ini."""
    text = (ROOT / "development.ini").read_text(encoding="utf-8")
    changes = {
        "sqlalchemy.url": url.replace("%", "%%"),
        "listen": f"127.0.0.1:{port}",
        "portal.files_dir": str(VAR / "files"),
        "portal.base_url": f"http://127.0.0.1:{port}",
        "pyramid.reload_templates": "false",
        # One request at a time per process (LOAD_THREADS): on two cores, threads of one
        # Python process only queue on its GIL.
        "threads": os.environ.get("LOAD_THREADS", "1"),
        # The application's own loggers at INFO: no debug lines while under load.
    }
    for key, value in changes.items():
        text, count = re.subn(rf"(?m)^{re.escape(key)}\s*=.*$", f"{key} = {value}", text)
        if count != 1:
            raise RuntimeError(f"development.ini: expected one '{key} =' line, found {count}")
    text = re.sub(r"(?m)^(\[logger_portal\]\nlevel =) DEBUG$", r"\1 INFO", text)
    # Under a load of more people than threads, waitress warns "Task queue depth is N" at each
    # request that waits: a log line per request, written by the thread that reads the sockets.
    text, count = re.subn(r"(?m)^(\[loggers\]\nkeys = .*)$", r"\1, waitress_queue", text)
    if count != 1:
        raise RuntimeError("development.ini: expected one [loggers] section")
    text += ("\n[logger_waitress_queue]\nlevel = ERROR\nhandlers =\n"
             "qualname = waitress.queue\n")
    path = VAR / f"{name}.ini"
    path.parent.mkdir(parents=True, exist_ok=True)  # a fresh clone has no var/load/ yet
    path.write_text(text, encoding="utf-8")
    return path


def portal(*args: str, log: Path) -> None:
    """`portal <args>`, its output appended to `log`; fails loudly."""
    with log.open("a", encoding="utf-8") as out:
        result = subprocess.run([PORTAL, *args], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    if result.returncode:
        raise RuntimeError(f"portal {' '.join(args)} failed ({result.returncode}); see {log}")


def _scripts():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config(str(ROOT / "development.ini"))
    config.set_main_option("script_location", str(ROOT / "models" / "alembic"))
    return ScriptDirectory.from_config(config)


def alembic_heads() -> set[str]:
    return set(_scripts().get_heads())


def up_to_date(stored: set[str]) -> bool:
    """Whether a database at the revisions `stored` (its alembic_version) has every migration.
    The revisions applied are compared, not the heads: a head that another revision depends on
    (`depends_on`) is not written in alembic_version once that revision is applied."""
    scripts = _scripts()
    applied: set[str] = set()
    try:
        for revision in stored:
            applied.update(r.revision for r in scripts.iterate_revisions(revision, "base"))
    except Exception:  # a revision the scripts no longer have: made again
        return False
    return bool(stored) and all(r.revision in applied for r in scripts.walk_revisions())


def stored_heads(path: Path) -> set[str]:
    try:
        with sqlite3.connect(path) as conn:
            return {row[0] for row in conn.execute("SELECT version_num FROM alembic_version")}
    except sqlite3.Error:
        return set()


def remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def demo_template() -> Path:
    """var/load/demo.sqlite: the demo company, made again when the migrations changed."""
    path = VAR / "demo.sqlite"
    if path.exists() and up_to_date(stored_heads(path)):
        return path
    remove_sqlite(path)
    print("load: making the demo data (portal initdb + portal demo) into var/load/demo.sqlite",
          flush=True)
    ini = write_ini("demo", f"sqlite:///{path}", free_port())
    log = VAR / "demo-make.log"
    log.unlink(missing_ok=True)
    portal("initdb", str(ini), log=log)
    portal("demo", str(ini), log=log)
    # One file, no write-ahead log beside it, so that a plain copy is the whole database.
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def sqlite_source() -> Path:
    data = os.environ.get("LOAD_DATA", "demo")
    if data == "demo":
        return demo_template()
    path = ROOT / "var" / f"bench-{os.environ.get('SCALE', 'small')}.sqlite" if data == "bench" \
        else Path(data)
    if not path.exists():
        raise RuntimeError(f"LOAD_DATA: no data file {path} (make it with `make bench`)")
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


class Server:
    """`portal serve <ini>` in the background, its output in a log file."""

    def __init__(self, ini: Path, port: int, log: Path, ticker: bool = True):
        self.port = port
        self.log = log
        args = [PORTAL, "serve", str(ini)] + ([] if ticker else ["--no-ticker"])
        with log.open("w", encoding="utf-8") as out:
            self.process = subprocess.Popen(args, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server ended ({self.process.returncode}); see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.url}/login", timeout=5) as res:
                    if res.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not answer in {timeout:.0f} s; see {self.log}")
            time.sleep(0.3)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def run_locust(name: str, hosts: list[str], users: int, seconds: int) -> str:
    """Runs the load; returns the `load ...` line from locust's aggregated figures."""
    prefix = VAR / name
    for old in VAR.glob(f"{name}_*.csv"):
        old.unlink()
    env = dict(os.environ, LOAD_HOSTS=",".join(hosts))
    log = VAR / f"{name}-locust.log"
    with log.open("w", encoding="utf-8") as out:
        subprocess.run([LOCUST, "-f", str(LOCUSTFILE), "--headless", "--only-summary",
                        # The locustfile stops the run `seconds` after the last log-in;
                        # this is only a bound.
                        "-u", str(users), "-r", str(users), "-t", f"{seconds + 300}s",
                        "--stop-timeout", "30", "--csv", str(prefix), "--exit-code-on-error", "0",
                        "--loglevel", "WARNING"],
                       cwd=VAR, env=env, stdout=out, stderr=subprocess.STDOUT, check=False)
    try:
        with open(f"{prefix}_stats.csv", encoding="utf-8", newline="") as f:
            total = next(row for row in csv.DictReader(f) if row["Name"] == "Aggregated")
    except (OSError, StopIteration) as error:
        raise RuntimeError(f"locust gave no figures ({error}); see {log}") from error
    rps = float(total["Requests/s"])
    p50, p95 = float(total["50%"]), float(total["95%"])
    errors = int(total["Failure Count"])
    return f"load {name} {rps:.1f} req/s p50={p50:.0f} p95={p95:.0f} errors={errors}"


def load_sqlite(users: int, seconds: int) -> str:
    source = sqlite_source()
    data = VAR / "sqlite.sqlite"
    remove_sqlite(data)
    shutil.copyfile(source, data)
    port = free_port()
    ini = write_ini("sqlite", f"sqlite:///{data}", port)
    log = VAR / "sqlite-serve.log"
    portal("initdb", str(ini), log=VAR / "sqlite-initdb.log")
    server = Server(ini, port, log)
    try:
        server.wait_ready()
        return run_locust("sqlite", [server.url], users, seconds)
    finally:
        server.stop()


# LOAD_PG_STATS=1: the throwaway server runs pg_stat_statements; after the run the statements
# ranked by total time go to var/load/postgresql-statements.txt.
PG_STATS = {"shared_preload_libraries": "'pg_stat_statements'",
            "pg_stat_statements.track": "all", "pg_stat_statements.track_planning": "on",
            "track_io_timing": "on"}
TOP_STATEMENTS = """
    SELECT calls, round(total_exec_time::numeric, 1) AS total_ms,
           round(mean_exec_time::numeric, 3) AS mean_ms, round(total_plan_time::numeric, 1)
           AS plan_ms, plans, rows, shared_blks_hit AS hit, shared_blks_read AS read,
           regexp_replace(query, '\\s+', ' ', 'g') AS query
    FROM pg_stat_statements ORDER BY total_exec_time + total_plan_time DESC LIMIT 60"""


def pg_stats_reset(pg: ThrowawayPostgres) -> None:
    with pg._connect(pg.dbname) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        conn.execute("SELECT pg_stat_statements_reset()")
        conn.execute("SELECT pg_stat_reset()")


def pg_stats_write(pg: ThrowawayPostgres, path: Path) -> None:
    with pg._connect(pg.dbname) as conn:
        rows = conn.execute(TOP_STATEMENTS).fetchall()
        total = conn.execute("SELECT sum(calls), sum(total_exec_time), sum(total_plan_time), "
                             "sum(plans), count(*) FROM pg_stat_statements").fetchone()
        db = conn.execute("SELECT sessions, xact_commit, xact_rollback, round(session_time), "
                          "round(active_time) FROM pg_stat_database WHERE datname = %s",
                          (pg.dbname,)).fetchone()
    with path.open("w", encoding="utf-8") as out:
        out.write(f"all: calls={total[0]} exec_ms={total[1]:.0f} plan_ms={total[2]:.0f} "
                  f"plans={total[3]} statements={total[4]}\n")
        out.write(f"database: sessions={db[0]} commits={db[1]} rollbacks={db[2]} "
                  f"session_ms={db[3]} active_ms={db[4]}\n")
        out.write("calls\ttotal_ms\tmean_ms\tplan_ms\tplans\trows\thit\tread\tquery\n")
        for row in rows:
            out.write("\t".join(str(v) for v in row[:-1]) + "\t" + row[-1][:600] + "\n")


def process_stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, CPU ticks used: user and system) of a process, None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), int(fields[11]) + int(fields[12])


class CpuSampler:
    """CPU used by each group of processes (this run's portal servers, its PostgreSQL server
    and locust) over the measured run, from /proc/<pid>/stat (LOAD_CPU=1): printed as a line
    `cpu portal=..% postgres=..% locust=..%` (100 % = one core). Other processes of the machine
    are not counted."""

    def __init__(self, servers: list[Server], postmaster: int, delay: float, window: float):
        """Measures from `delay` seconds on (after the log-ins) for `window` seconds."""
        self.servers = {s.process.pid for s in servers}
        self.postmaster = postmaster
        self.result = ""
        self.thread = threading.Thread(target=self._run, args=(delay, window), daemon=True)
        self.thread.start()

    def snapshot(self) -> dict[int, tuple[str, int]]:
        found = {}
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            pid = int(proc.name)
            stat = process_stat(pid)
            if stat is None:
                continue
            parent, used = stat
            if pid in self.servers:
                found[pid] = ("portal", used)
            elif pid == self.postmaster or parent == self.postmaster:
                found[pid] = ("postgres", used)
            elif parent == os.getpid():
                try:
                    if b"locust" in (proc / "cmdline").read_bytes():
                        found[pid] = ("locust", used)
                except OSError:
                    pass
        return found

    def _run(self, delay: float, window: float) -> None:
        time.sleep(delay)
        t0, before = time.monotonic(), self.snapshot()
        time.sleep(window)
        after, elapsed = self.snapshot(), time.monotonic() - t0
        ticks = os.sysconf("SC_CLK_TCK")
        share: dict[str, float] = {}
        for pid, (group, used) in after.items():
            share[group] = share.get(group, 0) + (used - before.get(pid, (group, 0))[1])
        self.result = "cpu " + " ".join(
            f"{g}={100 * share.get(g, 0) / ticks / elapsed:.0f}%"
            for g in ("portal", "postgres", "locust"))

    def line(self) -> str:
        self.thread.join(timeout=0)
        return self.result or "cpu (the run ended before the sample)"


def postmaster_pid(pg: ThrowawayPostgres) -> int:
    return int(Path(pg.datadir, "postmaster.pid").read_text().split()[0])


def load_postgresql(users: int, seconds: int) -> str:
    stats = os.environ.get("LOAD_PG_STATS") == "1"
    pg = ThrowawayPostgres(dbname="portal_load", settings=PG_STATS if stats else None)
    servers: list[Server] = []
    try:
        url = pg.start()
        ports = [free_port(), free_port()]
        inis = [write_ini(f"postgresql-{n}", url, port) for n, port in enumerate(ports, 1)]
        log = VAR / "postgresql-make.log"
        log.unlink(missing_ok=True)
        print("load: making the demo data in PostgreSQL (portal initdb + portal demo)", flush=True)
        portal("initdb", str(inis[0]), log=log)
        portal("demo", str(inis[0]), log=log)
        for n, (ini, port) in enumerate(zip(inis, ports, strict=True), 1):
            servers.append(Server(ini, port, VAR / f"postgresql-serve{n}.log", ticker=n == 1))
        for server in servers:
            server.wait_ready()
        if stats:
            pg_stats_reset(pg)
        cpu = CpuSampler(servers, postmaster_pid(pg), 15, seconds - 10) \
            if os.environ.get("LOAD_CPU") == "1" else None
        line = run_locust("postgresql-2proc", [s.url for s in servers], users, seconds)
        if cpu is not None:
            print(cpu.line(), flush=True)
        if stats:
            pg_stats_write(pg, VAR / "postgresql-statements.txt")
        return line
    finally:
        for server in servers:
            server.stop()
        pg.stop()


BACKENDS = {"sqlite": load_sqlite, "postgresql": load_postgresql,
            "postgresql-2proc": load_postgresql}


def main() -> int:
    seconds = int(os.environ.get("LOAD_SECONDS", "60"))
    users = int(os.environ.get("LOAD_USERS", "20"))
    default = "sqlite,postgresql" if postgres_available() else "sqlite"
    names = [n.strip() for n in os.environ.get("LOAD_BACKENDS", default).split(",") if n.strip()]
    if not shutil.which(LOCUST):
        print("load: locust is not installed (make load installs the extra 'load')")
        return 1
    VAR.mkdir(parents=True, exist_ok=True)
    ok = True
    for name in names:
        if name not in BACKENDS:
            print(f"load {name} skipped: unknown backend (sqlite, postgresql)", flush=True)
            ok = False
            continue
        if name.startswith("postgresql") and not postgres_available():
            print(f"load {name} skipped: PostgreSQL is not installed", flush=True)
            continue
        print(f"load: {name}, {users} users, {seconds} s", flush=True)
        try:
            print(BACKENDS[name](users, seconds), flush=True)
        except RuntimeError as error:
            print(f"load {name} failed: {error}", flush=True)
            ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
