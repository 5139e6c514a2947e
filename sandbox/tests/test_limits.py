"""Rate limits: the 2-s burst window by plan, the search window, the daily token budget, headers."""

from __future__ import annotations

import time

import pytest
from pipedrive_sandbox.limits import RateLimits
from sandbox_helpers import call

HEADERS = (
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "x-daily-ratelimit-token-limit",
    "x-daily-ratelimit-token-remaining",
)


def test_headers_on_every_answer(sandbox):
    answers = [
        call(sandbox, "GET", "/api/v1/users/me"),
        call(sandbox, "GET", "/api/v2/persons/999"),
        call(sandbox, "POST", "/api/v2/persons", json={}),
        call(sandbox, "GET", "/api/v2/persons/search", params={"term": "ab"}),
        call(sandbox, "GET", "/api/v1/users/me", token="wrong"),
    ]
    assert [a.status_code for a in answers] == [200, 404, 400, 200, 401]
    for answer in answers[:4]:
        assert all(name in answer.headers for name in HEADERS), answer.headers
    assert answers[0].headers["x-ratelimit-limit"] == "20"
    assert answers[0].headers["x-daily-ratelimit-token-limit"] == "30000"
    assert int(answers[1].headers["x-ratelimit-remaining"]) == 18


@pytest.mark.parametrize(("plan", "burst"), [("lite", 20), ("growth", 40)])
def test_burst_window_by_plan(sandbox_factory, plan, burst):
    sandbox = sandbox_factory(plan=plan)
    answers = [call(sandbox, "GET", "/api/v1/users/me") for _ in range(burst + 1)]
    assert [a.status_code for a in answers] == [200] * burst + [429]
    refused = answers[-1]
    assert refused.json() == {"success": False, "error": "Request rate limit exceeded", "errorCode": 429}
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert 1 <= int(refused.headers["Retry-After"]) <= 2


def test_the_window_rolls(sandbox_factory):
    sandbox = sandbox_factory(plan="lite", speed=20)  # 2 s of sandbox time pass in 0.1 s
    assert all(call(sandbox, "GET", "/api/v1/users/me").ok for _ in range(20))
    time.sleep(0.15)
    assert call(sandbox, "GET", "/api/v1/users/me").ok


def test_search_has_its_own_window(sandbox_factory):
    sandbox = sandbox_factory(plan="ultimate")
    params = {"term": "nobody"}
    codes = [call(sandbox, "GET", "/api/v2/persons/search", params=params).status_code for _ in range(11)]
    assert codes == [200] * 10 + [429]
    assert call(sandbox, "GET", "/api/v2/persons").status_code == 200  # other endpoints still answer


def test_daily_budget_is_charged_at_token_cost(sandbox_factory):
    sandbox = sandbox_factory(daily_budget=25)
    first = call(sandbox, "GET", "/api/v2/persons")
    assert first.headers["x-daily-ratelimit-token-remaining"] == "15"
    assert call(sandbox, "GET", "/api/v2/persons").status_code == 200
    assert call(sandbox, "GET", "/api/v2/persons/1").headers["x-daily-ratelimit-token-remaining"] == "4"
    refused = call(sandbox, "GET", "/api/v2/persons")
    assert refused.status_code == 429
    assert refused.json() == {"success": False, "error": "daily request budget exceeded", "errorCode": 429}
    assert refused.headers["x-daily-ratelimit-token-remaining"] == "4"
    assert int(refused.headers["Retry-After"]) > 3600  # until midnight on the sandbox clock


def test_budget_formula_by_plan_and_seats(sandbox_factory):
    sandbox = sandbox_factory(plan="premium", seats=3)
    assert call(sandbox, "GET", "/api/v1/users/me").headers["x-daily-ratelimit-token-limit"] == "450000"


def test_daily_budget_resets_at_sandbox_midnight():
    now = [0.0]
    limits = RateLimits(lambda: now[0], daily_budget=10)
    assert limits.admit(search=False, cost=10)[0] is None
    assert limits.admit(search=False, cost=1)[0] == "daily"
    now[0] = 86_400.0
    refused, headers = limits.admit(search=False, cost=1)
    assert refused is None and headers["x-daily-ratelimit-token-remaining"] == "9"


