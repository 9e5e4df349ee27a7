"""Server-side sessions (DESIGN.md §5): Pyramid's `request.session` kept in a `sessions` row.

The cookie carries only a random id (HttpOnly, SameSite=Lax, Secure per `session.secure`); the
row holds who is logged in, the flash messages and the CSRF token, in the request's transaction
(pyramid_tm commits it with the rest). A session ends when its row is ended (log-out, a password
change elsewhere, deactivation, "log out my other sessions"), after `session.timeout` seconds
idle or `session.max_age` seconds in all.
"""
from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from pyramid.interfaces import ISession
from pyramid.settings import asbool
from sqlalchemy.orm import object_session
from zope.interface import implementer

from models.meta import utcnow
from models.people import User
from models.registry import Registry
from models.sessions import WebSession
from portal.core.i18n import translate_deep

COOKIE = "portal"
# What every page needs besides who is logged in, read in the same statement as the session
# (`request.preamble`): name -> fn(user id column) -> a scalar subquery. The areas offer theirs
# from their includeme: the unread notifications count, the generations of cached data.
PREAMBLE: Registry = Registry("session preamble")
# "Last seen" is written at most this often, not on every request.
TOUCH_EVERY = dt.timedelta(minutes=1)


@implementer(ISession)
class ServerSession(dict):
    """A dict that writes itself into its `sessions` row whenever it changes."""

    def __init__(self, request, factory: ServerSessionFactory, row: WebSession | None = None):
        super().__init__(row.data if row is not None else {})
        self.request = request
        self.factory = factory
        self.row = row
        self.new = row is None
        self.created = (row.created_at if row is not None else utcnow()).timestamp()
        self._cookie_callback = False
        self._cookie: str | None = None

    # --- persistence ---------------------------------------------------------------------------
    def changed(self) -> None:
        if self.row is None:
            if not self or self.request.authorization is not None:
                return  # empty, or an API client (Bearer token): nothing worth a row
            secret = WebSession.new_secret()
            request = self.request
            self.row = WebSession(
                id_hash=WebSession.hash(secret), user_id=self.get("uid"),
                remote_addr=(request.remote_addr or "")[:50],
                user_agent=(request.user_agent or "")[:300], data={})
            request.dbsession.add(self.row)
            self._set_cookie(secret)
        self.row.data = dict(self)
        self.row.user_id = self.get("uid")

    def _set_cookie(self, secret: str | None) -> None:
        """Send `secret` as the cookie with the answer (None: drop the cookie); the last call
        of the request wins."""
        self._cookie = secret
        if self._cookie_callback:
            return
        self._cookie_callback = True
        factory = self.factory

        def callback(request, response):
            if self._cookie is None:
                response.delete_cookie(COOKIE, path="/")
            else:
                response.set_cookie(COOKIE, self._cookie, max_age=factory.max_age, path="/",
                                    httponly=True, samesite="Lax", secure=factory.secure)
        self.request.add_response_callback(callback)

    def invalidate(self) -> None:
        """End this session: its row is ended, the cookie dropped; anything set afterwards
        starts a new session (with a new id)."""
        if self.row is not None:
            if self.row.ended_at is None:
                self.row.ended_at = utcnow()
            self.row = None
            self._set_cookie(None)
        dict.clear(self)
        self.new = True
        self.created = utcnow().timestamp()

    # --- dict methods that change the data -----------------------------------------------------
    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        self.changed()

    def __delitem__(self, key):
        super().__delitem__(key)
        self.changed()

    def clear(self):
        super().clear()
        self.changed()

    def pop(self, key, *default):
        value = super().pop(key, *default)
        self.changed()
        return value

    def popitem(self):
        item = super().popitem()
        self.changed()
        return item

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    def update(self, *args, **kw):
        super().update(*args, **kw)
        self.changed()

    # --- flash messages and the CSRF token -----------------------------------------------------
    def flash(self, msg, queue: str = "", allow_duplicate: bool = True) -> None:
        key = "_f_" + queue
        storage = list(self.get(key, []))
        if hasattr(msg, "interpolate"):
            # A translation string: kept as the text the person reads (its str() is the msgid,
            # with its placeholders unfilled).
            msg = translate_deep(self.request.localizer, msg)
        if allow_duplicate or msg not in storage:
            storage.append(str(msg))
            self[key] = storage

    def pop_flash(self, queue: str = "") -> list:
        key = "_f_" + queue
        if key not in self:
            return []
        return self.pop(key)

    def peek_flash(self, queue: str = "") -> list:
        return list(self.get("_f_" + queue, []))

    def new_csrf_token(self) -> str:
        token = secrets.token_hex(20)
        self["_csrft_"] = token
        return token

    def get_csrf_token(self) -> str:
        token = self.get("_csrft_")
        if token is None:
            token = self.new_csrf_token()
        return token


