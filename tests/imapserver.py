"""Throwaway IMAP server for tests and benchmarks: Debian's dovecot on loopback.

Usage::

    with imap_server() as srv:            # starts dovecot; stops it and removes its files after
        srv.append(raw_bytes)             # APPEND to INBOX (folder="..." for another folder)
        settings = srv.settings()         # the tickets.imap.* ini keys pointing at it
        srv.unseen()                      # how many messages of INBOX are not \\Seen
        srv.folder_count("Processed")     # how many messages a folder holds (0 if it is missing)
        other = srv.for_user("second")    # the same server, another (empty) mailbox

`srv.host`, `srv.port`, `srv.user` and `srv.password` are what a client logs in with. Every
user name logs in with the one password (a static passdb) and gets its own empty Maildir, so
tests sharing one server keep apart by using a user each (`for_user`).

The server lives in a fresh directory under /tmp (config, sockets, state, log, mail), listens
on a free port of 127.0.0.1 only (so that parallel runs do not clash), speaks plain IMAP with
plain-text log-in (no TLS) and does not fsync: it must never hold mail that matters. As root,
dovecot runs its processes as `nobody`, and the temp dir is given to that user; otherwise
everything runs as the current user.

`dovecot_available()` says whether the server is installed (`apt-get install dovecot-imapd`).
Importing this module needs only the standard library.
"""

from __future__ import annotations

import atexit
import contextlib
import grp
import imaplib
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time

__all__ = ["DOVECOT", "ImapServer", "dovecot_available", "imap_server"]

DOVECOT = "/usr/sbin/dovecot"
PASSWORD = "secret"

_CONFIG = """\
# A throwaway dovecot for tests (tests/imapserver.py).
protocols = imap
listen = 127.0.0.1
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
info_log_path = {dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = 0
first_valid_gid = 0
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={user} gid={group} home={dir}/mail/%u
}}
mail_location = maildir:{dir}/mail/%u/Maildir
mail_fsync = never
namespace inbox {{
  inbox = yes
  separator = /
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
"""


