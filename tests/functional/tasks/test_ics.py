"""Open tasks with due dates appear in their assignee's calendar feed (when the calendar area
provides feeds)."""

from __future__ import annotations

import datetime as dt

from portal.tasks.ics import tasks_feed


def test_due_tasks_of_a_person_become_feed_events(request_for, factory, make_task):
    me = factory.user()
    timed = make_task(me, me, title="Сдать отчёт", due_in=dt.timedelta(days=2))
    dated = make_task(
        me,
        me,
        title="Весь день",
        due_at=dt.datetime(2031, 1, 10, 20, 59, tzinfo=dt.UTC),
        due_on=dt.date(2031, 1, 10),
    )
    dated.due_has_time = False
    dated.due_at = dt.datetime.now(dt.UTC) + dt.timedelta(days=5)
    dated.due_on = dated.due_at.date()
    make_task(me, me, title="Без срока")
    done = make_task(me, me, title="Сделано", due_in=dt.timedelta(days=1))
    done.state = "done"
    make_task(me, factory.user(), title="Чужая", due_in=dt.timedelta(days=1))
    events = {str(e["uid"]): e for e in tasks_feed(request_for(me), me)}
    assert set(events) == {f"task-{timed.id}@portal", f"task-{dated.id}@portal"}
    assert str(events[f"task-{timed.id}@portal"]["summary"]) == "Task: Сдать отчёт"
    assert events[f"task-{dated.id}@portal"].decoded("dtstart") == dated.due_on


def test_the_calendar_feed_includes_tasks(request_for, factory, make_task):
    from portal.calendar import ics as calendar_ics
    from portal.tasks.ics import tasks_feed

    assert calendar_ics.ICS_FEED_PROVIDERS["tasks"] is tasks_feed  # registered by the tasks area
    me = factory.user()
    make_task(me, me, title="Позвонить в банк", due_in=dt.timedelta(days=1))
    body = calendar_ics.feed_ics(request_for(None), me).decode()
    assert "Позвонить в банк" in body and "BEGIN:VEVENT" in body
