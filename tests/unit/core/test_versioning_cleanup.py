"""The audit log's clean-up after a commit or a rollback tolerates another thread's (issue 11:
`make load` saw a finished request turn into a 500 when two waitress threads cleaned up
sqlalchemy_continuum's shared units of work at the same moment)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy_continuum import versioning_manager

from models.meta import _clear_connection, _clear_session


class Unit:
    def __init__(self):
        self.resets = 0

    def reset(self, session=None):
        self.resets += 1


class Conn:
    """A connection as the clean-up sees it; `on_closed` runs when its state is asked, as
    another thread could run between the clean-up's steps."""

    def __init__(self, dbapi, on_closed=None):
        self.connection = dbapi
        self.on_closed = on_closed

    @property
    def closed(self):
        if self.on_closed:
            self.on_closed()
        return False


def test_a_unit_of_work_dropped_by_another_thread_meanwhile_is_no_error(monkeypatch):
    shared = object()
    mine, theirs = Conn(shared), Conn(object())
    units = {}
    # While this thread looks at `theirs`, the other thread drops its unit of work, then the
    # one of a connection that shares this thread's DBAPI connection.
    same = Conn(shared)
    theirs.on_closed = lambda: (units.pop(theirs, None), units.pop(same, None))
    units.update({theirs: Unit(), same: Unit(), mine: Unit()})
    monkeypatch.setattr(versioning_manager, "units_of_work", units)
    monkeypatch.setattr(versioning_manager, "session_connection_map", {})
    _clear_connection(mine)
    assert units == {}


def test_the_session_clean_up_tolerates_it_too(monkeypatch):
    class Session:
        def in_nested_transaction(self):
            return False

    session, shared = Session(), object()
    mine, same = Conn(shared), Conn(shared)
    units = {mine: Unit(), same: Unit()}
    mine.on_closed = lambda: units.pop(same, None)
    same.on_closed = lambda: units.pop(same, None)
    monkeypatch.setattr(versioning_manager, "units_of_work", units)
    monkeypatch.setattr(versioning_manager, "session_connection_map", {session: mine})
    _clear_session(session)
    assert units == {}


def test_they_are_the_listeners_in_place():
    assert sa.event.contains(sa.engine.Engine, "rollback", _clear_connection)
    assert versioning_manager.session_listeners["after_commit"] is _clear_session
    assert versioning_manager.session_listeners["after_rollback"] is _clear_session
