"""The sales funnel (issue 15): pipelines (one per sales channel) with their stages, deals moving
between the stages, the history of the moves (the funnel reports read it), a deal's products
and its extra costs (delivery, agents' commissions: the margin after them).

The database refuses a deal on a stage of another pipeline: the deal's (pipeline_id, stage_id)
is a foreign key to the stage's (pipeline_id, id). A deal is "open" until it is won or lost
(workflows/deal.py; lost needs a reason of the "deal_lost_reason" list); every pipeline has
exactly one stage of kind "won" and one of kind "lost" (a rule of portal/sales/pipelines.py).

Security (ROLES.md, "The coming areas": deal.*): a deal belongs to its department (the owner's
when it was created or reassigned) and is owned by its `owner_id`. The ACL is bound by
portal/sales' includeme. Every change is an UPDATE guarded by `version` (optimistic locking:
the second of two people saving the same deal is told).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.clients import Classifier, Contact, Organization
from models.meta import Base, UTCDateTime, utcnow
from models.people import Department, User
from models.sales.catalog import Product

STAGE_KINDS = ("open", "won", "lost")
DEAL_STATES = ("open", "won", "lost")
COST_KINDS = ("delivery", "agent", "other")
# Sales channels offered by default (a pipeline's channel is a free code).
CHANNELS = ("direct", "dealer", "tender", "web")


class Pipeline(Base):
    """A sales pipeline (воронка) of one sales channel, with its stages."""

    __tablename__ = "sales_pipelines"
    __versioned__: dict = {}

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    channel: Mapped[str] = mapped_column(sa.String(40), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    stages: Mapped[list[Stage]] = relationship(
        back_populates="pipeline", cascade="all, delete-orphan", order_by="Stage.position")

    def __repr__(self) -> str:
        return f"<Pipeline {self.id} {self.code!r}>"


class Stage(Base):
    """A stage (этап) of a pipeline, with the probability that a deal on it is won."""

    __tablename__ = "sales_stages"
    __versioned__: dict = {}
    __table_args__ = (
        sa.UniqueConstraint("pipeline_id", "position"),
        # The target of the deals' composite foreign key.
        sa.UniqueConstraint("pipeline_id", "id", name="uq_sales_stages_pipeline_id_id"),
        sa.CheckConstraint("probability BETWEEN 0 AND 100", name="probability"),
        sa.CheckConstraint("kind IN ('open', 'won', 'lost')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pipeline_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sales_pipelines.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(200))
    position: Mapped[int] = mapped_column(default=0)
    probability: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(sa.String(10), default="open")

    pipeline: Mapped[Pipeline] = relationship(back_populates="stages", lazy="raise_on_sql")

    def __repr__(self) -> str:
        return f"<Stage {self.id} {self.name!r} {self.kind}>"


class Deal(Base):
    """A deal (сделка) with a client: what, how much, on which stage, whose, open/won/lost."""

    __tablename__ = "sales_deals"
    __versioned__: dict = {}
    __table_args__ = (
        # The database refuses a stage of another pipeline.
        sa.ForeignKeyConstraint(["pipeline_id", "stage_id"],
                                ["sales_stages.pipeline_id", "sales_stages.id"],
                                name="fk_sales_deals_pipeline_stage"),
        sa.CheckConstraint("amount >= 0", name="amount"),
        sa.CheckConstraint("state IN ('open', 'won', 'lost')", name="state"),
        # The board's counts and sums per column come from this index alone.
        sa.Index("ix_sales_deals_pipeline_state_stage", "pipeline_id", "state", "stage_id",
                 "closed_on", "amount"),
        sa.Index("ix_sales_deals_owner_state", "owner_id", "state"),
        sa.Index("ix_sales_deals_organization_created", "organization_id", "created_at"),
        sa.Index("ix_sales_deals_state_closed", "state", "closed_on"),
        # The list's default order (newest first), read backwards, stops after a page.
        sa.Index("ix_sales_deals_created", "created_at", "id"),
        # The reader's departments' deals and their owners (counted, listed) from the index.
        sa.Index("ix_sales_deals_department_owner", "department_id", "owner_id"),
    )
    security_type = "deal"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contacts.id", ondelete="SET NULL"))
    pipeline_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_pipelines.id"))
    # Its foreign key is the composite one (pipeline_id, stage_id) of __table_args__.
    stage_id: Mapped[int] = mapped_column()
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2), default=Decimal("0.00"))
    expected_close_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    # The owner's department when the deal was created or reassigned (department scope).
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"))
    state: Mapped[str] = mapped_column(sa.String(10), default="open")
    lost_reason_id: Mapped[int | None] = mapped_column(sa.ForeignKey("classifiers.id"))
    lost_note: Mapped[str] = mapped_column(sa.Text, default="")
    closed_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    stage_entered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Optimistic locking: an UPDATE that finds another version raises StaleDataError.
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    organization: Mapped[Organization] = relationship(lazy="raise_on_sql")
    contact: Mapped[Contact | None] = relationship(lazy="raise_on_sql")
    pipeline: Mapped[Pipeline] = relationship(lazy="raise_on_sql", foreign_keys=[pipeline_id])
    stage: Mapped[Stage] = relationship(
        lazy="raise_on_sql", primaryjoin="Deal.stage_id == Stage.id", foreign_keys=[stage_id])
    owner: Mapped[User] = relationship(lazy="raise_on_sql", foreign_keys=[owner_id])
    department: Mapped[Department | None] = relationship(lazy="raise_on_sql")
    lost_reason: Mapped[Classifier | None] = relationship(lazy="raise_on_sql")
    created_by: Mapped[User | None] = relationship(
        lazy="raise_on_sql", foreign_keys=[created_by_id])
    products: Mapped[list[DealProduct]] = relationship(
        back_populates="deal", cascade="all, delete-orphan", order_by="DealProduct.id")
    costs: Mapped[list[DealCost]] = relationship(
        back_populates="deal", cascade="all, delete-orphan", order_by="DealCost.id")
    stage_changes: Mapped[list[DealStageChange]] = relationship(
        back_populates="deal", cascade="all, delete-orphan", order_by="DealStageChange.id",
        passive_deletes=True)

    @property
    def is_open(self) -> bool:
        return self.state == "open"

    # --- security: the matrix for "deal" (portal/sales/security.py binds the ACL).
    def security_departments(self) -> list[int]:
        return [self.department_id] if self.department_id else []

    def security_owners(self) -> list[int]:
        return [self.owner_id] if self.owner_id else []

    @classmethod
    def sql_in_departments(cls, ids):
        return cls.department_id.in_(ids)

    @classmethod
    def sql_owned_by(cls, user_id: int):
        return cls.owner_id == user_id

    def __repr__(self) -> str:
        return f"<Deal {self.id} {self.title!r} {self.state}>"


class DealStageChange(Base):
    """A move of a deal: from which stage and state to which, who, when (the funnel reads it).
    The first row of a deal (its creation) has no `from_stage_id`."""

    __tablename__ = "sales_deal_stage_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sales_deals.id", ondelete="CASCADE"), index=True)
    from_stage_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sales_stages.id"))
    to_stage_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_stages.id"))
    from_state: Mapped[str] = mapped_column(sa.String(10), default="")
    to_state: Mapped[str] = mapped_column(sa.String(10), default="open")
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    deal: Mapped[Deal] = relationship(back_populates="stage_changes")
    from_stage: Mapped[Stage | None] = relationship(
        lazy="raise_on_sql", foreign_keys=[from_stage_id])
    to_stage: Mapped[Stage] = relationship(lazy="raise_on_sql", foreign_keys=[to_stage_id])
    changed_by: Mapped[User | None] = relationship(lazy="raise_on_sql")


class DealProduct(Base):
    """A product of a deal: quantity, price, discount and the amount they make (stored)."""

    __tablename__ = "sales_deal_products"
    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity"),
        sa.CheckConstraint("price >= 0", name="price"),
        sa.CheckConstraint("discount_percent BETWEEN 0 AND 100", name="discount_percent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sales_deals.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_products.id"))
    quantity: Mapped[Decimal] = mapped_column(sa.Numeric(12, 3))
    price: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))
    discount_percent: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), default=Decimal("0"))
    # quantity * price * (1 - discount / 100), rounded half up to kopecks.
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2), default=Decimal("0.00"))

    deal: Mapped[Deal] = relationship(back_populates="products")
    product: Mapped[Product] = relationship(lazy="raise_on_sql")


class DealCost(Base):
    """An extra cost of a deal (delivery, an agent's commission, other): the margin after it."""

    __tablename__ = "sales_deal_costs"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('delivery', 'agent', 'other')", name="kind"),
        sa.CheckConstraint("amount >= 0", name="amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sales_deals.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20), default="other")
    description: Mapped[str] = mapped_column(sa.String(300), default="")
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    deal: Mapped[Deal] = relationship(back_populates="costs")
