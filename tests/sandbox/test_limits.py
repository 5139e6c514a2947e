"""Rate limits: the 2-s burst window by plan, the search window, the daily token budget, headers."""

from __future__ import annotations

import time

import pytest

from target_pipedrive.sandbox.limits import RateLimits

from .helpers import call

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