class ServerSessionFactory:
    """`config.set_session_factory(ServerSessionFactory(settings))`."""

    def __init__(self, settings: dict):
        self.secure = asbool(settings.get("session.secure", False))
        self.max_age = int(settings.get("session.max_age", 12 * 3600))
        self.timeout = int(settings.get("session.timeout", 12 * 3600))

    def __call__(self, request) -> ServerSession:
        secret = request.cookies.get(COOKIE)
        row = self.open_row(request.dbsession, secret, preamble_of(request)) if secret else None
        session = ServerSession(request, self, row)
        if secret and row is None:
            session._set_cookie(None)  # ended or unknown: drop the stale cookie
        return session

    def open_row(self, dbsession, secret: str, preamble: dict | None = None) -> WebSession | None:
        """The open session named by `secret` with its person, in one statement that also
        reads the `PREAMBLE` columns into `preamble`."""
        now = utcnow()
        names = tuple(PREAMBLE.names())
        found = dbsession.execute(open_statement(names),
                                  {"id_hash": WebSession.hash(secret)}).first()
        if found is None:
            return None
        row = found[0]
        # Held by the row, so that the identity map (which holds weakly) keeps the person for
        # the security policy's `get` of this request.
        row.person = found[1]
        if preamble is not None:
            preamble.update(zip(names, found[2:], strict=True))
        if (now - row.last_seen_at > dt.timedelta(seconds=self.timeout)
                or now - row.created_at > dt.timedelta(seconds=self.max_age)):
            row.ended_at = now
            return None
        if now - row.last_seen_at > TOUCH_EVERY:
            row.last_seen_at = now
        return row


_OPEN_STATEMENTS: dict[tuple, sa.Select] = {}


def open_statement(names: tuple) -> sa.Select:
    """The statement of `open_row` with the `PREAMBLE` columns `names`, for any session (the
    bound parameter "id_hash"). Built once per set of names: every request runs it, and
    building it (and its cache key) anew each time cost more than running it."""
    stmt = _OPEN_STATEMENTS.get(names)
    if stmt is None:
        stmt = _OPEN_STATEMENTS[names] = (
            sa.select(WebSession, User, *(PREAMBLE[name](WebSession.user_id).label(f"p{i}")
                                          for i, name in enumerate(names)))
            .outerjoin(User, User.id == WebSession.user_id)
            .where(WebSession.id_hash == sa.bindparam("id_hash", type_=sa.String),
                   WebSession.ended_at.is_(None)))
    return stmt


def preamble_of(request) -> dict:
    """What the session's statement read besides the session (empty until the session is
    opened; a name missing from it is read by whoever needs it, on its own)."""
    return request.environ.setdefault("portal.preamble", {})


def preamble(request) -> dict:
    """`request.preamble`: the session opened (if it was not), what its statement read."""
    request.session  # noqa: B018  (opening the session reads the preamble)
    return preamble_of(request)


def purge_sessions(dbsession, settings: dict) -> None:
    """Delete the rows of sessions ended or expired more than a day ago (anonymous visitors'
    included); called now and then, at log-in."""
    longest = max(int(settings.get("session.timeout", 12 * 3600)),
                  int(settings.get("session.max_age", 12 * 3600)))
    cutoff = utcnow() - dt.timedelta(seconds=longest) - dt.timedelta(days=1)
    dbsession.execute(sa.delete(WebSession).where(sa.or_(
        WebSession.last_seen_at < cutoff, WebSession.ended_at < cutoff)).execution_options(
        synchronize_session=False))


# --- ending sessions -----------------------------------------------------------------------------

def end_sessions(dbsession, user_id: int, keep: WebSession | None = None) -> int:
    """End the open sessions of a person (all but `keep`); how many were ended."""
    query = sa.update(WebSession).where(WebSession.user_id == user_id,
                                        WebSession.ended_at.is_(None))
    if keep is not None and keep.id is not None:
        query = query.where(WebSession.id != keep.id)
    result = dbsession.execute(query.values(ended_at=utcnow()).execution_options(
        synchronize_session="fetch"))
    return result.rowcount


def open_sessions(dbsession, user_id: int, timeout: int) -> list[WebSession]:
    """A person's sessions still open, the most recently seen first."""
    since = utcnow() - dt.timedelta(seconds=timeout)
    return list(dbsession.scalars(
        sa.select(WebSession)
        .where(WebSession.user_id == user_id, WebSession.ended_at.is_(None),
               WebSession.last_seen_at > since)
        .order_by(WebSession.last_seen_at.desc())))


def current_row(request) -> WebSession | None:
    """The row of this request's session (None for API tokens and before it is saved)."""
    return getattr(request.session, "row", None)


def on_account_transitioned(event) -> None:
    """A person deactivated: every session of theirs ends at once."""
    if event.workflow.name == "account" and event.to_state != "active":
        dbsession = object_session(event.obj)
        if dbsession is not None:
            end_sessions(dbsession, event.obj.id)
