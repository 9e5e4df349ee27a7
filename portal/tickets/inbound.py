"""Incoming e-mail made safe: raw bytes from the mailbox → an `InboundMail` a ticket can use.

`parse_mail(raw)` never raises. Whatever arrives (no subject, a charset that lies, broken
headers, no body, a 20 MB attachment, a forwarded message inside a message, random bytes), it
returns an InboundMail; when nothing sensible can come of it, `refused` says why and the
service makes no ticket of it (the message is still taken off the mailbox, so it does not come
back every minute).

What it works out for the ticket service:

- who wrote (`sender`, `sender_name`, `reply_to`), to whom, when, the Message-ID threading
  headers (`message_id`, `in_reply_to`, `references`; `thread_keys(mail)` gives them in the
  order to look them up) and the ticket numbers written in the subject
  (`"Re: [T-2026-000123] Принтер"` → `["T-2026-000123"]`);
- `text`: the body as plain text. text/plain is preferred; an HTML-only message is turned into
  text by the standard library's HTML parser (scripts, styles and the head are dropped, block
  elements become lines, quotes become "> " lines). nh3 cleans HTML *into HTML*; a ticket keeps
  no HTML at all, so it is not needed here. A body in a charset other than the declared one
  (windows-1251 labelled koi8-r, UTF-8 labelled windows-1251...) is read in the charset that
  gives Russian text;
- `reply_text`: for a reply, the text without the quoted history under it ("On ... wrote:",
  «... написал(а):», Outlook's "From:/Sent:/To:/Subject:" block, trailing "> " lines). It is
  conservative: when in doubt it keeps the line, and it never returns less than nothing: a
  message that is all quote keeps its whole text;
- `attachments` (name, type, bytes, size) and `refused_attachments` (name and size of each one
  over `max_attachment`, not kept, so that the ticket can say so). Names are made safe (no
  folders, no control characters); content types are whatever the sender declared: serve
  attachments as downloads, never inline (an "image" may be HTML);
- `is_automatic` with `automatic_reason` (one of AUTOMATIC_REASONS): auto-replies, bounces,
  mailing lists, and loops — our own mail coming back, which must never make a ticket that
  sends an acknowledgement that comes back...

For OUR outgoing mail: `make_message_id(domain, ticket_number)` (the ticket number is inside it,
so a reply finds its ticket even by In-Reply-To alone: `ticket_number_of(message_id, domain)`),
`reply_headers(...)` and `reply_subject(...)`.
"""

from __future__ import annotations

import codecs
import datetime as dt
import email
import email.header
import email.parser
import email.policy
import email.utils
import hashlib
import html
import itertools
import logging
import mimetypes
import re
import secrets
from dataclasses import dataclass, field
from html.parser import HTMLParser

from portal.core.i18n import _

log = logging.getLogger(__name__)

MiB = 1024 * 1024
MAX_ATTACHMENT = 10 * MiB
MAX_MESSAGE = 40 * MiB  # a larger message is not parsed at all (its headers are)
MAX_TEXT = 500_000  # characters of body text kept
MAX_HTML = 4 * MAX_TEXT  # characters of an HTML body read
MAX_DEPTH = 12  # nesting of multiparts and attached messages followed
MAX_PARTS = 300  # MIME parts looked at; the rest of a message built to exhaust us is ignored
MAX_HEADER = 16_000  # characters of one header read (the email package is slow on huge ones)
MAX_QUOTE_MARKS = 5  # "> " written for at most this depth of nested quotes
# Lines starting with "--" (MIME boundaries): above the first number the message is parsed with
# the email package's faster legacy policy (the default one parses every part's headers several
# times: 20,000 tiny parts took 4 s); above the second, only its headers are read.
MANY_BOUNDARIES, TOO_MANY_BOUNDARIES = 500, 5000
MAX_REFERENCES = 50
MAX_MESSAGE_ID = 250

TICKET_NUMBER = re.compile(r"(?<![\w-])T-(\d{4})-(\d{6})(?!\d)", re.IGNORECASE)

# Why a message is not a person writing to us. The codes are stable (store them); the texts are
# for people.
AUTOMATIC_REASONS = {
    "auto-submitted": _("an automatic message (Auto-Submitted)"),
    "autoreply": _("an automatic reply (out of office, vacation)"),
    "bulk": _("bulk or junk mail (Precedence)"),
    "mailing-list": _("mail from a mailing list"),
    "bounce": _("a delivery failure report"),
    "receipt": _("a read or delivery receipt"),
    "mailer-daemon": _("sent by a mail server (MAILER-DAEMON, postmaster)"),
    "null-sender": _("sent with an empty return path, as mail servers send reports"),
    "loop": _("our own message came back (mail loop)"),
}

