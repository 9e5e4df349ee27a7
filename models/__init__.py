"""Engine, session and transaction wiring (pyramid_tm + zope.sqlalchemy + pyramid_retry)."""
from __future__ import annotations

import sqlalchemy as sa
import zope.sqlalchemy
from sqlalchemy import engine_from_config, event
from sqlalchemy.orm import Session, configure_mappers, sessionmaker
from zope.sqlalchemy.datamanager import ZopeTransactionEvents

from models import (  # noqa: F401  (area modules: they define their own models)
    booking,
    calendar,
    clients,
    dispatch,
    generations,
    kb,
    sales,
    search,
    tasks,
    tickets,
)
from models.meta import Base  # noqa: F401  (make_versioned runs first)
from models.notifications import Notification  # noqa: F401
from models.people import ApiToken, Department, LoginAttempt, Membership, User  # noqa: F401
from models.roles import LocalRoleGrant, Role, RoleGrant, RolePermission  # noqa: F401
from models.sessions import WebSession  # noqa: F401
from models.workflow import WorkflowHistory  # noqa: F401

# Builds the audit (version) classes and tables; must follow every versioned model.
configure_mappers()


def _sqlite_pragmas(dbapi_connection, connection_record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def get_engine(settings: dict, prefix: str = "sqlalchemy.", **options) -> sa.Engine:
    engine = engine_from_config(settings, prefix, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def keep_prepared_statements(engine: sa.Engine) -> None:
    """PostgreSQL (psycopg 3): let the statements a connection runs again and again stay
    prepared across transactions.

    psycopg prepares a statement on the server after it has run 5 times on a connection
    (`prepare_threshold`), but forgets every prepared statement, and the counts, at each
    ROLLBACK. zope.sqlalchemy ends every transaction that wrote nothing (a page that only
    reads) by closing the session, a ROLLBACK: so nothing was ever prepared, and PostgreSQL
    planned every statement of every request again (planning cost it 3 times what executing
    did). Here a rollback is still a ROLLBACK, sent straight through libpq so that psycopg keeps
    its prepared statements. (psycopg forgets them in case the transaction had changed the
    schema: a request never does; migrations use an engine without this.) Anything unusual (a
    pipeline, a failed ROLLBACK, a lost connection) goes through psycopg's own rollback.
    """
    if engine.dialect.driver != "psycopg":
        return
    from psycopg import pq

    rollback = engine.dialect.do_rollback
    idle, ok = pq.TransactionStatus.IDLE, pq.ExecStatus.COMMAND_OK

    def do_rollback(dbapi_connection) -> None:
        connection = getattr(dbapi_connection, "driver_connection", dbapi_connection)
        pgconn = connection.pgconn
        if pgconn.transaction_status == idle:
            return
        if connection._pipeline is None and pgconn.exec_(b"ROLLBACK").status == ok:
            return
        rollback(dbapi_connection)

    engine.dialect.do_rollback = do_rollback
    event.listen(engine, "connect", _prepared_max)


# Statements kept prepared per connection (psycopg's default, 100, is fewer than the pages of
# a day's work run: it deallocated and prepared them again in turn).
PREPARED_MAX = 1000


def _prepared_max(dbapi_connection, connection_record) -> None:
    dbapi_connection.prepared_max = PREPARED_MAX


class PortalSession(Session):
    """The portal's sessions: zope.sqlalchemy's events are listened to once, on this class, and
    each session's own (its transaction manager) are in its `info`. zope.sqlalchemy's
    `register` on each new session cost every request seven event registrations, 3 % of a
    light page."""


# The session's info key of its zope.sqlalchemy events (ZopeTransactionEvents).
TM_EVENTS = "zope_events"


def _events_of(session) -> ZopeTransactionEvents | None:
    return session.info.get(TM_EVENTS)


def _forward(event_name: str, session_of) -> None:
    def listener(*args):
        events = _events_of(session_of(*args))
        if events is not None:
            getattr(events, event_name)(*args)
    event.listen(PortalSession, event_name, listener)


for _name in ("after_begin", "after_attach", "after_flush", "before_commit"):
    _forward(_name, lambda session, *rest: session)
for _name in ("after_bulk_update", "after_bulk_delete"):
    _forward(_name, lambda context: context.session)
_forward("do_orm_execute", lambda state: state.session)


def get_session_factory(engine: sa.Engine) -> sessionmaker:
    return sessionmaker(bind=engine, expire_on_commit=False, class_=PortalSession)


def get_tm_session(session_factory: sessionmaker, transaction_manager, request=None):
    """A session joined to `transaction_manager`: committed or aborted with it."""
    events = ZopeTransactionEvents(transaction_manager=transaction_manager)
    dbsession = session_factory(info={"request": request, TM_EVENTS: events})
    if not isinstance(dbsession, PortalSession):  # a factory of plain sessions
        zope.sqlalchemy.register(dbsession, transaction_manager=transaction_manager)
    return dbsession


def includeme(config) -> None:
    settings = config.get_settings()
    settings["tm.manager_hook"] = "pyramid_tm.explicit_manager"
    # A 4xx/5xx answer (a refused form, an error page) never commits half of its work.
    settings.setdefault("tm.commit_veto", "pyramid_tm.default_commit_veto")
    config.include("pyramid_tm")
    config.include("pyramid_retry")
    # Each area's models put their kinds into the shared search index, which follows every flush.
    search.install_listeners()
    # Roles and departments, read by every request, kept in memory per generation.
    generations.install_listeners()
    for model in (Role, RolePermission, Department):
        generations.watch(model, generations.SECURITY)
    for area in ("models.clients", "models.calendar", "models.tasks", "models.tickets",
                 "models.dispatch"):
        config.include(area)

    dbengine = settings.get("dbengine")
    if dbengine is None:
        # The connection used last is used again (not each of the pool in turn): on
        # PostgreSQL it holds the statements prepared by the requests before.
        dbengine = get_engine(settings, pool_use_lifo=True)
        keep_prepared_statements(dbengine)
    session_factory = get_session_factory(dbengine)
    config.registry["dbengine"] = dbengine
    config.registry["dbsession_factory"] = session_factory

    def dbsession(request):
        # Tests hand in their own session bound to a doomed transaction.
        session = request.environ.get("app.dbsession")
        if session is None:
            session = get_tm_session(session_factory, request.tm, request=request)
        return session

    config.add_request_method(dbsession, reify=True)
