"""Our pages against Kotti 2.0.9's, side by side in one run: both served by waitress with one
thread on loopback, both logged in as administrators, requests interleaved (Kotti, ours, Kotti,
ours ...) so that the machine's drift falls on both alike.

Pairs (Kotti's page / ours):
    document   a Document in a folder of 1,000   / the client card /clients/<KOTTI_CARD_ID> (1)
    home-vs-document  the same Document          / My day /
    home       Kotti's front page /               / My day /
    listing    the folder's @@folder_view (all     / the client list /clients/ (one page)
               1,000 children, about 650 KiB)
    folder     the folder's own page /bench/ (its  / the client list /clients/
               default view: no children listed)

Prints a line per pair (medians in milliseconds, ratio = ours / Kotti; each server's CPU time
per request in milliseconds):
    bench kotti-side <page> kotti_p50=<ms> ours_p50=<ms> ratio=<ours/kotti> kotti_cpu= ours_cpu=

"home-vs-document" sets My day beside Kotti's document page (the yardstick the pages people
open all day are held to); "home" beside Kotti's own front page.

Installing Kotti (its own virtualenv, never the project's; `make bench-kotti` does this when
the venv is missing, then runs this script)::

    python3 -m venv var/kotti-venv
    var/kotti-venv/bin/pip install Kotti==2.0.9 "SQLAlchemy<1.5" "SQLAlchemy-Utils<0.42" \\
        "zope.sqlalchemy<2" "alembic<1.14"

Without it the script prints `bench kotti skipped: ...` and exits 0.

Environment:
    KOTTI_VENV       Kotti's virtualenv (default var/kotti-venv)
    KOTTI_OURS_DATA  our data: a SQLite file (copied, never changed; the copy is brought to
                     the code's migrations when it is older), `bench` for
                     var/bench-$SCALE.sqlite (`make bench SCALE=...`; SCALE default small),
                     or `demo` (var/load/demo.sqlite, `portal initdb` + `portal demo`).
                     Default: var/bench-large.sqlite, else var/bench-small.sqlite, else demo.
    KOTTI_N          timed requests per page and side (default 200), after 20 of warm-up.

Kotti's side lives in var/kotti/: its app.ini (Kotti's sample: SQLite Kotti.db, admin password
`qwerty` from kotti.secret) and the database with the folder /bench/ of 1,000 Documents, made
once by a script run in Kotti's venv inside `transaction.manager`. Ours: the ini written by
tests/load/run.py (development.ini with its own database and port, templates not reloaded).
"""
from __future__ import annotations

import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

from tests.bench.hot import upgrade
from tests.load.run import (
    demo_template,
    free_port,
    process_stat,
    remove_sqlite,
    stored_heads,
    up_to_date,
    write_ini,
)

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / "var" / "kotti"
DOCUMENTS = 1000

KOTTI_INI = """\
# Kotti's sample app.ini (github.com/Kotti/Kotti, app.ini), for the side-by-side bench.
[app:main]
use = egg:kotti
kotti.site_title = Yet another Kotti site
kotti.secret = qwerty
sqlalchemy.url = sqlite:///%(here)s/Kotti.db
mail.default_sender = yourname@yourhost
pyramid.default_locale_name = en
pyramid.includes =
  pyramid_tm

[server:main]
use = egg:waitress#main
host = 127.0.0.1
port = 5000
"""

# Run with Kotti's Python: the folder /bench/ with 1,000 Documents, once.
KOTTI_FILL = """\
import sys
import transaction
from pyramid.paster import bootstrap

env = bootstrap(sys.argv[1])
from kotti.resources import Document, get_root

body = "".join(f"<p>Paragraph {n} of a bench document: some words to render, as a page has.</p>"
               for n in range(8))
with transaction.manager:
    root = get_root()
    if "bench" not in root:
        folder = root["bench"] = Document(title="Bench folder", description="1,000 documents")
        for i in range(1, int(sys.argv[2]) + 1):
            folder[f"doc-{i}"] = Document(title=f"Document {i}", description=f"Bench {i}",
                                          body=body)
env["closer"]()
print("kotti folder ready")
"""

