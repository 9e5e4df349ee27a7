"""E-mail: the outbox drained by `portal tick`, retried on failure, and the daily digest.

Configured in the ini file (empty `mail.host`: e-mail is off and everything stays in the portal):

    mail.host = smtp.example.com
    mail.port = 587                 ; 25 by default
    mail.from = Portal <portal@example.com>
    mail.username = ...             ; optional (AUTH LOGIN/PLAIN after STARTTLS)
    mail.password = env:PORTAL_SMTP_PASSWORD
    mail.tls = starttls             ; none (default) | starttls | ssl
    mail.timeout = 20
    portal.base_url = https://portal.example.com   ; links in e-mails

Messages are written into `mail_outbox` by models.notifications.notify() inside the request's
transaction, so nothing is sent for work that is rolled back, and nothing is sent before the
commit. Each tick claims due messages (FOR UPDATE SKIP LOCKED on PostgreSQL, so two tick
processes never send the same one), sends them, and marks them sent; a failure is retried
later with a growing pause, up to MAX_ATTEMPTS.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr
from functools import lru_cache
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from pyramid.i18n import Localizer, TranslationString, make_localizer
from pyramid.interfaces import ITranslationDirectories

from models.meta import utcnow
from models.notifications import MailMessage, NotificationSettings
from models.people import User
from portal.core.i18n import LANGUAGES, _, zone_named
from portal.core.ticker import claim, job
from portal.notifications.messages import moment_text, render_notice

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
# Pause before attempt n+1 (minutes): 1, 5, 15, 60, 180.
RETRY_MINUTES = (1, 5, 15, 60, 180)
BATCH = 200


# --- translation for a recipient (notices are stored as messages, rendered in their language) ----


def default_locale(registry) -> str:
    settings = getattr(registry, "settings", None) or {}
    return settings.get("pyramid.default_locale_name") or "ru"


@lru_cache(maxsize=16)
def _localizer(locale: str, dirs: tuple) -> Localizer:
    return make_localizer(locale, list(dirs))


def localizer_for(registry, locale: str | None) -> Localizer:
    """A localizer for `locale` (a person's preference; empty: the portal's default)."""
    if locale not in LANGUAGES:
        locale = default_locale(registry)
    dirs = tuple(registry.queryUtility(ITranslationDirectories, default=[]) or ())
    return _localizer(locale, dirs)


def translate(localizer: Localizer, value) -> str:
    """Translate a translation string whose mapping may hold translation strings too."""
    if isinstance(value, TranslationString):
        mapping = value.mapping and {k: translate(localizer, v) for k, v in value.mapping.items()}
        return localizer.translate(TranslationString(value, domain=value.domain, mapping=mapping or None))
    return "" if value is None else str(value)


# --- settings and sending -------------------------------------------------------------------


class MailConfig:
    def __init__(self, settings: dict):
        self.host = (settings.get("mail.host") or "").strip()
        self.port = int(settings.get("mail.port") or 25)
        self.sender = (settings.get("mail.from") or "").strip() or "Portal <portal@localhost>"
        self.username = (settings.get("mail.username") or "").strip()
        self.password = settings.get("mail.password") or ""
        self.tls = (settings.get("mail.tls") or "none").strip().lower()
        self.timeout = float(settings.get("mail.timeout") or 20)
        self.base_url = (settings.get("portal.base_url") or "").rstrip("/")

    @property
    def enabled(self) -> bool:
        return bool(self.host)

    def connect(self) -> smtplib.SMTP:
        if self.tls == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.tls == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        if self.username:
            smtp.login(self.username, self.password)
        return smtp


def absolute_url(config: MailConfig, url: str, fallback_base: str = "") -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    base = config.base_url or fallback_base.rstrip("/")
    return f"{base}{url}" if url.startswith("/") else url


def build_message(
    config: MailConfig, message: MailMessage, localizer: Localizer, base: str = "",
    zone: ZoneInfo | None = None,
) -> EmailMessage:
    """The e-mail of a queued message, written in the recipient's language (`localizer`) and
    time zone (`zone`) now, as it leaves the portal."""
    if message.headers is not None:
        return _outside_message(config, message)
    subject, body = render_notice(message, localizer, zone or zone_named(None))
    subject = " ".join(subject.split())[:300]  # a header holds no line breaks
    email = EmailMessage()
    name, address = parseaddr(config.sender)
    email["From"] = formataddr((name, address)) if address else config.sender
    email["To"] = message.to_addr
    email["Subject"] = subject
    email["Message-ID"] = make_msgid(domain=(address.partition("@")[2] or "portal.local"))
    email["Auto-Submitted"] = "auto-generated"
    lines = [subject, ""]
    if body:
        lines += [body, ""]
    link = absolute_url(config, message.url, base)
    if link:
        lines += [link, ""]
    lines += [
        "—",
        localizer.translate(
            _(
                "Portal CRM. You receive this because of your notification preferences; change them "
                "under Preferences → Notifications."
            )
        ),
    ]
    email.set_content("\n".join(lines))
    return email


# Headers a message to someone outside the portal may carry as stored.
OUTSIDE_HEADERS = ("From", "Reply-To", "Message-ID", "In-Reply-To", "References",
                   "Auto-Submitted", "X-Auto-Response-Suppress")


def _outside_message(config: MailConfig, message: MailMessage) -> EmailMessage:
    """Mail to a ticket's requester: the text as written (no link into the portal, no word on
    notification preferences), with the headers that thread the answer back."""
    email = EmailMessage()
    headers = dict(message.headers or {})
    name, address = parseaddr(headers.pop("From", "") or config.sender)
    email["From"] = formataddr((name, address)) if address else config.sender
    email["To"] = message.to_addr
    email["Subject"] = " ".join((message.subject or "").split())[:300]
    for key in OUTSIDE_HEADERS[1:]:
        value = " ".join(str(headers.get(key) or "").split())
        if value:
            email[key] = value
    if "Message-ID" not in email:
        email["Message-ID"] = make_msgid(domain=(address.partition("@")[2] or "portal.local"))
    email.set_content(message.body or "")
    return email


def _retry_at(attempts: int, now: dt.datetime) -> dt.datetime:
    pause = RETRY_MINUTES[min(attempts - 1, len(RETRY_MINUTES) - 1)]
    return now + dt.timedelta(minutes=pause)


def send_queued(dbsession, settings: dict, registry, now: dt.datetime | None = None, base: str = "") -> int:
    """Send the queued messages that are due; returns how many went out.

    Claimed rows stay locked until this transaction ends, so a parallel tick skips them. A
    message that fails is retried later; after MAX_ATTEMPTS it is marked failed.
    """
    config = MailConfig(settings)
    if not config.enabled:
        return 0
    now = now or utcnow()
    messages = claim(
        dbsession,
        sa.select(MailMessage)
        .where(
            MailMessage.status == "queued",
            MailMessage.next_attempt_at <= now,
        )
        .order_by(MailMessage.next_attempt_at, MailMessage.id)
        .limit(BATCH),
    )
    if not messages:
        return 0
    people = {
        uid: (locale, zone)
        for uid, locale, zone in dbsession.execute(
            sa.select(User.id, User.locale, User.timezone).where(
                User.id.in_({m.user_id for m in messages if m.user_id}))
        )
    }
    sent = 0
    smtp = None
    try:
        try:
            smtp = config.connect()
        except (OSError, smtplib.SMTPException) as error:
            for message in messages:
                _failed(message, error, now)
            return 0
        for message in messages:
            locale, zone = people.get(message.user_id, (None, None))
            try:
                smtp.send_message(build_message(config, message, localizer_for(registry, locale), base,
                                                zone_named(zone)))
            except (OSError, smtplib.SMTPException) as error:
                _failed(message, error, now)
                if isinstance(error, (smtplib.SMTPServerDisconnected, OSError)):
                    break  # the connection is gone: the rest wait for the next tick
                continue
            message.status = "sent"
            message.sent_at = now
            message.attempts += 1
            message.last_error = ""
            sent += 1
    finally:
        if smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                smtp.quit()
    return sent


def _failed(message: MailMessage, error: Exception, now: dt.datetime) -> None:
    message.attempts += 1
    message.last_error = f"{type(error).__name__}: {error}"[:2000]
    if message.attempts >= MAX_ATTEMPTS:
        message.status = "failed"
        log.warning("giving up e-mail %s to %s: %s", message.id, message.to_addr, error)
    else:
        message.next_attempt_at = _retry_at(message.attempts, now)
        log.info(
            "e-mail %s to %s failed (attempt %s): %s", message.id, message.to_addr, message.attempts, error
        )


# --- the daily digest ---------------------------------------------------------------------------


def compose_digests(dbsession, registry, now: dt.datetime | None = None, base: str = "") -> int:
    """Gather each digest reader's waiting e-mails into one message at their digest hour.

    Links in it are absolute (portal.base_url, else `base`): a mail program has no portal to
    resolve "/tasks/7" against.

    Once per person per local day: their settings row is claimed (locked) and its
    `last_digest_on` set in the same transaction as the digest it produces.
    """
    now = now or utcnow()
    config = MailConfig(registry.settings or {})
    waiting = sa.select(MailMessage.user_id).where(MailMessage.status == "digest").distinct()
    rows = claim(dbsession, sa.select(NotificationSettings).where(NotificationSettings.user_id.in_(waiting)))
    made = 0
    for setting in rows:
        user = dbsession.get(User, setting.user_id)
        if user is None:
            continue
        zone = zone_named(user.timezone)
        local = now.astimezone(zone)
        if local.hour < setting.digest_hour or setting.last_digest_on == local.date():
            continue
        items = list(
            dbsession.scalars(
                sa.select(MailMessage)
                .where(MailMessage.user_id == user.id, MailMessage.status == "digest")
                .order_by(MailMessage.created_at, MailMessage.id)
            )
        )
        setting.last_digest_on = local.date()
        if not items:
            continue
        localizer = localizer_for(registry, user.locale)
        subject = localizer.translate(_("Your portal digest: ${n} notifications", mapping={"n": len(items)}))
        parts = []
        for item in items:
            # Each notice as the reader reads it today, not as it was queued.
            title, body = render_notice(item, localizer, zone)
            when = moment_text(item.created_at, localizer.locale_name, zone)
            parts.append(
                f"• {when}  {title}"
                + (f"\n  {body}" if body else "")
                + (f"\n  {absolute_url(config, item.url, base)}" if item.url else "")
            )
        digest = MailMessage(
            user_id=user.id,
            to_addr=user.email or items[-1].to_addr,
            subject=subject[:300],
            body="\n\n".join(parts),
            url="/notifications",
            kind="digest",
            status="queued",
            next_attempt_at=now,
        )
        dbsession.add(digest)
        dbsession.flush()
        for item in items:
            item.status = "included"
            item.digest_id = digest.id
        made += 1
    return made


# --- tick jobs ------------------------------------------------------------------------------------


@job("mail_digests", order=90)
def digest_job(request) -> int:
    return compose_digests(request.dbsession, request.registry, base=request.application_url)


@job("mail_sent", order=91)
def send_job(request) -> int:
    return send_queued(
        request.dbsession, request.registry.settings, request.registry, base=request.application_url
    )
