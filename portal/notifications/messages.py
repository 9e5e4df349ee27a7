"""Notices stored as a message id and its parameters, and rendered when read, in the reader's
language and time zone of that moment.

An area writes what to tell as translation strings, as anywhere in the portal, whose mappings
may hold plain values, other translation strings (a state, a kind of call), `Plural`s, `When`s
and lists of those:

    _("Due soon: ${title}", mapping={"title": task.title})
    _("Due ${when}", mapping={"when": When(task.due_at)})

`stored()` turns one into a `models.notifications.Message` (JSON and its English rendering),
which `notify`/`notify_many` keep; `render_notice()` gives the (title, body) of a stored
notification for a reader. portal/notifications/sending.py does both for a list of recipients.

The JSON of a value (a row's `message`/`params` are the top one, {"$msg": message, **params}):
- a string or a number: shown as it is (a task's title, a person's name, a count);
- {"$msg": msgid, name: value, ...}: a message of the "portal" domain translated for the reader,
  its ${name} placeholders filled with the other keys, rendered the same way; with
  "$plural": the plural msgid, the count in "n";
- {"$at": "2026-12-07T09:00:00Z"}: a moment (ISO, UTC), shown in the reader's zone without
  seconds, "7 Dec 2026, 12:00"; with "$time": false only its day there, "7 Dec 2026";
- {"$day": "2026-12-07"}: a day, the same wherever the reader is, "7 Dec 2026"; with
  "$year": false, "7 December" (a birthday);
- {"$list": [value, ...]}: the values joined by ", " (or by "$sep").
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from pyramid.i18n import TranslationString

from models.notifications import Message
from portal.core.i18n import babel_locale

DOMAIN = "portal"
# The message of a value shown alone (a moment, a list): nothing in it to translate.
BARE = "${value}"


@dataclass(frozen=True)
class When:
    """A moment shown in the reader's zone; `has_time` false: only its day (`day` if given: the
    day as its author meant it, wherever the reader is); `year` false: "7 December"."""

    at: dt.datetime | None
    has_time: bool = True
    day: dt.date | None = None
    year: bool = True


@dataclass(frozen=True)
class Plural:
    """A count-dependent message: build it with `plural(ngettext(s, p, n), mapping)`."""

    singular: str
    plural: str
    n: int
    mapping: dict


@dataclass(frozen=True)
class Joined:
    """Values shown one after another with `sep` between them ("13 March · turns 46")."""

    values: tuple
    sep: str = ", "


def ngettext(singular: str, plural_: str, n: int) -> tuple[str, str, int]:
    """Marks a plural message for extraction (Babel's ngettext keyword)."""
    return singular, plural_, n


def plural(triple: tuple[str, str, int], mapping: dict | None = None) -> Plural:
    singular, plural_, n = triple
    return Plural(singular, plural_, n, {"n": n, **(mapping or {})})


# --- to JSON ------------------------------------------------------------------------------------

def encode(value):
    """The JSON of a value to show (see the module's docstring)."""
    if isinstance(value, When):
        if value.has_time and value.at is not None:
            return {"$at": _iso(value.at)}
        if value.day is not None:
            return {"$day": value.day.isoformat()} if value.year else \
                {"$day": value.day.isoformat(), "$year": False}
        return {"$at": _iso(value.at), "$time": False} if value.at is not None else ""
    if isinstance(value, Plural):
        return {"$msg": value.singular, "$plural": value.plural,
                **{k: encode(v) for k, v in value.mapping.items()}, "n": value.n}
    if isinstance(value, TranslationString):
        node = {"$msg": str(value)}
        if value.domain and value.domain != DOMAIN:
            node["$domain"] = value.domain
        node.update({k: encode(v) for k, v in (value.mapping or {}).items()})
        return node
    if isinstance(value, Joined):
        node = {"$list": [encode(v) for v in value.values if v not in (None, "")]}
        return node if value.sep == ", " else {**node, "$sep": value.sep}
    if isinstance(value, list | tuple):
        return {"$list": [encode(v) for v in value]}
    if isinstance(value, dt.datetime):
        return {"$at": _iso(value)}
    if isinstance(value, dt.date):
        return {"$day": value.isoformat()}
    if value is None or isinstance(value, str | int | float):
        return "" if value is None else value
    return str(value)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def stored(value, english, zone: ZoneInfo) -> Message | str:
    """What `notify` stores for `value`: a Message with its English rendering (`english`: a
    localizer for "en"; `zone`: the recipient's), or plain text as it is."""
    if value is None or (isinstance(value, str) and not isinstance(value, TranslationString)):
        return value or ""
    node = encode(value)
    if not (isinstance(node, dict) and "$msg" in node):
        node = {"$msg": BARE, "value": node}  # a moment or a list alone: nothing to translate
    params = {k: v for k, v in node.items() if k != "$msg"}
    return Message(node["$msg"], params, render(node, english, zone))


# --- from JSON, for a reader -------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")


@lru_cache(maxsize=8)
def _months(locale: str, width: str) -> dict[int, str]:
    return dict(babel_dates.get_month_names(width, locale=babel_locale(locale)))


def _template(localizer, msgid: str, domain: str) -> str:
    """The translation of `msgid`, placeholders and all, cached per localizer (a tick renders
    thousands)."""
    cache = localizer.__dict__.setdefault("_portal_templates", {})
    found = cache.get((msgid, domain))
    if found is None:
        found = cache[(msgid, domain)] = localizer.translate(TranslationString(msgid, domain=domain))
    return found


def _fill(text: str, mapping: dict) -> str:
    # A placeholder without a value shows nothing rather than "${name}".
    return _PLACEHOLDER.sub(lambda m: mapping.get(m.group(1), ""), text)


def day_text(day: dt.date, locale: str, year: bool = True) -> str:
    """ "7 Dec 2026" (Babel's "d MMM y"), or "7 December" without the year."""
    if not year:
        return f"{day.day} {_months(locale, 'wide')[day.month]}"
    return f"{day.day} {_months(locale, 'abbreviated')[day.month]} {day.year}"


def moment_text(at: dt.datetime, locale: str, zone: ZoneInfo) -> str:
    """ "7 Dec 2026, 12:00" in `zone`: "d MMM y, HH:mm", no seconds."""
    local = at.astimezone(zone)
    return f"{day_text(local.date(), locale)}, {local:%H:%M}"


def _moment(text: str) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def render(node, localizer, zone: ZoneInfo) -> str:
    """The text of a stored value for a reader: `localizer` their language, `zone` theirs."""
    if isinstance(node, dict):
        locale = localizer.locale_name
        if "$msg" in node:
            mapping = {k: render(v, localizer, zone) for k, v in node.items() if not k.startswith("$")}
            domain = node.get("$domain") or DOMAIN
            if "$plural" in node:
                n = node.get("n")
                text = localizer.pluralize(node["$msg"], node["$plural"], n if isinstance(n, int) else 0,
                                           domain=domain)
            else:
                text = _template(localizer, node["$msg"], domain)
            return _fill(text, mapping)
        if "$at" in node:
            at = _moment(node["$at"])
            if at is None:
                return ""
            if node.get("$time", True):
                return moment_text(at, locale, zone)
            return day_text(at.astimezone(zone).date(), locale)
        if "$day" in node:
            try:
                day = dt.date.fromisoformat(node["$day"])
            except (TypeError, ValueError):
                return ""
            return day_text(day, locale, node.get("$year", True))
        if "$list" in node:
            sep = node.get("$sep")
            return (sep if isinstance(sep, str) else ", ").join(
                render(v, localizer, zone) for v in node["$list"])
        return ""
    return "" if node is None else str(node)


class Rendered(NamedTuple):
    title: str
    body: str


def render_notice(note, localizer, zone: ZoneInfo) -> Rendered:
    """A notification's (or a queued e-mail's) title and body for a reader. Rows written before
    messages were stored, and plain text, show as they were written."""
    title = note.title if hasattr(note, "title") else note.subject
    if note.message:
        title = render({**(note.params or {}), "$msg": note.message}, localizer, zone)
    body = note.body or ""
    if note.body_message:
        body = render({**(note.body_params or {}), "$msg": note.body_message}, localizer, zone)
    return Rendered(title, body)
