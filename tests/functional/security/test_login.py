"""Log-in, log-out, throttling, CSRF, password change, 403/404 pages."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from models.people import LoginAttempt
from tests.conftest import TEST_PASSWORD


def test_anonymous_is_sent_to_the_login_page(testapp):
    res = testapp.get("/password", status=303)
    assert "/login?came_from=%2Fpassword" in res.location


def test_login_then_logout(testapp, factory):
    user = factory.user(full_name="Попова Анна Сергеевна")
    res = testapp.login(user.login)
    assert res.location == "http://example.com/"
    page = testapp.get("/")
    assert "Анна" in page.text
    cookie = [v for k, v in res.headerlist if k == "Set-Cookie" and v.startswith("portal=")][0]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    testapp.post_csrf("/logout", status=303)
    assert testapp.get("/", status=303).location.startswith("http://example.com/login")


def test_wrong_password_is_refused_with_a_message(testapp, factory):
    user = factory.user()
    res = testapp.login(user.login, "wrong-password", status=200)
    assert "Wrong login or password." in res.text
    assert "/login" in testapp.get("/", status=303).location


def test_login_is_throttled_after_five_failures(testapp, factory, dbsession):
    user = factory.user()
    for _ in range(5):
        assert "Wrong login or password." in testapp.login(user.login, "bad-password-1", status=200).text
    res = testapp.login(user.login, TEST_PASSWORD, status=200)
    assert "Too many failed attempts" in res.text
    # The throttle counts only failures of the last 15 minutes.
    for attempt in dbsession.scalars(sa.select(LoginAttempt).where(LoginAttempt.login == user.login)):
        attempt.at -= dt.timedelta(minutes=16)
    dbsession.flush()
    testapp.login(user.login, TEST_PASSWORD, status=303)


def test_throttle_is_per_login(testapp, factory):
    victim, other = factory.user(), factory.user()
    for _ in range(5):
        testapp.login(victim.login, "bad-password-1", status=200)
    # The victim's login is locked, even with the right password (fails with throttling off)...
    assert "Too many failed attempts" in testapp.login(victim.login, TEST_PASSWORD, status=200).text
    # ...and nobody else's is.
    testapp.login(other.login, TEST_PASSWORD, status=303)


def test_deactivated_person_cannot_log_in(testapp, factory):
    user = factory.user()
    user.state = "deactivated"
    assert "Wrong login or password." in testapp.login(user.login, status=200).text


def test_unsafe_request_without_csrf_token_is_refused(testapp, factory):
    user = factory.user()
    testapp.reset()
    testapp.get("/login")
    testapp.post("/login", {"login": user.login, "password": TEST_PASSWORD}, status=400)
    testapp.login(user.login)
    testapp.post("/logout", status=400)
    testapp.post("/logout", {"csrf_token": "forged"}, status=400)
    assert testapp.get("/").status_int == 200  # still logged in


def test_password_change(testapp, factory):
    user = factory.user()
    testapp.login(user.login)
    res = testapp.post_csrf("/password", {"current": "nope", "new": "short", "confirm": "short"}, status=400)
    assert "The current password is not right." in res.text
    assert "at least 8 characters" in res.text
    res = testapp.post_csrf("/password", {"current": TEST_PASSWORD, "new": "new-pass-42",
                                          "confirm": "other-pass-42"}, status=400)
    assert "The two new passwords differ." in res.text
    testapp.post_csrf("/password", {"current": TEST_PASSWORD, "new": "new-pass-42",
                                    "confirm": "new-pass-42"}, status=303)
    testapp.login(user.login, TEST_PASSWORD, status=200)
    testapp.login(user.login, "new-pass-42", status=303)


def test_password_change_ends_other_sessions(testapp, factory, app, tm, dbsession):
    from tests.conftest import PortalTestApp

    user = factory.user()
    other = PortalTestApp(app, extra_environ=dict(testapp.extra_environ))
    other.login(user.login)
    testapp.login(user.login)
    testapp.post_csrf("/password", {"current": TEST_PASSWORD, "new": "new-pass-42",
                                    "confirm": "new-pass-42"}, status=303)
    assert other.get("/", status=303).location.startswith("http://example.com/login")


def test_forbidden_page_is_in_the_users_language(testapp, factory):
    user = factory.user(locale="ru")
    testapp.login(user.login)
    res = testapp.get("/admin", status=403)
    assert '<html lang="ru">' in res.text


def test_not_found(testapp, factory):
    testapp.login(factory.user().login)
    testapp.get("/people/nobody-here", status=404)
    testapp.get("/admin/users/abc", status=404)


def test_open_redirect_is_not_followed(testapp, factory):
    user = factory.user()
    testapp.reset()
    token = testapp.csrf_token()
    res = testapp.post("/login?came_from=//evil.example", {"login": user.login, "password": TEST_PASSWORD,
                                                           "csrf_token": token}, status=303)
    assert res.location == "http://example.com/"


def test_login_page_follows_the_browser_language_and_the_switch(testapp):
    page = testapp.get("/login", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    assert '<html lang="ru">' in page.text and "Войти" in page.text
    page = testapp.get("/login", headers={"Accept-Language": "en-US"})
    assert '<html lang="en">' in page.text and "Log in" in page.text
    token = testapp.csrf_token()
    testapp.post("/language", {"lang": "ru", "came_from": "/login", "csrf_token": token}, status=303)
    page = testapp.get("/login", headers={"Accept-Language": "en-US"})
    assert '<html lang="ru">' in page.text