def test_plan_and_budget_change_at_run_time(sandbox):
    sandbox.configure(plan="ultimate", daily_budget=100)
    headers = call(sandbox, "GET", "/api/v1/users/me").headers
    assert headers["x-ratelimit-limit"] == "120" and headers["x-daily-ratelimit-token-limit"] == "100"


def test_rate_limits_can_be_switched_off_for_benchmarks(sandbox_factory):
    sandbox = sandbox_factory(rate_limits=False, daily_budget=5)
    answers = [call(sandbox, "GET", "/api/v2/persons") for _ in range(25)]
    assert {a.status_code for a in answers} == {200}
    assert answers[-1].headers["x-daily-ratelimit-token-remaining"] == "0"  # still counted


SEARCHES = [
    ("/api/v2/persons/search", {"term": "nobody"}),
    ("/api/v2/deals/search", {"term": "nothing"}),
    ("/api/v2/itemSearch", {"term": "nobody"}),
    ("/api/v2/itemSearch/field", {"term": "x", "entity_type": "person", "field": "name"}),
]


@pytest.mark.parametrize(("path", "params"), SEARCHES)
def test_search_answers_carry_the_search_windows_headers(sandbox, path, params):
    first = call(sandbox, "GET", path, params=params)
    assert first.status_code == 200, first.text
    assert first.headers["x-ratelimit-limit"] == "10" and first.headers["x-ratelimit-remaining"] == "9"
    assert 1 <= int(first.headers["x-ratelimit-reset"]) <= 2
    other = call(sandbox, "GET", "/api/v2/persons")
    assert other.headers["x-ratelimit-limit"] == "20" and other.headers["x-ratelimit-remaining"] == "18"


def test_a_search_429_puts_the_search_window_under_a_10_s_penalty(sandbox):
    answers = [call(sandbox, "GET", SEARCHES[0][0], params=SEARCHES[0][1]) for _ in range(11)]
    assert [a.status_code for a in answers] == [200] * 10 + [429]
    assert [a.headers["x-ratelimit-remaining"] for a in answers[:10]] == [str(9 - n) for n in range(10)]
    refused = answers[-1]
    assert refused.json() == {"success": False, "error": "Request rate limit exceeded", "errorCode": 429}
    assert refused.headers["x-ratelimit-limit"] == "10" and refused.headers["x-ratelimit-remaining"] == "0"
    assert refused.headers["x-ratelimit-reset"] == refused.headers["Retry-After"] == "10"
    # The general window still answers, with its own headers
    other = call(sandbox, "GET", "/api/v1/users/me")
    assert other.status_code == 200 and other.headers["x-ratelimit-limit"] == "20"
    assert int(other.headers["x-ratelimit-reset"]) <= 2


def test_the_search_penalty_outlasts_the_window_then_ends():
    now = [0.0]
    limits = RateLimits(lambda: now[0], plan="ultimate")
    for _ in range(10):
        assert limits.admit(search=True, cost=20)[0] is None
    refused, headers = limits.admit(search=True, cost=20)
    assert refused == "search" and headers["x-ratelimit-reset"] == "10" and headers["Retry-After"] == "10"
    now[0] = 3.0  # the 2-s window has rolled, the penalty has not
    refused, headers = limits.admit(search=True, cost=20)
    assert (
        refused == "search"
        and headers["x-ratelimit-reset"] == "7"
        and headers["x-ratelimit-remaining"] == "0"
    )
    allowed, headers = limits.admit(search=False, cost=10)
    assert allowed is None and headers["x-ratelimit-limit"] == "120"
    now[0] = 10.0
    allowed, headers = limits.admit(search=True, cost=20)
    assert (
        allowed is None and headers["x-ratelimit-limit"] == "10" and headers["x-ratelimit-remaining"] == "9"
    )


def test_the_search_penalty_is_in_sandbox_seconds():
    now = [0.0]
    limits = RateLimits(lambda: now[0], speed=5)
    for _ in range(10):
        limits.admit(search=True, cost=0)
    refused, headers = limits.admit(search=True, cost=0)
    assert refused == "search" and headers["Retry-After"] == "2"  # 10 sandbox s at 5x: 2 real s
