"""Moments, time zones and the refusals of colander and deform in the reader's language (issue 14,
point 1): a moment shows without seconds, a time zone by its place in the reader's words
(«Москва (UTC+03:00)», not "Europe/Moscow"), and «Invalid date» reaches a Russian reader in
Russian although colander's own Russian catalog leaves it out."""
from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from pyramid.interfaces import ILocalizer

from portal.core.i18n import _, format_datetime, timezone_label, timezone_options, zone_named

AT = dt.datetime(2026, 12, 7, 6, 1, 45, tzinfo=dt.UTC)  # 09:01:45 in Moscow
SECONDS = re.compile(r"\d:\d\d:\d\d")


class Localizer:
    def __init__(self, app, lang):
        self.inner = app.registry.queryUtility(ILocalizer, name=lang)

    def translate(self, message):
        return self.inner.translate(message)


def reader(app, lang: str, zone: str = "Europe/Moscow"):
    return SimpleNamespace(locale_name=lang, user_timezone=zone_named(zone),
                           localizer=Localizer(app, lang))


@pytest.mark.parametrize("lang,expected", [("ru", "7 дек. 2026 г., 09:01"),
                                           ("en", "Dec 7, 2026, 9:01 AM")])
def test_a_moment_shows_without_seconds(app, lang, expected):
    request = reader(app, lang)
    assert format_datetime(request, AT).replace("\u202f", " ").replace("\xa0", " ") == expected
    for width in ("short", "medium", "long", "full"):
        assert not SECONDS.search(format_datetime(request, AT, width)), width


def test_time_zones_are_named_by_their_place_in_the_readers_language(app):
    ru, en = reader(app, "ru"), reader(app, "en")
    groups = dict(timezone_options(ru))
    assert ("Europe/Moscow", "Москва (UTC+03:00)") in groups["Европа"]
    assert dict(groups["Америка"])["America/Port_of_Spain"].startswith("Порт-оф-Спейн (UTC")
    # The zone database's newer names are read by CLDR's older ones (Asia/Kolkata, Calcutta).
    assert dict(groups["Азия"])["Asia/Kolkata"].startswith("Калькутта (UTC")
    # Only the old names ("US/Eastern") and a zone newer than CLDR's names show Latin letters.
    latin = [label for _region, options in groups.items() for _zone, label in options
             if re.search("[A-Za-z]{3,}", label.replace("UTC", "")) and "/" not in label]
    assert len(latin) <= 3, latin
    assert dict(dict(timezone_options(en))["Europe"])["Europe/Moscow"] == "Moscow (UTC+03:00)"
    assert timezone_label(ru, "Asia/Vladivostok") == "Владивосток (UTC+10:00)"
    assert timezone_label(ru, "no/such-zone") == "Москва (UTC+03:00)"


@pytest.mark.parametrize("lang,shown,hidden", [("ru", "Неверная дата", "Invalid date"),
                                               ("en", "Invalid date", "Неверная дата")])
def test_colanders_invalid_date_reads_in_the_readers_language(testapp, login_as, lang, shown,
                                                              hidden):
    login_as("employee", locale=lang)
    form = testapp.get("/tasks/add").forms["form"]
    form["title"] = "Отчёт"
    form["due_date"] = "31.02.2026"
    page = form.submit("save", status=400)
    text = page.html.select_one("main").text
    assert shown in text and hidden not in text


def test_the_ticket_queues_hours_name_zones_in_russian(testapp, login_as):
    login_as("admin", locale="ru")
    page = testapp.get("/tickets/settings")
    options = [o.text for o in page.html.select("select[name=zone] option")]
    assert "Москва (UTC+03:00)" in options
    assert not [o for o in options if o.startswith(("Europe/", "America/"))]


@pytest.mark.parametrize("lang,start", [("ru", "Текст: слишком длинный"), ("en", "The text is too long")])
def test_a_message_naming_another_reads_wholly_in_the_readers_language(request_for, factory, lang,
                                                                        start):
    """«The text: …» reached Russian readers: the inner message ("The text") was left in
    English by Pyramid, which fills a placeholder with its msgid."""
    request = request_for(factory.user(locale=lang))
    text = request.translate(_("${what} is too long: ${n} characters, at most ${max} are kept.",
                               mapping={"what": _("The text"), "n": 5001, "max": 5000}))
    assert text.startswith(start), text


def test_deforms_unreadable_value_reads_in_russian(testapp, login_as):
    """A list field posted as something else: deform says «Invalid pstruct: …» in English,
    untranslatable; the form says it in the reader's words."""
    login_as("admin", locale="ru")
    form = testapp.get("/admin/users/add").forms["form"]
    params = [(name, field.value or "") for name, fields in form.fields.items() if name
              and not name.startswith("__") and name not in ("departments", "save")
              for field in fields if field.value is not None]
    params += [("__formid__", "form"), ("__start__", "departments:mapping"), ("x", "1"),
               ("__end__", "departments:mapping"), ("save", "save")]
    page = testapp.post("/admin/users/add", params, status=400)
    text = page.html.select_one("main").text
    assert "Invalid pstruct" not in text
    assert "Это значение не удалось прочитать: введите его заново." in text
