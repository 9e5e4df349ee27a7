"""Recurring events are not expanded again on every page (issue 11): a series' occurrences in
a window are worked out once per process (portal.calendar.recurrence.expanded), and a series
that changes is expanded anew."""
from __future__ import annotations

import datetime as dt

from models.meta import utcnow
from portal.calendar import recurrence
from tests.clock import local_at, local_today


def test_my_day_and_the_week_expand_each_series_once(cal, factory, testapp, monkeypatch):
    me = factory.user()
    today = local_at(local_today(), 9)  # the person's today, in Moscow
    # Two kinds of rule: one dateutil works out, one done by arithmetic (plain weekly).
    cal.event(me, "Планёрка", start=today - dt.timedelta(days=14),
              rrule="FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR,SA,SU;COUNT=60")
    cal.event(me, "Летучка", start=today - dt.timedelta(days=7), rrule="FREQ=WEEKLY;COUNT=20")
    recurrence.expanded.cache_clear()
    worked_out = []
    real = recurrence._occurrence_starts
    monkeypatch.setattr(recurrence, "_occurrence_starts",
                        lambda *args: worked_out.append(args[0]) or real(*args))
    testapp.login(me.login)
    first = testapp.get("/")
    assert "Планёрка" in first.text and "Летучка" in first.text
    done = len(worked_out)
    assert done >= 2
    for _ in range(3):
        again = testapp.get("/")
        assert "Планёрка" in again.text and "Летучка" in again.text
    assert len(worked_out) == done  # read from what was worked out, not expanded again


def test_a_changed_series_is_expanded_anew(cal, factory, request_for):
    from portal.calendar.events import local_window, visible_events

    me = factory.user()
    start = utcnow().replace(hour=9, minute=0, second=0, microsecond=0) - dt.timedelta(days=3)
    series = cal.event(me, "Планёрка", start=start, rrule="FREQ=DAILY;COUNT=30")
    request = request_for(me)
    ws, we = local_window(start.date() + dt.timedelta(days=3), 1, "Europe/Moscow")
    assert [o.event.id for o in visible_events(request, ws, we, mine=True)] == [series.id]
    series.rrule = "FREQ=DAILY;COUNT=2"  # ended before today: no longer in today's window
    assert visible_events(request_for(me), ws, we, mine=True) == []