# Why a message makes no ticket at all.
REFUSED_REASONS = {
    "empty": _("the message is empty"),
    "no-sender": _("the message has no sender address"),
    "too-large": _("the message is larger than ${limit}"),
    "unreadable": _("the message could not be read"),
}


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes = field(repr=False)
    inline: bool = False  # shown inside the HTML body (Content-ID), e.g. a logo in a signature

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class RefusedAttachment:
    """An attachment that was not kept: its name and size, for the ticket to say so."""

    filename: str
    content_type: str
    size: int
    limit: int

    def message(self):
        """What the ticket shows (a message id and its parameters)."""
        return _("Attachment ${name} (${size}) was not kept: files larger than ${limit} are refused.",
                 mapping={"name": self.filename, "size": format_size(self.size),
                          "limit": format_size(self.limit)})


@dataclass
class InboundMail:
    """A parsed incoming message. Every field is filled; strings are never None."""

    message_id: str  # "<...>"; made from a hash of the message when it has none (`message_id_made`)
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    subject: str = ""
    sender: str = ""  # the From address, lower case ("" if none)
    sender_name: str = ""
    reply_to: list[str] = field(default_factory=list)
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    date: dt.datetime | None = None  # aware, UTC; None when missing or unreadable
    text: str = ""
    reply_text: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    refused_attachments: list[RefusedAttachment] = field(default_factory=list)
    ticket_numbers: list[str] = field(default_factory=list)  # from the subject
    thread_ticket_numbers: list[str] = field(default_factory=list)  # from OUR Message-IDs it answers
    is_automatic: bool = False
    automatic_reason: str = ""  # a key of AUTOMATIC_REASONS
    refused: str = ""  # a key of REFUSED_REASONS: make no ticket of it
    message_id_made: bool = False
    size: int = 0  # bytes of the raw message
    problems: list[str] = field(default_factory=list)  # what was odd about it, for the log

    @property
    def is_reply(self) -> bool:
        return bool(self.in_reply_to or self.references) or bool(REPLY_PREFIX.match(self.subject))

    def refused_message(self, max_message: int = MAX_MESSAGE):
        """Why no ticket was made, as a message id with its parameters (None if not refused)."""
        if not self.refused:
            return None
        return _(REFUSED_REASONS[self.refused], mapping={"limit": format_size(max_message)})


def format_size(size: int) -> str:
    if size >= MiB:
        return f"{size / MiB:.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} B"


# --- parsing -----------------------------------------------------------------------------------


def parse_mail(raw: bytes, *, max_attachment: int = MAX_ATTACHMENT, our_addresses=(),
               our_message_domain: str = "", max_message: int = MAX_MESSAGE) -> InboundMail:
    """The message in `raw` (bytes as the IMAP server holds them), parsed. Never raises.

    `our_addresses`: the portal's own addresses (the support mailbox, the notification sender):
    mail from them is a loop. `our_message_domain`: the domain of the Message-IDs the portal
    makes (`make_message_id`): a message carrying one of them as its own Message-ID is our own
    mail coming back. Replies to our mail (In-Reply-To one of ours) are, of course, not loops.
    """
    raw = bytes(raw or b"")
    try:
        ours = {email.utils.parseaddr(str(a))[1].strip().lower() for a in our_addresses if a} - {""}
        domain = (our_message_domain or "").strip().lower()
        return _parse(raw, max_attachment, ours, domain, max_message)
    except Exception as error:  # the email package (or we) could not cope: keep what we can
        problem = f"{type(error).__name__}: {str(error)[:200]}"
        log.warning("incoming message could not be parsed: %s", problem,
                    exc_info=not isinstance(error, RecursionError))
    try:
        mail = _parse(raw, max_attachment, ours, domain, max_message, headers_only=True)
    except Exception:
        mail = InboundMail(message_id=_made_message_id(raw), message_id_made=True, size=len(raw))
    mail.refused = "unreadable"
    mail.problems.append(problem)
    return mail


