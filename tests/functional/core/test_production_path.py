"""The production steps of README, run as written against a throwaway PostgreSQL: initdb, the
first admin, the demo company, two app processes on their own ports behind one database, a
log-in on one that holds on the other, and an organization added after the demo's bulk rows."""
from __future__ import annotations

import html
import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.demo.company import move_sequences_past_ids

ROOT = Path(__file__).resolve().parents[3]
PORTAL = Path(sys.executable).with_name("portal")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def production(postgres_url, tmp_path_factory):
    """A new database on the throwaway server and production.ini as shipped, but for plain
    HTTP on loopback (session.secure needs TLS in front) and files in a scratch folder."""
    name = f"prod_{uuid.uuid4().hex[:8]}"
    server = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    url = postgres_url.rsplit("/", 1)[0] + "/" + name
    tmp = tmp_path_factory.mktemp("production")
    ini = (ROOT / "production.ini").read_text()
    ini = ini.replace("session.secure = true", "session.secure = false")
    ini = ini.replace("url_scheme = https", "url_scheme = http")
    ini = re.sub(r"portal\.files_dir = .*", f"portal.files_dir = {tmp / 'files'}", ini)
    ini = ini.replace("%(here)s/models/alembic", str(ROOT / "models" / "alembic"))
    (tmp / "production.ini").write_text(ini)
    env = {**os.environ, "PORTAL_DATABASE_URL": url, "PORTAL_SESSION_SECRET": uuid.uuid4().hex}
    yield tmp / "production.ini", env, url
    sa.create_engine(url).dispose()
    with server.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    server.dispose()


def portal(env, *args, check=True) -> subprocess.CompletedProcess:
    done = subprocess.run([str(PORTAL), *map(str, args)], env=env, capture_output=True, text=True,
                          timeout=600)
    assert not check or done.returncode == 0, done.stdout + done.stderr
    return done


def serve(ini, env, port) -> subprocess.Popen:
    process = subprocess.Popen([str(PORTAL), "serve", str(ini), "--listen", f"127.0.0.1:{port}",
                                "--no-ticker"], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise AssertionError(f"nothing answers on port {port}")


class Browser:
    """Cookies kept across requests, as a person's browser keeps them."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, url) -> str:
        with self.opener.open(url, timeout=30) as response:
            return response.read().decode()

    def post(self, url, fields) -> tuple[int, str]:
        data = urllib.parse.urlencode(fields).encode()
        try:
            with self.opener.open(url, data=data, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


def csrf(page: str) -> str:
    return html.unescape(re.search(r'name="csrf_token" value="([^"]+)"', page).group(1))


def test_the_production_steps_work_as_written(production):
    ini, env, url = production
    assert "database ready" in portal(env, "initdb", ini).stdout
    portal(env, "adduser", ini, "admin", "--name", "Первый Админ", "--password", "Secret-2026",
           "--role", "admin")
    demo = portal(env, "demo", ini)
    assert "demo data created" in demo.stdout and "your own password" in demo.stdout
    again = portal(env, "demo", ini)
    assert "already" in again.stdout and "Nothing was added" in again.stdout

    first, second = free_port(), free_port()
    processes = [serve(ini, env, first), serve(ini, env, second)]
    try:
        browser = Browser()
        login = browser.get(f"http://127.0.0.1:{first}/login")
        status, _page = browser.post(f"http://127.0.0.1:{first}/login", {
            "login": "admin", "password": "Secret-2026", "csrf_token": csrf(login)})
        assert status == 200
        # The same session on the other process: the demo's people are there, and so is the admin.
        people = browser.get(f"http://127.0.0.1:{second}/people")
        assert "Соколов" in people and "Первый Админ" in people
        form = browser.get(f"http://127.0.0.1:{second}/clients/add")
        status, page = browser.post(f"http://127.0.0.1:{second}/clients/add", {
            "name": "ООО «После демо»", "legal_name": "", "inn": "", "kpp": "", "kind": "client",
            "stage": "attraction", "manager_id": "", "department_id": "", "website": "",
            "tags": "", "notes": "", "csrf_token": csrf(form)})
        assert status == 200 and "После демо" in page
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        added = conn.execute(sa.text(
            "SELECT id, (SELECT max(id) FROM organizations) FROM organizations "
            "WHERE name = 'ООО «После демо»'")).one()
        demo_rows = conn.execute(sa.text("SELECT count(*) FROM organizations")).scalar()
    assert demo_rows > 200 and added[0] == added[1]

    # The move itself: a sequence left behind the demo's rows (as bulk inserts with ids leave
    # it) is put past the largest id again.
    with Session(bind=engine) as session:
        session.execute(sa.text("SELECT setval(pg_get_serial_sequence('organizations', 'id'), 1)"))
        move_sequences_past_ids(session)
        following = session.scalar(sa.text(
            "SELECT nextval(pg_get_serial_sequence('organizations', 'id'))"))
        highest = session.scalar(sa.text("SELECT max(id) FROM organizations"))
        session.rollback()
    engine.dispose()
    assert following > highest
