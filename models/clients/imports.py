"""Imports of organizations and contacts from CSV/XLSX files: each one's mapping, state and report."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.meta import Base, UTCDateTime, utcnow
from models.people import User


class ClientImport(Base):
    """One import of organizations or contacts from a CSV/XLSX file: upload → map → preview → run.

    The uploaded file is kept under var/files/ (`file_path`); `mapping` and `report` are JSON.
    """

    __tablename__ = "client_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # "organizations" or "contacts"
    target: Mapped[str] = mapped_column(sa.String(20), default="organizations")
    file_name: Mapped[str] = mapped_column(sa.String(255), default="")
    file_path: Mapped[str] = mapped_column(sa.String(500), default="")
    # uploaded | mapped | done | failed
    state: Mapped[str] = mapped_column(sa.String(20), default="uploaded")
    # skip | update | create
    duplicates: Mapped[str] = mapped_column(sa.String(10), default="skip")
    mapping: Mapped[str] = mapped_column(sa.Text, default="{}")
    total_rows: Mapped[int] = mapped_column(default=0)
    created_count: Mapped[int] = mapped_column(default=0)
    updated_count: Mapped[int] = mapped_column(default=0)
    skipped_count: Mapped[int] = mapped_column(default=0)
    failed_count: Mapped[int] = mapped_column(default=0)
    report: Mapped[str] = mapped_column(sa.Text, default="[]")

    user: Mapped[User] = relationship()