def _parse(raw: bytes, max_attachment: int, ours: set[str], our_domain: str,
           max_message: int, headers_only: bool = False) -> InboundMail:
    if not raw.strip():
        return InboundMail(message_id=_made_message_id(raw), message_id_made=True, size=len(raw),
                           refused="empty")
    too_large = len(raw) > max_message
    boundaries = 0 if (too_large or headers_only) else raw.count(b"\n--")
    headers_only = headers_only or too_large or boundaries > TOO_MANY_BOUNDARIES
    if headers_only:
        # The body of such a message is not read at all.
        end = raw.find(b"\r\n\r\n")
        end = raw.find(b"\n\n") if end < 0 else end
        header_bytes = raw[: end if 0 <= end < 1_000_000 else 1_000_000]
        msg = email.parser.BytesHeaderParser(policy=email.policy.default).parsebytes(header_bytes)
    else:
        policy = email.policy.compat32 if boundaries > MANY_BOUNDARIES else email.policy.default
        msg = email.message_from_bytes(raw, policy=policy)
    mail = InboundMail(message_id="", size=len(raw))

    mail.message_id = _first_msgid(_header(msg, "Message-ID"))
    if not mail.message_id:
        mail.message_id, mail.message_id_made = _made_message_id(raw), True
    mail.in_reply_to = _first_msgid(_header(msg, "In-Reply-To"))
    mail.references = _msgids(_header(msg, "References"))[-MAX_REFERENCES:]
    mail.subject = _clean_line(_header(msg, "Subject"))
    mail.ticket_numbers = ticket_numbers_in(mail.subject)
    if our_domain:
        for key in [mail.in_reply_to, *reversed(mail.references)]:
            number = ticket_number_of(key, our_domain)
            if number and number not in mail.thread_ticket_numbers:
                mail.thread_ticket_numbers.append(number)

    senders = _addresses(msg, "From") or _addresses(msg, "Sender")
    if senders:
        mail.sender_name, mail.sender = senders[0]
    mail.reply_to = [addr for _name, addr in _addresses(msg, "Reply-To")]
    mail.to = [addr for _name, addr in _addresses(msg, "To")]
    mail.cc = [addr for _name, addr in _addresses(msg, "Cc")]
    mail.date = _date(_header(msg, "Date"))
    mail.problems = sorted({type(defect).__name__ for defect in _defects(msg)})

    mail.automatic_reason = _automatic_reason(msg, mail, ours, our_domain)
    mail.is_automatic = bool(mail.automatic_reason)

    if too_large:
        mail.refused = "too-large"
        return mail
    if headers_only:
        if boundaries > TOO_MANY_BOUNDARIES:
            mail.refused = "unreadable"
            mail.problems.append("TooManyParts")
        return mail
    _read_body(msg, mail, max_attachment)
    mail.reply_text = strip_quoted(mail.text) if mail.is_reply else mail.text
    if not mail.sender:
        mail.refused = "no-sender"
    return mail


def _made_message_id(raw: bytes) -> str:
    """A stable Message-ID for a message that has none: the same bytes give the same id, so the
    service's dedupe by Message-ID still works when it is polled twice."""
    return f"<{hashlib.sha256(raw).hexdigest()[:40]}@no-message-id.invalid>"


# --- headers ---------------------------------------------------------------------------------


_CYRILLIC_WORD = re.compile(r"=\?(koi8-r|koi8-u|windows-1251|cp1251|iso-8859-5|cp866)(\*[^?]*)?\?",
                            re.IGNORECASE)


def _header(msg, name: str) -> str:
    """A header's value decoded (RFC 2047), "" when absent; broken headers never raise."""
    raw = _raw_header(msg, name)
    if len(raw) > MAX_HEADER:
        raw = raw[:MAX_HEADER]
        return _decode_words(_undo_surrogates(raw) if _has_surrogates(raw) else raw)
    if _has_surrogates(raw):
        # 8-bit bytes without RFC 2047 (the email package would give U+FFFD): guess the charset.
        return _decode_words(_undo_surrogates(raw))
    if _CYRILLIC_WORD.search(raw) or msg.policy is email.policy.compat32:
        return _decode_words(raw)  # the label of a Cyrillic encoded word may lie: see decode_text
    try:
        value = msg.get(name)
        text = "" if value is None else str(value)
    except Exception:
        text = _decode_words(raw)
    return _undo_surrogates(text) if _has_surrogates(text) else text


def _has_surrogates(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def _raw_header(msg, name: str) -> str:
    try:
        for key, value in msg.raw_items():
            if key.lower() == name.lower():
                return str(value)
    except Exception:
        pass
    return ""


def _decode_words(value: str) -> str:
    """RFC 2047 encoded words decoded, each in the charset that makes sense (decode_text)."""
    try:
        chunks = email.header.decode_header(re.sub(r"\s*[\r\n]+\s*", " ", value))
    except Exception:
        return value
    out = []
    for data, charset in chunks:
        if isinstance(data, str):
            out.append(data)
        elif charset in (None, "us-ascii") and not out:
            out.append(data.decode("ascii", "replace"))
        else:
            out.append(decode_text(data, charset) if charset else data.decode("ascii", "replace"))
    return "".join(out)


def _undo_surrogates(text: str) -> str:
    """Raw 8-bit bytes in a header (no RFC 2047) arrive as surrogate escapes: guess their charset."""
    try:
        data = text.encode("utf-8", "surrogateescape")
    except UnicodeError:
        return text.encode("utf-8", "replace").decode("utf-8", "replace")
    return decode_text(data, None)


def _clean_line(text: str) -> str:
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", text.replace("\t", " "))
    return re.sub(r"\s+", " ", text).strip()[:1000]


MSGID = re.compile(r"<([^<>\s]{1,998})>")


def _normal_msgid(token: str) -> str:
    token = "<" + token.strip("<> \t") + ">"
    if len(token) > MAX_MESSAGE_ID:
        token = f"<{hashlib.sha256(token.encode('utf-8', 'replace')).hexdigest()[:40]}@long-id.invalid>"
    return token


def _msgids(value: str) -> list[str]:
    out: list[str] = []
    for token in MSGID.findall(value or ""):
        token = _normal_msgid(token)
        if token not in out:
            out.append(token)
    if not out and value and value.strip() and " " not in value.strip():
        out.append(_normal_msgid(value.strip()))  # an id written without its angle brackets
    return out


def _first_msgid(value: str) -> str:
    ids = _msgids(value)
    return ids[0] if ids else ""


ADDRESS = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\"]+$|"
                     r"^[^@\s<>()\[\],;:\"]+@localhost$")


