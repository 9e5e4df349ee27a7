"""Telling people about tasks, each in their own language and time zone.

`tell()` translates a title and a body (translation strings whose mappings may hold translation
strings, lists of them, or `When` values) for every recipient, then hands them all to
models.notifications.notify_many, which honours each person's preferences (portal, e-mail,
both, digest).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel import dates as babel_dates
from pyramid.i18n import TranslationString
from pyramid.threadlocal import get_current_registry

from models.notifications import notify_many
from models.people import User
from portal.core.i18n import LANGUAGES, zone_named
from portal.core.mail import default_locale, localizer_for


@dataclass(frozen=True)
class When:
    """A due moment shown in the reader's zone: a date-only one shows its day."""

    at: dt.datetime
    has_time: bool = True
    day: dt.date | None = None


@dataclass(frozen=True)
class Plural:
    """A count-dependent message: build it with `plural(ngettext(s, p, n), mapping)`."""

    singular: str
    plural: str
    n: int
    mapping: dict


def ngettext(singular: str, plural_: str, n: int) -> tuple[str, str, int]:
    """Marks a plural message for extraction (Babel's ngettext keyword)."""
    return singular, plural_, n


def plural(triple: tuple[str, str, int], mapping: dict | None = None) -> Plural:
    singular, plural_, n = triple
    return Plural(singular, plural_, n, {"n": n, **(mapping or {})})


@dataclass(frozen=True)
class Reader:
    locale: str
    zone: ZoneInfo


@lru_cache(maxsize=8)
def _months(locale: str) -> dict[int, str]:
    return dict(babel_dates.get_month_names("abbreviated", locale=locale))


def _when_text(value: When, reader: Reader) -> str:
    """ "21 нояб. 2026, 12:00": Babel's "d MMM y, HH:mm", built by hand (jobs render thousands)."""
    local = value.at.astimezone(reader.zone)
    day = (value.day or local.date()) if not value.has_time else local.date()
    text = f"{day.day} {_months(reader.locale)[day.month]} {day.year}"
    return f"{text}, {local:%H:%M}" if value.has_time else text


_PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")


def _template(localizer, msgid: str, domain: str | None) -> str:
    """The translation of `msgid` with its ${placeholders}, cached per localizer."""
    cache = localizer.__dict__.setdefault("_portal_templates", {})
    found = cache.get((msgid, domain))
    if found is None:
        found = cache[(msgid, domain)] = localizer.translate(TranslationString(msgid, domain=domain))
    return found


def _render(value, localizer, reader: Reader):
    if isinstance(value, When):
        return _when_text(value, reader)
    if isinstance(value, Plural):
        mapping = {k: _render(v, localizer, reader) for k, v in value.mapping.items()}
        return localizer.pluralize(value.singular, value.plural, value.n, domain="portal", mapping=mapping)
    if isinstance(value, TranslationString):
        text = _template(localizer, str(value), value.domain)
        if not value.mapping:
            return text
        mapping = {k: _render(v, localizer, reader) for k, v in value.mapping.items()}
        return _PLACEHOLDER.sub(lambda m: mapping.get(m.group(1), m.group(0)), text)
    if isinstance(value, list | tuple):
        return ", ".join(_render(v, localizer, reader) for v in value)
    return "" if value is None else str(value)


def readers(dbsession, user_ids: Iterable[int], registry) -> dict[int, Reader]:
    default = default_locale(registry)
    out = {}
    ids = sorted(set(user_ids))
    for start in range(0, len(ids), 500):
        for uid, locale, zone in dbsession.execute(
            sa.select(User.id, User.locale, User.timezone).where(
                User.id.in_(ids[start : start + 500]), User.active
            )
        ):
            out[uid] = Reader(locale if locale in LANGUAGES else default, zone_named(zone))
    return out


def messages(
    dbsession,
    registry,
    user_ids,
    kind: str,
    title,
    body,
    url: str,
    key: str | None = None,
    known: dict[int, Reader] | None = None,
) -> list[tuple]:
    """notify_many items for these recipients, each translated for them.

    `known`: readers loaded beforehand (`readers()`), so that a batch needs one query.
    """
    ids = set(user_ids)
    if known is None:
        known = readers(dbsession, ids, registry)
    out = []
    for uid in sorted(ids):
        reader = known.get(uid)
        if reader is None:
            continue
        localizer = localizer_for(registry, reader.locale)
        out.append((uid, _render(title, localizer, reader), _render(body, localizer, reader), url, kind, key))
    return out


def tell(
    dbsession, registry, user_ids, kind: str, title, body, url: str, exclude: int | None = None,
    key: str | None = None,
) -> None:
    """Notify these people (except `exclude`, usually whoever made the change); `registry`, the
    application's, gives their languages."""
    ids = {u for u in user_ids if u and u != exclude}
    if ids:
        notify_many(dbsession, messages(dbsession, registry, ids, kind, title, body, url, key))


def tell_session(dbsession, user_ids, kind: str, title, body, url: str) -> None:
    """`tell` where there is no request at hand (a flush hook): the running application's
    registry (the request's, else the current one)."""
    request = dbsession.info.get("request")
    registry = getattr(request, "registry", None)
    if registry is None:
        registry = get_current_registry()
    ids = {u for u in user_ids if u}
    if ids:
        notify_many(dbsession, messages(dbsession, registry, ids, kind, title, body, url), flush=False)
