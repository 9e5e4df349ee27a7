"""Declarative base, naming convention and column types shared by every model."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from pyramid.authorization import ALL_PERMISSIONS, Deny, Everyone
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy_continuum import make_versioned, versioning_manager

from models.audit_plugin import ActorPlugin
from models.registry import TypeRegistry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}



def _forget_units_of_work(manager, conn, session=None) -> None:
    """Drop the units of work of `conn` and of connections closed or sharing its DBAPI
    connection: sqlalchemy_continuum's own clean-up, tolerant of another thread's.

    Continuum keeps every thread's units of work in one dict and cleans up in two steps (a copy
    of the keys, then a lookup and a delete for each): a request finishing in another waitress
    thread could delete an entry in between, and the KeyError turned a finished request into a
    500 (about one in 4,000 requests under `make load`)."""
    uow = manager.units_of_work.pop(conn, None)
    if uow is not None:
        uow.reset(session)
    for connection in list(manager.units_of_work):
        if connection.closed or conn.connection is connection.connection:
            uow = manager.units_of_work.pop(connection, None)
            if uow is not None:
                uow.reset(session)


def _clear_session(session) -> None:
    """VersioningManager.clear (after a commit or a rollback), through _forget_units_of_work."""
    if session.in_nested_transaction():
        return
    conn = versioning_manager.session_connection_map.pop(session, None)
    if conn is not None:
        _forget_units_of_work(versioning_manager, conn, session)


def _clear_connection(conn) -> None:
    """VersioningManager.clear_connection (a connection rolled back), through
    _forget_units_of_work."""
    for session, connection in list(versioning_manager.session_connection_map.items()):
        if connection is conn:
            versioning_manager.session_connection_map.pop(session, None)
    _forget_units_of_work(versioning_manager, conn)


# The listeners make_versioned registers are read from the manager: the tolerant clean-ups are
# put in their place first.
versioning_manager.session_listeners["after_commit"] = _clear_session
versioning_manager.session_listeners["after_rollback"] = _clear_session
versioning_manager.clear_connection = _clear_connection
# Must run before any versioned model is defined. The transaction row records who made the
# change (User) and from where (remote_addr), both taken from the session's info by the plugin.
make_versioned(user_cls="User", plugins=[ActorPlugin()])


# Rows are the resources of the tree (DESIGN.md §4), but their security and their children are
# the areas' business: each area's includeme binds them to its types
# (`config.register(ROW_ACL, Organization, organization_acl)`), so models import no security code.
ROW_ACL: TypeRegistry = TypeRegistry("row ACL")
ROW_CHILDREN: TypeRegistry = TypeRegistry("row children")
ROW_HOOKS: TypeRegistry = TypeRegistry("row hooks")

DENY_ALL = (Deny, Everyone, ALL_PERMISSIONS)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

    def __acl__(self) -> list:
        """The ACL its area computes for it (`ROW_ACL`); a type nobody bound has none of its own
        and inherits its parent's, as if it had no `__acl__`."""
        acl = ROW_ACL.for_object(self)
        return acl(self) if acl is not None else []


def row_child(obj: object, key: str):
    """Traversal below a row (`__getitem__`): the children function its area bound, or none."""
    children = ROW_CHILDREN.for_object(obj)
    if children is None:
        raise KeyError(key)
    return children(obj, key)


def row_hook(obj: object, name: str, *args):
    """Call the hook `name` an area bound to the row's type (`ROW_HOOKS`: {name: function})."""
    hooks = ROW_HOOKS.for_object(obj) or {}
    return hooks[name](obj, *args)


class UTCDateTime(sa.types.TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite hands back naive values)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def in_first_of_each(id_column, parts) -> sa.ColumnElement[bool]:
    """`id_column IN (the first n ids of each statement, UNION ALL)`: several short lists read
    in one statement, each through its own index in its own order. `parts`: (a select of the id
    column, ordered; n) pairs; a None statement or n of 0 is left out."""
    subqueries = [stmt.limit(n).subquery() for stmt, n in parts if stmt is not None and n > 0]
    if not subqueries:
        return sa.false()
    if len(subqueries) == 1:
        return id_column.in_(sa.select(subqueries[0].c[0]))
    return id_column.in_(sa.union_all(*(sa.select(sub.c[0]) for sub in subqueries)))


class joined_strings(sa.sql.functions.GenericFunction):
    """The strings of a group joined by a separator: `aggregate_strings(expr, sep)` with the
    separator a bound parameter. SQLAlchemy's own writes the separator into the SQL at each
    execution, so a statement that has it is rendered again every time it runs (the session's
    statement runs on every request)."""

    type = sa.String()
    name = "joined_strings"
    inherit_cache = True


@compiles(joined_strings)
def _joined_strings(element, compiler, **kw) -> str:
    return f"string_agg({compiler.process(element.clauses, **kw)})"


@compiles(joined_strings, "sqlite")
def _joined_strings_sqlite(element, compiler, **kw) -> str:
    return f"group_concat({compiler.process(element.clauses, **kw)})"


def insert_ignoring(dbsession, table, values):
    """INSERT … ON CONFLICT DO NOTHING on the session's database (PostgreSQL or SQLite): a row
    that would break a unique rule is left out instead of failing. `values`: one row (a dict)
    or several (a list). Add `.returning(...)` to learn which went in."""
    dialect = postgresql if dbsession.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table).values(values).on_conflict_do_nothing()
