"""The HTTP client against the sandbox: auth, retries, write safety, budget, pacing, paging, secrecy."""

from __future__ import annotations

import logging

import pytest

from target_pipedrive.pipedrive.base_url import resolve_base_url
from target_pipedrive.pipedrive.client import PipedriveClient
from target_pipedrive.pipedrive.errors import (
    DailyBudgetExhausted,
    PipedriveAuthError,
    PipedriveBlocked,
    PipedriveRequestError,
    PipedriveUnavailable,
    WriteOutcomeUnknown,
)
from target_pipedrive.pipedrive.pacing import SlidingWindow


def client(sandbox, waits=None, **kwargs):
    recorded = waits if waits is not None else []
    return PipedriveClient(sandbox.url, sandbox.token, sleep=recorded.append, **kwargs)


def test_token_only_in_header(sandbox):
    response = client(sandbox).post("/api/v2/persons", {"name": "A"})
    assert response.data["name"] == "A"
    [entry] = sandbox.log()
    assert "api_token" not in entry["query"]


def test_retries_5xx_on_get_and_honours_retry_after(sandbox):
    sandbox.configure(
        faults=[
            {"path": "/api/v1/users/me", "status": 429, "retry_after": 3, "count": 1},
            {"path": "/api/v1/users/me", "status": 503, "count": 1},
        ]
    )
    waits: list[float] = []
    c = client(sandbox, waits)
    assert c.get("/api/v1/users/me").data["id"] == 1
    assert waits[0] >= 3
    assert c.stats.retries == 2 and c.stats.throttled_429 == 1


def test_gives_up_after_max_retries(sandbox):
    sandbox.configure(faults=[{"path": "/api/v1/users/me", "status": 502, "count": 10}])
    with pytest.raises(PipedriveUnavailable):
        client(sandbox, max_retries=2).get("/api/v1/users/me")
    assert len(sandbox.log()) == 3


def test_no_retry_on_400(sandbox):
    with pytest.raises(PipedriveRequestError) as caught:
        client(sandbox).post("/api/v2/persons", {"email": "x"})
    assert caught.value.status == 400 and "Invalid field" in caught.value.pipedrive_error
    assert len(sandbox.log()) == 1


def test_post_with_unknown_outcome_is_not_retried(sandbox):
    sandbox.configure(faults=[{"path": "/api/v2/persons", "method": "POST", "drop": "after"}])
    with pytest.raises(WriteOutcomeUnknown):
        client(sandbox).post("/api/v2/persons", {"name": "Once"})
    assert len(sandbox.entities("persons")) == 1
    sandbox.configure(faults=[{"path": "/api/v2/persons", "method": "POST", "status": 502}])
    with pytest.raises(WriteOutcomeUnknown):
        client(sandbox).post("/api/v2/persons", {"name": "Twice"})
    assert len([e for e in sandbox.log() if e["method"] == "POST"]) == 2


def test_post_retried_after_429(sandbox):
    sandbox.configure(faults=[{"path": "/api/v2/persons", "method": "POST", "status": 429, "retry_after": 0}])
    client(sandbox).post("/api/v2/persons", {"name": "A"})
    assert len(sandbox.entities("persons")) == 1


def test_patch_is_retried_after_a_dropped_connection(sandbox):
    created = client(sandbox).post("/api/v2/persons", {"name": "A"}).data
    sandbox.configure(faults=[{"path": f"/api/v2/persons/{created['id']}", "drop": "after"}])
    assert client(sandbox).patch(f"/api/v2/persons/{created['id']}", {"name": "B"}).data["name"] == "B"


def test_success_false_is_an_error(sandbox):
    with pytest.raises(PipedriveRequestError):
        client(sandbox).get("/api/v2/persons/424242")


def test_wrong_token(sandbox):
    with pytest.raises(PipedriveAuthError, match="api_token"):
        PipedriveClient(sandbox.url, "wrong").get("/api/v1/users/me")


def test_html_403_is_reported_as_a_block(sandbox):
    sandbox.configure(faults=[{"path": "*", "status": 403, "html": True}])
    with pytest.raises(PipedriveBlocked, match="blocking"):
        client(sandbox).get("/api/v1/users/me")


def test_daily_budget_stops_every_later_call(sandbox_factory):
    sandbox = sandbox_factory(daily_budget=12)
    c = client(sandbox)
    c.get("/api/v2/persons")
    with pytest.raises(DailyBudgetExhausted, match="midnight"):
        c.get("/api/v2/persons")
    sent = len(sandbox.log())
    with pytest.raises(DailyBudgetExhausted):
        c.get("/api/v1/users/me")
    assert len(sandbox.log()) == sent


def test_pacing_keeps_a_burst_under_the_window(sandbox_factory):
    sandbox = sandbox_factory(plan="lite")
    c = PipedriveClient(sandbox.url, sandbox.token)
    for _ in range(40):
        c.get("/api/v1/users/me")
    assert sandbox.counters()["rejected_429"] == 0


def test_sliding_window_waits_for_the_oldest_request():
    now, waits = [0.0], []
    window = SlidingWindow(
        2, clock=lambda: now[0], sleep=lambda s: (waits.append(s), now.__setitem__(0, now[0] + s))
    )
    for _ in range(3):
        window.acquire()
    assert waits == [2.0]


def test_pagination_and_stats(sandbox):
    c = client(sandbox)
    for n in range(3):
        c.post("/api/v2/persons", {"name": f"P{n}"})
    assert [p["name"] for p in c.paginate_v2("/api/v2/persons", {"limit": 2})] == ["P0", "P1", "P2"]
    assert c.stats.calls == 5
    assert c.stats.tokens == 3 * 5 + 2 * 10
    assert c.stats.by_operation["POST /api/v2/persons"] == {"calls": 3, "tokens": 15}
    assert c.stats.daily_tokens_left == 30_000 - 35


def test_token_never_in_logs_or_errors(sandbox, caplog):
    sandbox.configure(faults=[{"path": "*", "status": 500, "count": 2}])
    with caplog.at_level(logging.DEBUG):
        c = client(sandbox, max_retries=1)
        with pytest.raises(PipedriveUnavailable) as caught:
            c.get("/api/v1/users/me")
    assert sandbox.token not in caplog.text
    assert sandbox.token not in str(caught.value) and sandbox.token not in repr(c)


@pytest.mark.parametrize(
    ("domain", "api_url", "expected"),
    [
        ("acme", None, "https://acme.pipedrive.com"),
        ("acme.pipedrive.com", None, "https://acme.pipedrive.com"),
        ("https://Acme.pipedrive.com/", None, "https://acme.pipedrive.com"),
        (None, "http://127.0.0.1:8765/", "http://127.0.0.1:8765"),
        ("acme", "https://proxy.example.com", "https://proxy.example.com"),
    ],
)
def test_base_url(domain, api_url, expected):
    assert resolve_base_url(domain, api_url) == expected


@pytest.mark.parametrize(
    ("domain", "api_url"),
    [
        ("evil.com/x", None),
        ("acme.evil.com", None),
        (None, None),
        (None, "http://10.0.0.5"),
        (None, "ftp://x"),
    ],
)
def test_bad_base_url(domain, api_url):
    with pytest.raises(ValueError, match=r"domain|api_url"):
        resolve_base_url(domain, api_url)


def test_post_to_a_closed_port_is_retried_because_it_was_never_sent():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    c = PipedriveClient(f"http://127.0.0.1:{port}", "t", max_retries=1, sleep=lambda s: None)
    with pytest.raises(PipedriveUnavailable):
        c.post("/api/v2/persons", {"name": "A"})
