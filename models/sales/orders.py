"""Orders (issue 15): the yearly order counter, orders (from a won deal or made directly) with
their lines, shipments and their lines, payments, and the fact table every sales report reads.

Things the database holds whatever the code before the write saw:
- an order's number comes from `sales_order_counters` by one atomic UPDATE … RETURNING per year
  (SO-2026-000123), and `sales_orders.number` is unique;
- an order is made from a deal once: `sales_orders.deal_id` is unique;
- a line is never shipped beyond its quantity (`shipped_quantity <= quantity`, a CHECK);
- a form submitted twice ships or pays once (`request_key` is unique);
- a shipment line has one fact (`sales_facts.shipment_line_id` is unique).

`SalesFact` is written in the same transaction as the shipment (one row per shipment line) and
never updated: quantity and amount are negative for a return. It carries everything the
reports group by (month YYYYMM, organization, the order's manager and department, product,
group and top group), so that a report is one indexed scan of one table.

Security (ROLES.md, "The coming areas": order.*): an order belongs to its department and is
owned by its manager (`manager_id`); facts carry the same columns (report.sales scope).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.clients import Contact, Organization
from models.meta import Base, UTCDateTime, utcnow
from models.people import Department, User
from models.sales.catalog import Product, ProductGroup
from models.sales.deals import Deal

ORDER_STATES = ("draft", "confirmed", "done", "cancelled")
OPEN_ORDER_STATES = ("draft", "confirmed")
SHIPMENT_KINDS = ("shipment", "return")


def order_number(year: int, n: int) -> str:
    """The number of the n-th order of a year: SO-2026-000123."""
    return f"SO-{year}-{n:06d}"


class OrderCounter(Base):
    """The last number given to an order in a year: taken by one atomic UPDATE."""

    __tablename__ = "sales_order_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


class Order(Base):
    """A client's order (заказ): lines, planned and actual shipment and payment, the client's
    terms when it was confirmed and whether the order breaks them."""

    __tablename__ = "sales_orders"
    __versioned__: dict = {}
    __table_args__ = (
        sa.CheckConstraint("state IN ('draft', 'confirmed', 'done', 'cancelled')", name="state"),
        sa.Index("ix_sales_orders_state_ship", "state", "planned_ship_on"),
        sa.Index("ix_sales_orders_state_pay", "state", "planned_pay_on"),
        sa.Index("ix_sales_orders_manager_ordered", "manager_id", "ordered_on"),
        sa.Index("ix_sales_orders_organization_ordered", "organization_id", "ordered_on"),
        # The list's default order (newest first), read backwards, stops after a page.
        sa.Index("ix_sales_orders_ordered", "ordered_on", "id"),
        # The reader's departments' orders and their managers (counted, listed) from the index.
        sa.Index("ix_sales_orders_department_manager", "department_id", "manager_id"),
    )
    security_type = "order"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contacts.id", ondelete="SET NULL"))
    # The won deal it was made from (once).
    deal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sales_deals.id"), unique=True)
    manager_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"))
    state: Mapped[str] = mapped_column(sa.String(12), default="draft")
    ordered_on: Mapped[dt.date] = mapped_column(sa.Date)
    planned_ship_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    planned_pay_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    # When the last line was fully shipped / the order fully paid.
    shipped_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    paid_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    # The sum of the lines, and the running sums of shipments and payments (kept by the
    # services in the same transaction as the rows they sum).
    total: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2), default=Decimal("0.00"))
    shipped_amount: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2), default=Decimal("0.00"))
    paid_amount: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2), default=Decimal("0.00"))
    # The client's terms when the order was confirmed (organizations.discount_percent,
    # payment_deferral_days), and whether a line's discount or the planned payment breaks them.
    terms_discount_percent: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    terms_deferral_days: Mapped[int | None] = mapped_column()
    discount_breach: Mapped[bool] = mapped_column(default=False)
    deferral_breach: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Optimistic locking: an UPDATE that finds another version raises StaleDataError.
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    organization: Mapped[Organization] = relationship(lazy="raise_on_sql")
    contact: Mapped[Contact | None] = relationship(lazy="raise_on_sql")
    deal: Mapped[Deal | None] = relationship(lazy="raise_on_sql")
    manager: Mapped[User] = relationship(lazy="raise_on_sql", foreign_keys=[manager_id])
    department: Mapped[Department | None] = relationship(lazy="raise_on_sql")
    created_by: Mapped[User | None] = relationship(
        lazy="raise_on_sql", foreign_keys=[created_by_id])
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id",
        passive_deletes=True)
    shipments: Mapped[list[Shipment]] = relationship(
        back_populates="order", order_by="Shipment.id")
    payments: Mapped[list[Payment]] = relationship(back_populates="order", order_by="Payment.id")

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_ORDER_STATES

    @property
    def debt(self) -> Decimal:
        """What the client owes for what was shipped (negative: paid in advance)."""
        return (self.shipped_amount or Decimal(0)) - (self.paid_amount or Decimal(0))

    # --- security: the matrix for "order" (portal/sales/security.py binds the ACL).
    def security_departments(self) -> list[int]:
        return [self.department_id] if self.department_id else []

    def security_owners(self) -> list[int]:
        return [self.manager_id] if self.manager_id else []

    @classmethod
    def sql_in_departments(cls, ids):
        return cls.department_id.in_(ids)

    @classmethod
    def sql_owned_by(cls, user_id: int):
        return cls.manager_id == user_id

    def __repr__(self) -> str:
        return f"<Order {self.number} {self.state}>"


class OrderLine(Base):
    """A line of an order: product, quantity, price, discount, amount, and how much of it was
    shipped (never more than ordered: the database refuses it)."""

    __tablename__ = "sales_order_lines"
    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity"),
        sa.CheckConstraint("price >= 0", name="price"),
        sa.CheckConstraint("discount_percent BETWEEN 0 AND 100", name="discount_percent"),
        sa.CheckConstraint("shipped_quantity >= 0 AND shipped_quantity <= quantity",
                           name="shipped_quantity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sales_orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_products.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(sa.Numeric(12, 3))
    price: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))
    discount_percent: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), default=Decimal("0"))
    # quantity * price * (1 - discount / 100), rounded half up to kopecks.
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2), default=Decimal("0.00"))
    shipped_quantity: Mapped[Decimal] = mapped_column(sa.Numeric(12, 3), default=Decimal("0"))

    order: Mapped[Order] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship(lazy="raise_on_sql")


class Shipment(Base):
    """A shipment (отгрузка) of some lines of an order on a day, or a return from the client."""

    __tablename__ = "sales_shipments"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('shipment', 'return')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_orders.id"), index=True)
    shipped_on: Mapped[dt.date] = mapped_column(sa.Date)
    kind: Mapped[str] = mapped_column(sa.String(10), default="shipment")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The form's one-time key: a double submit ships once.
    request_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    order: Mapped[Order] = relationship(back_populates="shipments")
    lines: Mapped[list[ShipmentLine]] = relationship(
        back_populates="shipment", cascade="all, delete-orphan", order_by="ShipmentLine.id",
        passive_deletes=True)
    created_by: Mapped[User | None] = relationship(lazy="raise_on_sql")


class ShipmentLine(Base):
    """How much of an order line a shipment (or return) moved."""

    __tablename__ = "sales_shipment_lines"
    __table_args__ = (sa.CheckConstraint("quantity > 0", name="quantity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sales_shipments.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_order_lines.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(sa.Numeric(12, 3))

    shipment: Mapped[Shipment] = relationship(back_populates="lines")
    order_line: Mapped[OrderLine] = relationship(lazy="raise_on_sql")


class SalesFact(Base):
    """One shipped (or returned: negative) line: the row every sales report counts."""

    __tablename__ = "sales_facts"
    __table_args__ = (
        # The annual report and plan vs fact: read from the index alone.
        sa.Index("ix_sales_facts_month_group_manager", "month", "top_group_id", "manager_id",
                 "amount"),
        sa.Index("ix_sales_facts_manager_month", "manager_id", "month"),
        # ABC/XYZ and the per-client reports: read from the index alone.
        sa.Index("ix_sales_facts_organization_month", "organization_id", "month", "amount"),
        sa.Index("ix_sales_facts_department_month", "department_id", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_line_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sales_shipment_lines.id", ondelete="CASCADE"), unique=True)
    shipped_on: Mapped[dt.date] = mapped_column(sa.Date)
    # YYYYMM, e.g. 202612.
    month: Mapped[int] = mapped_column()
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"))
    # The order's manager and department.
    manager_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"))
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_products.id"))
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_product_groups.id"))
    top_group_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_product_groups.id"))
    # Negative for a return.
    quantity: Mapped[Decimal] = mapped_column(sa.Numeric(12, 3))
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))

    product: Mapped[Product] = relationship(lazy="raise_on_sql")
    group: Mapped[ProductGroup] = relationship(lazy="raise_on_sql", foreign_keys=[group_id])
    top_group: Mapped[ProductGroup] = relationship(
        lazy="raise_on_sql", foreign_keys=[top_group_id])


def fact_month(day: dt.date) -> int:
    """The month column of a day: 2026-12-07 → 202612."""
    return day.year * 100 + day.month


class Payment(Base):
    """A payment (оплата) of an order on a day; negative: a refund."""

    __tablename__ = "sales_payments"
    __table_args__ = (sa.CheckConstraint("amount <> 0", name="amount"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_orders.id"), index=True)
    paid_on: Mapped[dt.date] = mapped_column(sa.Date)
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))
    # The form's one-time key: a double submit pays once.
    request_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    order: Mapped[Order] = relationship(back_populates="payments")
    created_by: Mapped[User | None] = relationship(lazy="raise_on_sql")
