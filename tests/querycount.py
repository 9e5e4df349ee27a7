"""Counting what a request asks of the database (issue 11): every statement sent, and among them
the ones an attribute access sent by itself (lazy loads), which is how N+1 creeps in."""
from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

# What is not a question asked by the page: transaction bookkeeping.
LIMIT = int(os.environ.get("PORTAL_SQL_WIDTH", "160"))
BOOKKEEPING = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "COMMIT", "ROLLBACK")


@dataclass
class Counts:
    statements: list[str] = field(default_factory=list)
    lazy: list[str] = field(default_factory=list)
    # Each statement as sent, with its parameters (to ask the database for its plan).
    sent: list[tuple[str, object]] = field(default_factory=list)

    @property
    def queries(self) -> int:
        return len(self.statements)

    def __str__(self) -> str:
        lines = [f"{self.queries} statements, {len(self.lazy)} lazy loads"]
        lines += [f"  lazy: {what}" for what in self.lazy]
        lines += [f"  {i + 1:2}. {sql[:LIMIT]}" for i, sql in enumerate(self.statements)]
        return "\n".join(lines)


@contextlib.contextmanager
def counting(engine: sa.engine.Engine):
    """Counts statements on `engine` and lazy loads in any session while the block runs."""
    counts = Counts()

    def on_execute(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(BOOKKEEPING):
            counts.statements.append(" ".join(statement.split()))
            counts.sent.append((statement, parameters))

    def on_orm_execute(state):
        if not state.is_select:
            return
        if state.lazy_loaded_from is not None:
            attr = state.loader_strategy_path.natural_path if state.loader_strategy_path else "?"
            counts.lazy.append(f"{state.lazy_loaded_from.class_.__name__} {attr}")
        elif state.is_column_load:
            counts.lazy.append(f"column refresh {state.statement.get_final_froms()[0]}")

    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(Session, "do_orm_execute", on_orm_execute)
    try:
        yield counts
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(Session, "do_orm_execute", on_orm_execute)
