"""Error pages when something fails (issue 10): an unexpected error answers a 500 page in the
user's language, drawn without the database and without a traceback; a database that stops
answering answers 503, and a request that only reads is run once more first (pyramid_retry),
while one that writes is not (it could be saved twice). Failed requests leave nothing written.

The lost connections are real: on PostgreSQL the app's server processes are ended
(pg_terminate_backend), on SQLite its connections are closed under it; an outage is a database
that cannot be reached (a closed port, a folder that does not exist). The apps here run with
pyramid_tm and pyramid_retry as served (production.ini's `retry.attempts`), on a database of
their own, since their transactions really commit.
"""
from __future__ import annotations

import configparser
import socket
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPBadRequest, HTTPSeeOther
from pyramid.i18n import make_localizer
from pyramid.interfaces import ITranslationDirectories
from pyramid.security import NO_PERMISSION_REQUIRED
from pyramid_retry import IBeforeRetry
from sqlalchemy import event
from sqlalchemy.orm import Session

import models
import views.home
from models.people import Department
from portal import main
from portal.core.i18n import _
from portal.resources import Root
from tests.conftest import Factory, PortalTestApp, app_settings, migrate

ROOT = Path(__file__).resolve().parents[3]
GO_HOME = {"en": "Go to My day", "ru": "Перейти в «Мой день»"}
SECRET = "do-not-show-this-detail"


def shipped_retry_attempts(ini: str = "production.ini") -> str:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / ini)
    return parser["app:main"]["retry.attempts"]


def translated(app, locale: str, message) -> str:
    tdirs = app.registry.queryUtility(ITranslationDirectories, default=[])
    return make_localizer(locale, tdirs).translate(message)


def assert_error_page(app, page, code: int, locale: str, title) -> None:
    assert page.status_int == code
    assert f'<html lang="{locale}">' in page.text
    assert GO_HOME[locale] in page.text
    assert translated(app, locale, title) in page.text
    for leak in ("Traceback", SECRET, "RuntimeError", "OperationalError", "sqlalchemy"):
        assert leak not in page.text


# --- 500: anything unexpected ---------------------------------------------------------------------

@pytest.mark.parametrize(("preference", "accept_language", "expected"), [
    ("ru", "en", "ru"),   # the person's preference wins
    ("", "ru", "ru"),     # no preference: the browser's language
    ("en", "ru", "en"),
    ("", "en", "en"),
])
def test_unexpected_error_answers_500_in_the_users_language_without_the_database(
        testapp, login_as, app, monkeypatch, caplog, preference, accept_language, expected):
    login_as(locale=preference)
    failed = []

    def broken_today(request):
        failed.append(True)
        raise RuntimeError(SECRET)

    monkeypatch.setattr(views.home, "local_today", broken_today)
    after_failure = []

    def on_execute(conn, cursor, statement, *args):
        if failed:
            after_failure.append(statement)

    engine = app.registry["dbengine"]
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        page = testapp.get("/", headers={"Accept-Language": accept_language}, status=500)
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)

    assert failed
    assert_error_page(app, page, 500, expected, _("Something went wrong"))
    assert after_failure == []  # the error page asked the database nothing
    logged = [r for r in caplog.records if r.name == "views.errors" and r.exc_info]
    assert logged and logged[0].exc_info[0] is RuntimeError


def test_http_errors_and_redirects_keep_their_own_pages(testapp, login_as):
    assert testapp.get("/", status=303).location.startswith("http://example.com/login")
    login_as()
    page = testapp.get("/no-such-page", status=404)
    assert "There is nothing at this address" in page.text


# --- apps served as in production, on a database of their own ------------------------------------

@pytest.fixture(scope="module")
def own_database(db_url, tmp_path_factory):
    """A new, migrated database on the backend of `db_url` (the apps below commit)."""
    if db_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path_factory.mktemp('errors') / 'errors.sqlite'}"
        server = None
    else:
        name = f"errors_{uuid.uuid4().hex[:8]}"
        server = sa.create_engine(db_url, isolation_level="AUTOCOMMIT")
        with server.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {name}"))
        url = db_url.rsplit("/", 1)[0] + "/" + name
    engine = models.get_engine({"sqlalchemy.url": url})
    migrate(engine)
    with Session(engine) as session:
        Factory(session).user(login="irina", locale="ru", full_name="Ирина Петрова")
        session.commit()
    engine.dispose()
    yield url
    if server is not None:
        with server.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)"))
        server.dispose()


