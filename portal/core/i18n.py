"""Translation: the `portal` domain, the locale negotiator, formatting in the user's zone (moments
without seconds), time zones named in the reader's language, translation of messages nested in
messages (`translate_deep`, behind `request.translate`), and colander's and deform's messages
their own Russian catalogs lack (LENT)."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import lru_cache, partial
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale
from babel import dates as babel_dates
from babel.core import get_global
from pyramid.i18n import Localizer, TranslationString, TranslationStringFactory, make_localizer
from pyramid.interfaces import ILocalizer, ITranslationDirectories

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


# The first part of a zone's name, as a time-zone picker groups them, in the reader's words.
ZONE_REGIONS = {
    "Africa": _("Africa"), "America": _("America"), "Antarctica": _("Antarctica"),
    "Arctic": _("Arctic"), "Asia": _("Asia"), "Atlantic": _("Atlantic Ocean"),
    "Australia": _("Australia"), "Europe": _("Europe"), "Indian": _("Indian Ocean"),
    "Pacific": _("Pacific Ocean"), "UTC": _("Coordinated Universal Time"),
}


@lru_cache(maxsize=1)
def _same_zones() -> dict[str, tuple[str, ...]]:
    """Every name of each zone: the zone database and CLDR name some zones differently
    (Asia/Kolkata and Asia/Calcutta), and CLDR's names are the ones translated."""
    aliases = get_global("zone_aliases")
    names = defaultdict(set)
    for alias, canonical in aliases.items():
        names[canonical].update((alias, canonical))
    return {name: tuple(sorted(group)) for canonical, group in names.items() for name in group}


def timezone_place(name: str, locale_name: str) -> str:
    """The place a zone is named after, in the reader's language: "Europe/Moscow" is «Москва»
    in Russian, "Moscow" in English; "UTC" stays "UTC"."""
    locale = babel_locale(locale_name)
    names = (name, *_same_zones().get(name, ()))
    for candidate in names:
        city = locale.time_zones.get(candidate, {}).get("city")
        if city:
            return city
    # English names most places as the zone does; an old name ("US/Eastern") by its new one.
    named = [n for n in names if n.partition("/")[0] in ZONE_REGIONS] or [name]
    return named[0].rpartition("/")[2].replace("_", " ") or name


def _region(name: str) -> str:
    """The region a zone is listed under: an old name ("US/Eastern") under its new one's."""
    region = name.partition("/")[0]
    if region in ZONE_REGIONS:
        return region
    known = [n for n in _same_zones().get(name, ()) if n.partition("/")[0] in ZONE_REGIONS]
    return known[0].partition("/")[0] if known else region


def utc_offset(name: str, at: dt.datetime) -> str:
    """The zone's offset at that moment, "UTC+03:00" ("UTC−04:00" with a real minus)."""
    offset = at.astimezone(ZoneInfo(name)).utcoffset() or dt.timedelta()
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


@lru_cache(maxsize=8)
def _timezone_groups(locale_name: str, day: dt.date) -> tuple:
    noon = dt.datetime.combine(day, dt.time(12), dt.UTC)
    groups: dict[str, list] = defaultdict(list)
    for name in [*timezone_choices(), "UTC"]:
        region = _region(name)
        place, offset = timezone_place(name, locale_name), utc_offset(name, noon)
        # An old name is shown as well, so that whoever chose it finds it again.
        label = (f"{place} ({offset})" if name.partition("/")[0] in ZONE_REGIONS
                 else f"{place} — {name} ({offset})")
        groups[region].append((name, label))
    return tuple((region, tuple(sorted(options, key=lambda o: o[1].casefold())))
                 for region, options in groups.items())


def timezone_options(request, only=None) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
    """The time zones for a select box (those in `only` if given), grouped by region, in the
    reader's language with today's offsets (they change with daylight saving):
    [("Европа", (("Europe/Moscow", "Москва (UTC+03:00)"), ...)), ...]."""
    translate = request.localizer.translate
    groups = _timezone_groups(request.locale_name, dt.datetime.now(dt.UTC).date())
    if only is not None:
        only = set(only)
        groups = [(region, tuple(o for o in options if o[0] in only)) for region, options in groups]
    return [(translate(ZONE_REGIONS[region]) if region in ZONE_REGIONS else region, options)
            for region, options in groups if options]


