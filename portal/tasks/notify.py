"""Telling people about tasks. What is told is stored as message ids and parameters and read in
each reader's language and time zone (portal/notifications/messages.py); `tell()` hands it to
models.notifications.notify_many, which honours each person's preferences (portal, e-mail,
both, digest).
"""

from __future__ import annotations

from portal.notifications.messages import Plural, When, encode, ngettext, plural, render
from portal.notifications.sending import Reader, items, readers
from portal.notifications.sending import tell as tell_people

__all__ = ["Plural", "Reader", "When", "messages", "ngettext", "plural", "readers", "tell",
           "tell_session"]


def _render(value, localizer, reader: Reader) -> str:
    """`value` as `reader` reads it (what a stored notice shows them)."""
    return render(encode(value), localizer, reader.zone)


def messages(dbsession, registry, user_ids, kind: str, title, body, url: str,
             key: str | None = None, known: dict[int, Reader] | None = None) -> list[tuple]:
    """notify_many items for these recipients (`known`: readers loaded beforehand)."""
    return items(dbsession, registry, user_ids, kind, title, body, url, key, known)


def tell(dbsession, registry, user_ids, kind: str, title, body, url: str, exclude: int | None = None,
         key: str | None = None) -> None:
    """Notify these people (except `exclude`, usually whoever made the change)."""
    tell_people(dbsession, registry, user_ids, kind, title, body, url, exclude=exclude, key=key)


def tell_session(dbsession, user_ids, kind: str, title, body, url: str) -> None:
    """`tell` where there is no request at hand (a flush hook): the running application's
    registry (the request's, else the current one)."""
    tell_people(dbsession, None, user_ids, kind, title, body, url, flush=False)
