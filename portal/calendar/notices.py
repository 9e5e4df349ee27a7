"""Telling people about events: invitations, changes, cancellations, answers and reminders,
stored as message ids and parameters and read in each recipient's language and time zone
(portal/notifications/messages.py).

`Notices` is made once per change (or once per run of `portal tick`) from the application's
registry and whoever acts.
"""

from __future__ import annotations

import datetime as dt

from models.calendar import Event
from models.notifications import notify_many
from models.people import User
from portal.calendar.recurrence import utc_stamp
from portal.core.i18n import LANGUAGES, _, zone_named
from portal.core.mail import default_locale
from portal.notifications.messages import When
from portal.notifications.sending import Reader, items

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
    """Notifications about events from `actor` (None: the portal itself, e.g. a reminder), stored
    as message ids and parameters and read in each recipient's language and zone; the actor is
    never told about their own change."""

    def __init__(self, registry, actor: User | None = None) -> None:
        self.registry = registry
        self.actor = actor

    @staticmethod
    def when(event, start: dt.datetime) -> When:
        """The occurrence's time, shown in the reader's zone, e.g. "23 Nov 2026, 10:00" (an
        all-day event: its day in the event's own zone)."""
        if event.all_day:
            return When(None, False, start.astimezone(zone_named(event.timezone)).date())
        return When(start)

    def notes(self, users, kind: str, title, event, start: dt.datetime | None = None,
              body=None) -> list[tuple]:
        """notify_many items for each of `users` (anything with id, locale, timezone, active);
        the acting person is left out."""
        actor = self.actor
        url = f"/calendar/{event.id}"
        if start is not None and event.rrule:
            url += "?at=" + utc_stamp(start)
        default = default_locale(self.registry)
        known = {user.id: Reader(user.locale if user.locale in LANGUAGES else default,
                                 zone_named(user.timezone))
                 for user in users
                 if user is not None and user.active and (actor is None or user.id != actor.id)}
        if not known:
            return []
        mapping = {"title": event.title, "when": self.when(event, start or event.start_at),
                   "who": actor.full_name if actor is not None else ""}
        title = _(str(title), mapping=mapping)
        body = _(str(body), mapping=mapping) if body else mapping["when"]
        return items(None, self.registry, known, kind, title, body, url, known=known)

    def tell(self, dbsession, users, kind: str, title, event: Event, start: dt.datetime | None = None,
             body=None) -> int:
        """Notify each of `users` (User rows); returns how many."""
        notes = self.notes(users, kind, title, event, start, body)
        notify_many(dbsession, notes)
        return len(notes)
