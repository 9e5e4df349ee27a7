"""Alembic environment: the database comes from the ini file's settings or from the caller.

The migrations run from here import nothing of the application (`portal`, `views`,
`workflows`) nor of `models`: a revision must make the same schema and data forever, whatever
the code becomes, so it carries the few values it needs. This file imports `models` only for
its metadata, which autogenerate compares with the database, and for the engine it configures.
"""
import os

import sqlalchemy as sa
from alembic import context
from pyramid.paster import get_appsettings, setup_logging

import models
from models.meta import Base
from models.search import is_search_object

config = context.config
target_metadata = Base.metadata


class MissingSetting(RuntimeError):
    """A setting written `env:NAME` whose environment variable is not set."""


def engine_settings(settings: dict) -> dict:
    """The `sqlalchemy.*` settings, a value written `env:NAME` read from the environment (as the
    application reads its settings)."""
    out = {}
    for key, value in settings.items():
        if not key.startswith("sqlalchemy."):
            continue
        if isinstance(value, str) and value.startswith("env:"):
            name = value[4:].strip()
            if name not in os.environ:
                raise MissingSetting(f"{key} needs the environment variable {name}")
            value = os.environ[name]
        out[key] = value
    return out


def render_item(type_, obj, autogen_context):
    """Autogenerate writes a column's plain SQL type (`sa.DateTime(timezone=True)`), not the
    Python-side type of the models that wraps it (`UTCDateTime`), so new revisions need no
    import of `models`."""
    if type_ == "type" and isinstance(obj, sa.types.TypeDecorator):
        impl = obj.impl
        if type(impl).__module__.startswith("sqlalchemy.sql."):
            return f"sa.{impl!r}"
    return False


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Autogenerate leaves alone the full-text objects that revisions make by hand and the
    metadata does not describe (FTS5 tables, the tsvector column and its index)."""
    if reflected and compare_to is None:
        table = getattr(obj, "table", None)
        return not is_search_object(name, table.name if table is not None else None)
    return True


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    setup_logging(config.config_file_name)
    settings = engine_settings(get_appsettings(config.config_file_name))
    engine = models.get_engine(settings)
    with engine.connect() as conn:
        _run(conn)
        conn.commit()


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        render_item=render_item,
        include_object=include_object,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
