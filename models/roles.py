"""Roles, their per-type permissions with a scope, and who holds them (globally or locally)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.meta import Base
from models.people import Department, User

SCOPES = ("own", "department", "all")
SCOPE_RANK = {None: 0, "own": 1, "department": 2, "all": 3}
ADMIN_ROLE = "admin"


class Role(Base):
    __tablename__ = "roles"
    __versioned__: dict = {}

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(50), unique=True)
    title: Mapped[str] = mapped_column(sa.String(100))
    # Meant to be granted on a container's Sharing page (editor, reviewer).
    local_only: Mapped[bool] = mapped_column(default=False)
    # Granted automatically to every new department (employee).
    auto_grant: Mapped[bool] = mapped_column(default=False)

    permissions: Mapped[list[RolePermission]] = relationship(
        back_populates="role", cascade="all, delete-orphan"
    )
    grants: Mapped[list[RoleGrant]] = relationship(back_populates="role")

    def scope_of(self, type_name: str, permission: str) -> str | None:
        for p in self.permissions:
            if p.type == type_name and p.permission == permission:
                return p.scope
        return None

    def __repr__(self) -> str:
        return f"<Role {self.name}>"


class RolePermission(Base):
    __tablename__ = "role_permissions"
    __versioned__: dict = {}
    __table_args__ = (
        sa.UniqueConstraint("role_id", "type", "permission"),
        sa.CheckConstraint("scope IN ('own', 'department', 'all')", name="scope"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    role_id: Mapped[int] = mapped_column(sa.ForeignKey("roles.id"), index=True)
    type: Mapped[str] = mapped_column(sa.String(50))
    permission: Mapped[str] = mapped_column(sa.String(50))
    scope: Mapped[str] = mapped_column(sa.String(20))

    role: Mapped[Role] = relationship(back_populates="permissions")


class RoleGrant(Base):
    """A role held everywhere by a person, or by every member of a department."""

    __tablename__ = "role_grants"
    __versioned__: dict = {}
    __table_args__ = (
        sa.CheckConstraint(
            "(user_id IS NULL) <> (department_id IS NULL)", name="one_holder"
        ),
        sa.UniqueConstraint("role_id", "user_id", "department_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    role_id: Mapped[int] = mapped_column(sa.ForeignKey("roles.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"), index=True)

    role: Mapped[Role] = relationship(back_populates="grants")
    user: Mapped[User | None] = relationship()
    department: Mapped[Department | None] = relationship()

    @property
    def holder_label(self) -> str:
        return self.user.full_name if self.user else self.department.name


class LocalRoleGrant(Base):
    """A role held on one container (a department, a knowledge-base folder) and below it."""

    __tablename__ = "local_role_grants"
    __versioned__: dict = {}
    __table_args__ = (
        sa.CheckConstraint(
            "(user_id IS NULL) <> (department_id IS NULL)", name="one_holder"
        ),
        sa.UniqueConstraint("container_type", "container_id", "role_id", "user_id", "department_id"),
        sa.Index("ix_local_role_grants_container", "container_type", "container_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    container_type: Mapped[str] = mapped_column(sa.String(30))
    container_id: Mapped[int] = mapped_column()
    role_id: Mapped[int] = mapped_column(sa.ForeignKey("roles.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"), index=True)

    role: Mapped[Role] = relationship()
    user: Mapped[User | None] = relationship()
    department: Mapped[Department | None] = relationship()

    @property
    def holder_label(self) -> str:
        return self.user.full_name if self.user else self.department.name
