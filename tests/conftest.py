"""Test fixtures (DESIGN.md §11): every database test runs on SQLite and on PostgreSQL.

A session-scoped database per backend is migrated by Alembic and given the default roles; each
test works inside a doomed transaction shared by `dbsession` and `testapp`, so nothing leaks.
PostgreSQL is a throwaway server the tests start themselves on 127.0.0.1 (tests/pgserver.py),
or the database named by PORTAL_TEST_DATABASE_URL. With PORTAL_REQUIRE_ALL=1 (CI), a missing
PostgreSQL or Chromium fails the run instead of skipping.
"""
from __future__ import annotations

import os
import re
import warnings

import pytest
import transaction
import webtest
from argon2 import PasswordHasher

warnings.filterwarnings("ignore", message="pkg_resources is deprecated")

import models
import portal.security.login
from portal import main
from tests import pgserver

REQUIRE_ALL = os.environ.get("PORTAL_REQUIRE_ALL") == "1"
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEST_PASSWORD = "secret-pass-1"

# Real argon2, with parameters cheap enough for hundreds of log-ins in a test run.
portal.security.login.HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def missing(what: str):
    if REQUIRE_ALL:
        pytest.fail(f"{what} is required (PORTAL_REQUIRE_ALL=1) but not available")
    pytest.skip(f"{what} is not available")


def migrate(engine) -> None:
    """Alembic upgrade to every head, then the default roles, committed."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy.orm import Session

    from portal.security.default_roles import seed_roles

    cfg = Config(os.path.join(HERE, "development.ini"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")
    with Session(engine) as session:
        seed_roles(session)
        session.commit()


@pytest.fixture(scope="session")
def postgres_url():
    if os.environ.get("PORTAL_TEST_DATABASE_URL"):
        yield os.environ["PORTAL_TEST_DATABASE_URL"]
        return
    if not pgserver.postgres_available():
        missing("PostgreSQL")
    server = pgserver.ThrowawayPostgres()
    url = server.start()
    yield url
    server.stop()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def db_url(request, tmp_path_factory):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    return request.getfixturevalue("postgres_url")


def app_settings(url: str) -> dict:
    return {
        "sqlalchemy.url": url,
        "session.secret": "test-secret",
        "pyramid.default_locale_name": "en",
        # One folder per worker of a parallel run (pytest-xdist).
        "portal.files_dir": "/tmp/portal-test-files" + os.environ.get("PYTEST_XDIST_WORKER", ""),
        "retry.attempts": "1",
    }


@pytest.fixture(scope="session")
def dbengine(db_url):
    engine = models.get_engine({"sqlalchemy.url": db_url})
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def app(dbengine, db_url):
    settings = app_settings(db_url)
    settings["dbengine"] = dbengine
    return main({}, **settings)


@pytest.fixture
def tm():
    manager = transaction.TransactionManager(explicit=True)
    manager.begin()
    manager.doom()
    yield manager
    manager.abort()


@pytest.fixture
def dbsession(app, tm):
    session = models.get_tm_session(app.registry["dbsession_factory"], tm)
    yield session
    session.close()


class PortalTestApp(webtest.TestApp):
    """WebTest with the portal's log-in and CSRF handling."""

    def csrf_token(self) -> str:
        page = self.get("/", status="*")
        if page.status_int != 200:  # not logged in: the log-in page carries one too
            page = self.get("/login")
        match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert match, "no CSRF token on the page"
        return match.group(1)

    def login(self, login: str, password: str = TEST_PASSWORD, status=303):
        self.reset()
        token = self.csrf_token()
        return self.post("/login", {"login": login, "password": password, "csrf_token": token},
                         status=status)

    def post_csrf(self, url: str, params=None, **kw):
        params = dict(params or {})
        params["csrf_token"] = self.csrf_token()
        return self.post(url, params, **kw)


@pytest.fixture
def testapp(app, tm, dbsession):
    return PortalTestApp(app, extra_environ={
        "HTTP_HOST": "example.com",
        "HTTP_ACCEPT_LANGUAGE": "en",
        "tm.active": True,
        "tm.manager": tm,
        "app.dbsession": dbsession,
    })


# --- factories ----------------------------------------------------------------------------------

class Factory:
    def __init__(self, dbsession):
        self.db = dbsession
        self.n = 0

    def department(self, name: str | None = None, parent=None):
        from models.people import Department
        from portal.security.default_roles import grant_auto_roles

        self.n += 1
        dept = Department(name=name or f"Department {self.n}", parent=parent)
        self.db.add(dept)
        self.db.flush()
        grant_auto_roles(self.db, [dept])
        return dept

    def user(self, login: str | None = None, roles=(), departments=None, **fields):
        from portal.people.rules import create_user

        self.n += 1
        login = login or f"user{self.n}"
        if departments is None:
            departments = [self.department()]
        fields.setdefault("full_name", f"Test User {self.n}")
        return create_user(self.db, login=login, password=TEST_PASSWORD, roles=roles,
                           departments=departments, **fields)

    def role(self, name: str):
        import sqlalchemy as sa

        from models.roles import Role

        return self.db.scalar(sa.select(Role).where(Role.name == name))


@pytest.fixture
def factory(dbsession):
    return Factory(dbsession)


@pytest.fixture
def login_as(testapp, factory):
    """Log the test app in as a new person holding `role` (or as `user`); returns the user."""

    def login(role_or_user=None, **fields):
        from models.people import User

        if isinstance(role_or_user, User):
            user = role_or_user
        else:
            roles = [role_or_user] if role_or_user and role_or_user != "employee" else []
            user = factory.user(roles=roles, **fields)
        testapp.login(user.login)
        return user

    return login


@pytest.fixture
def request_for(app, tm, dbsession):
    """A real Pyramid request acting as `user` (None: anonymous), sharing the test transaction."""
    from pyramid.scripting import prepare

    closers = []

    def make(user=None, path="/"):
        from pyramid.request import Request

        request = Request.blank(path, environ={"HTTP_HOST": "example.com", "HTTP_ACCEPT_LANGUAGE": "en",
                                               "tm.active": True,
                                               "tm.manager": tm, "app.dbsession": dbsession})
        env = prepare(request=request, registry=app.registry)
        closers.append(env["closer"])
        request.root = env["root"]
        if user is not None:
            request.session["uid"] = user.id
        return request

    yield make
    for close in reversed(closers):
        close()