def timezone_label(request, name: str) -> str:
    """One zone as the reader reads it: «Москва (UTC+03:00)» (the portal's zone for an unknown
    name)."""
    name = zone_named(name).key
    return (f"{timezone_place(name, request.locale_name)} "
            f"({utc_offset(name, dt.datetime.now(dt.UTC))})")


@lru_cache(maxsize=16)
def babel_locale(name: str) -> Locale:
    """Babel's locale of that name, parsed once (formatting with a name parses it each time:
    the timeline of a card formats fifty dates)."""
    return Locale.parse(name)


WIDTHS = ("short", "medium", "long", "full")


# Formatting with Babel costs tens of microseconds a value, and pages show the same days and
# moments again and again (today, this week's events, due dates): the texts are kept, per value,
# pattern and language (and zone), for the whole process; bounded (least recently used).
FORMATTED_KEPT = 8192


def format_datetime(request, value: dt.datetime | None, fmt: str = "medium") -> str:
    """A moment in the reader's zone and language. A named width ("medium": "7 Dec 2026, 12:00")
    gives the day in that width and the time without seconds, which Babel's own "medium" shows
    ("12:00:00") and people do not read; any other `fmt` is a Babel pattern."""
    if value is None:
        return ""
    local = value.astimezone(request.user_timezone)
    # The fold and the offset tell apart two moments of one wall time (the hour repeated when
    # clocks go back), which compare equal in one zone.
    return _formatted_datetime(local, local.fold, local.utcoffset(), local.tzinfo, fmt,
                               request.locale_name)


@lru_cache(maxsize=FORMATTED_KEPT)
def _formatted_datetime(local: dt.datetime, _fold: int, _offset, zone, fmt: str,
                        locale_name: str) -> str:
    locale = babel_locale(locale_name)
    if fmt not in WIDTHS:
        return babel_dates.format_datetime(local, fmt, tzinfo=zone, locale=locale)
    time = babel_dates.format_time(local, "short", tzinfo=zone, locale=locale)
    day = babel_dates.format_date(local.date(), fmt, locale=locale)
    return (babel_dates.get_datetime_format(fmt, locale=locale)
            .replace("'", "").replace("{0}", time).replace("{1}", day))


def format_date(request, value: dt.date | None, fmt: str = "medium") -> str:
    """A day in the reader's language: a named width ("medium": "7 Dec 2026") or a Babel
    pattern ("d MMM")."""
    if value is None:
        return ""
    if type(value) is dt.date:  # a moment is formatted as the day of its own zone: not kept
        return _formatted_date(value, fmt, request.locale_name)
    return babel_dates.format_date(value, fmt, locale=babel_locale(request.locale_name))


@lru_cache(maxsize=FORMATTED_KEPT)
def _formatted_date(value: dt.date, fmt: str, locale_name: str) -> str:
    return babel_dates.format_date(value, fmt, locale=babel_locale(locale_name))


def local_today(request) -> dt.date:
    return dt.datetime.now(request.user_timezone).date()


# Messages of colander and deform that their own Russian catalogs leave out (or mark fuzzy, so
# that they are not compiled): «Invalid date» reached Russian readers in English. They are
# translated in the portal's catalog and lent to those domains when a localizer is made, in
# place of theirs.
LENT = {
    "colander": (
        _("Invalid date"), _("Invalid time"), _("Must be a URL"), _("Invalid UUID string"),
        _("Not a data URL"), _("Invalid MIME type"), _("Invalid Base64 encoded data"),
        _("\"${val}\" must not be one of ${choices}"),
        _("One or more of the choices you made was not acceptable"),
        _("\"${val}\" is not a valid credit card number"), _("Must be a file:// URI scheme"),
        _("\"${val}\" is neither in (${false_choices}) nor in (${true_choices})"),
        _("\"${val}\" is not a time object"), _("\"${val}\" is not a valid \"${cls}\""),
        # Translated there, but with a broken placeholder ("{$min}") or clumsily.
        _("Shorter than minimum length ${min}"), _("Longer than maximum length ${max}"),
        _("${val} is less than minimum value ${min}"),
        _("${val} is greater than maximum value ${max}"),
    ),
    "deform": (_("Incomplete time"),),
}


