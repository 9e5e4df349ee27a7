"""Generations of data that is read by every request and changed rarely: the role matrix and the
department tree, the knowledge base's folder tree, the admin-editable lists of client records.

Each kind has a row with a random token, replaced in the same transaction (on flush) as any
change to its data. A process keeps the data in memory under the token it was read with; each
request reads only the tokens, with its session (portal/security/sessions.py), and reads the
data again only when a token it does not know comes. A rolled-back change takes its token with
it, so a token always names one state of the data; other processes see a change when it commits.
"""
from __future__ import annotations

import secrets
from collections import OrderedDict
from collections.abc import Callable
from threading import Lock

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column, object_session

from models.meta import Base

# The kinds with a row (the migration adds them).
SECURITY = "security"
KB_TREE = "kb_tree"
CLASSIFIERS = "classifiers"


class Generation(Base):
    __tablename__ = "generations"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(32))


# model class -> the generation its changes replace
WATCHED: dict[type, str] = {}
PENDING = "portal.generations"  # session.info: the generations this flush changed


def watch(model: type, name: str) -> None:
    """Changes to rows of `model` replace the token of generation `name` (in the flush that
    writes them: each written row notes its generation, the flush bumps each one once)."""
    if WATCHED.get(model) == name:
        return
    WATCHED[model] = name
    for when in ("after_insert", "after_update", "after_delete"):
        event.listen(model, when, _noted)


def _noted(mapper, connection, target) -> None:
    session = object_session(target)
    name = WATCHED.get(type(target))
    if session is not None and name is not None:
        session.info.setdefault(PENDING, set()).add(name)


def new_token() -> str:
    return secrets.token_hex(16)


def bump(session: Session, name: str) -> None:
    """Give generation `name` a new token in the session's transaction."""
    session.connection().execute(
        sa.update(Generation.__table__).where(Generation.__table__.c.name == name)
        .values(token=new_token()))


def _after_flush(session: Session, flush_context) -> None:
    for name in sorted(session.info.pop(PENDING, ())):
        bump(session, name)


def install_listeners() -> None:
    """Replace tokens after every session's flushes (once per process; `models`' includeme)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)


def token_of(name: str) -> sa.ScalarSelect:
    """The current token of `name`, as a column to read along with something else."""
    table = Generation.__table__
    return sa.select(table.c.token).where(table.c.name == name).scalar_subquery()


class GenerationCache:
    """What `load(dbsession)` returns, kept per token (the last few), for the whole process."""

    def __init__(self, load: Callable, size: int = 4):
        self.load = load
        self.size = size
        self.items: OrderedDict[str, object] = OrderedDict()
        self.lock = Lock()

    def get(self, dbsession, token: str | None):
        if token is None:  # no row (a database not yet migrated): read every time
            return self.load(dbsession)
        with self.lock:
            if token in self.items:
                self.items.move_to_end(token)
                return self.items[token]
        value = self.load(dbsession)
        with self.lock:
            self.items[token] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return value