def _addresses(msg, name: str) -> list[tuple[str, str]]:
    """[(display name, address lower case)] of an address header; invalid addresses left out."""
    pairs: list[tuple[str, str]] = []
    long = len(_raw_header(msg, name)) > MAX_HEADER
    try:
        header = None if long else msg.get(name)
        if header is not None and hasattr(header, "addresses"):
            pairs = [(a.display_name or "", a.addr_spec or "") for a in header.addresses]
    except Exception:
        pairs = []
    if not pairs:
        raw = _raw_header(msg, name)
        if long:
            raw = raw[:MAX_HEADER].rpartition(",")[0]
        try:
            pairs = [(_decode_words(n), a) for n, a in email.utils.getaddresses([raw])] if raw else []
        except Exception:
            pairs = []
    out = []
    for display, addr in pairs:
        addr = _undo_surrogates(addr) if _has_surrogates(addr) else addr
        addr = addr.strip().strip("<>").lower()
        if ADDRESS.match(addr) and len(addr) <= 254:
            if _has_surrogates(display):
                display = _undo_surrogates(display)
            display = _clean_line(display).strip("\"' ")
            out.append((display[:200], addr))
    return out


def _date(value: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except Exception:
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    try:
        return when.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        return None


def _defects(msg) -> list:
    found = []
    try:
        for part in itertools.islice(msg.walk(), MAX_PARTS):
            found.extend(getattr(part, "defects", ()))
    except Exception:
        pass
    return found[:50]


# --- automatic mail ----------------------------------------------------------------------------

AUTOREPLY_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Autogenerated", "X-Auto-Reply",
                     "X-Mail-Autoreply", "X-Auto-Response")
DAEMON_SENDER = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)@", re.IGNORECASE)


def _automatic_reason(msg, mail: InboundMail, ours: set[str], our_domain: str) -> str:
    """The key of AUTOMATIC_REASONS that makes this message automatic, or ""."""
    if mail.sender in ours or any(addr in ours for addr in mail.reply_to):
        return "loop"
    if is_our_message_id(mail.message_id, our_domain):
        return "loop"  # a Message-ID we made: our own sent message came back
    x_loop = _header(msg, "X-Loop").lower()
    if x_loop and any(address in x_loop for address in ours):
        return "loop"
    content_type = _content_type(msg)
    report_type = _param(msg, "report-type").lower()
    if content_type == "multipart/report" and report_type == "delivery-status":
        return "bounce"
    if content_type == "multipart/report" and report_type == "disposition-notification":
        return "receipt"
    if DAEMON_SENDER.match(mail.sender):
        return "mailer-daemon"
    auto_submitted = _header(msg, "Auto-Submitted").strip().lower()
    if auto_submitted and auto_submitted.split(";")[0].strip() != "no":
        return "auto-submitted"
    if any(_raw_header(msg, name) for name in AUTOREPLY_HEADERS):
        return "autoreply"
    if _header(msg, "Precedence").strip().lower() in {"bulk", "junk", "list", "auto_reply"}:
        return "bulk"
    if _raw_header(msg, "List-Id") or _raw_header(msg, "List-Unsubscribe"):
        return "mailing-list"
    if _has_delivery_status(msg):
        return "bounce"
    return_path = _raw_header(msg, "Return-Path").strip()
    if return_path and return_path.replace(" ", "") == "<>":
        return "null-sender"
    return ""


def _msgid_domain(message_id: str) -> str:
    return message_id.strip("<>").rpartition("@")[2].lower()


def _content_type(part) -> str:
    try:
        return part.get_content_type()
    except Exception:
        return "application/octet-stream"


def _param(part, name: str) -> str:
    try:
        return str(part.get_param(name, "") or "")
    except Exception:
        return ""


def _has_delivery_status(msg) -> bool:
    try:
        return any(_content_type(part) == "message/delivery-status"
                   for part in itertools.islice(msg.walk(), MAX_PARTS))
    except Exception:
        return False


# --- the body and the attachments ----------------------------------------------------------------


