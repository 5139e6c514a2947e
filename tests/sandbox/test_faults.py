"""Injected faults and latency: targeted, counted, deterministic under a seed."""

from __future__ import annotations

import time

import pytest
import requests

from target_pipedrive.sandbox.faults import Faults

from .helpers import call, create


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_error_once_then_normal(sandbox, status):
    sandbox.configure(faults=[{"path": "/api/v2/persons", "method": "POST", "status": status}])
    failed = call(sandbox, "POST", "/api/v2/persons", json={"name": "A"})
    assert failed.status_code == status and failed.json()["success"] is False
    assert call(sandbox, "POST", "/api/v2/persons", json={"name": "A"}).status_code == 200
    assert len(sandbox.entities("persons")) == 1 and sandbox.counters()["faults"] == 1


def test_injected_429_has_retry_after(sandbox):
    sandbox.configure(faults=[{"path": "*", "status": 429, "retry_after": 7}])
    answer = call(sandbox, "GET", "/api/v1/users/me")
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "7"
    assert answer.json()["errorCode"] == 429


def test_dropped_before_the_write_leaves_nothing(sandbox):
    sandbox.configure(faults=[{"path": "/api/v2/persons", "method": "POST", "drop": "before"}])
    with pytest.raises(requests.ConnectionError):
        call(sandbox, "POST", "/api/v2/persons", json={"name": "Ghost"})
    assert sandbox.entities("persons") == []


def test_dropped_after_the_write_committed_leaves_the_entity(sandbox):
    sandbox.configure(faults=[{"path": "/api/v2/persons", "method": "POST", "drop": "after"}])
    with pytest.raises(requests.ConnectionError):
        call(sandbox, "POST", "/api/v2/persons", json={"name": "Ghost"})
    assert [p["name"] for p in sandbox.entities("persons")] == ["Ghost"]
    assert sandbox.log()[-1]["status"] == "dropped after 200"


def test_targeting_by_method_path_skip_and_count(sandbox):
    person = create(sandbox, "persons")
    sandbox.configure(
        faults=[{"path": "/api/v2/persons/*", "method": "PATCH", "status": 503, "skip": 1, "count": 2}]
    )
    path = f"/api/v2/persons/{person['id']}"
    assert call(sandbox, "GET", path).status_code == 200  # another method
    codes = [call(sandbox, "PATCH", path, json={"name": "B"}).status_code for _ in range(4)]
    assert codes == [200, 503, 503, 200]


def test_html_block_page(sandbox):
    sandbox.configure(faults=[{"status": 403, "html": True}])
    answer = call(sandbox, "GET", "/api/v1/users/me")
    assert answer.status_code == 403 and answer.headers["Content-Type"] == "text/html"


def test_probabilistic_faults_are_deterministic_under_a_seed():
    def run(seed):
        faults = Faults(seed)
        faults.set([{"status": 500, "count": -1, "probability": 0.3}])
        return [faults.next("GET", "/api/v2/persons") is not None for _ in range(200)]

    assert run(7) == run(7)
    assert run(7) != run(8)
    assert 30 < sum(run(7)) < 90


def test_unknown_fault_keys_are_refused(sandbox):
    with pytest.raises(ValueError, match="unknown fault key"):
        sandbox.configure(faults=[{"status": 500, "paths": "*"}])


def test_latency(sandbox):
    sandbox.configure(latency=0.2)
    started = time.monotonic()
    call(sandbox, "GET", "/api/v1/users/me")
    assert time.monotonic() - started >= 0.2
    sandbox.configure(latency=0, faults=[{"path": "/api/v1/users/me", "latency": 0.2}])
    started = time.monotonic()
    assert call(sandbox, "GET", "/api/v1/users/me").status_code == 200
    assert time.monotonic() - started >= 0.2


def test_latency_runs_on_the_sandbox_clock(sandbox_factory):
    # 2 sandbox seconds at speed 20 are 0.1 real seconds, for the API latency and a fault's alike.
    sandbox = sandbox_factory(speed=20, latency=2.0)
    started = time.monotonic()
    call(sandbox, "GET", "/api/v1/users/me")
    assert 0.1 <= time.monotonic() - started < 1.0
    sandbox.configure(latency=0, faults=[{"path": "/api/v1/users/me", "latency": 2.0}])
    started = time.monotonic()
    assert call(sandbox, "GET", "/api/v1/users/me").status_code == 200
    assert 0.1 <= time.monotonic() - started < 1.0


def test_a_refused_caller_does_not_use_up_a_fault(sandbox):
    sandbox.configure(faults=[{"status": 500}])
    assert call(sandbox, "GET", "/api/v1/users/me", token="wrong").status_code == 401
    assert call(sandbox, "GET", "/api/v1/users/me").status_code == 500