def lend_messages(localizer) -> None:
    """Give colander's and deform's domains of `localizer` the portal's translations of the
    messages in LENT."""
    translations = localizer.translations
    portal = translations._domains.get("portal")
    if portal is None:
        return
    for domain, messages in LENT.items():
        catalog = translations._domains.get(domain)
        if catalog is None:
            continue
        for message in messages:
            ours = portal._catalog.get(str(message))
            if ours:
                catalog._catalog[str(message)] = ours


class KeptLocalizer(Localizer):
    """Pyramid's localizer that keeps what it translated without a mapping: a page asks for the
    same few dozen words (the menu, the buttons of every row) on every request, and each ask
    costs a catalog lookup and a translation string. Bounded (cleared when full): `|t` also
    translates stored titles."""

    KEPT = 8192

    def __init__(self, locale_name, translations):
        super().__init__(locale_name=locale_name, translations=translations)
        self.kept: dict[tuple, str] = {}
        self.words: dict[tuple[str, str | None], str] = {}

    def word(self, message: str, domain: str | None = None) -> str:
        """`translate` of a plain message id (a template's `_('...')`), kept by the id and the
        domain alone: a page asks for a hundred of them."""
        key = (message, domain)
        found = self.words.get(key)
        if found is None:
            found = self.translate(message, domain=domain)
            if len(self.words) >= self.KEPT:
                self.words.clear()
            self.words[key] = found
        return found

    def translate(self, tstring, domain=None, mapping=None):
        if mapping or getattr(tstring, "mapping", None):
            return super().translate(tstring, domain=domain, mapping=mapping)
        key = (str(tstring), domain, getattr(tstring, "domain", None),
               getattr(tstring, "default", None), getattr(tstring, "context", None),
               hasattr(tstring, "interpolate"))
        found = self.kept.get(key)
        if found is None:
            found = super().translate(tstring, domain=domain, mapping=mapping)
            if len(self.kept) >= self.KEPT:
                self.kept.clear()
            self.kept[key] = found
        return found


def _make_localizers(registry) -> None:
    """The localizer of each language, made once at start-up with the lent messages (Pyramid
    would make each on first use, without them), keeping what it translates."""
    directories = registry.queryUtility(ITranslationDirectories, default=[])
    for name in LANGUAGES:
        made = make_localizer(name, directories)
        lend_messages(made)
        localizer = KeptLocalizer(made.locale_name, made.translations)
        registry.registerUtility(localizer, ILocalizer, name=name)


def translate_deep(localizer, value):
    """`localizer.translate` of a translation string whose mapping may hold other translation
    strings ("${what} is too long", what = _("The text")): Pyramid fills a placeholder with
    the inner one's msgid, in English, so they are translated first. Anything else is
    returned as it is."""
    if not hasattr(value, "interpolate") or not hasattr(value, "domain"):
        return value
    mapping = value.mapping
    if mapping and any(hasattr(v, "interpolate") for v in mapping.values()):
        value = TranslationString(value, domain=value.domain, default=value.default,
                                  mapping={k: translate_deep(localizer, v)
                                           for k, v in mapping.items()})
    return localizer.translate(value)


def includeme(config) -> None:
    config.add_translation_dirs("portal:locale/", "deform:locale/", "colander:locale/")
    # After the translation directories are known (an action registered after theirs).
    config.action(None, _make_localizers, args=(config.registry,))
    config.set_locale_negotiator(locale_negotiator)
    config.add_request_method(user_timezone, reify=True)
    config.add_request_method(
        lambda r: partial(translate_deep, r.localizer), "translate", reify=True)
