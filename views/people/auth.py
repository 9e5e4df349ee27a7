"""Log in, log out, change password, switch language."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPFound, HTTPSeeOther
from pyramid.security import forget, remember
from pyramid.view import view_config

from portal.security.login import authenticate, check_password, hash_password, password_problem
from portal.core.i18n import LANGUAGES, _
from portal.resources import Root


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
        login_value = request.POST.get("login", "")
        result = authenticate(request.dbsession, login_value, request.POST.get("password", ""),
                              request.remote_addr or "")
        if result.user is not None:
            request.dbsession.flush()
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


@view_config(context=Root, name="password", renderer="auth/password.jinja2", permission="view")
def change_password(request):
    errors = {}
    user = request.identity.user
    if request.method == "POST":
        current = request.POST.get("current", "")
        new = request.POST.get("new", "")
        confirm = request.POST.get("confirm", "")
        if not check_password(user, current):
            errors["current"] = _("The current password is not right.")
        problem = password_problem(new)
        if problem:
            errors["new"] = problem
        elif new != confirm:
            errors["confirm"] = _("The two new passwords differ.")
        if not errors:
            user.password_hash = hash_password(new)
            request.dbsession.flush()
            headers = remember(request, user.id)
            request.session.flash(request.translate(_("Your password has been changed.")))
            return HTTPSeeOther(request.application_url + "/", headers=headers)
        request.response.status_int = 400
    return {"errors": errors, "title": _("Change password")}


@view_config(context=Root, name="language", request_method="POST", permission="__no_permission_required__")
def switch_language(request):
    lang = request.POST.get("lang")
    response = HTTPSeeOther(safe_came_from(request, request.POST.get("came_from")))
    if lang in LANGUAGES:
        response.set_cookie("_LOCALE_", lang, max_age=365 * 24 * 3600, httponly=True, samesite="Lax")
        if request.identity is not None:
            request.identity.user.locale = lang
    return response