def _read_body(msg, mail: InboundMail, max_attachment: int) -> None:
    plains: list[tuple[int, object]] = []  # (nesting of attached messages, part)
    htmls: list[tuple[int, object]] = []
    files: list[object] = []
    budget = [MAX_PARTS]
    _collect(msg, 0, 0, False, plains, htmls, files, budget)
    if budget[0] < 0:
        mail.problems.append("TooManyParts")

    body_parts: list = []
    for nested in sorted({depth for depth, _part in plains + htmls}):
        top_plain = [p for d, p in plains if d == nested]
        top_html = [p for d, p in htmls if d == nested]
        if top_plain or top_html:
            body_parts = top_plain or top_html[:1]
            break
    texts = []
    for part in body_parts:
        data = _payload(part)
        decoded = decode_text(data, _param(part, "charset") or None)
        texts.append(html_to_text(decoded[:MAX_HTML]) if _content_type(part) == "text/html" else decoded)
    mail.text = clean_text("\n\n".join(t for t in texts if t.strip()))
    if len(mail.text) > MAX_TEXT:
        mail.text = mail.text[:MAX_TEXT]
        mail.problems.append("TextTruncated")

    used = {id(part) for part in body_parts}
    for part in files:
        if id(part) not in used:
            _attach(part, len(mail.attachments) + len(mail.refused_attachments) + 1, mail,
                    max_attachment)


def _is_attachment(part) -> bool:
    try:
        disposition = (part.get_content_disposition() or "").lower()
        filename = part.get_filename()
    except Exception:
        disposition, filename = "", None
    return disposition == "attachment" or bool(filename)


def _collect(part, depth: int, nested: int, in_alternative: bool, plains, htmls, files,
             budget: list[int]) -> None:
    """Walk the MIME tree: text parts that may be the body, and everything that is a file."""
    budget[0] -= 1
    if depth > MAX_DEPTH or budget[0] < 0:
        return
    content_type = _content_type(part)
    if content_type in ("message/delivery-status", "message/disposition-notification") \
            and not _is_attachment(part):
        return  # the machine-readable part of a report: the ticket does not need it
    if content_type == "message/rfc822" or (content_type.startswith("message/")
                                            and part.is_multipart()):
        files.append(part)  # kept as a file (.eml); its text is a body only if nothing else is
        for inner in _subparts(part):
            _collect(inner, depth + 1, nested + 1, False, plains, htmls, [], budget)
        return
    if part.is_multipart():
        alternative = content_type == "multipart/alternative"
        for inner in _subparts(part):
            _collect(inner, depth + 1, nested, alternative, plains, htmls, files, budget)
        return
    if content_type in ("text/plain", "text/html") and not _is_attachment(part):
        (plains if content_type == "text/plain" else htmls).append((nested, part))
        if content_type == "text/plain" or in_alternative:
            return
        # An HTML part outside an alternative may also be the body (see _read_body); when a
        # plain text is the body, it is kept as a file.
    files.append(part)


def _subparts(part) -> list:
    try:
        payload = part.get_payload()
    except Exception:
        return []
    return [p for p in payload if hasattr(p, "get_content_type")] if isinstance(payload, list) else []


def _payload(part) -> bytes:
    """The decoded bytes of a leaf part (base64 / quoted-printable undone)."""
    try:
        if _content_type(part).startswith("message/"):
            inner = _subparts(part)
            if inner:
                try:
                    return inner[0].as_bytes(policy=email.policy.compat32)
                except Exception:
                    return inner[0].as_string(policy=email.policy.compat32).encode("utf-8", "replace")
        data = part.get_payload(decode=True)
        if data is None:
            payload = part.get_payload()
            data = payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""
        return bytes(data)
    except Exception:
        return b""


def _attach(part, number: int, mail: InboundMail, max_attachment: int) -> None:
    content_type = _content_type(part)
    data = _payload(part)
    try:
        filename = part.get_filename() or ""
    except Exception:
        filename = ""
    if not filename and content_type == "message/rfc822":
        inner = _subparts(part)
        subject = _clean_line(_header(inner[0], "Subject")) if inner else ""
        filename = (subject[:100] or "message") + ".eml"
    filename = safe_filename(filename, content_type, number)
    if len(data) > max_attachment:
        mail.refused_attachments.append(RefusedAttachment(filename, content_type, len(data),
                                                          max_attachment))
        return
    try:
        inline = bool(part.get("Content-ID")) and (part.get_content_disposition() or "inline") == "inline"
    except Exception:
        inline = False
    mail.attachments.append(Attachment(filename, content_type, data, inline=inline))


