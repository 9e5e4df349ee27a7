"""The support mailbox read over IMAP: each new message handed to the ticket service once.

Settings (the ini file; an empty `tickets.imap.host` turns e-mail intake off):

    tickets.imap.host = imap.example.com
    tickets.imap.port = 993                 ; 993 with ssl, 143 without, by default
    tickets.imap.user = support@example.com
    tickets.imap.password = env:PORTAL_IMAP_PASSWORD
    tickets.imap.ssl = true                 ; true (default) | false (loopback and tests only)
    tickets.imap.folder = INBOX             ; where new mail arrives
    tickets.imap.processed_folder = Processed   ; optional: handled mail is moved there
                                            ; (created if missing; any language)
    tickets.imap.batch = 200                ; at most this many messages per tick
    tickets.imap.timeout = 30               ; seconds, for connecting and for each answer

`poll(settings, handle)` logs in, selects the folder, asks for the UIDs of the messages not yet
\\Seen (`UID SEARCH UNSEEN`), fetches them in groups with `BODY.PEEK[]` (which does not mark
them seen) and calls `handle(uid, raw_bytes)` for each. Only when handle returns is the message
marked \\Seen (and moved to the processed folder, if there is one): a message whose handle
raises stays unseen, is counted as failed and logged, and comes back at the next tick; the
others go on. Connection and protocol errors end the poll with `PollResult.error` set; nothing
is raised into the tick.

Exactly once, and who guarantees it:

- Within one poll, handle is called at most once per message (by UID).
- Between "handle returned" and "marked \\Seen" the process may die, and two ticks on two hosts
  may poll the same mailbox at the same instant and both fetch a message before either marks
  it: IMAP has no claim that one client wins. So the same message CAN reach handle twice across
  polls. The ticket service therefore refuses duplicates in the database: a unique constraint on
  the Message-ID of stored messages (`InboundMail.message_id`, made from a hash of the bytes
  when the mail has none), and treats "already there" as done.
- handle must make its work durable before it returns (commit), or pass `checkpoint`: a
  function poll calls after each group's handle calls and before marking that group \\Seen
  (commit there). If the checkpoint raises, the group stays unseen and counts as failed, so a
  rolled-back transaction never loses mail.
"""

from __future__ import annotations

import base64
import contextlib
import imaplib
import logging
import re
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

FETCH_GROUP = 50  # messages per UID FETCH: few round trips...
FETCH_BYTES = 32 * 1024 * 1024  # ...and no more bytes than this in memory at once (unless one is larger)


@dataclass(frozen=True)
class MailboxSettings:
    host: str = ""
    port: int = 993
    user: str = ""
    password: str = field(default="", repr=False)
    ssl: bool = True
    folder: str = "INBOX"
    processed_folder: str = ""
    batch: int = 200
    timeout: float = 30.0

    @property
    def enabled(self) -> bool:
        return bool(self.host)

    @classmethod
    def from_settings(cls, settings: dict) -> MailboxSettings:
        """Read the `tickets.imap.*` keys of the ini settings (see the module docstring)."""

        def get(key: str, default: str = "") -> str:
            value = settings.get(f"tickets.imap.{key}")
            return default if value is None or str(value).strip() == "" else str(value).strip()

        use_ssl = get("ssl", "true").lower() in ("true", "yes", "on", "1")
        return cls(
            host=get("host"),
            port=_int(get("port"), 993 if use_ssl else 143),
            user=get("user"),
            password=str(settings.get("tickets.imap.password") or ""),
            ssl=use_ssl,
            folder=get("folder", "INBOX"),
            processed_folder=get("processed_folder"),
            batch=max(1, _int(get("batch"), 200)),
            timeout=max(1.0, float(_int(get("timeout"), 30))),
        )


