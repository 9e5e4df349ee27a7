"""Files on a client card: what is attached to which organization (and contact), by whom."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.clients.organizations import Contact, Organization
from models.meta import Base, UTCDateTime, utcnow
from models.people import User


class ClientFile(Base):
    """A file on a client card: a contract, a price list, a scan... of an organization, and
    optionally about one of its contact persons. The content is in the shared store
    (portal/files/storage.py) under its `sha256`; the organization's permissions decide who may see
    (view), attach and delete (edit) it."""

    __tablename__ = "client_files"
    __versioned__: dict = {}
    __table_args__ = (sa.Index("ix_client_files_organization_at", "organization_id",
                               "uploaded_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship()
    contact: Mapped[Contact | None] = relationship()
    uploaded_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<ClientFile {self.id} {self.filename}>"