def safe_filename(name: str, content_type: str = "", number: int = 1) -> str:
    """A file name safe to store and to offer for download: no folders, no control characters."""
    name = _undo_surrogates(name) if _has_surrogates(name) else name
    name = _decode_words(name) if "=?" in name else name
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"\s+", " ", name).strip(" .")
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:140] + dot + ext[:9]) if dot and len(ext) <= 9 else name[:150]
    if not name:
        ext = mimetypes.guess_extension(content_type or "") or ".bin"
        name = f"attachment-{number}{ext}"
    return name


# --- text -------------------------------------------------------------------------------------

CYRILLIC_CHARSETS = ("windows-1251", "koi8-r", "koi8-u", "cp866", "iso-8859-5", "mac-cyrillic")
_RUSSIAN_LOWER = set("абвгдеёжзийклмнопрстуфхцчшщъыьэюя")
_RUSSIAN_UPPER = {ch.upper() for ch in _RUSSIAN_LOWER}


def _russian_score(text: str) -> float:
    """How much a decoding looks like Russian: lower-case letters count most (text is mostly
    lower case; a wrong Cyrillic charset gives upper case or symbols), anything else non-ASCII
    counts against."""
    score = 0.0
    for ch in text:
        if ch in _RUSSIAN_LOWER:
            score += 2
        elif ch in _RUSSIAN_UPPER:
            score += 0.5
        elif ch >= "\x80" and ch not in "«»—–…№’“”‘•\xa0":
            score -= 3
    return score


def decode_text(data: bytes, charset: str | None) -> str:
    """Bytes of a text part as text, in the charset that makes sense.

    Valid UTF-8 is read as UTF-8 whatever the label says (other charsets give valid UTF-8 only
    by a rare accident). A single-byte Cyrillic label, or none, or an unknown one, is checked
    against the other Cyrillic charsets and the one that gives Russian text wins: windows-1251
    labelled koi8-r is common. Any other declared charset is trusted.
    """
    if not data:
        return ""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    label = (charset or "").strip().strip("\"'").lower()
    try:
        declared = codecs.lookup(label).name if label else ""
    except LookupError:
        declared = ""
    cyrillic = {codecs_name(c) for c in CYRILLIC_CHARSETS}
    if declared and declared not in cyrillic and declared not in ("ascii", "utf-8", "us-ascii"):
        try:
            return data.decode(declared)
        except UnicodeDecodeError:
            return data.decode(declared, "replace")
        except Exception:
            pass
    candidates = [declared] if declared in cyrillic else []
    candidates += [c for c in CYRILLIC_CHARSETS if codecs_name(c) not in candidates]
    best, best_score = "", None
    sample = data[:20_000]  # enough to tell, and the score is a loop in Python
    best, best_score = candidates[0], None
    for candidate in candidates:
        score = _russian_score(sample.decode(candidate, "replace"))
        if best_score is None or score > best_score:
            best, best_score = candidate, score
    return data.decode(best, "replace")


def codecs_name(charset: str) -> str:
    return codecs.lookup(charset).name


def clean_text(text: str) -> str:
    """Line ends as \\n, no control characters, no trailing spaces, at most one empty line in a row."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff\u200b]", "", text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n")


# --- HTML → text ---------------------------------------------------------------------------------

_SKIP = {"script", "style", "head", "title", "template", "noscript", "svg", "math", "object",
         "iframe", "frameset", "frame", "applet", "embed", "select", "textarea", "button"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
         "source", "track", "wbr"}
_BLOCK = {"p", "div", "section", "article", "header", "footer", "address", "table", "tr",
          "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "form",
          "fieldset", "center", "main", "aside", "nav", "figure", "figcaption", "caption"}


class _TextExtractor(HTMLParser):
    """HTML to plain text: what a person reads, without markup, scripts or styles."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[list] = [[0, ""]]  # [quote depth, text]
        self.skip = 0
        self.quote = 0
        self.pre = 0
        self.links: list[str | None] = []

    def newline(self, blank: bool = False) -> None:
        if self.lines[-1][1].strip():
            self.lines.append([self.quote, ""])
        else:
            self.lines[-1][0] = self.quote
        if blank and len(self.lines) > 1 and self.lines[-2][1].strip():
            self.lines.insert(-1, [self.quote, ""])

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP:
            if tag not in _VOID:
                self.skip += 1
            return
        if self.skip:
            return
        if tag == "br":
            self.lines.append([self.quote, ""])
        elif tag == "blockquote":
            self.newline()
            self.quote += 1
            self.lines[-1][0] = self.quote
        elif tag == "li":
            self.newline()
            self.lines[-1][1] += "- "
        elif tag == "hr":
            self.newline()
            self.lines[-1][1] = "----"
            self.newline()
        elif tag in ("td", "th"):
            if self.lines[-1][1].strip():
                self.lines[-1][1] += " | "
        elif tag in _BLOCK:
            self.newline(blank=tag in ("p", "h1", "h2", "h3", "table"))
            if tag == "pre":
                self.pre += 1
        if tag == "a" and tag not in _VOID:
            href = dict(attrs).get("href") or ""
            self.links.append(href.strip() if re.match(r"(?i)^(https?|mailto):", href.strip()) else None)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in _SKIP:
            if tag not in _VOID:
                self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if tag == "blockquote":
            self.quote = max(0, self.quote - 1)
            self.newline()
        elif tag == "a":
            href = self.links.pop() if self.links else None
            text = self.lines[-1][1]
            if href and href.removeprefix("mailto:") not in text:
                self.lines[-1][1] = text + f" ({href.removeprefix('mailto:')})"
        elif tag in _BLOCK or tag == "li":
            if tag == "pre":
                self.pre = max(0, self.pre - 1)
            self.newline(blank=tag in ("p", "h1", "h2", "h3", "table"))

    def handle_data(self, data):
        if self.skip:
            return
        if self.pre:
            first, *rest = data.split("\n")
            self.lines[-1][1] += first
            for line in rest:
                self.lines.append([self.quote, line])
            return
        data = re.sub(r"\s+", " ", data)
        if not self.lines[-1][1] or self.lines[-1][1].endswith((" ", "- ")):
            data = data.lstrip()
        self.lines[-1][1] += data

    def text(self) -> str:
        out = []
        for depth, line in self.lines:
            line = line.strip()
            marks = "> " * min(depth, MAX_QUOTE_MARKS)
            out.append((marks + line).rstrip())
        return "\n".join(out)


