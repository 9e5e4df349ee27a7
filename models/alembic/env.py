"""Alembic environment: the database comes from the ini file's settings or from the caller."""
from alembic import context
from pyramid.paster import get_appsettings, setup_logging

import models
from models.meta import Base
from portal.core.settings import resolve_env

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    setup_logging(config.config_file_name)
    settings = resolve_env(get_appsettings(config.config_file_name))
    engine = models.get_engine(settings)
    with engine.connect() as conn:
        _run(conn)
        conn.commit()


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