def dovecot_available() -> bool:
    """True when dovecot and its IMAP server are installed."""
    return os.access(DOVECOT, os.X_OK) and os.path.exists("/usr/lib/dovecot/imap")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ImapServer:
    """A dovecot in a temp dir, for one test run. See the module docstring."""

    host = "127.0.0.1"
    password = PASSWORD

    def __init__(self, user: str = "support", start_timeout: float = 20):
        self.user = user
        self.start_timeout = start_timeout
        self.tmpdir: str | None = None
        self.port: int | None = None
        self._owner: ImapServer | None = None  # for_user() views share the owner's process

    # -- lifecycle ---------------------------------------------------------------------
    @property
    def config_path(self) -> str:
        return os.path.join(self.tmpdir, "dovecot.conf")

    def start(self) -> ImapServer:
        if not dovecot_available():
            raise RuntimeError("dovecot is not installed (apt-get install dovecot-imapd)")
        self.tmpdir = tempfile.mkdtemp(prefix="portal-imap-", dir="/tmp")
        atexit.register(self.stop)
        try:
            if os.geteuid() == 0:
                user, group = "nobody", grp.getgrgid(pwd.getpwnam("nobody").pw_gid).gr_name
            else:
                user = pwd.getpwuid(os.geteuid()).pw_name
                group = grp.getgrgid(os.getegid()).gr_name
            for sub in ("run", "state", "mail"):
                os.mkdir(os.path.join(self.tmpdir, sub), 0o755)
            if os.geteuid() == 0:
                os.chmod(self.tmpdir, 0o755)
                shutil.chown(os.path.join(self.tmpdir, "mail"), user, group)
            # The port is free when picked but may be taken before dovecot binds it: retry.
            for attempt in range(5):
                self.port = _free_port()
                with open(self.config_path, "w") as conf:
                    conf.write(_CONFIG.format(dir=self.tmpdir, user=user, group=group,
                                              password=PASSWORD, port=self.port))
                # Output to a file, not a pipe: the daemon keeps its stdout open, and reading a
                # pipe to its end would wait for the server to stop.
                with open(os.path.join(self.tmpdir, "start.log"), "w+") as out:
                    result = subprocess.run([DOVECOT, "-c", self.config_path], stdout=out,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
                    out.seek(0)
                    output = out.read()
                if result.returncode == 0 and self._wait_ready():
                    return self
                self._stop_process()
                if attempt == 4:
                    raise RuntimeError(f"dovecot did not start:\n{output}{self._log_tail()}")
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((self.host, self.port), timeout=2) as sock:
                    if sock.recv(100).startswith(b"* OK"):
                        return True
            except OSError:
                pass
            time.sleep(0.05)
        return False

    def _log_tail(self) -> str:
        try:
            with open(os.path.join(self.tmpdir, "dovecot.log"), errors="replace") as f:
                return "\n--- dovecot log ---\n" + "".join(f.readlines()[-30:])
        except OSError:
            return ""

    def _stop_process(self) -> None:
        if self.tmpdir and os.path.exists(self.config_path):
            subprocess.run([DOVECOT, "-c", self.config_path, "stop"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
            # `stop` returns before the master has gone; wait until the port is closed.
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and os.path.exists(
                    os.path.join(self.tmpdir, "run", "master.pid")):
                time.sleep(0.05)

    def stop(self) -> None:
        """Stop dovecot and remove the temp dir. Idempotent."""
        if self._owner is not None:
            return
        atexit.unregister(self.stop)
        if self.tmpdir is None:
            return
        self._stop_process()
        shutil.rmtree(self.tmpdir, ignore_errors=True)
        self.tmpdir = None

    def __enter__(self) -> ImapServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- another mailbox on the same server ----------------------------------------------
    def for_user(self, user: str) -> ImapServer:
        """This server seen as another user (an empty mailbox until mail is appended)."""
        if not re.fullmatch(r"[a-z0-9_.-]{1,40}", user):
            raise ValueError(f"unsupported user name: {user!r}")
        other = ImapServer(user=user)
        other.tmpdir, other.port = self.tmpdir, self.port
        other._owner = self._owner or self
        return other

    def settings(self, **extra: str) -> dict:
        """The ini settings (`tickets.imap.*`) that point the intake at this mailbox."""
        settings = {
            "tickets.imap.host": self.host,
            "tickets.imap.port": str(self.port),
            "tickets.imap.user": self.user,
            "tickets.imap.password": self.password,
            "tickets.imap.ssl": "false",
        }
        settings.update({f"tickets.imap.{key}": value for key, value in extra.items()})
        return settings

    # -- looking and putting mail ----------------------------------------------------------
    @contextlib.contextmanager
    def connect(self):
        """A logged-in imaplib connection (logged out afterwards)."""
        conn = imaplib.IMAP4(self.host, self.port, timeout=10)
        try:
            conn.login(self.user, self.password)
            yield conn
        finally:
            with contextlib.suppress(Exception):
                conn.logout()

    def create_folder(self, name: str) -> None:
        with self.connect() as conn:
            conn.create(_quote(name))

    def append(self, raw: bytes, folder: str = "INBOX", flags: str = "") -> None:
        """APPEND one message (bytes as they came over SMTP) to the folder."""
        self.append_many([raw], folder, flags)

    def append_many(self, raws, folder: str = "INBOX", flags: str = "") -> None:
        """APPEND many messages over one connection; the folder is created if missing."""
        with self.connect() as conn:
            if folder != "INBOX":
                conn.create(_quote(folder))  # NO when it exists already: fine
            for raw in raws:
                typ, data = conn.append(_quote(folder), f"({flags})" if flags else None,
                                        None, raw)
                if typ != "OK":
                    raise RuntimeError(f"APPEND failed: {data!r}")

    def _search(self, folder: str, criterion: str) -> int:
        with self.connect() as conn:
            typ, _ = conn.select(_quote(folder), readonly=True)
            if typ != "OK":
                return 0
            typ, data = conn.uid("SEARCH", None, criterion)
            return len(data[0].split()) if typ == "OK" and data and data[0] else 0

    def unseen(self, folder: str = "INBOX") -> int:
        """How many messages of the folder are not marked \\Seen."""
        return self._search(folder, "UNSEEN")

    def folder_count(self, name: str) -> int:
        """How many messages the folder holds (0 when it does not exist)."""
        return self._search(name, "ALL")

    def flags(self, folder: str = "INBOX") -> list[str]:
        """The flags of each message of the folder, in UID order (for assertions)."""
        with self.connect() as conn:
            conn.select(_quote(folder), readonly=True)
            _typ, data = conn.uid("FETCH", "1:*", "(FLAGS)")
            return [item.decode() for item in data if isinstance(item, bytes)]


@contextlib.contextmanager
def imap_server(user: str = "support"):
    """A running throwaway dovecot (an ImapServer), stopped on leaving the block."""
    server = ImapServer(user=user).start()
    try:
        yield server
    finally:
        server.stop()