def html_to_text(markup: str) -> str:
    """The text a person reads in an HTML body: no tags, no scripts, no styles, never HTML."""
    parser = _TextExtractor()
    try:
        parser.feed(markup)
        parser.close()
        return clean_text(parser.text())
    except Exception:
        # Should not happen with html.parser; fall back to dropping everything between <...>.
        stripped = re.sub(r"(?is)<(script|style|head)\b.*?</\1\s*>", " ", markup)
        return clean_text(html.unescape(re.sub(r"(?s)<[^>]*>", " ", stripped)))


# --- the reply without the quoted history --------------------------------------------------------

REPLY_PREFIX = re.compile(r"^\s*(re|aw|ответ|отв|re\[\d+\])\s*:", re.IGNORECASE)

_WROTE = re.compile(
    r"(\b(wrote|writes|schrieb|a écrit|escribió|scrisse)|"
    r"(написал|написала|написал\(а\)|написали|пишет|пишут))\s*:\s*$",
    re.IGNORECASE)
_ON_LINE = re.compile(r"^\s*(on|am|le|el|il)\s.+", re.IGNORECASE)
_ORIGINAL = re.compile(
    r"^\s*-{2,}\s*(original message|исходное сообщение|исходное письмо|reply message|"
    r"ursprüngliche nachricht)\s*-{2,}\s*$", re.IGNORECASE)
_HEADER_FROM = re.compile(r"^\s*\*?(from|от|von|de)\s*:\*?\s*\S", re.IGNORECASE)
_HEADER_OTHER = re.compile(
    r"^\s*\*?(sent|date|to|subject|cc|отправлено|дата|кому|тема|копия|gesendet|an|betreff)\s*:",
    re.IGNORECASE)
# Gmail and Yandex in Russian: "пт, 4 дек. 2026 г. в 12:30, Portal <support@x>:" or
# "04.12.2026, 12:30, "Portal" <support@x>:". Only cut when a quote follows (see below).
_DATED_ADDRESS = re.compile(r"\d{1,2}[:.]\d{2}.*<[^<>@\s]+@[^<>\s]+>\s*:\s*$")


def strip_quoted(text: str) -> str:
    """The new part of a reply: the text above the quoted history. Conservative: it cuts only at
    a line that clearly starts a quote, and gives the whole text back when nothing is left."""
    lines = text.split("\n")
    cut = len(lines)
    for index in range(len(lines)):
        if _starts_quote(lines, index):
            cut = index
            break
    kept = lines[:cut]
    while kept and (not kept[-1].strip() or kept[-1].lstrip().startswith(">")):
        kept.pop()
    while kept and re.fullmatch(r"\s*_{5,}\s*|\s*-{5,}\s*", kept[-1]):
        kept.pop()
    while kept and not kept[-1].strip():
        kept.pop()
    result = "\n".join(kept).strip("\n")
    return result if result.strip() else text


def _next_content(lines: list[str], index: int) -> str:
    for line in lines[index + 1:index + 4]:
        if line.strip():
            return line
    return ""


