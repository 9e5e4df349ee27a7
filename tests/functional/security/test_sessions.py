"""Server-side sessions (issue 10): the cookie carries only an id; log-out, a password change,
deactivation and "log out my other sessions" end sessions at once; flash messages live in the
database, never in the cookie."""
from __future__ import annotations

import re

import sqlalchemy as sa

from models.sessions import WebSession
from tests.conftest import TEST_PASSWORD, PortalTestApp

LOGIN_PAGE = "http://example.com/login"


def cookie_of(app) -> str:
    return app.cookies["portal"]


def copy_of(testapp, app) -> PortalTestApp:
    """Another browser carrying a copy of `testapp`'s session cookie."""
    thief = PortalTestApp(app, extra_environ=dict(testapp.extra_environ))
    thief.set_cookie("portal", cookie_of(testapp))
    return thief


def logged_in(browser) -> bool:
    res = browser.get("/", status="*")
    assert res.status_int in (200, 303), res.status
    return res.status_int == 200


def test_cookie_carries_only_a_random_id(testapp, factory, dbsession):
    user = factory.user()
    testapp.login(user.login)
    value = cookie_of(testapp)
    # 32 random bytes, URL-safe base64: no signature, no data, nothing of the password.
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", value)
    assert user.password_hash[-16:] not in value
    row = dbsession.scalar(sa.select(WebSession).where(WebSession.user_id == user.id))
    # Only its hash is stored.
    assert row.id_hash == WebSession.hash(value) and value not in row.id_hash
    assert row.ended_at is None and row.data["uid"] == user.id


def test_copied_cookie_stops_working_after_logout(testapp, factory, app):
    user = factory.user()
    testapp.login(user.login)
    thief = copy_of(testapp, app)
    assert logged_in(thief)
    testapp.post_csrf("/logout", status=303)
    assert not logged_in(thief)
    assert not logged_in(testapp)


def test_copied_cookie_stops_working_after_a_password_change_elsewhere(testapp, factory, app):
    user = factory.user()
    testapp.login(user.login)
    thief = copy_of(testapp, app)
    other = PortalTestApp(app, extra_environ=dict(testapp.extra_environ))
    other.login(user.login)
    other.post_csrf("/password", {"current": TEST_PASSWORD, "new": "new-pass-42",
                                  "confirm": "new-pass-42"}, status=303)
    assert not logged_in(thief) and not logged_in(testapp)
    assert logged_in(other)  # the session that changed it goes on


def test_admin_password_reset_ends_the_persons_sessions(testapp, factory, app, login_as):
    user = factory.user()
    victim = PortalTestApp(app, extra_environ=dict(testapp.extra_environ))
    victim.login(user.login)
    login_as("admin")
    form = testapp.get(f"/admin/users/{user.id}/password").forms["form"]
    form["password"] = form["password-confirm"] = "reset-pass-42"
    form.submit("save", status=302)
    assert not logged_in(victim)


def test_deactivation_ends_every_session(testapp, factory, app, login_as, dbsession):
    user = factory.user()
    victim = PortalTestApp(app, extra_environ=dict(testapp.extra_environ))
    victim.login(user.login)
    assert logged_in(victim)
    login_as("admin")
    testapp.post_csrf(f"/admin/users/{user.id}/transition", {"name": "deactivate"}, status=303)
    assert user.state == "deactivated"
    assert not logged_in(victim)
    rows = dbsession.scalars(sa.select(WebSession).where(WebSession.user_id == user.id)).all()
    assert rows and all(row.ended_at is not None for row in rows)


def test_deactivated_person_is_refused_even_with_an_open_session(testapp, factory, dbsession):
    """The guard in load_identity itself: a session (or token) of an inactive person opens
    nothing, however the person was deactivated."""
    from models.people import ApiToken

    user = factory.user()
    token, secret = ApiToken.issue(user, "script")
    dbsession.add(token)
    testapp.login(user.login)
    assert logged_in(testapp)
    testapp.get("/", headers={"Authorization": f"Bearer {secret}"}, status=200)
    user.state = "deactivated"  # no transition: the sessions are not ended
    dbsession.flush()
    assert not logged_in(testapp)
    testapp.reset()
    testapp.get("/", headers={"Authorization": f"Bearer {secret}"}, status=401)


