"""Passwords (argon2), log-in with throttling, password rules shared by web and CLI, and the
schemas of the log-in and password forms."""
from __future__ import annotations

import datetime as dt
import secrets
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
    return _verify(user.password_hash, password)


# A one-time password is read aloud or copied from a screen: no letters that look alike (l/1,
# O/0), lower case, in groups of four. 12 characters of 31: about 59 bits.
READABLE = "abcdefghjkmnpqrstuvwxyz23456789"


def one_time_password() -> str:
    """A readable random password such as "k7mf-q2xh-9pwd" (always letters and digits)."""
    while True:
        chars = "".join(secrets.choice(READABLE) for _i in range(12))
        if not chars.isalpha() and not chars.isdigit():
            return "-".join(chars[i:i + 4] for i in range(0, 12, 4))


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


# Failures from one address within WINDOW before it is refused (whatever the logins): larger
# than MAX_FAILURES so that an office behind one address is not locked out by one person.
MAX_ADDRESS_FAILURES = 30
# Checked for an unknown (or password-less) login, so that it answers in the same time; made
# with HASHER's parameters (computed once per hasher).
_DUMMY_HASHES: dict[int, str] = {}


def _dummy_hash() -> str:
    if id(HASHER) not in _DUMMY_HASHES:
        _DUMMY_HASHES[id(HASHER)] = HASHER.hash("not the password of anyone")
    return _DUMMY_HASHES[id(HASHER)]


def _serialize(dbsession, login: str, remote_addr: str) -> None:
    """Make the count and the decision below one serialized step, held until the commit.

    PostgreSQL: transaction-level advisory locks on the login, then on the address (always in
    that order, so two log-ins never wait for each other in a circle). SQLite: the attempt's
    INSERT that follows is the transaction's first write, which takes the database's write lock
    (waiting for the busy timeout) until the commit.
    """
    if dbsession.get_bind().dialect.name == "postgresql":
        for key in ("login:" + login, "addr:" + remote_addr):
            dbsession.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})


def _failures(dbsession, where, since) -> list:
    return list(dbsession.scalars(
        sa.select(LoginAttempt.at)
        .where(where, LoginAttempt.success.is_(False), LoginAttempt.refused.is_(False),
               LoginAttempt.at > since)
        .order_by(LoginAttempt.at.desc())
        .limit(max(MAX_FAILURES, MAX_ADDRESS_FAILURES) + 1)))


def authenticate(dbsession, login: str, password: str, remote_addr: str = "") -> LoginResult:
    """Check a log-in, refusing for a while after MAX_FAILURES failures for the login (or
    MAX_ADDRESS_FAILURES from the address) within WINDOW.

    The attempt is written first, as a failure, and counted with the others in one serialized
    step (`_serialize`), so that however many arrive at once, at most MAX_FAILURES passwords are
    ever checked for one login per WINDOW. Unknown logins check a dummy hash: same answer time.
    """
    login = (login or "").strip().lower()[:64]
    remote_addr = (remote_addr or "")[:50]
    _serialize(dbsession, login, remote_addr)
    now = utcnow()
    attempt = LoginAttempt(login=login, at=now, success=False, remote_addr=remote_addr)
    dbsession.add(attempt)
    dbsession.flush()
    since = now - WINDOW
    by_login = _failures(dbsession, LoginAttempt.login == login, since)
    by_address = _failures(dbsession, LoginAttempt.remote_addr == remote_addr, since) \
        if remote_addr else []
    # Both counts include this attempt.
    if len(by_login) > MAX_FAILURES or len(by_address) > MAX_ADDRESS_FAILURES:
        attempt.refused = True
        # Lists newest first, this attempt at 0: the next one is checked once the failure at
        # index MAX (the oldest that still fills the limit) has left the window.
        oldest = max(by_login[MAX_FAILURES] if len(by_login) > MAX_FAILURES else since,
                     by_address[MAX_ADDRESS_FAILURES]
                     if len(by_address) > MAX_ADDRESS_FAILURES else since)
        wait = max(1, int((oldest + WINDOW - now).total_seconds() // 60) + 1)
        if len(by_login) > MAX_FAILURES:
            return LoginResult(error=_(
                "Too many failed attempts for this login. For your safety, please try again in "
                "${minutes} min or ask an administrator to reset your password.",
                mapping={"minutes": wait}))
        return LoginResult(error=_(
            "Too many failed log-in attempts from your network address. Please try again in "
            "${minutes} min.", mapping={"minutes": wait}))
    user = dbsession.scalar(sa.select(User).where(User.login == login))
    if user is None or not user.password_hash:
        _verify(_dummy_hash(), password)
        ok = False
    else:
        ok = _verify(user.password_hash, password) and user.active
    if not ok:
        return LoginResult(error=_("Wrong login or password."))
    attempt.success = True
    if user.must_change_password:
        # A one-time password (or the old one an admin asked to replace) opens this one
        # session, where the person must choose a new password; it never opens another.
        user.password_hash = ""
    elif HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return LoginResult(user=user)


def _verify(password_hash: str, password: str) -> bool:
    try:
        HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    return True


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
    and typed twice alike. Without a current password (a one-time password spent at this
    session's log-in) there is no `current` to ask."""
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
    # No `missing` value: colander runs no validator on one, so an empty field would pass.
    if user.password_hash:
        schema.add(colander.SchemaNode(colander.String(), name="current",
                                       missing_msg=_("Enter your current password."),
                                       validator=colander.All(colander.Length(max=MAX_PASSWORD),
                                                              right)))
    schema.add(colander.SchemaNode(colander.String(), name="new",
                                   missing_msg=_("Enter the new password."),
                                   validator=colander.All(colander.Length(max=MAX_PASSWORD), good)))
    schema.add(colander.SchemaNode(colander.String(), name="confirm", missing=""))
    return schema


def set_password(dbsession, user: User, password: str) -> None:
    """Store the new password `user` chose (already checked by the schema): they no longer
    have to change it."""
    user.password_hash = hash_password(password)
    user.must_change_password = False
    dbsession.flush()
