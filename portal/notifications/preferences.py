"""A person's delivery preferences: how each kind of notice reaches them (in the portal, by
e-mail or both), the daily digest, how many days ahead colleagues' birthdays are announced.

The schema reads and checks what the preferences page posts; `save_preferences` stores it. The
rule that matters: without an e-mail address in the portal, nothing can go by e-mail."""
from __future__ import annotations

import colander

from models.notifications import (
    CHANNELS,
    NOTIFICATION_KINDS,
    NotificationSettings,
    saved_settings,
    settings_for,
)
from models.people import User
from portal.core.i18n import _

DIGEST_HOURS = tuple(range(24))
BIRTHDAY_CHOICES = (0, 1, 2, 3, 5, 7, 14)
CHOOSE_CHANNEL = _("Choose how notifications reach you.")


def _channel(name: str, missing) -> colander.SchemaNode:
    def check(node, value):
        if value not in CHANNELS:
            raise colander.Invalid(node, CHOOSE_CHANNEL)

    return colander.SchemaNode(colander.String(), name=name, missing=missing, validator=check)


def _choice(name: str, choices: tuple[int, ...], missing: int, message) -> colander.SchemaNode:
    """A number picked from a list; anything else is answered with `message`."""
    def check(node, value):
        if value not in choices:
            raise colander.Invalid(node, message)

    def to_number(text):
        if text is colander.null:
            return text
        return int(text) if isinstance(text, str) and text.isascii() and text.isdigit() else -1

    return colander.SchemaNode(colander.String(), name=name, missing=missing,
                               preparer=to_number, validator=check)


def _default_channel(node, value):
    """A kind left blank follows the default channel."""
    for kind in NOTIFICATION_KINDS:
        if value.get(f"channel_{kind}") is None:
            value[f"channel_{kind}"] = value["default_channel"]


def preferences_schema(user: User) -> colander.SchemaNode:
    """default_channel, channel_<kind> for every kind, digest, digest_hour, birthdays_ahead."""
    def needs_email(node, value):
        _default_channel(node, value)
        wants_mail = value["digest"] or any(
            value[f"channel_{kind}"] != "portal" for kind in NOTIFICATION_KINDS) \
            or value["default_channel"] != "portal"
        if wants_mail and not user.email:
            error = colander.Invalid(node)
            error["default_channel"] = _(
                "You have no e-mail address in the portal, so notices can only reach you here. "
                "Ask an administrator to add your address.")
            raise error

    schema = colander.SchemaNode(colander.Mapping(), validator=needs_email)
    schema.add(_channel("default_channel", "portal"))
    for kind in NOTIFICATION_KINDS:
        schema.add(_channel(f"channel_{kind}", None))
    # A ticked box posts "1"; anything else is "no", as browsers leave an unticked box out.
    schema.add(colander.SchemaNode(colander.String(), name="digest", missing=False,
                                   preparer=lambda value: value if value is colander.null
                                   else value == "1"))
    schema.add(_choice("digest_hour", DIGEST_HOURS, 8, _("Choose an hour from the list.")))
    schema.add(_choice("birthdays_ahead", BIRTHDAY_CHOICES, 3,
                       _("Choose a number of days from the list.")))
    return schema


def save_preferences(dbsession, user: User, values: dict) -> NotificationSettings:
    """Store what `preferences_schema` read: only the kinds that differ from the default."""
    settings = settings_for(dbsession, user.id)
    if saved_settings(dbsession, user.id) is None:
        dbsession.add(settings)
    default = values["default_channel"]
    settings.default_channel = default
    settings.channels = {kind: values[f"channel_{kind}"] for kind in NOTIFICATION_KINDS
                         if values[f"channel_{kind}"] != default}
    settings.digest = values["digest"]
    settings.digest_hour = values["digest_hour"]
    settings.birthdays_ahead = values["birthdays_ahead"]
    dbsession.flush()
    return settings
