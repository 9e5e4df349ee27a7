"""Days and moments are formatted by Babel once per value, pattern, language and zone, then kept
(issue 11: pages show the same days again and again, and Babel costs tens of microseconds a
value); what is kept is exactly what Babel says, in each language and zone, and two moments of
one wall time (the hour repeated when clocks go back) stay two."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from babel import dates as babel_dates

from portal.core import i18n


def spy(monkeypatch, name) -> list:
    calls = []
    real = getattr(babel_dates, name)

    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(babel_dates, name, counted)
    return calls


def forget() -> None:
    """Start with nothing kept (other tests formatted the same values)."""
    for kept in ("_formatted_date", "_formatted_datetime"):
        if hasattr(i18n, kept):
            getattr(i18n, kept).cache_clear()


def test_a_day_is_formatted_once(factory, request_for, monkeypatch):
    forget()
    calls = spy(monkeypatch, "format_date")
    day = dt.date(2026, 3, 8)
    request = request_for(factory.user(locale="ru"))
    first = [i18n.format_date(request, day, fmt) for fmt in ("full", "medium", "d MMM")]
    again = [i18n.format_date(request_for(factory.user(locale="ru")), day, fmt)
             for fmt in ("full", "medium", "d MMM")]
    assert first == again
    assert len(calls) == 3
    monkeypatch.undo()
    assert first == [babel_dates.format_date(day, fmt, locale="ru")
                     for fmt in ("full", "medium", "d MMM")]
    # Another language is its own text.
    assert i18n.format_date(request_for(factory.user(locale="en")), day, "full") == \
        babel_dates.format_date(day, "full", locale="en")


def test_a_moment_is_formatted_once_per_zone(factory, request_for, monkeypatch):
    forget()
    moment = dt.datetime(2026, 12, 7, 9, 30, tzinfo=dt.UTC)
    moscow = request_for(factory.user(timezone="Europe/Moscow", locale="en"))
    tokyo = request_for(factory.user(timezone="Asia/Tokyo", locale="en"))
    calls = spy(monkeypatch, "format_time")
    assert "12:30" in i18n.format_datetime(moscow, moment)
    assert "18:30" in i18n.format_datetime(tokyo, moment, "HH:mm")
    for _ in range(3):
        i18n.format_datetime(moscow, moment)
        i18n.format_datetime(request_for(factory.user(timezone="Europe/Moscow", locale="en")),
                             moment)
    assert len(calls) == 1
    monkeypatch.undo()
    zone = ZoneInfo("Europe/Moscow")
    assert i18n.format_datetime(moscow, moment, "d MMM y, HH:mm") == babel_dates.format_datetime(
        moment.astimezone(zone), "d MMM y, HH:mm", tzinfo=zone, locale="en")


def test_the_repeated_hour_stays_two_moments(factory, request_for):
    berlin = request_for(factory.user(timezone="Europe/Berlin", locale="en"))
    summer = dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)  # 02:30 CEST
    winter = dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC)  # 02:30 CET, an hour later
    assert i18n.format_datetime(berlin, summer, "HH:mm Z") == "02:30 +0200"
    assert i18n.format_datetime(berlin, winter, "HH:mm Z") == "02:30 +0100"
    assert i18n.format_datetime(berlin, summer, "HH:mm Z") == "02:30 +0200"


def test_words_are_translated_once_and_filled_in_each_time(factory, request_for, monkeypatch):
    localizer = request_for(factory.user(locale="ru")).localizer
    looked_up = []
    real = localizer.translations.dugettext

    def counted(domain, message):
        looked_up.append(message)
        return real(domain, message)

    monkeypatch.setattr(localizer.translations, "dugettext", counted)
    word = i18n._("Log out")
    first = localizer.translate(word)
    assert first != "Log out"  # Russian
    for _ in range(3):
        assert localizer.translate(i18n._("Log out")) == first
        assert request_for(factory.user(locale="ru")).localizer.translate(word) == first
    assert looked_up.count("Log out") <= 1
    # A message with a mapping is filled in with each mapping, every time.
    named = [localizer.translate(i18n._("from ${name}", mapping={"name": name}))
             for name in ("Анна", "Пётр")]
    assert "Анна" in named[0] and "Пётр" in named[1]
    # English stays English.
    assert request_for(factory.user(locale="en")).localizer.translate(word) == "Log out"


def test_a_templates_words_are_looked_up_once_per_language(testapp, login_as, app, monkeypatch):
    """The templates' `_()` keeps each plain message per language (views/shell.py TemplateWords):
    the second page asks the catalog for none of the words the first one did, and each
    language shows its own words."""
    from pyramid.interfaces import ILocalizer

    login_as("admin")
    ru = app.registry.getUtility(ILocalizer, name="ru")
    ru.words.clear()
    asked = []
    real = type(ru).translate

    def counted(self, tstring, domain=None, mapping=None):
        asked.append(str(tstring))
        return real(self, tstring, domain=domain, mapping=mapping)

    monkeypatch.setattr(type(ru), "translate", counted)
    testapp.post_csrf("/language", {"lang": "ru", "came_from": "/"}, status=303)
    first = testapp.get("/")
    assert "Skip to main content" in asked and "Перейти к основному содержимому" in first.text
    assert any(message == "Skip to main content" for message, _domain in ru.words)
    asked.clear()
    again = testapp.get("/")
    assert "Skip to main content" not in asked and "Перейти к основному содержимому" in again.text
    testapp.post_csrf("/language", {"lang": "en", "came_from": "/"}, status=303)
    assert "Skip to main content" in testapp.get("/").text
