"""Client behaviours the sandbox does not model, against a scripted stub server on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import threading

import pytest

from target_pipedrive.pipedrive.client import PipedriveClient
from target_pipedrive.pipedrive.errors import (
    AccountRefused,
    DailyBudgetExhausted,
    PipedriveRequestError,
    PipedriveUnavailable,
    WriteOutcomeUnknown,
)

from .helpers import TOKEN, FakeTime, Reply, StubServer, fake_client, ok


def test_the_token_is_a_header_and_never_in_the_url(stub):
    c, _ = fake_client(stub.url)
    c.get("/api/v2/persons/search", {"term": "Ada", "exact_match": True})
    c.post("/api/v2/persons", {"name": "Ada"})
    get, post = stub.seen
    assert get.headers["x-api-token"] == TOKEN and post.headers["x-api-token"] == TOKEN
    assert all(TOKEN not in seen.target for seen in stub.seen)
    assert get.target == "/api/v2/persons/search?term=Ada&exact_match=true"  # booleans as Pipedrive wants
    assert post.headers["Content-Type"] == "application/json" and json.loads(post.body) == {"name": "Ada"}
    assert post.headers["User-Agent"].startswith("target-pipedrive")


def test_a_token_pasted_with_a_newline_is_trimmed(stub):
    c, _ = fake_client(stub.url, f" {TOKEN}\n")
    c.get("/api/v1/users/me")
    assert stub.seen[0].headers["x-api-token"] == TOKEN


@pytest.mark.parametrize("token", ["", "  ", "abc def", "abc\x00def"])
def test_a_malformed_token_is_refused_without_echoing_it(token):
    with pytest.raises(ValueError, match="api_token") as caught:
        PipedriveClient("http://127.0.0.1:9", token)
    assert token.strip() == "" or token not in str(caught.value)


def test_success_false_in_a_200_is_an_error(stub):
    stub.script(Reply(200, {"success": False, "error": "Deal not found", "error_info": "see docs"}))
    c, _ = fake_client(stub.url)
    with pytest.raises(PipedriveRequestError) as caught:
        c.get("/api/v2/deals/1")
    assert caught.value.status == 200 and caught.value.pipedrive_error == "Deal not found; see docs"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"success": False, "error": "Not allowed", "code": "permission_denied"}, "permission_denied"),
        ({"success": False, "errorCode": 404}, "404"),
        ({"unexpected": "shape"}, "no error text"),
        ({"success": False, "error": {"nested": ["odd"]}}, "nested"),
    ],
)
def test_error_text_is_read_defensively(stub, body, expected):
    stub.script(Reply(403 if "code" in body else 404, body))
    c, _ = fake_client(stub.url)
    with pytest.raises(PipedriveRequestError, match=expected):
        c.get("/api/v2/deals/1")
    assert len(stub.seen) == 1


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (402, {"success": False, "error": "Company account is not open"}),
        (403, {"success": False, "error": "Limit reached", "code": "feature_capping_deals_limit"}),
    ],
)
def test_an_account_refusal_stops_the_client(stub, status, body):
    # 402 and feature capping hold for every request of the account: the second call sends nothing.
    stub.script(Reply(status, body))
    c, _ = fake_client(stub.url)
    with pytest.raises(AccountRefused, match=f"HTTP {status}"):
        c.post("/api/v2/deals", {"title": "A"})
    with pytest.raises(AccountRefused):
        c.get("/api/v2/deals/1")
    assert len(stub.seen) == 1


def test_an_error_text_echoing_the_token_is_scrubbed(stub):
    stub.script(Reply(400, {"success": False, "error": f"bad token {TOKEN} here"}))
    c, _ = fake_client(stub.url)
    with pytest.raises(PipedriveRequestError) as caught:
        c.post("/api/v2/persons", {"name": "A"})
    assert TOKEN not in str(caught.value) and "***" in caught.value.pipedrive_error


def test_a_non_json_404_is_a_request_error_without_the_page(stub):
    stub.script(Reply(404, b"<html>Not here</html>", content_type="text/html"))
    c, _ = fake_client(stub.url)
    with pytest.raises(PipedriveRequestError, match="non-JSON answer") as caught:
        c.get("/api/v2/deals/1")
    assert "Not here" not in str(caught.value)


def test_a_post_that_times_out_is_not_retried(stub):
    stub.script(Reply(delay=0.6))
    c, _ = fake_client(stub.url, timeout=0.2)
    with pytest.raises(WriteOutcomeUnknown, match="no answer within the timeout") as caught:
        c.post("/api/v2/persons", {"name": "Slow"})
    assert caught.value.body == {"name": "Slow"}
    assert len(stub.seen) == 1 and c.stats.calls == 1


def test_a_get_that_times_out_is_retried(stub):
    stub.script(Reply(delay=0.6), ok({"id": 7}))
    c, fake = fake_client(stub.url, timeout=0.2)
    assert c.get("/api/v2/persons/7").data == {"id": 7}
    assert len(stub.seen) == 2 and c.stats.retries == 1 and len(fake.sleeps) == 1


def test_a_post_with_an_unreadable_2xx_is_unknown_and_a_get_is_retried(stub):
    stub.script(Reply(200, b"<html>", content_type="text/html"))
    c, _ = fake_client(stub.url)
    with pytest.raises(WriteOutcomeUnknown, match="unreadable"):
        c.post("/api/v2/persons", {"name": "A"})
    stub.script(Reply(200, b"<html>", content_type="text/html"), ok())
    assert c.get("/api/v2/persons/1").data == {"id": 1}


def test_a_post_to_a_closed_port_is_retried_because_it_was_never_sent():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    c, fake = fake_client(f"http://127.0.0.1:{port}", max_retries=2)
    with pytest.raises(PipedriveUnavailable, match="could not connect after 3 attempt"):
        c.post("/api/v2/persons", {"name": "A"})
    assert len(fake.sleeps) == 2 and c.stats.calls == 0


def test_a_redirect_is_not_followed_so_no_other_host_sees_the_token(stub):
    other = StubServer().start()
    try:
        stub.script(Reply(302, b"", headers={"Location": f"{other.url}/api/v2/persons"}))
        c, _ = fake_client(stub.url)
        with pytest.raises(PipedriveUnavailable, match="redirected"):
            c.get("/api/v2/persons")
        assert other.seen == []
    finally:
        other.stop()


def test_5xx_retry_after_is_honoured_for_idempotent_calls(stub):
    stub.script(Reply(503, {"success": False, "error": "down"}, headers={"Retry-After": "7"}), ok())
    c, fake = fake_client(stub.url)
    c.patch("/api/v2/persons/1", {"name": "B"})
    assert fake.sleeps == [7.0]


def test_429_waits_for_the_longest_hint_capped_at_30_s(stub):
    busy = {"success": False, "error": "Request rate limit exceeded", "errorCode": 429}
    stub.script(
        Reply(429, busy, headers={"Retry-After": "1", "x-ratelimit-reset": "4"}),
        Reply(429, busy, headers={"Retry-After": "3939"}),
        ok(),
    )
    c, fake = fake_client(stub.url)
    c.get("/api/v1/users/me")
    assert fake.sleeps == [4.0, 30.0]


def test_daily_budget_from_the_header_alone_stops_all_threads(stub):
    stub.script(
        Reply(
            429,
            {"success": False, "error": "Too many", "errorCode": 429},
            headers={"x-daily-ratelimit-token-remaining": "0", "Retry-After": "3939"},
        )
    )
    c, _ = fake_client(stub.url)
    with pytest.raises(DailyBudgetExhausted, match="about 66 min") as caught:
        c.get("/api/v1/users/me")
    assert caught.value.retry_after == 3939
    failures: list[Exception] = []

    def call() -> None:
        try:
            c.post("/api/v2/persons", {"name": "A"})
        except DailyBudgetExhausted as exc:
            failures.append(exc)

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(failures) == 4 and len(stub.seen) == 1


def test_a_body_that_is_not_json_is_refused_before_sending(stub):
    c, _ = fake_client(stub.url)
    with pytest.raises(PipedriveRequestError, match="not valid JSON") as caught:
        c.post("/api/v2/deals", {"value": float("nan")})
    assert caught.value.status == 0 and stub.seen == []


def test_paginate_v1_reads_flat_keys_and_counts_without_next_start(stub):
    stub.script(
        ok([{"id": 1}, {"id": 2}], {"start": 0, "limit": 2, "more_items_in_collection": True}),
        ok([{"id": 3}], {"pagination": {"start": 2, "more_items_in_collection": False}}),
    )
    c, _ = fake_client(stub.url)
    assert [item["id"] for item in c.paginate_v1("/api/v1/leads", {"limit": 2})] == [1, 2, 3]
    assert [seen.target for seen in stub.seen] == [
        "/api/v1/leads?start=0&limit=2",
        "/api/v1/leads?start=2&limit=2",
    ]


def test_pagination_that_does_not_move_on_is_an_error(stub):
    stub.script(
        ok([{"id": 1}], {"next_cursor": "abc"}),
        ok([{"id": 1}], {"next_cursor": "abc"}),
    )
    c, _ = fake_client(stub.url)
    with pytest.raises(PipedriveUnavailable, match="cursor came back twice"):
        list(c.paginate_v2("/api/v2/persons"))


def test_a_window_nearly_spent_on_the_server_pauses_the_next_request(stub):
    stub.script(
        ok(**{"x-ratelimit-limit": "20", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "2"}), ok()
    )
    c, fake = fake_client(stub.url)
    c.get("/api/v1/users/me")
    assert fake.sleeps == []
    c.get("/api/v1/users/me")
    assert fake.sleeps == [2.0]


def test_response_headers_are_case_insensitive(stub):
    stub.script(ok(**{"X-RateLimit-Limit": "40"}))
    c, _ = fake_client(stub.url)
    assert c.get("/api/v1/users/me").headers["x-ratelimit-limit"] == "40"


def test_the_client_is_a_context_manager(stub):
    fake = FakeTime()
    with PipedriveClient(stub.url, TOKEN, sleep=fake.sleep, clock=fake.clock) as c:
        c.get("/api/v1/users/me")
    assert repr(c) == f"PipedriveClient({stub.url!r})"
