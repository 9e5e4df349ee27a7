"""Passwords (argon2), log-in with throttling, password rules shared by web and CLI, and the
schemas of the log-in and password forms."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import colander
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from models.meta import utcnow
from models.people import LoginAttempt, User
from portal.core.i18n import _

HASHER = PasswordHasher()
MAX_FAILURES = 5
WINDOW = dt.timedelta(minutes=15)
MIN_PASSWORD = 8


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def check_password(user: User, password: str) -> bool:
    if not user.password_hash:
        return False
    try:
        HASHER.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    return True


def password_problem(password: str):
    """Why a new password is not acceptable, or None."""
    if len(password) < MIN_PASSWORD:
        return _("The password must be at least ${n} characters long.", mapping={"n": MIN_PASSWORD})
    if len(password) > 200:
        return _("The password must be at most 200 characters long.")
    if password.isdigit() or password.isalpha():
        return _("Use letters and digits (or other characters) together.")
    return None


@dataclass
class LoginResult:
    user: User | None = None
    error: object = None  # a TranslationString when refused


def authenticate(dbsession, login: str, password: str, remote_addr: str = "") -> LoginResult:
    """Check a log-in, refusing for a while after MAX_FAILURES failures within WINDOW."""
    login = (login or "").strip().lower()[:64]
    now = utcnow()
    recent = list(dbsession.scalars(
        sa.select(LoginAttempt.at)
        .where(LoginAttempt.login == login, LoginAttempt.success.is_(False),
               LoginAttempt.at > now - WINDOW)
        .order_by(LoginAttempt.at.desc())
        .limit(MAX_FAILURES)
    ))
    if len(recent) >= MAX_FAILURES:
        wait = max(1, int((recent[-1] + WINDOW - now).total_seconds() // 60) + 1)
        return LoginResult(error=_(
            "Too many failed attempts for this login. For your safety, please try again in "
            "${minutes} min or ask an administrator to reset your password.",
            mapping={"minutes": wait}))
    user = dbsession.scalar(sa.select(User).where(User.login == login))
    ok = user is not None and user.active and check_password(user, password)
    dbsession.add(LoginAttempt(login=login, at=now, success=ok, remote_addr=remote_addr[:50]))
    if not ok:
        return LoginResult(error=_("Wrong login or password."))
    if HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return LoginResult(user=user)


# --- the forms of logging in and changing one's password --------------------------------------

# Longer values are not logins or passwords of ours; hashing megabytes would only cost time.
MAX_LOGIN = 64
MAX_PASSWORD = 1024


def _cut(value, length: int):
    return value[:length] if isinstance(value, str) else value


class LoginSchema(colander.Schema):
    """What the log-in form posts. Blank or overlong values are simply a failed log-in."""

    login = colander.SchemaNode(colander.String(), missing="",
                                preparer=lambda value: _cut(value, MAX_LOGIN * 4))
    password = colander.SchemaNode(colander.String(), missing="",
                                   preparer=lambda value: _cut(value, MAX_PASSWORD))
    came_from = colander.SchemaNode(colander.String(), missing="")


def password_change_schema(user: User) -> colander.SchemaNode:
    """current, new and confirm: the current password must be right, the new one good enough
    and typed twice alike."""
    def right(node, value):
        if not check_password(user, value):
            raise colander.Invalid(node, _("The current password is not right."))

    def good(node, value):
        problem = password_problem(value)
        if problem:
            raise colander.Invalid(node, problem)

    def twice_alike(node, value):
        if value["new"] != value["confirm"]:
            error = colander.Invalid(node)
            error["confirm"] = _("The two new passwords differ.")
            raise error

    schema = colander.SchemaNode(colander.Mapping(), validator=twice_alike)
    schema.add(colander.SchemaNode(colander.String(), name="current", missing="",
                                   validator=colander.All(colander.Length(max=MAX_PASSWORD), right)))
    schema.add(colander.SchemaNode(colander.String(), name="new", missing="",
                                   validator=colander.All(colander.Length(max=MAX_PASSWORD), good)))
    schema.add(colander.SchemaNode(colander.String(), name="confirm", missing=""))
    return schema


def set_password(dbsession, user: User, password: str) -> None:
    """Store a new password for `user` (already checked by the schema or the admin form)."""
    user.password_hash = hash_password(password)
    dbsession.flush()
