"""Injected faults and latency: targeted, counted, deterministic under a seed."""

from __future__ import annotations

import time

import pytest
import requests
from pipedrive_sandbox.faults import Faults
from sandbox_helpers import call, create


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


@pytest.mark.parametrize("bad_id", ["abc", None, 1.5, True])
def test_a_data_fault_changes_the_answer_of_a_committed_create(sandbox, bad_id):
    sandbox.configure(faults=[{"path": "/api/v2/persons", "method": "POST", "data": {"id": bad_id}}])
    answer = call(sandbox, "POST", "/api/v2/persons", json={"name": "Ann"})
    assert answer.status_code == 200 and answer.json()["success"] is True
    assert answer.json()["data"]["id"] == bad_id and answer.json()["data"]["name"] == "Ann"
    # The create itself happened, under its real id; the next answer is Pipedrive's again.
    [ann] = sandbox.entities("persons")
    assert isinstance(ann["id"], int) and not isinstance(ann["id"], bool)
    assert call(sandbox, "POST", "/api/v2/persons", json={"name": "Bo"}).json()["data"]["id"] == ann["id"] + 1
    assert sandbox.counters()["faults"] == 1


def test_a_data_fault_must_be_an_object(sandbox):
    with pytest.raises(ValueError, match="fault data must be an object"):
        sandbox.configure(faults=[{"method": "POST", "data": "abc"}])


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


ACCOUNT_NOT_OPEN = (
    "Company account is not open. "
    "Possible reason: trial period has expired or subscription has been cancelled."
)
WRITES = [
    ("POST", "/api/v2/persons", {"name": "A"}),
    ("POST", "/api/v2/organizations", {"name": "O"}),
    ("POST", "/api/v2/deals", {"title": "D"}),
    ("POST", "/api/v1/notes", {"content": "c", "person_id": 1}),
]


def test_every_write_answers_402_account_not_open(sandbox):
    sandbox.configure(faults=[{"method": "POST", "status": 402, "count": -1}])
    for method, path, body in WRITES * 2:
        answer = call(sandbox, method, path, json=body)
        assert answer.status_code == 402, path
        assert answer.headers["Content-Type"] == "application/json"
        assert answer.json() == {
            "success": False,
            "error": ACCOUNT_NOT_OPEN,
            "errorCode": 402,
            "error_info": "Please check developers.pipedrive.com",
        }
    assert call(sandbox, "GET", "/api/v2/persons").status_code == 200  # reads still answer
    assert sandbox.entities("persons") == [] and sandbox.counters()["faults"] == 8
    assert sandbox.sandbox.faults.pending()[0]["count"] == -1  # never used up


def test_feature_capping_403_is_json_with_its_code(sandbox):
    sandbox.configure(
        faults=[
            {"path": "/api/v2/deals", "method": "POST", "status": 403, "code": "feature_capping_deals_limit"}
        ]
    )
    answer = call(sandbox, "POST", "/api/v2/deals", json={"title": "D"})
    assert answer.status_code == 403 and answer.headers["Content-Type"] == "application/json"
    body = answer.json()
    assert body["success"] is False and body["code"] == "feature_capping_deals_limit"
    assert body["error"] and body["data"] is None
    assert call(sandbox, "POST", "/api/v2/deals", json={"title": "D"}).status_code == 200  # count 1


def test_a_faults_error_text_can_be_given(sandbox):
    sandbox.configure(faults=[{"status": 403, "code": "feature_capping_x", "error": "Limit reached"}])
    assert call(sandbox, "GET", "/api/v1/users/me").json()["error"] == "Limit reached"


def test_a_401_fault_answers_as_the_gateway_does_for_a_bad_token(sandbox):
    wrong = call(sandbox, "GET", "/api/v1/users/me", token="wrong")
    sandbox.configure(faults=[{"status": 401, "count": -1}])
    injected = call(sandbox, "GET", "/api/v1/users/me")
    assert injected.status_code == 401 and injected.json() == wrong.json()
    assert injected.headers["x-401-by-gw"] == "true" and injected.headers["x-correlation-id"]
