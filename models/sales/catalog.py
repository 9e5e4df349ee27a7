"""The product catalog (issue 15): product groups in a hierarchy and the products in them, with
their responsible manager, supplier and lead time.

A group's `path` lists the ids from the top group down to itself ("/1/4/"): the products of a
group and of all groups below it are one indexed prefix query (`path LIKE '/1/%'`), and a
product's top group (the one plans and reports count by) is the first id of the path. The path
is set when the group is inserted (`set_path`, once its id is known) by portal/sales/products.py.
"""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.clients import Organization
from models.meta import Base
from models.people import User

UNITS = ("pcs", "kg", "m", "l", "set", "pack", "hour")


class ProductGroup(Base):
    """A product group (товарная группа); `parent_id` None for a top group."""

    __tablename__ = "sales_product_groups"
    __versioned__: dict = {}
    __table_args__ = (sa.UniqueConstraint("parent_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sales_product_groups.id"))
    name: Mapped[str] = mapped_column(sa.String(200))
    # "/<top id>/.../<own id>/": set on insert.
    path: Mapped[str] = mapped_column(sa.String(200), default="", index=True)
    position: Mapped[int] = mapped_column(default=0)
    manager_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    parent: Mapped[ProductGroup | None] = relationship(remote_side=[id], lazy="raise_on_sql")
    manager: Mapped[User | None] = relationship(lazy="raise_on_sql")

    @property
    def path_ids(self) -> list[int]:
        """The ids of the path, from the top group down to this one."""
        return [int(part) for part in (self.path or "").strip("/").split("/") if part]

    @property
    def top_id(self) -> int:
        """The id of the top group this one is in (itself for a top group)."""
        ids = self.path_ids
        return ids[0] if ids else self.id

    @property
    def depth(self) -> int:
        return max(len(self.path_ids) - 1, 0)

    def set_path(self, parent: ProductGroup | None) -> None:
        """The path under `parent` (None: a top group); the id must be known (flushed)."""
        self.path = f"{parent.path if parent is not None else '/'}{self.id}/"

    def __repr__(self) -> str:
        return f"<ProductGroup {self.id} {self.name!r}>"


class Product(Base):
    """A product (or a service sold like one): code, name, unit, list price, who is responsible
    for it, who supplies it and in how many days."""

    __tablename__ = "sales_products"
    __versioned__: dict = {}
    __table_args__ = (
        sa.CheckConstraint("price >= 0", name="price"),
        sa.CheckConstraint("lead_days >= 0", name="lead_days"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_product_groups.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    unit: Mapped[str] = mapped_column(sa.String(20), default="pcs")
    price: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2), default=Decimal("0.00"))
    manager_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # Usually an organization of kind "supplier".
    supplier_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id"))
    # Days from ordering to receiving it from the supplier (the purchase plan).
    lead_days: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    group: Mapped[ProductGroup] = relationship(lazy="raise_on_sql")
    manager: Mapped[User | None] = relationship(lazy="raise_on_sql")
    supplier: Mapped[Organization | None] = relationship(lazy="raise_on_sql")

    def __repr__(self) -> str:
        return f"<Product {self.id} {self.code!r}>"
