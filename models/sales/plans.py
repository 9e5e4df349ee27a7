"""Sales plans (issue 15): an amount per manager × top product group × month, the history of
its corrections, and the rules of managers' commission (a percentage of paid revenue per
product group).

A plan is changed by an UPDATE guarded by `version`, and every change adds a `SalesPlanChange`
in the same transaction (who changed what from how much to how much). Plans for a past month are
refused by portal/sales/plans.py, not here.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.meta import Base, UTCDateTime, utcnow
from models.people import User
from models.sales.catalog import ProductGroup


class SalesPlan(Base):
    """The plan (план продаж) of a manager for a top product group in a month (YYYYMM)."""

    __tablename__ = "sales_plans"
    __versioned__: dict = {}
    __table_args__ = (
        sa.UniqueConstraint("manager_id", "group_id", "month"),
        sa.CheckConstraint("amount >= 0", name="amount"),
        sa.Index("ix_sales_plans_month", "month", "group_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    manager_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_product_groups.id"))
    month: Mapped[int] = mapped_column()
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2), default=Decimal("0.00"))
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Optimistic locking: an UPDATE that finds another version raises StaleDataError.
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    manager: Mapped[User] = relationship(lazy="raise_on_sql", foreign_keys=[manager_id])
    group: Mapped[ProductGroup] = relationship(lazy="raise_on_sql")
    changes: Mapped[list[SalesPlanChange]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="SalesPlanChange.id",
        passive_deletes=True)

    def __repr__(self) -> str:
        return f"<SalesPlan {self.manager_id} {self.group_id} {self.month} {self.amount}>"


class SalesPlanChange(Base):
    """A correction of a plan: from how much (None for the first) to how much, who, when."""

    __tablename__ = "sales_plan_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sales_plans.id", ondelete="CASCADE"), index=True)
    old_amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    new_amount: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    plan: Mapped[SalesPlan] = relationship(back_populates="changes")
    changed_by: Mapped[User | None] = relationship(lazy="raise_on_sql")


class CommissionRule(Base):
    """A manager's commission: `percent` of the paid revenue of a product group (None: of every
    group without a rule of its own)."""

    __tablename__ = "sales_commission_rules"
    __table_args__ = (sa.CheckConstraint("percent BETWEEN 0 AND 100", name="percent"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("sales_product_groups.id"), unique=True)
    percent: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    active: Mapped[bool] = mapped_column(default=True)

    group: Mapped[ProductGroup | None] = relationship(lazy="raise_on_sql")
