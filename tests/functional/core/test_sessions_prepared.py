"""PostgreSQL keeps the statements each request runs prepared (models.keep_prepared_statements).

psycopg prepares a statement after 5 runs on a connection but forgets them all at each
ROLLBACK, and a page that only reads ends its transaction with one: without the engine's
rollback of models/__init__.py nothing was ever prepared and PostgreSQL planned every
statement of every request again (tests/load: planning cost 3 times what executing did).
"""
from __future__ import annotations

import sqlalchemy as sa

import models
from portal import main
from tests.conftest import app_settings

STATEMENT = sa.text("SELECT count(*) FROM pg_class WHERE relname <> :v")


def prepared(connection) -> list[str]:
    return list(connection.exec_driver_sql(
        "SELECT statement FROM pg_prepared_statements WHERE statement LIKE "
        "'SELECT count(*) FROM pg_class%%'").scalars())


def run_read_only_requests(engine: sa.Engine) -> list[str]:
    """Ten read-only "requests" on one pooled connection, each ended by a rollback as
    zope.sqlalchemy ends them; the statement's server-side preparation afterwards."""
    for n in range(10):
        with engine.connect() as connection:
            assert connection.execute(STATEMENT, {"v": str(n)}).scalar() >= 0
            connection.rollback()
    with engine.connect() as connection:
        return prepared(connection)


def test_statements_stay_prepared_across_rollbacks(postgres_url):
    engine = models.get_engine({"sqlalchemy.url": postgres_url, "sqlalchemy.pool_size": "1"})
    try:
        models.keep_prepared_statements(engine)
        assert run_read_only_requests(engine), "prepared statements forgotten at rollback"
    finally:
        engine.dispose()


def test_a_rollback_still_rolls_back(postgres_url):
    engine = models.get_engine({"sqlalchemy.url": postgres_url, "sqlalchemy.pool_size": "1"})
    try:
        models.keep_prepared_statements(engine)
        with engine.connect() as connection:
            connection.exec_driver_sql("CREATE TEMP TABLE d_probe (x int)")
            connection.commit()
            for _ in range(7):  # prepared from the 6th run on
                connection.execute(sa.text("INSERT INTO d_probe VALUES (:x)"), {"x": 1})
                connection.rollback()
            connection.execute(sa.text("INSERT INTO d_probe VALUES (:x)"), {"x": 2})
            connection.commit()
            assert connection.exec_driver_sql("SELECT x FROM d_probe").scalars().all() == [2]
            # A failed transaction rolls back too, and the connection works on.
            try:
                connection.exec_driver_sql("SELECT 1/0")
            except sa.exc.DataError:
                connection.rollback()
            assert connection.exec_driver_sql("SELECT count(*) FROM d_probe").scalar() == 1
    finally:
        engine.dispose()


def test_the_application_engine_keeps_them(postgres_url):
    """The engine the application builds for itself (as `portal serve` does) has it."""
    settings = dict(app_settings(postgres_url), **{"sqlalchemy.pool_size": "1"})
    app = main({}, **settings)
    engine = app.registry["dbengine"]
    try:
        assert run_read_only_requests(engine)
        with engine.connect() as connection:
            # More than the pages of a day's work run (psycopg's default is 100).
            assert connection.connection.driver_connection.prepared_max == models.PREPARED_MAX
    finally:
        engine.dispose()


def test_the_last_connection_returned_is_the_next_one_used(postgres_url):
    """The application's pool hands out the connection used last (LIFO), not each of its
    connections in turn: the one a request gets holds what the requests before prepared."""
    app = main({}, **app_settings(postgres_url))
    engine = app.registry["dbengine"]
    try:
        first, second = engine.connect(), engine.connect()
        used_last = second.connection.driver_connection
        first.close()
        second.close()
        with engine.connect() as connection:
            assert connection.connection.driver_connection is used_last
    finally:
        engine.dispose()