class Served:
    """An app as served (pyramid_tm, pyramid_retry), with what the tests need to watch it."""

    def __init__(self, url: str, **engine_settings: str):
        self.engine = models.get_engine({"sqlalchemy.url": url, **engine_settings})
        self.connections = []
        event.listen(self.engine, "connect", lambda dbapi, record: self.connections.append(dbapi))
        settings = app_settings(url)
        settings.update({"dbengine": self.engine, "retry.attempts": shipped_retry_attempts()})
        self.app = main({}, **settings)
        self.retries = 0
        config = Configurator(registry=self.app.registry)
        config.add_subscriber(self._count, IBeforeRetry)
        for name, view in (("test-read", self._read), ("test-write", self._write),
                           ("test-write-and-lose", self._write_and_lose),
                           ("test-write-and-fail", self._write_and_fail),
                           ("test-refuse", self._refuse)):
            config.add_view(view, context=Root, name=name, permission=NO_PERMISSION_REQUIRED,
                            require_csrf=False, renderer="string")
        config.commit()

    def _count(self, event_):
        self.retries += 1

    def client(self, accept_language: str = "en", **environ) -> PortalTestApp:
        return PortalTestApp(self.app, extra_environ={
            "HTTP_HOST": "example.com", "HTTP_ACCEPT_LANGUAGE": accept_language, **environ})

    # The views: read, or write a department and then fail.
    @staticmethod
    def _read(request):
        return str(request.dbsession.scalar(sa.select(sa.func.count(Department.id))))

    @staticmethod
    def _add_department(request) -> str:
        name = request.params["name"]
        request.dbsession.add(Department(name=name))
        request.dbsession.flush()
        return name

    def _write(self, request):
        return self._add_department(request)

    def _write_and_lose(self, request):
        self._add_department(request)
        lose_own_connection(request.dbsession)
        return self._read(request)

    @staticmethod
    def _refuse(request):
        if request.params.get("how") == "redirect":
            raise HTTPSeeOther(request.application_url + "/elsewhere")
        raise HTTPBadRequest("no")

    def _write_and_fail(self, request):
        self._add_department(request)
        raise RuntimeError(SECRET)

    # The database going away.
    def lose_connections(self) -> None:
        """End every connection the app holds, as a database restart would."""
        if self.engine.dialect.name == "sqlite":
            for dbapi in self.connections:
                dbapi.close()
        else:
            pids = [dbapi.info.backend_pid for dbapi in self.connections if not dbapi.closed]
            with one_off(self.engine.url).connect() as conn:
                for pid in pids:
                    conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        self.connections.clear()

    def departments_named(self, name: str) -> int:
        with one_off(self.engine.url).connect() as conn:
            return conn.scalar(sa.select(sa.func.count()).select_from(Department.__table__)
                               .where(Department.__table__.c.name == name))


def one_off(url) -> sa.Engine:
    """An engine beside the app's, whose connections close when used (they are not pooled)."""
    return sa.create_engine(url, poolclass=sa.pool.NullPool)


def lose_own_connection(dbsession) -> None:
    """End this transaction's connection under it (the server's process on PostgreSQL)."""
    connection = dbsession.connection()
    if connection.dialect.name == "sqlite":
        connection.connection.dbapi_connection.close()
    else:
        with one_off(connection.engine.url).connect() as other:
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"),
                          {"pid": connection.connection.dbapi_connection.info.backend_pid})


@pytest.fixture(scope="module")
def served(own_database):
    served = Served(own_database)
    yield served
    served.engine.dispose()


def unreachable_url(db_url: str, tmp_path) -> str:
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'no-such-folder' / 'portal.sqlite'}"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/portal"


def test_the_shipped_settings_retry():
    for ini in ("development.ini", "production.ini"):
        assert int(shipped_retry_attempts(ini)) >= 2, ini


def test_a_page_whose_connection_was_lost_is_read_again_once(served):
    client = served.client()
    client.login("irina")
    assert "Ирина Петрова" in client.get("/").text
    served.lose_connections()
    served.retries = 0
    page = client.get("/", status=200)
    assert "Ирина Петрова" in page.text
    assert served.retries == 1


