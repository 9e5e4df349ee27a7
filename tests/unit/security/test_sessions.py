"""The server-side session class itself: the cookie's flags, data kept only in the row."""
from __future__ import annotations

from pyramid.response import Response

from models.sessions import WebSession
from portal.security.sessions import ServerSession, ServerSessionFactory


def answer(request) -> Response:
    response = Response()
    request._process_response_callbacks(response)
    return response


def test_cookie_flags_follow_the_settings(request_for, dbsession):
    for secure in (True, False):
        request = request_for()
        factory = ServerSessionFactory({"session.secure": str(secure).lower(),
                                        "session.max_age": "3600"})
        session = ServerSession(request, factory)
        session.flash("Saved." * 200)
        cookie = answer(request).headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=3600" in cookie
        assert ("secure" in cookie.lower().split("; ")) is secure
        secret = cookie.split(";")[0].split("=", 1)[1]
        assert len(secret) == 43 and "Saved" not in cookie
        assert session.row.id_hash == WebSession.hash(secret)
        dbsession.flush()
        assert session.row.data == {"_f_": ["Saved." * 200]}


def test_an_empty_session_makes_no_row_and_no_cookie(request_for, dbsession):
    request = request_for()
    session = ServerSession(request, ServerSessionFactory({}))
    assert session.get("uid") is None and session.pop_flash() == []
    assert session.row is None
    assert "Set-Cookie" not in answer(request).headers


def test_invalidate_ends_the_row_and_drops_the_cookie(request_for, dbsession):
    request = request_for()
    factory = ServerSessionFactory({})
    session = ServerSession(request, factory)
    session["uid"] = None
    session.get_csrf_token()
    row = session.row
    dbsession.flush()
    session.invalidate()
    assert row.ended_at is not None and session.row is None and dict(session) == {}
    assert "Max-Age=0" in answer(request).headers["Set-Cookie"]
    # An unknown id opens nothing.
    assert factory.open_row(dbsession, "anything") is None
