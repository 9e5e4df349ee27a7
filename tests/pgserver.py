"""Throwaway PostgreSQL server for tests and benchmarks, on loopback.

Usage::

    pg = ThrowawayPostgres()
    url = pg.start()          # postgresql+psycopg://postgres@127.0.0.1:<port>/portal_test
    ...                       # create_engine(url); pg.create_database("bench") for another DB
    pg.stop()                 # pg_ctl -m immediate stop, then the temp dir is removed

It is also a context manager (``with ThrowawayPostgres() as url: ...``).

The server lives in a fresh directory under /tmp (data, unix socket, log), listens on a free
port on 127.0.0.1 only, trusts every local connection (user ``postgres``, no password) and runs
with fsync, synchronous_commit and full_page_writes off: it is fast and must never hold data
that matters. Every database it creates has the extensions pg_trgm, btree_gist, citext and
unaccent.

As root, initdb and pg_ctl refuse to run, so they are run as the ``postgres`` OS user
(``runuser``, or ``su`` where runuser is missing) and the temp dir is given to that user.
Otherwise they are run as the current user.

``PORTAL_TEST_DATABASE_URL``: when that environment variable is set, callers (the test
fixtures, benchmark scripts) use the database it names instead of starting a server here.
This module does not read it.

Importing this module needs only the standard library; ``start()`` imports psycopg.
"""

from __future__ import annotations

import atexit
import glob
import os
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
import time

__all__ = ["EXTENSIONS", "ThrowawayPostgres", "find_bindir", "postgres_available"]

EXTENSIONS = ("pg_trgm", "btree_gist", "citext", "unaccent")

_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "100",
    "log_min_messages": "warning",
}


def _version_key(bindir: str) -> tuple:
    version = os.path.basename(os.path.dirname(bindir))
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


def find_bindir() -> str | None:
    """The bin directory of the highest installed PostgreSQL version, or None."""
    candidates = [
        os.path.dirname(path)
        for path in glob.glob("/usr/lib/postgresql/*/bin/initdb")
        if os.access(path, os.X_OK)
    ]
    return max(candidates, key=_version_key) if candidates else None


def postgres_available() -> bool:
    """True when a PostgreSQL server (initdb) is installed under /usr/lib/postgresql."""
    return find_bindir() is not None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _check_name(name: str) -> str:
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise ValueError(f"unsupported database name: {name!r}")
    return name


class ThrowawayPostgres:
    """A PostgreSQL server in a temp dir, for one test run. See the module docstring."""

    def __init__(self, dbname: str = "portal_test", bindir: str | None = None,
                 os_user: str = "postgres", start_timeout: int = 60,
                 settings: dict | None = None):
        self.dbname = _check_name(dbname)
        self.bindir = bindir or find_bindir()
        self.os_user = os_user
        self.start_timeout = start_timeout
        # Extra postgresql.conf lines (name -> value as written there), added after ours;
        # none by default (e.g. shared_preload_libraries for pg_stat_statements).
        self.settings = dict(settings or {})
        self.as_root = os.geteuid() == 0
        self.tmpdir: str | None = None
        self.port: int | None = None
        self.url: str | None = None
        self._running = False

    # -- paths and commands ------------------------------------------------------------
    @property
    def datadir(self) -> str:
        return os.path.join(self.tmpdir, "data")

    @property
    def sockdir(self) -> str:
        return os.path.join(self.tmpdir, "sock")

    @property
    def logfile(self) -> str:
        return os.path.join(self.tmpdir, "server.log")

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [os.path.join(self.bindir, args[0]), *args[1:]]
        if self.as_root:
            if shutil.which("runuser"):
                cmd = ["runuser", "-u", self.os_user, "--", *cmd]
            else:
                cmd = ["su", self.os_user, "-s", "/bin/sh", "-c", shlex.join(cmd)]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_MESSAGES"] = "C"
        result = subprocess.run(cmd, cwd=self.tmpdir, env=env, stdin=subprocess.DEVNULL,
                                capture_output=True, text=True)
        if check and result.returncode != 0:
            raise RuntimeError(
                f"{shlex.join(cmd)} failed ({result.returncode}):\n"
                f"{result.stdout}{result.stderr}{self._log_tail()}")
        return result

    def _log_tail(self) -> str:
        try:
            with open(self.logfile, encoding="utf-8", errors="replace") as f:
                return "\n--- server log ---\n" + "".join(f.readlines()[-30:])
        except OSError:
            return ""

    def url_for(self, dbname: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def _connect(self, dbname: str):
        import psycopg

        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres",
                               dbname=dbname, autocommit=True, connect_timeout=5)

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> str:
        """Start the server, create the database with its extensions; return its URL."""
        if self._running:
            return self.url
        if self.bindir is None:
            raise RuntimeError("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb)")
        self.tmpdir = tempfile.mkdtemp(prefix="portal-pg-", dir="/tmp")
        atexit.register(self.stop)
        try:
            os.mkdir(self.sockdir, 0o700)
            if self.as_root:
                shutil.chown(self.tmpdir, self.os_user, self.os_user)
                shutil.chown(self.sockdir, self.os_user, self.os_user)
            self._run("initdb", "-D", self.datadir, "-U", "postgres",
                      "--auth-local=trust", "--auth-host=trust",
                      "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
            settings = dict(_SETTINGS, unix_socket_directories=f"'{self.sockdir}'",
                            **self.settings)
            with open(os.path.join(self.datadir, "postgresql.conf"), "a") as conf:
                conf.write("\n# ThrowawayPostgres\n")
                conf.writelines(f"{k} = {v}\n" for k, v in settings.items())
            self._start_server()
            self._wait_ready()
            self.url = self.create_database(self.dbname)
            return self.url
        except BaseException:
            self.stop()
            raise

    def _start_server(self) -> None:
        # The port is free when picked but may be taken before the server binds it: retry.
        for attempt in range(5):
            self.port = _free_port()
            result = self._run("pg_ctl", "-D", self.datadir, "-l", self.logfile,
                               "-o", f"-p {self.port}", "-t", str(self.start_timeout),
                               "-w", "start", check=attempt == 4)
            if result.returncode == 0:
                self._running = True
                return

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while True:
            try:
                with self._connect("postgres") as conn:
                    conn.execute("select 1")
                return
            except Exception as error:
                if time.monotonic() > deadline:
                    raise RuntimeError("PostgreSQL did not accept connections" + self._log_tail()) from error
                time.sleep(0.1)

    def create_database(self, name: str, extensions=EXTENSIONS) -> str:
        """Create another database on this server, with the extensions; return its URL."""
        _check_name(name)
        with self._connect("postgres") as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\'')
        if extensions:
            with self._connect(name) as conn:
                for ext in extensions:
                    conn.execute(f'CREATE EXTENSION IF NOT EXISTS "{_check_name(ext)}"')
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        with self._connect("postgres") as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{_check_name(name)}" WITH (FORCE)')

    def stop(self) -> None:
        """Stop the server at once (no checkpoint) and remove the temp dir. Idempotent."""
        atexit.unregister(self.stop)
        if self.tmpdir is None:
            return
        if self._running or os.path.exists(os.path.join(self.datadir, "postmaster.pid")):
            self._run("pg_ctl", "-D", self.datadir, "-m", "immediate", "-w", "stop",
                      check=False)
            self._running = False
        shutil.rmtree(self.tmpdir, ignore_errors=True)
        self.tmpdir = None
        self.url = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
