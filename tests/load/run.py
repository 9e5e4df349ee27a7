"""`make load`: serve the portal on loopback and put a bounded mixed load on it with locust.

Backends, one after the other (LOAD_BACKENDS, comma-separated; default both when PostgreSQL is
installed, else sqlite):

- ``sqlite``: one `portal serve` process (waitress, 8 threads, the ticker on, as `make serve`
  runs it) on a copy of the demo data (`portal initdb` + `portal demo`, made once into
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
        # The application's own loggers at INFO: no debug lines while under load.
    }
    for key, value in changes.items():
        text, count = re.subn(rf"(?m)^{re.escape(key)}\s*=.*$", f"{key} = {value}", text)
        if count != 1:
            raise RuntimeError(f"development.ini: expected one '{key} =' line, found {count}")
    text = re.sub(r"(?m)^(\[logger_portal\]\nlevel =) DEBUG$", r"\1 INFO", text)
    path = VAR / f"{name}.ini"
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


def load_postgresql(users: int, seconds: int) -> str:
    pg = ThrowawayPostgres(dbname="portal_load")
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
        return run_locust("postgresql-2proc", [s.url for s in servers], users, seconds)
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
