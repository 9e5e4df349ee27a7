"""Background work run by `portal tick` (a systemd timer) or by `make serve`'s thread.

Each job is a function (request) -> int (how much it did), run in its own transaction.
Jobs must be idempotent and safe when several tick processes run at once: claim rows with
`claim()` (PostgreSQL `FOR UPDATE SKIP LOCKED`) before working on them.
"""
from __future__ import annotations

import datetime as dt
import logging
import time

import sqlalchemy as sa
from pyramid.scripting import prepare

from models.meta import utcnow
from models.people import LoginAttempt
from models.registry import Registry, registers

log = logging.getLogger(__name__)
JOBS: Registry = Registry("ticker jobs")


def job(name: str, order: int = 0):
    """Decorator: a job of `portal tick`, registered when its area's includeme scans it. Jobs run
    by `order`, then in the order they were defined."""
    return registers(JOBS, name, order)


def claim(dbsession, stmt):
    """Lock the selected rows for this process, skipping rows another tick holds."""
    if dbsession.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return dbsession.scalars(stmt).all()


@job("login_attempts_purged")
def purge_login_attempts(request) -> int:
    """Log-in attempts older than 30 days are no longer needed by the throttle."""
    result = request.dbsession.execute(
        sa.delete(LoginAttempt).where(LoginAttempt.at < utcnow() - dt.timedelta(days=30))
    )
    return result.rowcount or 0


def tick(registry) -> dict[str, int]:
    report = {}
    for name, func in JOBS.items():
        env = prepare(registry=registry)
        request = env["request"]
        try:
            with request.tm:
                report[name] = func(request)
        except Exception:
            log.exception("tick job %s failed", name)
        finally:
            env["closer"]()
    return report


def run_loop(registry, interval: int = 60) -> None:
    while True:
        try:
            tick(registry)
        except Exception:
            log.exception("tick failed")
        time.sleep(interval)
