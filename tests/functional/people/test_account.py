"""Personal preferences (language, time zone, phone, birthday) and API tokens."""
from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from models.people import ApiToken


def preferences_form(testapp):
    return testapp.get("/preferences").forms["form"]


def errors_of(page) -> str:
    return " ".join(p.text.strip() for p in page.html.select(".invalid-feedback"))


# --- preferences ----------------------------------------------------------------------------------

def test_choosing_russian_shows_the_next_page_in_russian(testapp, login_as, dbsession):
    me = login_as("employee")
    assert '<html lang="en">' in testapp.get("/").text
    form = preferences_form(testapp)
    form["language"] = "ru"
    response = form.submit("save", status=302)
    assert response.location.endswith("/preferences")
    assert me.locale == "ru"
    assert '<html lang="ru">' in response.follow().text
    assert '<html lang="ru">' in testapp.get("/people").text


def test_automatic_language_follows_the_browser(testapp, login_as):
    me = login_as("employee", locale="ru")
    form = preferences_form(testapp)
    assert form["language"].value == "ru"
    form["language"] = ""
    form.submit("save", status=302)
    assert me.locale == ""
    assert '<html lang="en">' in testapp.get("/").text  # the test browser asks for English


def test_time_zone_phone_and_birthday_are_saved(testapp, login_as):
    me = login_as("employee")
    form = preferences_form(testapp)
    form["timezone"] = "Asia/Yekaterinburg"
    form["phone"] = " +7 343 555-12-34 "
    form["birthday"] = "1990-05-14"
    form.submit("save", status=302)
    assert me.timezone == "Asia/Yekaterinburg"
    assert me.phone == "+7 343 555-12-34"
    assert me.birthday == dt.date(1990, 5, 14)
    # The directory finds the person by the new phone at once.
    people = testapp.get("/people", params={"q": "343 555"})
    assert people.html.select_one(f'[data-login="{me.login}"]') is not None


def test_unknown_time_zone_is_refused(testapp, login_as):
    me = login_as("employee")
    form = preferences_form(testapp)
    form["timezone"].force_value("Mars/Olympus_Mons")
    form["language"] = "ru"
    page = form.submit("save", status=400)
    assert "is not a time zone we know" in errors_of(page)
    assert me.timezone == "Europe/Moscow" and me.locale == ""


def test_unknown_language_is_refused(testapp, login_as):
    me = login_as("employee")
    form = preferences_form(testapp)
    form["language"].force_value("de")
    page = form.submit("save", status=400)
    assert "Choose a language from the list." in errors_of(page)
    assert me.locale == ""


def test_bad_phone_and_birthday_are_refused(testapp, login_as):
    me = login_as("employee", phone="+7 495 100-00-01")
    form = preferences_form(testapp)
    form["phone"] = "12"
    form["birthday"] = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    page = form.submit("save", status=400)
    errors = errors_of(page)
    assert "at least 5 digits" in errors and "real date of birth" in errors
    assert me.phone == "+7 495 100-00-01" and me.birthday is None


def test_preferences_need_a_login(testapp):
    assert "/login" in testapp.get("/preferences", status=303).location
    assert "/login" in testapp.get("/preferences/tokens", status=303).location


# --- API tokens -----------------------------------------------------------------------------------

def create_token(testapp, name="Reports script", status=200):
    form = testapp.get("/preferences/tokens").forms["form"]
    form["name"] = name
    return form.submit("create", status=status)


def secret_on(page) -> str:
    field = page.html.select_one("#token-secret")
    return field["value"] if field is not None else ""


def test_token_is_shown_once_and_only_its_hash_is_stored(testapp, login_as, dbsession):
    me = login_as("employee")
    page = create_token(testapp)
    secret = secret_on(page)
    assert secret.startswith("pt_") and len(secret) > 30
    token = dbsession.scalar(sa.select(ApiToken).where(ApiToken.user_id == me.id))
    assert token.name == "Reports script"
    assert token.token_hash == ApiToken.hash(secret)
    stored = dbsession.execute(sa.select(ApiToken.__table__)).all()
    assert not any(secret in str(value) for row in stored for value in row)
    # The list shows it, but never the secret again.
    listing = testapp.get("/preferences/tokens")
    assert "Reports script" in listing.html.select_one("#tokens").text
    assert secret not in listing.text


def test_token_authenticates_a_request_without_a_session(testapp, login_as, dbsession):
    me = login_as("employee")
    secret = secret_on(create_token(testapp))
    testapp.reset()  # no session cookie from here on
    page = testapp.get("/people", headers={"Authorization": f"Bearer {secret}"}, status=200)
    assert page.html.select_one("#usermenu") is not None
    token = dbsession.scalar(sa.select(ApiToken).where(ApiToken.user_id == me.id))
    assert token.last_used_at is not None
    testapp.get("/people", headers={"Authorization": "Bearer pt_wrong"}, status=401)


def test_revoked_token_no_longer_opens_the_portal(testapp, login_as, dbsession):
    me = login_as("employee")
    secret = secret_on(create_token(testapp))
    token = dbsession.scalar(sa.select(ApiToken).where(ApiToken.user_id == me.id))
    testapp.post_csrf("/preferences/tokens/revoke", {"id": token.id}, status=303)
    assert token.revoked
    assert "Revoked" in testapp.get("/preferences/tokens").html.select_one("#tokens").text
    testapp.reset()
    testapp.get("/people", headers={"Authorization": f"Bearer {secret}"}, status=401)


def test_cannot_revoke_someone_elses_token(testapp, factory, login_as, dbsession):
    other = factory.user()
    theirs, _secret = ApiToken.issue(other, "Theirs")
    dbsession.add(theirs)
    dbsession.flush()
    login_as("employee")
    testapp.post_csrf("/preferences/tokens/revoke", {"id": theirs.id}, status=404)
    assert not theirs.revoked
    assert "Theirs" not in testapp.get("/preferences/tokens").text


def test_token_name_is_required_and_limited(testapp, login_as, dbsession):
    me = login_as("employee")
    page = create_token(testapp, name="   ", status=400)
    assert "Give the token a name" in errors_of(page)
    page = create_token(testapp, name="x" * 201, status=400)
    assert "At most 100 characters" in errors_of(page)
    assert secret_on(page) == ""
    count = dbsession.scalar(sa.select(sa.func.count()).select_from(ApiToken)
                             .where(ApiToken.user_id == me.id))
    assert count == 0


def test_token_page_never_caches_the_secret(testapp, login_as):
    login_as("employee")
    page = create_token(testapp)
    assert page.headers["Cache-Control"] == "no-store"
    assert re.search(r"pt_[\w-]{20,}", page.text)
