"""Telling people about events: invitations, changes, cancellations, answers and reminders, each
in the recipient's own language and time zone.

`Notices` is made once per change (or once per run of `portal tick`) from the application's
registry (its translations) and whoever acts, so that a message is translated once per language
and a moment formatted once per language and zone, however many people hear it.
"""

from __future__ import annotations

import datetime as dt
from string import Template

from babel.dates import format_date
from pyramid.i18n import make_localizer
from pyramid.interfaces import ITranslationDirectories

from models.calendar import Event
from models.notifications import notify
from models.people import User
from portal.calendar.recurrence import utc_stamp
from portal.core.i18n import _, zone_named

# Notification texts (translated for each recipient; ${who} is the person who acted).
INVITATION = _("Invitation: ${title}")
INVITATION_BODY = _("${who} invites you: ${when}.")
CHANGED = _("Changed: ${title}")
CHANGED_BODY = _("${who} changed the event: now ${when}.")
CHANGED_ONE_BODY = _("${who} changed one occurrence: now ${when}.")
CHANGED_FOLLOWING_BODY = _("${who} changed this and the following occurrences: from ${when}.")
REMOVED = _("Cancelled for you: ${title}")
REMOVED_BODY = _("${who} removed you from the event.")
CANCELLED = _("Cancelled: ${title}")
CANCELLED_ONE_BODY = _("${who} cancelled the occurrence of ${when}.")
CANCELLED_FOLLOWING_BODY = _("${who} cancelled the occurrences from ${when} on.")
CANCELLED_BODY = _("${who} cancelled the event of ${when}.")
ANSWERS = {
    "accepted": _("${who} accepted: ${title}"),
    "tentative": _("${who} might come: ${title}"),
    "declined": _("${who} declined: ${title}"),
}


def attendee_users(event: Event, include_declined: bool = False) -> list[User]:
    """The people (not outside guests) invited to the event, without those who declined."""
    return [
        a.user for a in event.attendees if a.user is not None and (include_declined or a.answer != "declined")
    ]


class Notices:
    """Notifications about events from `actor` (None: the portal itself, e.g. a reminder), told to
    each recipient in their language; the actor is never told about their own change."""

    def __init__(self, registry, actor: User | None = None) -> None:
        self.registry = registry
        self.actor = actor
        self._localizers: dict = {}
        self._dates: dict = {}
        self._wordings: dict = {}

    def _localizer(self, user):
        locale = user.locale or self.registry.settings.get("pyramid.default_locale_name") or "ru"
        if locale not in self._localizers:
            dirs = self.registry.queryUtility(ITranslationDirectories, default=[])
            self._localizers[locale] = make_localizer(locale, dirs)
        return self._localizers[locale], locale

    def when_text(self, event: Event, start: dt.datetime, user) -> str:
        """The occurrence's time in the recipient's zone and language, e.g. "23 Nov 2026, 10:00"
        (an all-day event: the day in the event's own zone)."""
        _loc, locale = self._localizer(user)
        where = event.timezone if event.all_day else user.timezone
        key = (locale, where, start, event.all_day)
        if key not in self._dates:
            local = start.astimezone(zone_named(where))
            clock = "" if event.all_day else local.strftime(", %H:%M")
            self._dates[key] = format_date(local.date(), "medium", locale=locale) + clock
        return self._dates[key]

    def _wording(self, localizer, locale: str, msgid) -> Template:
        """The message in one language as a template, filled for each person."""
        key = (locale, str(msgid))
        if key not in self._wordings:
            self._wordings[key] = Template(localizer.translate(_(msgid)))
        return self._wordings[key]

    def notes(self, users, kind: str, title, event, start: dt.datetime | None = None,
              body=None) -> list[dict]:
        """Notification rows for each of `users` (anything with id, locale, timezone, active),
        title and body translated for each; the acting person is left out."""
        out = []
        actor = self.actor
        url = f"/calendar/{event.id}"
        if start is not None and event.rrule:
            url += "?at=" + utc_stamp(start)
        for user in users:
            if user is None or (actor is not None and user.id == actor.id) or not user.active:
                continue
            loc, locale = self._localizer(user)
            mapping = {
                "title": event.title,
                "when": self.when_text(event, start or event.start_at, user),
                "who": actor.full_name if actor is not None else "",
            }
            out.append(
                {
                    "user_id": user.id,
                    "title": self._wording(loc, locale, title).safe_substitute(mapping)[:300],
                    "body": self._wording(loc, locale, body).safe_substitute(mapping)
                    if body
                    else mapping["when"],
                    "url": url,
                    "kind": kind,
                }
            )
        return out

    def tell(self, dbsession, users, kind: str, title, event: Event, start: dt.datetime | None = None,
             body=None) -> int:
        """Notify each of `users` (User rows) in their own language; returns how many."""
        notes = self.notes(users, kind, title, event, start, body)
        for n in notes:
            notify(dbsession, n["user_id"], n["title"], n["body"], n["url"], kind=n["kind"])
        return len(notes)
