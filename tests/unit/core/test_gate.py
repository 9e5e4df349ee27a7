"""Requests take turns (portal/core/gate.py): one computes at a time, a slow one lets the next in."""
from __future__ import annotations

import threading
import time

import pytest

from portal.core.gate import Gate


def enter_in_thread(gate: Gate) -> tuple[threading.Thread, threading.Event, list]:
    """Starts a thread that waits for a turn; returns it, an event set once it is in, its ticket."""
    inside, ticket = threading.Event(), []

    def run():
        ticket.append(gate.enter())
        inside.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, inside, ticket


def test_one_at_a_time_the_next_goes_in_when_the_first_leaves():
    gate = Gate(1, patience=30)
    first = gate.enter()
    thread, inside, ticket = enter_in_thread(gate)
    assert not inside.wait(0.3), "a second request computed beside the first"
    assert gate.inside == 1
    gate.leave(first)
    assert inside.wait(5)
    assert gate.inside == 1
    gate.leave(ticket[0])
    thread.join(5)
    assert gate.inside == 0


def test_a_slow_request_gives_its_turn_up_after_the_patience():
    gate = Gate(1, patience=0.2)
    started = time.monotonic()
    slow = gate.enter()
    thread, inside, ticket = enter_in_thread(gate)
    assert inside.wait(5)
    waited = time.monotonic() - started
    assert 0.15 <= waited < 2, waited
    assert gate.inside == 2  # the slow one goes on beside the next
    # The next one now holds the turn: a third waits for it, not for the slow one.
    third, third_in, third_ticket = enter_in_thread(gate)
    assert not third_in.wait(0.1)
    gate.leave(slow)
    assert not third_in.wait(0.05)
    gate.leave(ticket[0])
    assert third_in.wait(5)
    gate.leave(third_ticket[0])
    for t in (thread, third):
        t.join(5)
    assert gate.inside == 0


def test_width_two_lets_two_in():
    gate = Gate(2, patience=30)
    a, b = gate.enter(), gate.enter()
    thread, inside, ticket = enter_in_thread(gate)
    assert not inside.wait(0.2)
    gate.leave(a)
    assert inside.wait(5)
    gate.leave(b)
    gate.leave(ticket[0])
    thread.join(5)


def test_many_threads_never_compute_together():
    gate = Gate(1, patience=30)
    together, most = [0], [0]
    lock = threading.Lock()

    def request():
        for _ in range(20):
            ticket = gate.enter()
            with lock:
                together[0] += 1
                most[0] = max(most[0], together[0])
            time.sleep(0.001)
            with lock:
                together[0] -= 1
            gate.leave(ticket)

    threads = [threading.Thread(target=request) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert most[0] == 1
    assert gate.inside == 0


def test_a_gate_needs_a_width():
    with pytest.raises(ValueError):
        Gate(0, patience=1)
