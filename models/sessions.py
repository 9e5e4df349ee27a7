"""Server-side web sessions: the cookie carries a random id, the row carries the rest.

Only the SHA-256 of the id is stored, so a copy of the table lets nobody in. A session ends when
`ended_at` is set (log-out, a password change elsewhere, deactivation, "log out my other
sessions") or when it has been idle or open too long (portal/security/sessions.py).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.meta import Base, UTCDateTime, utcnow


class WebSession(Base):
    __tablename__ = "sessions"
    __table_args__ = (sa.Index("ix_sessions_user_id_ended_at", "user_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    id_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    remote_addr: Mapped[str] = mapped_column(sa.String(50), default="")
    user_agent: Mapped[str] = mapped_column(sa.String(300), default="")
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # What Pyramid keeps in `request.session`: the person's id, flash messages, the CSRF token.
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    @staticmethod
    def hash(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @staticmethod
    def new_secret() -> str:
        return secrets.token_urlsafe(32)
