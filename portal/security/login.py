"""Passwords (argon2), log-in with throttling, and password rules shared by web and CLI."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

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
