"""How long the client waits: full-jitter backoff, Retry-After / x-ratelimit-reset, caps."""

from __future__ import annotations

import time
from email.utils import formatdate

import pytest

from target_pipedrive.pipedrive import retry


def test_backoff_is_full_jitter_doubling_up_to_the_cap():
    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (5, 16.0), (9, 30.0)]:
        waits = [retry.backoff(attempt) for _ in range(200)]
        assert all(0 <= w <= ceiling for w in waits)
        assert max(waits) > ceiling / 2  # really spread over the range, not a constant


@pytest.mark.parametrize(
    ("headers", "low", "high"),
    [
        ({"Retry-After": "3"}, 3.0, 3.0),
        ({"Retry-After": "1", "x-ratelimit-reset": "5"}, 5.0, 5.0),
        ({"Retry-After": "3939"}, 30.0, 30.0),  # capped
        ({}, 2.0, 2.0),  # a 2-s window: never less than 2 s
        ({"Retry-After": "soon"}, 2.0, 2.0),  # garbled hints are ignored
    ],
)
def test_wait_after_429(headers, low, high, monkeypatch):
    monkeypatch.setattr(retry, "backoff", lambda attempt: 0.5)
    assert low <= retry.wait_after_429(headers, 1) <= high


def test_retry_after_as_an_http_date():
    in_ten = formatdate(time.time() + 10, usegmt=True)
    assert 8 <= retry.seconds_header({"Retry-After": in_ten}, "Retry-After") <= 10


def test_wait_after_failure_honours_a_longer_retry_after(monkeypatch):
    monkeypatch.setattr(retry, "backoff", lambda attempt: 0.5)
    assert retry.wait_after_failure({"Retry-After": "7"}, 1) == 7.0
    assert retry.wait_after_failure(None, 1) == 0.5
    assert retry.wait_after_failure({"Retry-After": "600"}, 1) == 30.0
