"""The calendar's data migrations: events planned before the search index knew them are indexed."""
from __future__ import annotations

import datetime as dt
import os

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

import models
from models.calendar import Event
from models.people import User

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


def test_events_that_exist_are_indexed_for_the_search(tmp_path):
    engine = models.get_engine({"sqlalchemy.url": f"sqlite:///{tmp_path / 'm.sqlite'}"})
    # The calendar and the search index (clients branch) as they were before events were indexed.
    upgrade(engine, "a15a07cf35ee", "7c1e5a0d2b41")
    start = dt.datetime(2031, 3, 3, 7, tzinfo=dt.UTC)
    with engine.begin() as conn:
        conn.execute(sa.insert(User.__table__).values(
            id=1, login="anna", full_name="Анна", password_hash="x", search_text="анна"))
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
