"""The review history of every object that has a workflow."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.meta import Base, UTCDateTime, utcnow
from models.people import User


class WorkflowHistory(Base):
    __tablename__ = "workflow_history"
    __table_args__ = (sa.Index("ix_workflow_history_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    object_type: Mapped[str] = mapped_column(sa.String(50))
    object_id: Mapped[int] = mapped_column()
    transition: Mapped[str] = mapped_column(sa.String(50))
    from_state: Mapped[str] = mapped_column(sa.String(50))
    to_state: Mapped[str] = mapped_column(sa.String(50))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    comment: Mapped[str] = mapped_column(sa.Text, default="")

    actor: Mapped[User | None] = relationship()
