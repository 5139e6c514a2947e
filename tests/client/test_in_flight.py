"""Records in flight sized from the learned burst limit and the measured latency (pacing.py), within
the max_in_flight ceiling, and the dispatcher that keeps to it (run/dispatch.py)."""

from __future__ import annotations

import threading
import time

import pytest

from target_pipedrive.pipedrive.pacing import (
    FIRST_IN_FLIGHT,
    WINDOW_SECONDS,
    Pacer,
    records_in_flight,
    with_margin,
)
from target_pipedrive.run.dispatch import Dispatcher

from .helpers import FakeTime

# Burst limits per 2 s of an API token (pipedrive-api.md §5.2).
PLANS = {"lite": 20, "growth": 40, "premium": 100, "ultimate": 120}


def paced_rate(burst: int) -> float:
    return with_margin(burst) / WINDOW_SECONDS


AT_200_MS = [("lite", 4), ("growth", 6), ("premium", 10), ("ultimate", 12)]


@pytest.mark.parametrize(("plan", "expected"), AT_200_MS)
def test_each_plan_at_200_ms_gets_rate_times_latency_plus_a_margin(plan, expected):
    assert records_in_flight(paced_rate(PLANS[plan]), 0.2, 32) == expected


@pytest.mark.parametrize("plan", PLANS)
@pytest.mark.parametrize("latency", [0.05, 0.1, 0.2, 0.35, 0.6])
def test_enough_in_flight_for_the_paced_rate_within_the_default_ceiling(plan, latency):
    rate = paced_rate(PLANS[plan])
    in_flight = records_in_flight(rate, latency, 32)
    # One request per record under way at a time: n records in flight carry n / latency requests/s.
    assert in_flight / latency >= rate


def test_the_ceiling_and_the_floor_hold():
    assert records_in_flight(48.0, 5.0, 16) == 16
    assert records_in_flight(48.0, 0.2, 1) == 1
    assert records_in_flight(0.0, 0.0, 16) == 2


def test_the_pacer_learns_the_latency_and_the_limit_from_answers():
    fake = FakeTime()
    pacer = Pacer(clock=fake.clock, sleep=fake.sleep)
    assert pacer.in_flight(16) == FIRST_IN_FLIGHT  # nothing measured yet
    for _ in range(20):
        pacer.wait_turn()
        fake.now += 0.2  # the answer takes 200 ms of the pacer's clock
        pacer.observe({"x-ratelimit-limit": "120", "x-ratelimit-remaining": "100"})
    assert pacer.in_flight(16) == 12
    assert pacer.in_flight(8) == 8
    for _ in range(60):  # faster answers: fewer records are needed in flight
        pacer.wait_turn()
        fake.now += 0.05
        pacer.observe({"x-ratelimit-limit": "120", "x-ratelimit-remaining": "100"})
    assert pacer.in_flight(16) < 12


def test_the_dispatcher_keeps_to_its_limit_and_follows_it_when_it_grows():
    limit = [2]
    dispatcher = Dispatcher(8, lambda: limit[0])
    running, most, lock = [0], [0], threading.Lock()

    def work() -> None:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1

    for n in range(12):
        dispatcher.submit([f"k{n}"], work)
    dispatcher.drain()
    assert most[0] == 2
    limit[0], most[0] = 6, 0
    for n in range(24):
        dispatcher.submit([f"k{n}"], work)
    dispatcher.drain()
    dispatcher.close()
    assert 2 < most[0] <= 6
