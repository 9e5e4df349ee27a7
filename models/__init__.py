"""Engine, session and transaction wiring (pyramid_tm + zope.sqlalchemy + pyramid_retry)."""
from __future__ import annotations

import sqlalchemy as sa
import zope.sqlalchemy
from sqlalchemy import engine_from_config, event
from sqlalchemy.orm import configure_mappers, sessionmaker

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


def get_engine(settings: dict, prefix: str = "sqlalchemy.") -> sa.Engine:
    engine = engine_from_config(settings, prefix)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def get_session_factory(engine: sa.Engine) -> sessionmaker:
    return sessionmaker(bind=engine, expire_on_commit=False)


def get_tm_session(session_factory: sessionmaker, transaction_manager, request=None):
    """A session joined to `transaction_manager`: committed or aborted with it."""
    dbsession = session_factory(info={"request": request})
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

    dbengine = settings.get("dbengine") or get_engine(settings)
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
