"""Telling people something: the door every area uses.

    tell(dbsession, registry, user_ids, "task_due", title, body, url, key=..., exclude=actor.id)

`title` and `body` are translation strings (portal/notifications/messages.py says what their
mappings may hold) or plain text shown as it is; they are stored as message ids and parameters,
so that each reader reads them in their own language and zone whenever they look, and e-mails
are written in the recipient's language when they are sent. `items()` makes the
`models.notifications.notify_many` items for a batch (background jobs gather many first).
`registry` (the application's) gives the English catalog of the fallback text kept with them.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from pyramid.threadlocal import get_current_registry

from models.notifications import notify_many
from models.people import User
from portal.core.i18n import LANGUAGES, zone_named
from portal.core.mail import default_locale, localizer_for
from portal.notifications.messages import stored


@dataclass(frozen=True)
class Reader:
    locale: str
    zone: ZoneInfo


def readers(dbsession, user_ids: Iterable[int], registry) -> dict[int, Reader]:
    """The active people among `user_ids`, with their language and zone."""
    default = default_locale(registry)
    out = {}
    ids = sorted(set(user_ids))
    for start in range(0, len(ids), 500):
        for uid, locale, zone in dbsession.execute(
            sa.select(User.id, User.locale, User.timezone).where(
                User.id.in_(ids[start:start + 500]), User.active)
        ):
            out[uid] = Reader(locale if locale in LANGUAGES else default, zone_named(zone))
    return out


def items(dbsession, registry, user_ids, kind: str, title, body, url: str, key: str | None = None,
          known: dict[int, Reader] | None = None) -> list[tuple]:
    """notify_many items telling these people `title` and `body` (active people only).

    `known`: readers loaded beforehand (`readers()`), so that a batch needs one query.
    """
    ids = set(user_ids)
    if known is None:
        known = readers(dbsession, ids, registry)
    english = localizer_for(registry, "en")
    by_zone: dict[str, tuple] = {}  # the English fallback differs only by the reader's zone
    out = []
    for uid in sorted(ids):
        reader = known.get(uid)
        if reader is None:
            continue
        zone = str(reader.zone)
        if zone not in by_zone:
            by_zone[zone] = (stored(title, english, reader.zone), stored(body, english, reader.zone))
        out.append((uid, *by_zone[zone], url, kind, key))
    return out


def tell(dbsession, registry, user_ids, kind: str, title, body="", url: str = "", *,
         exclude: int | None = None, key: str | None = None, flush: bool = True) -> int:
    """Notify these people (but `exclude`, usually whoever acted) as each prefers; returns how
    many inbox notifications were made. `registry`: the application's (None: the running
    one's). Inside a flush hook, `flush` false."""
    ids = {u for u in user_ids if u and u != exclude}
    if not ids:
        return 0
    if registry is None:
        request = dbsession.info.get("request")
        registry = getattr(request, "registry", None) or get_current_registry()
    return notify_many(dbsession, items(dbsession, registry, ids, kind, title, body, url, key),
                       flush=flush)