def test_api_tokens_keep_working(testapp, factory, dbsession):
    from models.people import ApiToken

    user = factory.user()
    token, secret = ApiToken.issue(user, "script")
    dbsession.add(token)
    dbsession.flush()
    testapp.reset()
    res = testapp.get("/", headers={"Authorization": f"Bearer {secret}"}, status=200)
    assert "portal=" not in res.headers.get("Set-Cookie", "")


def test_preferences_list_sessions_and_log_out_the_others(testapp, factory, app):
    user = factory.user()
    laptop = PortalTestApp(app, extra_environ=dict(testapp.extra_environ,
                                                   HTTP_USER_AGENT="Laptop Firefox",
                                                   REMOTE_ADDR="10.0.0.7"))
    laptop.login(user.login)
    testapp.extra_environ["HTTP_USER_AGENT"] = "Office Chrome"
    testapp.login(user.login)
    page = testapp.get("/preferences/sessions")
    assert "Laptop Firefox" in page.text and "10.0.0.7" in page.text and "Office Chrome" in page.text
    assert page.text.count("data-session=") == 2 and "This session" in page.text
    assert testapp.get("/preferences").status_int == 200
    res = testapp.post_csrf("/preferences/sessions/end-others", status=303).follow()
    assert "Your other sessions have ended (1)." in res.text
    assert "Laptop Firefox" not in res.text and res.text.count("data-session=") == 1
    assert not logged_in(laptop)
    assert logged_in(testapp)


def test_idle_and_old_sessions_expire(testapp, factory, dbsession):
    import datetime as dt

    user = factory.user()
    testapp.login(user.login)
    row = dbsession.scalar(sa.select(WebSession).where(WebSession.user_id == user.id))
    row.last_seen_at -= dt.timedelta(hours=13)  # session.timeout: 12 h by default
    dbsession.flush()
    assert not logged_in(testapp)
    testapp.login(user.login)
    row = dbsession.scalar(sa.select(WebSession).where(WebSession.user_id == user.id,
                                                       WebSession.ended_at.is_(None)))
    row.created_at -= dt.timedelta(hours=13)  # session.max_age
    dbsession.flush()
    assert not logged_in(testapp)


def test_many_flash_messages_stay_on_the_server(testapp, factory, dbsession):
    """~30 unread confirmations used to push the cookie past 4 KB: a 500 after saving."""
    user = factory.user()
    testapp.login(user.login)
    size = len(cookie_of(testapp))
    token = testapp.csrf_token()
    for n in range(45):
        # Each save flashes a confirmation; the redirect is not followed, so none is read.
        res = testapp.post("/preferences", {"language": "", "timezone": "Europe/Moscow",
                                            "phone": f"+7 900 000 00 {n:02d}", "birthday": "",
                                            "save": "save", "csrf_token": token}, status=302)
        assert len(cookie_of(testapp)) == size
        assert all(len(v) < 200 for k, v in res.headerlist if k == "Set-Cookie")
    row = dbsession.scalar(sa.select(WebSession).where(WebSession.user_id == user.id,
                                                       WebSession.ended_at.is_(None)))
    assert len(row.data["_f_"]) == 45
    page = testapp.get("/preferences/tokens")
    assert page.text.count("Your preferences have been saved.") == 45
    assert "Your preferences have been saved." not in testapp.get("/preferences/tokens").text


def test_admin_reads_the_log_of_log_ins(testapp, factory, login_as, app):
    user = factory.user()
    browser = PortalTestApp(app, extra_environ=dict(testapp.extra_environ, REMOTE_ADDR="10.1.2.3"))
    browser.login(user.login, "wrong-password", status=200)
    browser.login(user.login)
    login_as("admin")
    page = testapp.get(f"/admin/users/{user.id}")
    log = page.html.find(id="log-ins")
    assert "10.1.2.3" in log.text and "Wrong password" in log.text and "Logged in" in log.text
    assert [row["data-attempt"] for row in log.find_all("tr", attrs={"data-attempt": True})] \
        == ["ok", "failed"]
    assert "Open sessions: 1." in log.text


def test_old_session_rows_are_purged_at_log_in(testapp, factory, dbsession):
    import datetime as dt

    user = factory.user()
    testapp.login(user.login)
    old = dbsession.scalar(sa.select(WebSession).where(WebSession.user_id == user.id))
    old.last_seen_at -= dt.timedelta(days=3)
    dbsession.flush()
    old_id = old.id
    dbsession.expunge(old)
    testapp.login(user.login)
    assert dbsession.get(WebSession, old_id) is None
