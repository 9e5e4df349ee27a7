"""Translation: the `portal` domain, the locale negotiator and formatting in the user's zone."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale
from babel import dates as babel_dates
from pyramid.i18n import TranslationStringFactory

_ = TranslationStringFactory("portal")

LANGUAGES = {"en": "English", "ru": "Русский"}
DEFAULT_TIMEZONE = "Europe/Moscow"


def locale_negotiator(request) -> str:
    """The user's preference, else the language cookie, else Accept-Language, else the default."""
    identity = request.identity
    if identity is not None and identity.user.locale in LANGUAGES:
        return identity.user.locale
    cookie = request.cookies.get("_LOCALE_")
    if cookie in LANGUAGES:
        return cookie
    default = request.registry.settings.get("pyramid.default_locale_name") or "ru"
    return request.accept_language.lookup(list(LANGUAGES), default=default)


def zone_named(name: str | None) -> ZoneInfo:
    """The time zone of that name; the portal's default for a blank or unknown name."""
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (KeyError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def zone_of(user) -> ZoneInfo:
    """A person's time zone (the portal's default for nobody or an unknown zone)."""
    return zone_named(user.timezone if user is not None else None)


def user_timezone(request) -> ZoneInfo:
    identity = request.identity
    return zone_of(identity.user if identity else None)


def timezone_choices() -> list[str]:
    return sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))


@lru_cache(maxsize=16)
def babel_locale(name: str) -> Locale:
    """Babel's locale of that name, parsed once (formatting with a name parses it each time:
    the timeline of a card formats fifty dates)."""
    return Locale.parse(name)


def format_datetime(request, value: dt.datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    local = value.astimezone(request.user_timezone)
    return babel_dates.format_datetime(local, fmt, tzinfo=request.user_timezone,
                                       locale=babel_locale(request.locale_name))


def format_date(request, value: dt.date | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    return babel_dates.format_date(value, fmt, locale=babel_locale(request.locale_name))


def local_today(request) -> dt.date:
    return dt.datetime.now(request.user_timezone).date()


def includeme(config) -> None:
    config.add_translation_dirs("portal:locale/", "deform:locale/", "colander:locale/")
    config.set_locale_negotiator(locale_negotiator)
    config.add_request_method(user_timezone, reify=True)
    config.add_request_method(lambda r: r.localizer.translate, "translate", reify=True)