# Run with Kotti's Python: serve app.ini with waitress, one thread.
KOTTI_SERVE = """\
import sys
from pyramid.paster import get_app
from waitress import serve

serve(get_app(sys.argv[1], "main"), host="127.0.0.1", port=int(sys.argv[2]), threads=1)
"""

# Run with our Python: serve our ini with waitress, one thread (no ticker).
OURS_SERVE = """\
import sys
import warnings
warnings.filterwarnings("ignore", message="pkg_resources is deprecated")
from pyramid.paster import get_app
from waitress import serve

serve(get_app(sys.argv[1], "main"), host="127.0.0.1", port=int(sys.argv[2]), threads=1)
"""


class Browser:
    """One kept-alive connection to a server, with its cookies."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        res = self.conn.getresponse()
        text = res.read().decode("utf-8", "replace")
        for name, value in res.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        if res.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        return res.status, text

    def get(self, path: str) -> str:
        status, text = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path} on port {self.port}: {status}")
        return text


def start(args: list[str], log: Path, port: int) -> subprocess.Popen:
    out = log.open("w", encoding="utf-8")
    process = subprocess.Popen(args, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{args[0]} ended ({process.returncode}); see {log}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/")
            conn.getresponse().read()
            conn.close()
            return process
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"no answer on port {port}; see {log}") from None
            time.sleep(0.3)


def stop(process: subprocess.Popen | None) -> None:
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def ours_data() -> tuple[Path, str]:
    """(our SQLite data file, the admin's password)."""
    choice = os.environ.get("KOTTI_OURS_DATA", "")
    if not choice:
        for scale in ("large", "small"):
            path = ROOT / "var" / f"bench-{scale}.sqlite"
            if path.exists():
                return path, "bench-pass-1"
        choice = "demo"
    if choice == "demo":
        return demo_template(), "demo1234"
    path = ROOT / "var" / f"bench-{os.environ.get('SCALE', 'small')}.sqlite" \
        if choice == "bench" else Path(choice)
    if not path.exists():
        raise RuntimeError(f"KOTTI_OURS_DATA: no data file {path}")
    return path, "bench-pass-1" if path.name.startswith("bench-") else "demo1234"


def log_in_kotti(browser: Browser) -> None:
    status, _ = browser.request("POST", "/@@login", {"login": "admin", "password": "qwerty",
                                                     "submit": "submit", "came_from": "/"})
    if status != 302 or "@@logout" not in browser.get("/"):
        raise RuntimeError(f"Kotti log-in failed ({status})")


def log_in_ours(browser: Browser, password: str) -> None:
    match = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/login"))
    status, _ = browser.request("POST", "/login", {"login": "admin", "password": password,
                                                   "csrf_token": match.group(1) if match else ""})
    if status != 303:
        raise RuntimeError(f"our log-in failed ({status})")


def timed(browser: Browser, path: str) -> float:
    begin = time.perf_counter()
    browser.get(path)
    return (time.perf_counter() - begin) * 1000


def cpu_seconds(process: subprocess.Popen) -> float:
    """The CPU time (user and system) the server process has used so far."""
    stat = process_stat(process.pid)
    return float("nan") if stat is None else stat[1] / os.sysconf("SC_CLK_TCK")


def compare(name: str, kotti: Browser, kotti_path: str, ours: Browser, ours_path: str,
            n: int, servers: tuple[subprocess.Popen, subprocess.Popen]) -> None:
    """Time the pair interleaved; print the medians, their ratio, and each server's CPU time
    per request (steadier than the wall clock when the machine is busy)."""
    for _ in range(20):
        kotti.get(kotti_path)
        ours.get(ours_path)
    kotti_ms, ours_ms = [], []
    kotti_cpu, ours_cpu = (cpu_seconds(server) for server in servers)
    for _ in range(n):
        kotti_ms.append(timed(kotti, kotti_path))
        ours_ms.append(timed(ours, ours_path))
    kotti_cpu, ours_cpu = ((cpu_seconds(server) - before) / n * 1000
                           for server, before in zip(servers, (kotti_cpu, ours_cpu), strict=True))
    k50, o50 = statistics.median(kotti_ms), statistics.median(ours_ms)
    print(f"bench kotti-side {name} kotti_p50={k50:.1f} ours_p50={o50:.1f} ratio={o50 / k50:.2f} "
          f"kotti_cpu={kotti_cpu:.1f} ours_cpu={ours_cpu:.1f}", flush=True)


def main() -> int:
    venv = Path(os.environ.get("KOTTI_VENV", ROOT / "var" / "kotti-venv"))
    kotti_python = venv / "bin" / "python"
    if not kotti_python.exists():
        print(f"bench kotti skipped: no Kotti virtualenv at {venv} (`make bench-kotti` makes it)")
        return 0
    check = subprocess.run([str(kotti_python), "-c", "import kotti, waitress"],
                           capture_output=True, text=True)
    if check.returncode:
        why = (check.stderr.strip().splitlines() or ["import failed"])[-1]
        print(f"bench kotti skipped: Kotti is not installed in {venv} ({why})")
        return 0
    n = int(os.environ.get("KOTTI_N", "200"))
    WORK.mkdir(parents=True, exist_ok=True)
    app_ini = WORK / "app.ini"
    app_ini.write_text(KOTTI_INI, encoding="utf-8")
    fill = subprocess.run([str(kotti_python), "-c", KOTTI_FILL, str(app_ini), str(DOCUMENTS)],
                          cwd=WORK, capture_output=True, text=True)
    if fill.returncode:
        print(fill.stdout + fill.stderr, file=sys.stderr)
        raise RuntimeError("Kotti's folder could not be made")

    source, password = ours_data()
    data = WORK / "ours.sqlite"
    remove_sqlite(data)
    shutil.copyfile(source, data)
    for suffix in ("-wal", "-shm"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{data}{suffix}")
    # The copy's pages written to disk before timing: the kernel writing back gigabytes of
    # them while the first pairs run would slow ours, not Kotti's.
    os.sync()
    if not up_to_date(stored_heads(data)):
        # A bench file made before today's migrations: its copy is upgraded (new columns and
        # tables; the data stay), rather than the pages failing on a missing column.
        print(f"bench kotti-side note: {source.name} is older than the code's migrations; "
              "its copy upgraded", flush=True)
        upgrade(data)
    ours_port, kotti_port = free_port(), free_port()
    ours_ini = write_ini("kotti-ours", f"sqlite:///{data}", ours_port)
    print(f"bench kotti-side note: ours on {source.name}, Kotti with a folder of {DOCUMENTS} "
          f"documents, n={n} per page and side, waitress threads=1 on both", flush=True)

    kotti_server = ours_server = None
    try:
        kotti_server = start([str(kotti_python), "-c", KOTTI_SERVE, str(app_ini),
                              str(kotti_port)], WORK / "kotti-serve.log", kotti_port)
        ours_server = start([sys.executable, "-c", OURS_SERVE, str(ours_ini), str(ours_port)],
                            WORK / "ours-serve.log", ours_port)
        kotti, ours = Browser(kotti_port), Browser(ours_port)
        log_in_kotti(kotti)
        log_in_ours(ours, password)
        card = os.environ.get("KOTTI_CARD_ID", "1")
        servers = (kotti_server, ours_server)
        compare("document", kotti, "/bench/doc-500", ours, f"/clients/{card}", n, servers)
        # The yardstick for My day is Kotti's document page; its front page too.
        compare("home-vs-document", kotti, "/bench/doc-500", ours, "/", n, servers)
        compare("home", kotti, "/", ours, "/", n, servers)
        compare("listing", kotti, "/bench/@@folder_view", ours, "/clients/", n, servers)
        compare("folder", kotti, "/bench/", ours, "/clients/", n, servers)
    finally:
        stop(kotti_server)
        stop(ours_server)
        remove_sqlite(data)  # a copy (of up to a few GB at the large scale)
    return 0


if __name__ == "__main__":
    sys.exit(main())
