"""A person's own things in the client area: settings, saved list filters (segments) and the
reminders of clients' dates already sent to them."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.meta import Base, UTCDateTime, utcnow
from models.people import User


class SavedSegment(Base):
    """A named filter of a list, saved by one person (`query`: the list's query string)."""

    __tablename__ = "saved_segments"
    __table_args__ = (sa.UniqueConstraint("user_id", "area", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    # Which list: "organizations", "contacts", "interactions"...
    area: Mapped[str] = mapped_column(sa.String(40))
    name: Mapped[str] = mapped_column(sa.String(100))
    query: Mapped[str] = mapped_column(sa.String(2000), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class UserSetting(Base):
    """A person's setting by key, e.g. "clients.reminder_days" (portal.clients.rules.get_setting)."""

    __tablename__ = "user_settings"
    __table_args__ = (sa.UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(60))
    value: Mapped[str] = mapped_column(sa.String(500), default="")


class SentReminder(Base):
    """A reminder already delivered, so that `portal tick` sends each one once.

    `key` names what and when, e.g. "contact-birthday:42:2026" or "date:7:2026".
    """

    __tablename__ = "sent_reminders"
    __table_args__ = (sa.UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(120))
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
