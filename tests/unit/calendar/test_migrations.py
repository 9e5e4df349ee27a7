"""The calendar's data migrations: events planned before the search index knew them are indexed."""
from __future__ import annotations

import datetime as dt
import os

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

import models
from models.calendar import Event

HERE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
# The search document id the revision gives event 7: the kind's code (10) × 10¹⁰ + the id, as the
# search index numbers documents (the revision holds these values; it does not ask the index).
EVENT_7 = 10 * 10**10 + 7


def upgrade(engine, *targets: str) -> None:
    cfg = Config(os.path.join(HERE, "development.ini"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        for target in targets:
            command.upgrade(cfg, target)


def add_anna(conn) -> None:
    """A person, with the columns people had then (the model's today's may not exist yet)."""
    conn.execute(sa.text(
        "INSERT INTO users (id, login, full_name, email, phone, position, locale, timezone, "
        "state, password_hash, search_text, created_at) VALUES (1, 'anna', 'Анна', '', '', '', "
        "'', 'Europe/Moscow', 'active', 'x', 'анна', :at)"), {"at": dt.datetime(2026, 1, 1)})


def test_events_that_exist_are_indexed_for_the_search(tmp_path):
    engine = models.get_engine({"sqlalchemy.url": f"sqlite:///{tmp_path / 'm.sqlite'}"})
    # The calendar and the search index (clients branch) as they were before events were indexed.
    upgrade(engine, "a15a07cf35ee", "7c1e5a0d2b41")
    start = dt.datetime(2031, 3, 3, 7, tzinfo=dt.UTC)
    with engine.begin() as conn:
        add_anna(conn)
        conn.execute(sa.insert(Event.__table__).values(
            id=7, title="Ёлка в ОФИСЕ", description="Подарки детям", location="Конференц-зал",
            start_at=start, end_at=start + dt.timedelta(hours=2), exdates=[],
            series_end_at=start + dt.timedelta(hours=2), organizer_id=1, ical_uid="u7"))
    upgrade(engine, "heads")
    with engine.connect() as conn:
        doc = conn.execute(sa.text(
            "SELECT kind, object_id, title, body FROM search_documents WHERE id = :id"),
            {"id": EVENT_7}).one()
        assert tuple(doc) == ("event", 7, "елка в офисе", "конференц-зал подарки детям")
        hit = conn.execute(sa.text("SELECT rowid FROM search_fts WHERE search_fts MATCH 'подар*'"))
        assert [r[0] for r in hit] == [EVENT_7]
    engine.dispose()


def test_rooms_booked_before_the_guard_are_filled_in(tmp_path):
    """Every occurrence of what events booked is stored (a weekly series without its cancelled
    and changed occurrences; nothing for a cancelled event); an old double booking leaves the
    later event out of the table rather than failing the upgrade."""
    engine = models.get_engine({"sqlalchemy.url": f"sqlite:///{tmp_path / 'b.sqlite'}"})
    upgrade(engine, "8c4f2a7d1e65", "7c1e5a0d2b41")
    start = dt.datetime(2031, 3, 3, 7, tzinfo=dt.UTC)
    hour, week = dt.timedelta(hours=1), dt.timedelta(days=7)

    def event(id_, at, **fields):
        values = dict(id=id_, title=f"E{id_}", start_at=at, end_at=at + hour, exdates=[],
                      series_end_at=at + hour, organizer_id=1, ical_uid=f"u{id_}",
                      timezone="Europe/Moscow", rrule="", wide=False, series_id=None,
                      recurrence_id=None, status="confirmed")
        values.update(fields)
        return values

    with engine.begin() as conn:
        add_anna(conn)
        conn.execute(sa.text("INSERT INTO rooms (id, name, kind, location, description, active) "
                             "VALUES (1, 'Нева', 'room', '', '', 1)"))
        conn.execute(sa.insert(Event.__table__), [
            event(1, start, rrule="FREQ=WEEKLY;COUNT=4", series_end_at=start + 3 * week + hour,
                  exdates=["20310310T070000Z"], wide=True),
            event(2, start + 2 * week + 3 * hour, series_id=1, recurrence_id=start + 2 * week),
            event(3, start + 5 * week),
            event(4, start + 5 * week + hour / 2),  # booked twice before the guard
            event(5, start + 6 * week, status="cancelled"),
        ])
        conn.execute(sa.text("INSERT INTO event_rooms (event_id, room_id) VALUES "
                             "(1, 1), (2, 1), (3, 1), (4, 1), (5, 1)"))
    upgrade(engine, "heads")
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT holder, starts_at FROM resource_bookings WHERE resource = 'room:1' "
            "ORDER BY starts_at")).all()
    as_utc = [(h, dt.datetime.fromisoformat(s).replace(tzinfo=dt.UTC)) for h, s in rows]
    assert as_utc == [
        ("event:1", start),
        ("event:2", start + 2 * week + 3 * hour),
        ("event:1", start + 3 * week),
        ("event:3", start + 5 * week),
    ]
    engine.dispose()


def test_invitations_made_before_get_the_copy_of_their_events_window(tmp_path):
    """Each invitation that exists gets its event's start (a short event) or the end of its
    series (a wide one: repeating or long), as the calendar keeps them from then on."""
    engine = models.get_engine({"sqlalchemy.url": f"sqlite:///{tmp_path / 'w.sqlite'}"})
    upgrade(engine, "b7d3e9a41c52", "7c1e5a0d2b41")
    start = dt.datetime(2031, 3, 3, 7, tzinfo=dt.UTC)
    hour, week = dt.timedelta(hours=1), dt.timedelta(days=7)
    with engine.begin() as conn:
        add_anna(conn)
        common = dict(exdates=[], organizer_id=1, timezone="Europe/Moscow", status="confirmed")
        conn.execute(sa.insert(Event.__table__), [
            dict(id=1, title="Серия", start_at=start, end_at=start + hour, rrule="FREQ=WEEKLY;COUNT=4",
                 series_end_at=start + 3 * week + hour, wide=True, ical_uid="u1", **common),
            dict(id=2, title="Одна", start_at=start, end_at=start + hour, rrule="",
                 series_end_at=start + hour, wide=False, ical_uid="u2", **common),
        ])
        conn.execute(sa.text("INSERT INTO event_attendees (event_id, user_id, guest_name, guest_email, "
                             "answer) VALUES (1, 1, '', '', 'accepted'), (2, 1, '', '', 'accepted')"))
    upgrade(engine, "heads")
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT event_id, short_start, wide_until FROM event_attendees ORDER BY event_id")).all()
    as_utc = [tuple(dt.datetime.fromisoformat(v).replace(tzinfo=dt.UTC) if isinstance(v, str) else v
                    for v in row) for row in rows]
    assert as_utc == [(1, None, start + 3 * week + hour), (2, start, None)]
    engine.dispose()
