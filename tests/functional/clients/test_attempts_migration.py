"""The migration that turned the call counters into attempt rows keeps every counted attempt."""
from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

import models

HERE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__)))))


def test_counted_attempts_become_rows(tmp_path):
    engine = models.get_engine({"sqlalchemy.url": f"sqlite:///{tmp_path / 'm.sqlite'}"})
    cfg = Config(os.path.join(HERE, "development.ini"))

    def upgrade(target: str) -> None:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, target)

    upgrade("efb7d6aa720b")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO interactions (id, kind, direction, planned_at, done_at, subject, text, "
            "no_answer, could_not_talk, talked, result_text, color, created_at, updated_at, "
            "version) VALUES (1, 'call', 'out', '2026-03-02 09:00:00.000000', "
            "'2026-03-02 10:00:00.000000', 'Звонок', '', 2, 1, 1, '', '', "
            "'2026-03-01 09:00:00.000000', '2026-03-02 10:00:00.000000', 1), "
            "(2, 'call', 'out', '2026-03-03 09:00:00.000000', NULL, '', '', 0, 0, 0, '', '', "
            "'2026-03-01 09:00:00.000000', '2026-03-01 09:00:00.000000', 1)")
    upgrade("1913b4c36b10")
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT interaction_id, outcome, count(*) FROM interaction_attempts "
            "GROUP BY interaction_id, outcome ORDER BY outcome")).all()
        columns = {c["name"] for c in sa.inspect(conn).get_columns("interactions")}
    engine.dispose()
    assert rows == [(1, "could_not_talk", 1), (1, "no_answer", 2), (1, "talked", 1)]
    assert not columns & {"no_answer", "could_not_talk", "talked"}
