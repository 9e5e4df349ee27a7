"""The notification inbox behind the bell, each person's delivery preferences, and the e-mail
outbox.

`notify()` is the one door: it puts a notification in the inbox, queues an e-mail, or both,
as the recipient prefers for that kind of notice. E-mail goes into `mail_outbox` inside the
caller's transaction, so it exists only once that transaction commits; `portal tick` sends it
(portal/core/mail.py) and retries on failure. A person who wants a daily digest gets the e-mails of
the day gathered into one message.

What a notice says is stored as a message id and its parameters (`message`/`params`, and
`body_message`/`body_params`), never as finished sentences: the inbox, My day and the e-mails
render it when it is read or sent, in the reader's language and time zone at that moment
(portal/notifications/messages.py holds the convention, the encoder and the renderer).
`title`/`body` keep the English rendering, and are all that rows written before have.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from pyramid.i18n import TranslationStringFactory
from sqlalchemy.orm import Mapped, mapped_column

from models.meta import Base, UTCDateTime, utcnow
from models.people import User

_ = TranslationStringFactory("portal")


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(50), default="info")
    # The English rendering (rows written before messages were stored: the text as written).
    title: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    url: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # What is shown: the title's message id ("portal" domain) and its parameters, the same for
    # the body; rendered when read. None: plain text, shown as `title`/`body` hold it.
    message: Mapped[str | None] = mapped_column(sa.Text)
    params: Mapped[dict | None] = mapped_column(sa.JSON)
    body_message: Mapped[str | None] = mapped_column(sa.Text)
    body_params: Mapped[dict | None] = mapped_column(sa.JSON)


@dataclass(frozen=True)
class Message:
    """A notice's title or body as it is stored: a message id with its parameters (JSON), and
    its English rendering `text` (kept in `title`/`body`). Made by
    portal/notifications/messages.py `stored()`; a plain `str` given to `notify` is stored as
    text to show as it is (someone's own words: a comment sending an article back)."""

    message: str
    params: dict
    text: str


# Every kind of notice the portal sends. `notify` refuses any other, so that a new kind is
# added here, and tests/functional/notifications/test_notices_read.py (which sends each kind to
# an English and a Russian reader and reads it in both) has to cover it. "info": plain text.
NOTICE_KINDS = frozenset({
    "info",
    "task_assigned", "task_changed", "task_due", "reminder", "mention", "birthday",
    "event_invitation", "event_change", "event_cancellation", "event_answer", "reminder_event",
    "kb_review", "kb_published", "kb_rejected", "kb_must_read",
    "client_dates", "interaction_planned",
    "ticket_new", "ticket_assigned", "ticket_changed", "ticket_sla",
    "job_assigned", "job_rescheduled", "job_unassigned", "job_stopped",
    "handover",
    "deal_assigned",
})


# --- preferences --------------------------------------------------------------------------------

CHANNELS = ("portal", "email", "both")
DEFAULT_CHANNEL = "portal"

# Kinds of notices a person sets a channel for. A notification's kind matches the longest key
# it starts with ("event_invitation" → "event"); anything else follows the person's default.
# Areas add their kinds here.
NOTIFICATION_KINDS: dict[str, object] = {
    "task_assigned": _("A task is assigned to me or to my department's queue"),
    "task_changed": _("A task I take part in changes or gets a comment"),
    "task_due": _("My task is due soon or overdue"),
    "reminder": _("Reminders I set"),
    "mention": _("Someone mentions me in a comment (@login)"),
    "event": _("Calendar invitations, changes and cancellations"),
    "birthday": _("Colleagues' birthdays"),
    "ticket": _("Tickets: new in my queues, given to me, answered by the requester, SLA alerts"),
    "job": _("Service jobs: given to me, rescheduled, taken off me, cancelled or put on hold"),
    "deal": _("Deals: given to me"),
}


def preference_key(kind: str) -> str | None:
    best = None
    for key in NOTIFICATION_KINDS:
        if (kind == key or kind.startswith(key + "_")) and (best is None or len(key) > len(best)):
            best = key
    return best


class NotificationSettings(Base):
    """One person's delivery preferences (no row: the defaults)."""

    __tablename__ = "notification_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    default_channel: Mapped[str] = mapped_column(sa.String(10), default=DEFAULT_CHANNEL)
    # {kind: channel} for the kinds that differ from the default.
    channels: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # E-mails of the day gathered into one, sent at `digest_hour` (the person's local time).
    digest: Mapped[bool] = mapped_column(default=False)
    digest_hour: Mapped[int] = mapped_column(sa.SmallInteger, default=8)
    last_digest_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    # Tell about colleagues' birthdays this many days ahead (0: not at all).
    birthdays_ahead: Mapped[int] = mapped_column(sa.SmallInteger, default=3)

    def channel_for(self, kind: str) -> str:
        key = preference_key(kind)
        channel = (self.channels or {}).get(key) if key else None
        return channel if channel in CHANNELS else (self.default_channel or DEFAULT_CHANNEL)


DEFAULT_SETTINGS = dict(default_channel=DEFAULT_CHANNEL, channels={}, digest=False, digest_hour=8,
                        birthdays_ahead=3)


def settings_for(dbsession, user_id: int) -> NotificationSettings:
    """The person's settings row, or an unsaved one holding the defaults."""
    found = saved_settings(dbsession, user_id)
    return found if found is not None else NotificationSettings(user_id=user_id, **DEFAULT_SETTINGS)


def saved_settings(dbsession, user_id: int) -> NotificationSettings | None:
    return dbsession.scalar(sa.select(NotificationSettings).where(NotificationSettings.user_id == user_id))


# --- the e-mail outbox --------------------------------------------------------------------------

class MailMessage(Base):
    """An e-mail waiting to go, sent, or given up on.

    status: "queued" (send when `next_attempt_at` comes), "digest" (waits for the person's
    daily digest), "included" (went out inside digest `digest_id`), "sent", "failed" (given up
    after the last retry; `last_error` says why).
    """

    __tablename__ = "mail_outbox"
    __table_args__ = (sa.Index("ix_mail_outbox_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    to_addr: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    url: Mapped[str] = mapped_column(sa.String(500), default="")
    kind: Mapped[str] = mapped_column(sa.String(50), default="info")
    status: Mapped[str] = mapped_column(sa.String(10), default="queued")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    digest_id: Mapped[int | None] = mapped_column(sa.ForeignKey("mail_outbox.id"))
    # As in Notification: rendered in the recipient's language when the e-mail is sent or
    # gathered into the digest; `subject`/`body` hold the English rendering.
    message: Mapped[str | None] = mapped_column(sa.Text)
    params: Mapped[dict | None] = mapped_column(sa.JSON)
    body_message: Mapped[str | None] = mapped_column(sa.Text)
    body_params: Mapped[dict | None] = mapped_column(sa.JSON)
    # Mail to people outside the portal (a ticket's requester): its own headers (From,
    # Reply-To, Message-ID, In-Reply-To, References, Auto-Submitted), sent as stored.
    headers: Mapped[dict | None] = mapped_column(sa.JSON)


class NotificationKey(Base):
    """Marks a notice as given (birthday of X in year Y, reminder of task Z...), so that
    background jobs tell it exactly once even when they run twice or at the same time."""

    __tablename__ = "notification_keys"
    __table_args__ = (sa.UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(120))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


def mail_enabled(dbsession) -> bool:
    """Whether SMTP is configured (`mail.host` in the ini file) for the running application."""
    if "mail_enabled" in dbsession.info:  # set by tests and scripts
        return bool(dbsession.info["mail_enabled"])
    request = dbsession.info.get("request")
    registry = getattr(request, "registry", None)
    if registry is None:
        from pyramid.threadlocal import get_current_registry

        registry = get_current_registry()
    settings = getattr(registry, "settings", None) or {}
    return bool((settings.get("mail.host") or "").strip())


def claim_keys(dbsession, pairs: list[tuple[int, str]]) -> set[tuple[int, str]]:
    """Insert the (user_id, key) marks that do not exist yet; return those this call added.

    A concurrent transaction adding the same mark makes this one wait and then skip it
    (unique constraint, ON CONFLICT DO NOTHING), so a notice is never given twice.
    """
    if not pairs:
        return set()
    dialect = dbsession.bind.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    now = utcnow()
    added: set[tuple[int, str]] = set()
    rows = [{"user_id": u, "key": k[:120], "created_at": now} for u, k in dict.fromkeys(pairs)]
    for start in range(0, len(rows), 500):
        stmt = (insert(NotificationKey).values(rows[start:start + 500])
                .on_conflict_do_nothing(index_elements=["user_id", "key"])
                .returning(NotificationKey.user_id, NotificationKey.key))
        added.update((u, k) for u, k in dbsession.execute(stmt))
    return added


def notify(dbsession, user_id: int, title: Message | str, body: Message | str = "", url: str = "",
           kind: str = "info", *, key: str | None = None) -> Notification | None:
    """Tell a person something, as they prefer for this kind: in the portal, by e-mail or both.

    `title`/`body`: a `Message` (what areas send: portal/notifications/messages.py makes them
    from translation strings), or plain text shown as it is. Within the caller's transaction.
    With `key`, a notice already given under that key is not given again. Returns the inbox
    notification (None when it went by e-mail only or was already given).
    """
    notes, mails = _plan(dbsession, [(user_id, title, body, url, kind, key)])
    objects = [Notification(**row) for row in notes]
    dbsession.add_all(objects)
    dbsession.add_all(MailMessage(**row) for row in mails)
    if objects or mails:
        dbsession.flush()
    return objects[0] if objects else None


def notify_many(dbsession, items, flush: bool = True) -> int:
    """`notify` for many at once: items are (user_id, title, body, url, kind, key or None),
    title and body a `Message` or plain text.

    Loads everyone's preferences in a few queries and inserts in bulk, so background jobs can
    tell thousands of people quickly. Returns how many inbox notifications were made. Inside a
    flush hook (`flush` false) the rows are added as objects to the running flush instead.
    """
    notes, mails = _plan(dbsession, list(items))
    if not flush:
        dbsession.add_all(Notification(**row) for row in notes)
        dbsession.add_all(MailMessage(**row) for row in mails)
        return len(notes)
    dbsession.flush()
    # Plain executemany INSERTs of the tables (no per-row ORM work: a tick writes tens of
    # thousands). Not ORM statements, so the transaction is told the session changed.
    for model, rows in ((Notification, notes), (MailMessage, mails)):
        for start in range(0, len(rows), 2000):
            dbsession.execute(model.__table__.insert(), rows[start:start + 2000])
    if notes or mails:
        from zope.sqlalchemy import mark_changed

        mark_changed(dbsession)
    return len(notes)


def _plan(dbsession, items: list) -> tuple[list[dict], list[dict]]:
    """The inbox rows and e-mail rows that `items` make, after keys and preferences."""
    keyed = [(i[0], i[5]) for i in items if i[5]]
    if keyed:
        fresh = claim_keys(dbsession, keyed)
        items = [i for i in items if not i[5] or (i[0], i[5][:120]) in fresh]
    if not items:
        return [], []
    user_ids = sorted({i[0] for i in items})
    prefs: dict[int, NotificationSettings] = {}
    emails: dict[int, str] = {}
    for start in range(0, len(user_ids), 500):
        chunk = user_ids[start:start + 500]
        prefs.update({s.user_id: s for s in dbsession.scalars(
            sa.select(NotificationSettings).where(NotificationSettings.user_id.in_(chunk)))})
        emails.update(dbsession.execute(
            sa.select(User.id, User.email).where(User.id.in_(chunk), User.active)).all())
    with_mail = mail_enabled(dbsession)
    now = utcnow()
    notes: list[dict] = []
    mails: list[dict] = []
    for user_id, title, body, url, kind, _key in items:
        if kind not in NOTICE_KINDS:
            raise ValueError(f"unknown kind of notice {kind!r}: add it to NOTICE_KINDS")
        if user_id not in emails:  # deactivated or gone: nobody to tell
            continue
        texts = _columns(title, body)
        setting = prefs.get(user_id)
        channel = setting.channel_for(kind) if setting is not None else DEFAULT_CHANNEL
        address = emails.get(user_id) or ""
        if channel != "portal" and not (with_mail and address):
            channel = "portal"  # e-mail is off or they have no address: never lose the notice
        if channel in ("portal", "both"):
            notes.append({"user_id": user_id, "title": texts["title"], **texts["stored"],
                          "body": texts["body"], "url": (url or "")[:500], "kind": kind,
                          "created_at": now})
        if channel in ("email", "both"):
            mails.append({"user_id": user_id, "to_addr": address, "subject": texts["title"],
                          **texts["stored"], "body": texts["body"], "url": (url or "")[:500],
                          "kind": kind,
                          "status": "digest" if setting is not None and setting.digest else "queued",
                          "created_at": now, "next_attempt_at": now, "attempts": 0,
                          "last_error": ""})
    return notes, mails


def _columns(title: Message | str, body: Message | str) -> dict:
    """The columns a title and a body fill (the same in the inbox and the outbox)."""
    stored = {"message": None, "params": None, "body_message": None, "body_params": None}
    if isinstance(title, Message):
        stored.update(message=title.message, params=title.params)
        title = title.text
    if isinstance(body, Message):
        stored.update(body_message=body.message, body_params=body.params)
        body = body.text
    return {"title": (title or "")[:300], "body": body or "", "stored": stored}