def test_a_read_whose_connection_was_lost_is_read_again_once(served):
    client = served.client()
    client.get("/test-read")
    served.lose_connections()
    served.retries = 0
    client.get("/test-read", status=200)
    assert served.retries == 1


def test_a_write_whose_connection_was_lost_answers_503_once_and_saves_nothing(served):
    client = served.client(accept_language="ru")
    name = f"lost-{uuid.uuid4().hex[:8]}"
    served.retries = 0
    page = client.post("/test-write-and-lose", {"name": name}, status=503)
    assert served.retries == 0  # not run again: it could have been saved twice
    assert_error_page(served.app, page, 503, "ru", _("The database is not answering"))
    assert page.headers["Retry-After"] == "60"
    assert served.departments_named(name) == 0


def test_a_write_after_the_connection_was_lost_is_not_run_again(served):
    client = served.client(accept_language="ru")
    client.get("/test-read")
    served.lose_connections()
    served.retries = 0
    name = f"after-{uuid.uuid4().hex[:8]}"
    page = client.post("/test-write", {"name": name}, status=503)
    assert served.retries == 0
    assert_error_page(served.app, page, 503, "ru", _("The database is not answering"))
    assert served.departments_named(name) == 0
    client.post("/test-write", {"name": name}, status=200)  # the database is back
    assert served.departments_named(name) == 1


def test_an_unexpected_error_in_a_write_leaves_nothing_written(served):
    client = served.client(accept_language="ru")
    name = f"failed-{uuid.uuid4().hex[:8]}"
    page = client.post("/test-write-and-fail", {"name": name}, status=500)
    assert_error_page(served.app, page, 500, "ru", _("Something went wrong"))
    assert served.departments_named(name) == 0


@pytest.fixture
def outage(db_url, tmp_path):
    served = Served(unreachable_url(db_url, tmp_path))
    yield served
    served.engine.dispose()


def test_a_database_that_does_not_answer_gives_503_in_the_users_language(outage):
    # The language from the cookie (the person's choice), over the browser's.
    client = outage.client(accept_language="en")
    client.set_cookie("_LOCALE_", "ru")
    page = client.get("/test-read", status=503)
    assert outage.retries == 1  # read once more, then the 503 page
    assert_error_page(outage.app, page, 503, "ru", _("The database is not answering"))
    assert page.headers["Retry-After"] == "60"

    outage.retries = 0
    page = client.post("/test-write", {"name": "x"}, status=503)
    assert outage.retries == 0
    assert_error_page(outage.app, page, 503, "ru", _("The database is not answering"))

    page = outage.client(accept_language="en").get("/test-read", status=503)
    assert_error_page(outage.app, page, 503, "en", _("The database is not answering"))


def test_a_logged_in_person_gets_503_not_the_log_in_page_during_an_outage(outage):
    client = outage.client(accept_language="ru")
    client.set_cookie("portal", "a-session-of-someone")
    page = client.get("/", status=503)
    assert_error_page(outage.app, page, 503, "ru", _("The database is not answering"))


def test_an_api_client_gets_503_during_an_outage(outage):
    # Its token is looked up before any view: the failure comes up through pyramid_tm.
    client = outage.client(accept_language="ru", HTTP_AUTHORIZATION="Bearer some-token")
    page = client.get("/test-read", status=503)
    assert outage.retries == 1
    assert_error_page(outage.app, page, 503, "ru", _("The database is not answering"))


def test_http_errors_raised_by_a_view_are_answered_as_they_are(served):
    client = served.client()
    assert client.get("/test-refuse?how=redirect", status=303).location.endswith("/elsewhere")
    client.get("/test-refuse", status=400)


def test_a_pool_with_no_connection_free_gives_503(own_database):
    busy = Served(own_database, **{"sqlalchemy.pool_size": "1", "sqlalchemy.max_overflow": "0",
                                   "sqlalchemy.pool_timeout": "1"})
    try:
        with busy.engine.connect():  # the only connection, held by someone else
            page = busy.client(accept_language="ru").get("/test-read", status=503)
        assert busy.retries == 1
        assert_error_page(busy.app, page, 503, "ru", _("The database is not answering"))
        busy.client().get("/test-read", status=200)
    finally:
        busy.engine.dispose()
