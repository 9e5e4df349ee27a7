"""People and departments: users, the department tree, memberships, API tokens, log-in attempts."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from models.meta import Base, UTCDateTime, utcnow

LOGIN_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def fold(text: str | None) -> str:
    """Case-folded text for case-insensitive matching in any alphabet (SQLite folds ASCII only)."""
    return (text or "").casefold().replace("ё", "е")


def digits(text: str | None) -> str:
    return "".join(ch for ch in (text or "") if ch.isdigit())


class User(Base):
    __tablename__ = "users"
    __versioned__: dict = {}
    security_type = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(sa.String(64), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    position: Mapped[str] = mapped_column(sa.String(200), default="")
    birthday: Mapped[dt.date | None] = mapped_column(sa.Date)
    # Month * 100 + day of the birthday, so "birthdays this week" is one indexed range query.
    birth_md: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    locale: Mapped[str] = mapped_column(sa.String(8), default="")
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Europe/Moscow")
    # Account workflow state: "active" or "deactivated" (workflows/account.py).
    state: Mapped[str] = mapped_column(sa.String(20), default="active", index=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255), default="")
    # Set with a one-time password or by an admin: until the person chooses a new password,
    # every page sends them to the password change page (views/people/auth.py).
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Folded name, login, e-mail and phone digits: the directory's search column.
    search_text: Mapped[str] = mapped_column(sa.Text, default="", index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @hybrid_property
    def active(self) -> bool:
        return self.state == "active"

    @active.inplace.expression
    @classmethod
    def _active_expression(cls):
        return cls.state == "active"

    @property
    def departments(self) -> list[Department]:
        return [m.department for m in self.memberships]

    @property
    def initials(self) -> str:
        parts = self.full_name.split()
        return "".join(p[0] for p in parts[:2]).upper() or self.login[:2].upper()

    @validates("birthday")
    def _set_birthday(self, key, value):
        self.birth_md = value.month * 100 + value.day if value else None
        return value

    @validates("full_name", "login", "email", "phone")
    def _refresh_search(self, key, value):
        values = {k: getattr(self, k, None) for k in ("full_name", "login", "email", "phone")}
        values[key] = value
        self.search_text = " ".join(
            [fold(values["full_name"]), fold(values["login"]), fold(values["email"]),
             digits(values["phone"])]
        )
        return value

    # --- security (portal/security/acl.py computes the ACL from these): person rows belong
    # to their departments, owned by self
    def security_departments(self) -> list[int]:
        return [m.department_id for m in self.memberships]

    def security_owners(self) -> list[int]:
        return [self.id]

    def local_role_containers(self) -> list[tuple[str, int]]:
        out: list[tuple[str, int]] = []
        for m in self.memberships:
            out.extend(c for c in m.department.local_role_containers() if c not in out)
        return out

    @classmethod
    def sql_in_departments(cls, ids):
        return cls.id.in_(sa.select(Membership.user_id).where(Membership.department_id.in_(ids)))

    @classmethod
    def sql_owned_by(cls, user_id: int):
        return cls.id == user_id

    def __repr__(self) -> str:
        return f"<User {self.login}>"


class Department(Base):
    __tablename__ = "departments"
    __versioned__: dict = {}
    security_type = "department"
    local_roles_type = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    head_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # Plone's "inherit permissions from higher levels" switched off.
    block_local_roles: Mapped[bool] = mapped_column(default=False)
    sort_order: Mapped[int] = mapped_column(default=0)

    parent: Mapped[Department | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Department]] = relationship(
        back_populates="parent", order_by="Department.sort_order, Department.name"
    )
    head: Mapped[User | None] = relationship(foreign_keys=[head_id])
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="department", cascade="all, delete-orphan"
    )

    @property
    def members(self) -> list[User]:
        return sorted((m.user for m in self.memberships), key=lambda u: u.full_name)

    def ancestors(self) -> list[Department]:
        """Parents from the nearest up to the root."""
        out, node, seen = [], self.parent, {self.id}
        while node is not None and node.id not in seen:
            out.append(node)
            seen.add(node.id)
            node = node.parent
        return out

    def descendants(self) -> list[Department]:
        out, stack = [], list(self.children)
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(node.children)
        return out

    # --- security: departments are managed by admins; their local roles reach what is below
    def security_departments(self) -> list[int]:
        return [self.id]

    def security_owners(self) -> list[int]:
        return [self.head_id] if self.head_id else []

    def local_role_containers(self) -> list[tuple[str, int]]:
        """This department and its parents, up to the first that blocks inheritance."""
        out, node = [], self
        while node is not None and ("department", node.id) not in out:
            out.append(("department", node.id))
            if node.block_local_roles:
                break
            node = node.parent
        return out

    @classmethod
    def sql_in_departments(cls, ids):
        return cls.id.in_(ids)

    @classmethod
    def sql_owned_by(cls, user_id: int):
        return cls.head_id == user_id

    def __repr__(self) -> str:
        return f"<Department {self.id} {self.name}>"


class Membership(Base):
    __tablename__ = "memberships"
    __versioned__: dict = {}
    __table_args__ = (sa.UniqueConstraint("user_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id"), index=True)

    user: Mapped[User] = relationship(back_populates="memberships")
    department: Mapped[Department] = relationship(back_populates="memberships")


class ApiToken(Base):
    """A personal API token. Only its SHA-256 is stored; the secret is shown once."""

    __tablename__ = "api_tokens"
    __versioned__: dict = {}

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship()

    @staticmethod
    def hash(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, name: str) -> tuple[ApiToken, str]:
        """A new token for `user` and its secret (to show once)."""
        secret = "pt_" + secrets.token_urlsafe(32)
        return cls(user=user, name=name, token_hash=cls.hash(secret)), secret


class LoginAttempt(Base):
    """One log-in attempt: the throttle counts the failures, admins read them as a log."""

    __tablename__ = "login_attempts"
    __table_args__ = (sa.Index("ix_login_attempts_login_at", "login", "at"),
                      sa.Index("ix_login_attempts_remote_addr_at", "remote_addr", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    success: Mapped[bool] = mapped_column(default=False)
    remote_addr: Mapped[str] = mapped_column(sa.String(50), default="")
    # Refused by the throttle before the password was checked (not counted as a failure).
    refused: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