def _starts_quote(lines: list[str], index: int) -> bool:
    line = lines[index]
    if _ORIGINAL.match(line):
        return True
    # "On Mon, 6 Dec 2026, Ivan <ivan@x> wrote:", «Иван написал(а):», "Иван пишет:"
    if _WROTE.search(line) and (_ON_LINE.match(line) or re.search(r"\d", line) or "@" in line
                                or _next_content(lines, index).lstrip().startswith(">")):
        return True
    if index + 1 < len(lines) and _ON_LINE.match(line) and not line.rstrip().endswith(":") \
            and _WROTE.search(lines[index + 1]) and len(line) + len(lines[index + 1]) < 300:
        return True  # Gmail wraps "On ... <ivan@x>\nwrote:" over two lines
    if _HEADER_FROM.match(line):
        # Outlook: "From: ...", then "Sent:" / "To:" / "Subject:" in the next lines.
        following = [text for text in lines[index + 1:index + 6] if text.strip()]
        if sum(1 for text in following[:4] if _HEADER_OTHER.match(text)) >= 2:
            return True
    return bool(_DATED_ADDRESS.search(line) and _next_content(lines, index).lstrip().startswith(">"))


# --- threading -----------------------------------------------------------------------------------


def thread_keys(mail: InboundMail) -> list[str]:
    """The Message-IDs to look up to find the ticket this message belongs to, best first:
    In-Reply-To, then References from the last (the message answered) to the first."""
    keys: list[str] = []
    for key in [mail.in_reply_to, *reversed(mail.references)]:
        if key and key != mail.message_id and key not in keys:
            keys.append(key)
    return keys


def ticket_numbers_in(text: str) -> list[str]:
    """Ticket numbers written in a text ("[T-2026-000123]"), upper case, first seen first."""
    out: list[str] = []
    for year, serial in TICKET_NUMBER.findall(text or ""):
        number = f"T-{year}-{serial}"
        if number not in out:
            out.append(number)
    return out


def make_message_id(domain: str, ticket_number: str) -> str:
    """A Message-ID for a message we send about a ticket, with the ticket number inside:
    `<T-2026-000123.4f9c2a1b7e3d5a60@portal.example.com>`."""
    domain = (domain or "portal.invalid").strip().lower()
    number = ticket_number if TICKET_NUMBER.fullmatch(ticket_number or "") else "T"
    return f"<{number}.{secrets.token_hex(8)}@{domain}>"


# What make_message_id makes. Matching the domain alone is not enough: a mail program may name
# its Message-IDs after the sender's domain, which can be ours (an employee writing to support).
OUR_MESSAGE_ID = re.compile(r"^<(?:T-(\d{4})-(\d{6})|T)\.[0-9a-f]{16}@([^<>@\s]+)>$", re.IGNORECASE)


def is_our_message_id(message_id: str, domain: str) -> bool:
    """Whether make_message_id made this Message-ID (for that domain)."""
    match = OUR_MESSAGE_ID.match(message_id or "")
    return bool(match and domain and match.group(3).lower() == domain.strip().lower())


def ticket_number_of(message_id: str, domain: str) -> str:
    """The ticket number inside one of OUR Message-IDs (made by make_message_id), else ""."""
    if not is_our_message_id(message_id, domain):
        return ""
    match = OUR_MESSAGE_ID.match(message_id)
    return f"T-{match.group(1)}-{match.group(2)}" if match.group(1) else ""


def reply_subject(subject: str, ticket_number: str) -> str:
    """ "Re: [T-2026-000123] subject", without piling up "Re: Re:" or repeating the number."""
    subject = _clean_line(subject or "")
    while REPLY_PREFIX.match(subject):
        subject = REPLY_PREFIX.sub("", subject, count=1).strip()
    if ticket_number.upper() not in subject.upper():
        subject = f"[{ticket_number}] {subject}".strip()
    return f"Re: {subject}"


def reply_headers(*, domain: str, ticket_number: str, reply_to: str, in_reply_to: str = "",
                  references=(), automatic: bool = False) -> dict[str, str]:
    """The headers of a message we send about a ticket, so that the answer threads back.

    `in_reply_to`: the Message-ID of the last message of the conversation (the requester's
    or ours); `references`: that message's References (kept, the new one appended, the list
    capped as RFC 5322 suggests: the first and the last ones). `reply_to`: the support
    mailbox that the intake reads. `automatic`: an acknowledgement sent by the portal without
    a person (marked `Auto-Submitted: auto-replied`, RFC 3834, so that auto-responders do not
    answer it); a reply written by an agent is not marked.
    """
    headers = {"Message-ID": make_message_id(domain, ticket_number), "Reply-To": reply_to}
    chain = [ref for ref in references if ref]
    if in_reply_to:
        headers["In-Reply-To"] = in_reply_to
        if in_reply_to not in chain:
            chain.append(in_reply_to)
    if chain:
        if len(chain) > 20:
            chain = chain[:1] + chain[-19:]
        headers["References"] = " ".join(chain)
    if automatic:
        headers["Auto-Submitted"] = "auto-replied"
        # Exchange and Outlook: send no out-of-office or other auto-reply to this message.
        headers["X-Auto-Response-Suppress"] = "All"
    return headers
