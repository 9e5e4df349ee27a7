"""Log-in throttling (issue 10, point 4): counted atomically per login and per address, so that
however many attempts arrive at once, at most MAX_FAILURES passwords are checked for one login in
a window; unknown logins check a (dummy) hash too, so they answer in the same time."""
from __future__ import annotations

import re
import threading
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

import portal.security.login as login_module
from models.people import LoginAttempt, User
from portal.security.login import MAX_ADDRESS_FAILURES, MAX_FAILURES, authenticate, hash_password
from tests.conftest import TEST_PASSWORD


class CountingHasher:
    """The real hasher, counting the passwords it checks (per hash checked)."""

    def __init__(self, hasher):
        self.hasher = hasher
        self.checked: list[str] = []
        self.lock = threading.Lock()

    def verify(self, password_hash, password):
        with self.lock:
            self.checked.append(password_hash)
        return self.hasher.verify(password_hash, password)

    def __getattr__(self, name):
        return getattr(self.hasher, name)


@pytest.fixture
def counting(monkeypatch):
    hasher = CountingHasher(login_module.HASHER)
    monkeypatch.setattr(login_module, "HASHER", hasher)
    return hasher


@pytest.fixture
def committed_user(dbengine):
    """A person committed to the shared database (the threads each have their own session),
    removed afterwards with their attempts."""
    login = "thr" + uuid.uuid4().hex[:10]
    password_hash = hash_password(TEST_PASSWORD)
    with dbengine.begin() as conn:
        conn.execute(sa.insert(User.__table__).values(login=login, full_name="Throttled",
                                                      password_hash=password_hash))
    yield login, password_hash
    with dbengine.begin() as conn:
        conn.execute(sa.delete(LoginAttempt.__table__).where(LoginAttempt.login == login))
        conn.execute(sa.delete(User.__table__).where(User.login == login))


def attempt(dbengine, login, password, remote_addr="192.0.2.1"):
    with Session(dbengine) as session:
        result = authenticate(session, login, password, remote_addr)
        session.commit()
        return result.user is not None


def test_forty_simultaneous_attempts_check_at_most_five_passwords(dbengine, committed_user,
                                                                   counting):
    login, password_hash = committed_user
    start = threading.Barrier(40)
    results, errors = [], []

    def worker(n):
        try:
            start.wait()
            # Different addresses: only the per-login limit applies.
            results.append(attempt(dbengine, login, f"wrong-password-{n}", f"198.51.100.{n}"))
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert results == [False] * 40
    assert counting.checked.count(password_hash) <= MAX_FAILURES
    assert len(counting.checked) == MAX_FAILURES
    # Locked now: the right password is refused, and not even checked.
    assert attempt(dbengine, login, TEST_PASSWORD) is False
    assert len(counting.checked) == MAX_FAILURES
    with Session(dbengine) as session:
        rows = session.scalars(sa.select(LoginAttempt).where(LoginAttempt.login == login)).all()
    assert len(rows) == 41 and sum(not r.refused for r in rows) == MAX_FAILURES


def test_throttle_per_address(dbsession, factory, counting):
    user = factory.user()
    for n in range(MAX_ADDRESS_FAILURES):
        assert authenticate(dbsession, f"nobody{n}", "wrong-password", "203.0.113.9").user is None
    # The address is refused, even for a login with no failures and the right password...
    result = authenticate(dbsession, user.login, TEST_PASSWORD, "203.0.113.9")
    assert result.user is None and "from your network address" in str(result.error)
    # ...but not other addresses.
    assert authenticate(dbsession, user.login, TEST_PASSWORD, "203.0.113.10").user is user


def test_unknown_login_checks_a_hash_like_a_known_one(dbsession, factory, counting):
    user = factory.user()
    authenticate(dbsession, user.login, "wrong-password", "192.0.2.5")
    authenticate(dbsession, "nobody-at-all", "wrong-password", "192.0.2.5")
    assert len(counting.checked) == 2
    assert counting.checked[0] == user.password_hash
    # The dummy hash costs what a real one does (same parameters).
    assert counting.checked[1].split("$")[3] == user.password_hash.split("$")[3]


def test_unknown_logins_are_throttled_too(dbsession, counting):
    for _ in range(MAX_FAILURES + 3):
        authenticate(dbsession, "ghost", "wrong-password", "")
    assert len(counting.checked) == MAX_FAILURES


def test_forty_simultaneous_log_ins_over_http(app, dbengine, committed_user, counting):
    """The same through the whole request (session row read, CSRF check, then the throttle),
    each request in its own transaction, committed as served."""
    import webtest

    from models.sessions import WebSession

    login, _hash = committed_user
    browsers = [webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com",
                                                   "HTTP_ACCEPT_LANGUAGE": "en",
                                                   "REMOTE_ADDR": f"198.51.100.{n}"})
                for n in range(40)]
    tokens = [re.search(r'name="csrf_token" value="([^"]+)"', b.get("/login").text).group(1)
              for b in browsers]
    start = threading.Barrier(40)
    statuses, errors = [], []

    def worker(n):
        try:
            start.wait()
            res = browsers[n].post("/login", {"login": login, "password": f"wrong-{n}",
                                              "csrf_token": tokens[n]}, status="*")
            statuses.append(res.status_int)
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(40)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == [] and statuses == [200] * 40
        assert len(counting.checked) == MAX_FAILURES
        res = browsers[0].post("/login", {"login": login, "password": TEST_PASSWORD,
                                          "csrf_token": tokens[0]}, status=200)
        assert "Too many failed attempts" in res.text
    finally:
        hashes = [WebSession.hash(b.cookies["portal"]) for b in browsers if "portal" in b.cookies]
        with dbengine.begin() as conn:
            conn.execute(sa.delete(WebSession.__table__).where(WebSession.id_hash.in_(hashes)))
