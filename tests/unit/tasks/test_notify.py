"""Notifications about tasks are written in each reader's language and time zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from portal.core.i18n import _
from portal.core.mail import localizer_for
from portal.tasks.notify import Reader, When, _render, ngettext, plural

MOSCOW, VLADIVOSTOK = ZoneInfo("Europe/Moscow"), ZoneInfo("Asia/Vladivostok")
AT = dt.datetime(2031, 11, 21, 9, 0, tzinfo=dt.UTC)


def render(app, value, locale="en", zone=MOSCOW):
    return _render(value, localizer_for(app.registry, locale), Reader(locale, zone))


def test_due_times_are_shown_in_the_readers_zone_and_language(app):
    assert render(app, When(AT)) == "21 Nov 2031, 12:00"
    assert render(app, When(AT), zone=VLADIVOSTOK) == "21 Nov 2031, 19:00"
    assert render(app, When(AT), "ru") == "21 нояб. 2031, 12:00"
    # A date-only task shows the day its author meant, wherever the reader is.
    late = dt.datetime(2031, 11, 21, 20, 59, tzinfo=dt.UTC)
    assert render(app, When(late, False, dt.date(2031, 11, 21)), zone=VLADIVOSTOK) == "21 Nov 2031"


def test_messages_fill_their_placeholders_with_rendered_values(app):
    message = _("Due ${when}", mapping={"when": When(AT)})
    assert render(app, message) == "Due 21 Nov 2031, 12:00"
    nested = _("${name} changed: ${fields}.", mapping={"name": "Анна", "fields": [_("title"), _("priority")]})
    assert render(app, nested) == "Анна changed: title, priority."
    assert (
        render(
            app,
            plural(
                ngettext("${name} has a birthday in ${n} day", "${name} has a birthday in ${n} days", 3),
                {"name": "Пётр"},
            ),
        )
        == "Пётр has a birthday in 3 days"
    )