def _int(value: str, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


@dataclass
class PollResult:
    """What one poll did. `error` is set when the poll could not finish (connection, log-in,
    folder); messages handled before that are counted."""

    found: int = 0  # unseen messages in the folder
    handled: int = 0  # handle returned; marked \Seen (and moved)
    failed: int = 0  # handle (or the checkpoint) raised: left unseen for the next tick
    failed_uids: list[int] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.error


class MailboxError(Exception):
    pass


Handle = Callable[[int, bytes], object]


def poll(settings, handle: Handle, *, limit: int | None = None,
         checkpoint: Callable[[], object] | None = None) -> PollResult:
    """Hand each unseen message of the mailbox to `handle(uid, raw_bytes)`; see the module
    docstring. `settings`: the ini settings dict or a MailboxSettings. `limit`: at most this many
    messages (default: the `batch` setting). Never raises for mailbox trouble."""
    config = settings if isinstance(settings, MailboxSettings) else MailboxSettings.from_settings(settings)
    result = PollResult()
    if not config.enabled:
        return result
    started = time.monotonic()
    conn = None
    try:
        conn = _connect(config)
        _select(conn, config.folder)
        uids = _unseen_uids(conn)
        result.found = len(uids)
        uids = uids[: max(0, limit if limit is not None else config.batch)]
        if uids and config.processed_folder:
            _ensure_folder(conn, config.processed_folder)
        done: set[int] = set()
        for group in _groups(uids, _sizes(conn, uids)):
            _poll_group(conn, config, [uid for uid in group if uid not in done], handle,
                        checkpoint, result, done)
    except (OSError, EOFError, imaplib.IMAP4.error, MailboxError) as error:
        result.error = _describe(error)
        log.warning("IMAP intake from %s@%s:%s stopped: %s", config.user, config.host,
                    config.port, result.error)
    except Exception as error:  # e.g. a non-ASCII password imaplib cannot send: still a result
        result.error = _describe(error)
        log.exception("IMAP intake from %s@%s:%s failed", config.user, config.host, config.port)
    finally:
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.logout()
        result.seconds = time.monotonic() - started
    return result


def _poll_group(conn, config: MailboxSettings, group: list[int], handle: Handle, checkpoint,
                result: PollResult, done: set[int]) -> None:
    handled: list[int] = []
    for uid, raw in _fetch(conn, group):
        if uid in done:
            continue
        done.add(uid)
        try:
            handle(uid, raw)
        except Exception:
            log.exception("incoming message UID %s of %s was not handled; it stays unseen",
                          uid, config.folder)
            result.failed += 1
            result.failed_uids.append(uid)
            continue
        if checkpoint is None:
            _mark_done(conn, config, [uid])
            result.handled += 1
        else:
            handled.append(uid)
    if handled:
        try:
            checkpoint()
        except Exception:
            log.exception("the intake checkpoint failed; %s messages stay unseen", len(handled))
            result.failed += len(handled)
            result.failed_uids.extend(handled)
            return
        _mark_done(conn, config, handled)
        result.handled += len(handled)


# --- IMAP ------------------------------------------------------------------------------------


def _connect(config: MailboxSettings) -> imaplib.IMAP4:
    if config.ssl:
        conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(config.host, config.port,
                                                 ssl_context=ssl.create_default_context(),
                                                 timeout=config.timeout)
    else:
        conn = imaplib.IMAP4(config.host, config.port, timeout=config.timeout)
    try:
        conn.login(config.user, config.password)
    except BaseException:
        with contextlib.suppress(Exception):
            conn.shutdown()
        raise
    return conn


def imap_folder_name(name: str) -> str:
    """A folder name in IMAP's modified UTF-7 (RFC 3501 5.1.3): "Обработанные" → "&BB4EMQRA-..."."""
    out, run = [], []

    def flush():
        if run:
            data = "".join(run).encode("utf-16-be")
            out.append("&" + base64.b64encode(data).decode().rstrip("=").replace("/", ",") + "-")
            run.clear()

    for ch in name:
        if " " <= ch <= "~":
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            run.append(ch)
    flush()
    return "".join(out)


def _quote(name: str) -> str:
    """A folder name as an IMAP quoted string."""
    name = imap_folder_name(name)
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _select(conn, folder: str) -> None:
    typ, data = conn.select(_quote(folder))
    if typ != "OK":
        raise MailboxError(f"cannot open folder {folder}: {_text(data)}")


def _unseen_uids(conn) -> list[int]:
    typ, data = conn.uid("SEARCH", None, "UNSEEN")
    if typ != "OK":
        raise MailboxError(f"UID SEARCH UNSEEN failed: {_text(data)}")
    uids = sorted({int(token) for line in data if line for token in line.split() if token.isdigit()})
    return uids


def _ensure_folder(conn, folder: str) -> None:
    typ, data = conn.list('""', _quote(folder))
    if typ == "OK" and any(item for item in data if item):
        return
    typ, data = conn.create(_quote(folder))
    if typ != "OK":
        raise MailboxError(f"cannot create folder {folder}: {_text(data)}")


_FETCH_UID = re.compile(rb"\bUID\s+(\d+)", re.IGNORECASE)
_FETCH_SIZE = re.compile(rb"\bRFC822\.SIZE\s+(\d+)", re.IGNORECASE)


def _sizes(conn, uids: list[int]) -> dict[int, int]:
    """The size of each message, from one cheap FETCH (unknown sizes count as 0)."""
    sizes: dict[int, int] = {}
    for start in range(0, len(uids), 500):
        chunk = uids[start:start + 500]
        typ, data = conn.uid("FETCH", ",".join(map(str, chunk)), "(UID RFC822.SIZE)")
        if typ != "OK":
            raise MailboxError(f"UID FETCH failed: {_text(data)}")
        for item in data:
            line = item[0] if isinstance(item, tuple) else item
            if isinstance(line, bytes):
                uid, size = _FETCH_UID.search(line), _FETCH_SIZE.search(line)
                if uid and size:
                    sizes[int(uid.group(1))] = int(size.group(1))
    return sizes


def _groups(uids: list[int], sizes: dict[int, int]):
    """The UIDs in groups of at most FETCH_GROUP messages and FETCH_BYTES bytes."""
    group: list[int] = []
    total = 0
    for uid in uids:
        size = sizes.get(uid, 0)
        if group and (len(group) >= FETCH_GROUP or total + size > FETCH_BYTES):
            yield group
            group, total = [], 0
        group.append(uid)
        total += size
    if group:
        yield group


def _fetch(conn, uids: list[int]):
    """(uid, raw bytes) of each message of the group that the server still has."""
    if not uids:
        return []
    typ, data = conn.uid("FETCH", ",".join(map(str, uids)), "(UID BODY.PEEK[])")
    if typ != "OK":
        raise MailboxError(f"UID FETCH failed: {_text(data)}")
    wanted = set(uids)
    out = []
    for item in data:
        # A message comes as (b'7 (UID 31 BODY[] {1234}', b'<the bytes>'); anything else (the
        # closing b')', flag changes another client made) is not one.
        if not isinstance(item, tuple) or len(item) < 2:
            continue
        match = _FETCH_UID.search(item[0])
        if match and int(match.group(1)) in wanted:
            out.append((int(match.group(1)), bytes(item[1])))
    return out


def _mark_done(conn, config: MailboxSettings, uids: list[int]) -> None:
    uid_set = ",".join(map(str, uids))
    typ, data = conn.uid("STORE", uid_set, "+FLAGS.SILENT", r"(\Seen)")
    if typ != "OK":
        raise MailboxError(f"cannot mark messages seen: {_text(data)}")
    if not config.processed_folder:
        return
    if b"MOVE" in _capabilities(conn):
        typ, data = conn.uid("MOVE", uid_set, _quote(config.processed_folder))
        if typ != "OK":
            raise MailboxError(f"cannot move messages to {config.processed_folder}: {_text(data)}")
        return
    typ, data = conn.uid("COPY", uid_set, _quote(config.processed_folder))
    if typ != "OK":
        raise MailboxError(f"cannot copy messages to {config.processed_folder}: {_text(data)}")
    conn.uid("STORE", uid_set, "+FLAGS.SILENT", r"(\Deleted)")
    if b"UIDPLUS" in _capabilities(conn):
        conn.uid("EXPUNGE", uid_set)  # only these: never other clients' deleted messages
    else:
        conn.expunge()


def _capabilities(conn) -> set[bytes]:
    caps = getattr(conn, "_portal_caps", None)
    if caps is None:
        typ, data = conn.capability()
        caps = set(b" ".join(data).upper().split()) if typ == "OK" else set()
        conn._portal_caps = caps
    return caps


def _text(data) -> str:
    parts = []
    for item in data or ():
        if isinstance(item, bytes):
            parts.append(item.decode("utf-8", "replace"))
    return " ".join(parts)[:300]


def _describe(error: BaseException) -> str:
    if isinstance(error, ConnectionRefusedError):
        return f"connection refused: {error}"
    if isinstance(error, socket.timeout | TimeoutError):
        return "the IMAP server did not answer in time"
    text = str(error)
    if isinstance(error, bytes):
        text = error.decode("utf-8", "replace")
    return f"{type(error).__name__}: {text}"[:500]
