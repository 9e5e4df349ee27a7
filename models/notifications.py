"""The notification inbox behind the bell in the page header."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.meta import Base, UTCDateTime, utcnow


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(50), default="info")
    # Written in the recipient's language when the notification is made.
    title: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    url: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


def notify(dbsession, user_id: int, title: str, body: str = "", url: str = "",
           kind: str = "info") -> Notification:
    """Put a notification in a user's inbox (within the caller's transaction)."""
    note = Notification(user_id=user_id, title=title[:300], body=body, url=url, kind=kind)
    dbsession.add(note)
    return note
