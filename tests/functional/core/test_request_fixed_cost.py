"""What every request pays before its page (issue 11): the database session joined to the
request's transaction, the session's statement, the page's template looked up. Each was done
again on every request at a cost that did not depend on the page."""
from __future__ import annotations

import uuid

import jinja2
import pytest
import sqlalchemy as sa
import transaction
from pyramid_jinja2 import IJinja2Environment

import models
from models.generations import Generation
from portal.security.sessions import PREAMBLE, open_statement


def test_the_sessions_statement_is_rendered_once_not_at_each_request(app):
    """SQLAlchemy's `aggregate_strings` writes its separator into the SQL at each execution
    (a "post-compile" parameter), so the whole statement was rendered again on every request.
    `joined_strings` binds it as any other value."""
    dialect = app.registry["dbengine"].dialect
    compiled = open_statement(tuple(PREAMBLE.names())).compile(dialect=dialect)
    assert "POSTCOMPILE" not in compiled.string
    assert not compiled.literal_execute_params
    assert ("string_agg(" if dialect.name == "postgresql" else "group_concat(") in compiled.string


def stored_token(engine, name: str) -> str | None:
    """The generation's token as committed (read on a connection of its own)."""
    with engine.connect() as conn:
        return conn.scalar(sa.select(Generation.token).where(Generation.name == name))


def test_a_request_session_joins_its_transaction_without_registering_events(app, monkeypatch):
    """zope.sqlalchemy's events are listened to once, on the session class; each session only
    names its transaction manager. The session still commits with its transaction manager,
    aborts with it, and refuses to be committed on its own."""
    listened = []
    listen = sa.event.listen
    monkeypatch.setattr(sa.event, "listen", lambda *a, **kw: (listened.append(a), listen(*a, **kw)))
    factory = app.registry["dbsession_factory"]
    name = f"fixed-cost-{uuid.uuid4().hex[:8]}"
    engine = factory.kw["bind"]
    try:
        manager = transaction.TransactionManager(explicit=True)
        with manager:
            db = models.get_tm_session(factory, manager)
            db.add(Generation(name=name, token="one"))
        assert listened == []
        assert stored_token(engine, name) == "one"

        manager = transaction.TransactionManager(explicit=True)
        manager.begin()
        db = models.get_tm_session(factory, manager)
        db.get(Generation, name).token = "two"
        db.flush()
        manager.abort()
        assert stored_token(engine, name) == "one"

        manager = transaction.TransactionManager(explicit=True)
        manager.begin()
        db = models.get_tm_session(factory, manager)
        db.get(Generation, name).token = "three"
        with pytest.raises(AssertionError, match="transaction manager"):
            db.commit()
        manager.abort()
        # A Core statement alone is a write too (zope.sqlalchemy's do_orm_execute).
        manager = transaction.TransactionManager(explicit=True)
        with manager:
            db = models.get_tm_session(factory, manager)
            db.execute(sa.update(Generation).where(Generation.name == name).values(token="four"))
        assert stored_token(engine, name) == "four"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.delete(Generation).where(Generation.name == name))


def test_a_pages_template_is_looked_up_once_not_on_every_request(testapp, login_as, app,
                                                                  monkeypatch):
    """pyramid_jinja2 looks a view's template up beside the view's package first; ours are not
    there, and a failed look-up is not cached, so it asked the file system on every page."""
    login_as("employee")
    testapp.get("/calendar", status=200)
    env = app.registry.queryUtility(IJinja2Environment, name=".jinja2")
    asked = []
    get_source = type(env.loader).get_source

    def counted(self, environment, template):
        asked.append(template)
        return get_source(self, environment, template)

    monkeypatch.setattr(type(env.loader), "get_source", counted)
    page = testapp.get("/calendar", status=200)
    assert page.html.select_one("main")
    assert asked == []
    # A name that is nowhere still says so.
    with pytest.raises(jinja2.TemplateNotFound):
        env.get_template("no/such/page.jinja2")


@pytest.mark.parametrize(("path", "section"), [("/", "home"), ("/calendar", "calendar"),
                                               ("/clients/", "clients"), ("/tasks", "tasks")])
def test_the_bar_marks_the_section_one_is_in(testapp, login_as, path, section):
    """The bar reads the page's path once for all its links: it still marks the one section
    the page belongs to, and only that one."""
    login_as("admin")
    page = testapp.get(path, status=200)
    current = page.html.select("#sections a[aria-current='page']")
    assert [a["data-section"] for a in current] == [section]
    assert "active" in current[0]["class"]
    assert len(page.html.select("#sections a.active")) == 1
