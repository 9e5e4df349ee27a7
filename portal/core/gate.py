"""Requests take turns: a process computes `portal.requests_at_once` of them at a time.

Threads of one Python process share one interpreter lock. Served by eight threads at once, the
load of `make load` cost each request half as much CPU again as served one by one (the threads
take the lock from one another at every database call, and each finds the processor's caches
filled by the others), so the same process answered 75 requests a second instead of 112. The
server's threads still read and write the connections; only the computing takes turns.

A request that has computed longer than `portal.slow_request_seconds` (default 0.25) gives its
turn up and goes on beside the next one, so that a long export or a report never holds the
others up for more than that.

Only when the ini file says so (development.ini and production.ini do); without the setting
every request goes straight in (tests that race requests against each other need that).
"""
from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable

from pyramid.tweens import INGRESS


class Gate:
    """At most `width` turns at a time; a turn older than `patience` seconds stops counting."""

    def __init__(self, width: int, patience: float, clock: Callable[[], float] = time.monotonic):
        if width < 1:
            raise ValueError("width must be at least 1")
        self.width = width
        self.patience = patience
        self._clock = clock
        self._changed = threading.Condition()
        self._started: dict[int, float] = {}  # ticket -> when its turn began
        self._tickets = itertools.count()

    def _holding(self, now: float) -> tuple[int, float | None]:
        """(turns still held, seconds until the first of them runs out)."""
        held, first_out = 0, None
        for started in self._started.values():
            left = started + self.patience - now
            if left > 0:
                held += 1
                first_out = left if first_out is None else min(first_out, left)
        return held, first_out

    def enter(self) -> int:
        """Wait for a turn; returns the ticket to `leave` with."""
        with self._changed:
            while True:
                now = self._clock()
                held, first_out = self._holding(now)
                if held < self.width:
                    ticket = next(self._tickets)
                    self._started[ticket] = now
                    return ticket
                self._changed.wait(first_out)

    def leave(self, ticket: int) -> None:
        with self._changed:
            del self._started[ticket]
            self._changed.notify()

    @property
    def inside(self) -> int:
        """Requests computing now (those past their turn included)."""
        with self._changed:
            return len(self._started)


def gate_tween_factory(handler, registry):
    gate = registry["portal.gate"]

    def gate_tween(request):
        ticket = gate.enter()
        try:
            return handler(request)
        finally:
            gate.leave(ticket)

    return gate_tween


def includeme(config) -> None:
    settings = config.get_settings()
    width = settings.get("portal.requests_at_once")
    if not width or not str(width).strip():
        return
    config.registry["portal.gate"] = Gate(
        int(width), float(settings.get("portal.slow_request_seconds") or 0.25))
    # Outermost: the whole of a request's computing (compression included) takes its turn.
    config.add_tween("portal.core.gate.gate_tween_factory", under=INGRESS,
                     over="portal.core.assets.compression_tween_factory")
