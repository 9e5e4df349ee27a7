"""One's own account: preferences (language, time zone, phone, birthday), open sessions and API
tokens."""
from __future__ import annotations

import datetime as dt

import colander
import deform
import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.i18n import make_localizer
from pyramid.interfaces import ITranslationDirectories
from pyramid.view import view_config

from models.meta import utcnow
from models.notifications import (
    CHANNELS,
    NOTIFICATION_KINDS,
    NotificationSettings,
    mail_enabled,
    settings_for,
)
from models.people import ApiToken
from portal.core.forms import id_field, schema_of
from portal.core.i18n import LANGUAGES, _, timezone_choices, timezone_options
from portal.notifications.preferences import (
    BIRTHDAY_CHOICES,
    DIGEST_HOURS,
    preferences_schema,
    save_preferences,
)
from portal.people.rules import user_field_problems
from portal.resources import Root
from portal.security.sessions import current_row, end_sessions, open_sessions
from views.forms import CSRFSchema, FormProblems, FormView, read_form

TOKEN_NAME_MAX = ApiToken.__table__.c.name.type.length
LANGUAGE_CHOICES = ("", *LANGUAGES)


# Scanning the zone database takes a while: once per process.
TIMEZONES = [*timezone_choices(), "UTC"]


@colander.deferred
def _timezone_widget(node, kw):
    """Time zones grouped by region, in the reader's language: «Москва (UTC+03:00)»."""
    return deform.widget.SelectWidget(values=[
        deform.widget.OptGroup(region, *options)
        for region, options in timezone_options(kw["request"], TIMEZONES)])


@colander.deferred
def _language_widget(node, kw):
    return deform.widget.SelectWidget(
        values=[("", _("Automatic (the browser's language)")), *LANGUAGES.items()])


def _phone_validator(node, value):
    problem = user_field_problems(None, {"phone": value}).get("phone")
    if problem:
        raise colander.Invalid(node, problem)


def _birthday_validator(node, value):
    if value.year < 1900 or value > dt.date.today():
        raise colander.Invalid(node, _("Enter a real date of birth, for example 1990-05-14."))


class PreferencesSchema(CSRFSchema):
    language = colander.SchemaNode(
        colander.String(), title=_("Language"), missing="", widget=_language_widget,
        validator=colander.OneOf(LANGUAGE_CHOICES, msg_err=_("Choose a language from the list.")),
        description=_("Automatic follows your browser's language."))
    timezone = colander.SchemaNode(
        colander.String(), title=_("Time zone"), widget=_timezone_widget,
        validator=colander.OneOf(TIMEZONES, msg_err=_(
            "“${val}” is not a time zone we know. Choose one from the list.")),
        missing_msg=_("Choose your time zone."),
        description=_("Dates and times in the portal are shown in this zone."))
    phone = colander.SchemaNode(
        colander.String(), title=_("Phone"), missing="", validator=_phone_validator,
        preparer=lambda v: v.strip() if isinstance(v, str) else v,
        widget=deform.widget.TextInputWidget(attributes={"type": "tel", "autocomplete": "tel",
                                                         "placeholder": "+7 495 123-45-67"}),
        description=_("Shown in the people directory."))
    birthday = colander.SchemaNode(
        colander.Date(), title=_("Birthday"), missing=None, validator=_birthday_validator,
        widget=deform.widget.TextInputWidget(attributes={"type": "date"}),
        description=_("Colleagues see only the day and the month."))


@view_config(context=Root, name="preferences", path_info=r"^/preferences/?$",
             renderer="account/preferences.jinja2", permission="view")
class Preferences(FormView):
    schema_factory = PreferencesSchema
    title = _("Preferences")

    def appstruct(self) -> dict:
        user = self.request.identity.user
        return {"language": user.locale if user.locale in LANGUAGES else "",
                "timezone": user.timezone, "phone": user.phone, "birthday": user.birthday}

    def save(self, appstruct: dict) -> str:
        request = self.request
        user = request.identity.user
        user.locale = appstruct["language"]
        user.timezone = appstruct["timezone"]
        user.phone = appstruct["phone"]
        user.birthday = appstruct["birthday"]
        locale = appstruct["language"] or request.accept_language.lookup(list(LANGUAGES), default="ru")

        def set_cookie(req, response):
            # The language cookie keeps the log-in page in the same language.
            if appstruct["language"]:
                response.set_cookie("_LOCALE_", locale, max_age=365 * 24 * 3600, httponly=True,
                                    samesite="Lax")
            else:
                response.delete_cookie("_LOCALE_")

        request.add_response_callback(set_cookie)
        localizer = make_localizer(
            locale, request.registry.queryUtility(ITranslationDirectories, default=[]))
        request.session.flash(localizer.translate(_("Your preferences have been saved.")))
        return request.resource_url(request.root, "preferences")


# --- API tokens -----------------------------------------------------------------------------------

class TokenSchema(CSRFSchema):
    name = colander.SchemaNode(
        colander.String(), title=_("Token name"),
        preparer=lambda v: v.strip() if isinstance(v, str) else v,
        missing_msg=_("Give the token a name, for example the script or program that will use it."),
        validator=colander.Length(max=TOKEN_NAME_MAX, max_err=_("At most ${max} characters, please.")),
        widget=deform.widget.TextInputWidget(attributes={"maxlength": str(TOKEN_NAME_MAX),
                                                         "placeholder": _("e.g. Reports script")}))


def my_tokens(request) -> list[ApiToken]:
    return list(request.dbsession.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == request.identity.user.id)
        .order_by(ApiToken.revoked, ApiToken.created_at.desc(), ApiToken.id.desc())
    ))


