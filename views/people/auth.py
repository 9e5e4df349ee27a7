"""Log in, log out, change password (and the first-day rule that sends a person who must
change it there from every page), switch language."""
from __future__ import annotations

import colander
from pyramid.events import ContextFound, subscriber
from pyramid.httpexceptions import HTTPFound, HTTPNoContent, HTTPSeeOther
from pyramid.security import forget, remember
from pyramid.view import view_config

from portal.core.i18n import LANGUAGES, _
from portal.resources import Root
from portal.security.login import LoginSchema, authenticate, password_change_schema, set_password
from portal.security.sessions import end_sessions, purge_sessions
from views.forms import FormProblems, read_form


def safe_came_from(request, value: str | None) -> str:
    """Only paths inside the portal (no open redirects)."""
    if value and value.startswith("/") and not value.startswith("//"):
        return request.application_url + value
    return request.application_url + "/"


@view_config(context=Root, name="login", renderer="auth/login.jinja2",
             permission="__no_permission_required__")
def login(request):
    came_from = request.params.get("came_from", "")
    login_value = ""
    error = None
    if request.method == "POST":
        form = read_form(LoginSchema(), request.POST)
        login_value = form["login"]
        result = authenticate(request.dbsession, login_value, form["password"],
                              request.remote_addr or "")
        if result.user is not None:
            request.dbsession.flush()
            purge_sessions(request.dbsession, request.registry.settings)
            headers = remember(request, result.user.id)
            return HTTPSeeOther(safe_came_from(request, came_from), headers=headers)
        error = result.error
        # Keep the failed attempt (the throttle counts it) but say the request failed.
        request.response.status_int = 200
    elif request.identity is not None:
        return HTTPFound(safe_came_from(request, came_from))
    return {"error": error, "login": login_value, "came_from": came_from, "title": _("Log in")}


@view_config(context=Root, name="logout", request_method="POST", permission="__no_permission_required__")
def logout(request):
    headers = forget(request)
    return HTTPSeeOther(request.application_url + "/login", headers=headers)


# What a person who must change their password may still open (besides static files).
OPEN_UNTIL_CHANGED = frozenset({"password", "logout", "login", "language"})


@subscriber(ContextFound)
def send_to_password_change(event) -> None:
    """A person who must choose a new password (a one-time password, or an admin asked for
    it) reaches nothing but the password change page, log-out and the language switch until
    they do: every other page redirects there."""
    request = event.request
    if request.matched_route is not None or request.environ.get("portal.api_token"):
        return  # static files; API clients use their tokens, not the password
    identity = request.identity
    if identity is None or not identity.user.must_change_password:
        return
    if isinstance(request.context, Root) and request.view_name in OPEN_UNTIL_CHANGED:
        return
    url = request.application_url + "/password"
    if request.headers.get("HX-Request"):
        # htmx would swap the page into a fragment: it is told to load it instead.
        raise HTTPNoContent(headers={"HX-Redirect": url})
    raise HTTPSeeOther(url)


@view_config(context=Root, name="password", renderer="people/password.jinja2", permission="view")
def change_password(request):
    errors = {}
    user = request.identity.user
    if request.method == "POST":
        try:
            form = read_form(password_change_schema(user), request.POST)
        except FormProblems as problems:
            errors = problems.errors
            request.response.status_int = 400
        else:
            first_day = user.must_change_password
            set_password(request.dbsession, user, form["new"])
            # Every other session of theirs ends; this one goes on under a new id.
            end_sessions(request.dbsession, user.id)
            headers = remember(request, user.id)
            request.session.flash(request.translate(
                _("Your password has been changed. Welcome to the portal!") if first_day
                else _("Your password has been changed.")))
            return HTTPSeeOther(request.application_url + "/", headers=headers)
    return {"errors": errors, "title": _("Change password"), "forced": user.must_change_password,
            "ask_current": bool(user.password_hash)}


class LanguageSchema(colander.Schema):
    lang = colander.SchemaNode(colander.String(), validator=colander.OneOf(list(LANGUAGES)),
                               missing=None)
    came_from = colander.SchemaNode(colander.String(), missing="")


@view_config(context=Root, name="language", request_method="POST", permission="__no_permission_required__")
def switch_language(request):
    try:
        form = read_form(LanguageSchema(), request.POST)
    except FormProblems:
        form = {"lang": None, "came_from": request.POST.get("came_from", "")}
    response = HTTPSeeOther(safe_came_from(request, form["came_from"]))
    if form["lang"] is not None:
        lang = form["lang"]
        response.set_cookie("_LOCALE_", lang, max_age=365 * 24 * 3600, httponly=True, samesite="Lax")
        if request.identity is not None:
            request.identity.user.locale = lang
    return response