@view_config(context=Root, name="preferences", path_info=r"^/preferences/tokens/?$",
             renderer="account/tokens.jinja2", permission="view")
class Tokens(FormView):
    """List one's API tokens and create one; the secret is shown once, in the answer itself."""

    schema_factory = TokenSchema
    title = _("API tokens")
    buttons = (deform.Button("create", _("Create token"), css_class="btn-primary"),)

    def render(self, form, **extra):
        extra.setdefault("secret", None)
        extra.setdefault("created", None)
        return super().render(form, tokens=my_tokens(self.request), now=utcnow(), **extra)

    def __call__(self):
        form = self.form()
        if self.request.method != "POST":
            return self.render(form.render())
        try:
            appstruct = form.validate(list(self.request.POST.items()))
        except deform.ValidationFailure as failure:
            return self.render(failure.render(), failed=True)
        token, secret = ApiToken.issue(self.request.identity.user, appstruct["name"])
        self.request.dbsession.add(token)
        self.request.dbsession.flush()
        # Never redirect here: the secret must not travel in a URL or be kept in the session
        # (a flash message), so this answer is the only place it appears.
        self.request.response.headers["Cache-Control"] = "no-store"
        return self.render(self.form().render(), secret=secret, created=token)


@view_config(context=Root, name="preferences", path_info=r"^/preferences/tokens/revoke/?$",
             request_method="POST", permission="view")
def revoke_token(request):
    token_id = read_form(schema_of(id_field("id")), request.POST)["id"]
    token = None
    if token_id is not None:
        token = request.dbsession.scalar(sa.select(ApiToken).where(
            ApiToken.id == token_id, ApiToken.user_id == request.identity.user.id))
    if token is None:
        raise HTTPNotFound()
    if not token.revoked:
        token.revoked = True
        request.session.flash(request.translate(
            _("The token “${name}” is revoked: it no longer opens the portal.",
              mapping={"name": token.name})))
    return HTTPSeeOther(request.resource_url(request.root, "preferences", "tokens"))


# --- sessions ----------------------------------------------------------------------------------

@view_config(context=Root, name="preferences", path_info=r"^/preferences/sessions/?$",
             renderer="account/sessions.jinja2", permission="view")
def my_sessions(request):
    """One's open sessions (this one marked) and the button that ends the others."""
    if request.identity.user is None or getattr(request.session, "row", None) is None:
        current_id = None
    else:
        current_id = request.session.row.id
    timeout = request.registry.settings.get("session.timeout", 12 * 3600)
    return {"title": _("Sessions"), "current_id": current_id,
            "sessions": open_sessions(request.dbsession, request.identity.user.id, int(timeout))}


@view_config(context=Root, name="preferences", path_info=r"^/preferences/sessions/end-others/?$",
             request_method="POST", permission="view")
def end_other_sessions(request):
    request.dbsession.flush()
    ended = end_sessions(request.dbsession, request.identity.user.id, keep=current_row(request))
    request.session.flash(request.translate(_(
        "Your other sessions have ended (${count}).", mapping={"count": ended})))
    return HTTPSeeOther(request.resource_url(request.root, "preferences", "sessions"))


# --- notification preferences ------------------------------------------------------------------



def _notification_context(request, settings, errors=None) -> dict:
    user = request.identity.user
    return {
        "title": _("Notifications"),
        "kinds": list(NOTIFICATION_KINDS.items()),
        "channels": CHANNELS,
        "channel_labels": {"portal": _("In the portal"), "email": _("By e-mail"), "both": _("Both")},
        "settings": settings,
        "effective": {kind: settings.channel_for(kind) for kind in NOTIFICATION_KINDS},
        "digest_hours": DIGEST_HOURS,
        "birthday_choices": BIRTHDAY_CHOICES,
        "email": user.email,
        "mail_on": mail_enabled(request.dbsession),
        "errors": errors or {},
    }


@view_config(context=Root, name="preferences", path_info=r"^/preferences/notifications/?$",
             renderer="account/notifications.jinja2", permission="view")
def notification_preferences(request):
    """How each kind of notice reaches the person: portal, e-mail or both; digest; birthdays."""
    db = request.dbsession
    user = request.identity.user
    settings = settings_for(db, user.id)
    if request.method != "POST":
        return _notification_context(request, settings)
    post = request.POST
    try:
        values = read_form(preferences_schema(user), post)
    except FormProblems as problems:
        request.response.status_int = 400
        request.session.flash(request.translate(_("Please correct the errors below.")), "error")
        # What they chose, shown again next to the reasons (nothing is stored).
        default = post.get("default_channel", "portal")
        default = default if default in CHANNELS else "portal"
        hour, ahead = post.get("digest_hour", "8"), post.get("birthdays_ahead", "3")
        preview = NotificationSettings(
            user_id=user.id, default_channel=default, digest=post.get("digest") == "1",
            channels={kind: post[f"channel_{kind}"] for kind in NOTIFICATION_KINDS
                      if post.get(f"channel_{kind}", default) in CHANNELS
                      and post.get(f"channel_{kind}", default) != default},
            digest_hour=int(hour) if hour.isascii() and hour.isdigit() and int(hour) < 24 else 8,
            birthdays_ahead=int(ahead) if ahead.isascii() and ahead.isdigit()
            and int(ahead) in BIRTHDAY_CHOICES else 3)
        return _notification_context(request, preview, problems.errors)
    save_preferences(db, user, values)
    request.session.flash(request.translate(_("Your notification preferences have been saved.")))
    return HTTPSeeOther(request.resource_url(request.root, "preferences", "notifications"))
