"""What a run asked of Pipedrive: calls, tokens, retries and 429s, in total and per operation."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from .costs import token_cost
from .errors import BudgetShareSpent


def operation(method: str, path: str) -> str:
    """'PATCH /api/v2/persons/5' → 'PATCH /api/v2/persons/{id}' (lead ids are UUIDs)."""
    parts = ["{id}" if part.isdigit() or len(part) >= 32 else part for part in path.split("/")]
    return f"{method} {'/'.join(parts)}"


class ClientStats:
    """Thread-safe counters. `tokens` estimates the daily-budget cost of the calls sent (costs.token_cost).

    A request counts as a call once it was sent (not when the connection could not even be opened).
    Answers the gateway refuses before the service sees them (401, 429, the 403 block page) cost no
    tokens. The authoritative figure is `daily_tokens_left`, from the latest
    x-daily-ratelimit-token-remaining header.
    """

    def __init__(self, max_budget_share: float = 1.0) -> None:
        # The share of the company's daily budget the run may spend (1: no cap but Pipedrive's own).
        self.max_budget_share = max_budget_share
        self.calls = 0
        self.tokens = 0
        self.retries = 0
        self.throttled_429 = 0
        self.daily_tokens_left: int | None = None
        # The company's daily budget (x-daily-ratelimit-token-limit), when Pipedrive says it.
        self.daily_token_limit: int | None = None
        self.by_operation: dict[str, dict[str, int]] = {}
        self._lock = threading.Lock()
        self._thread = threading.local()

    def sent(self, method: str, path: str, *, charged: bool, headers: Mapping[str, str] | None) -> None:
        cost = token_cost(method, path) if charged else 0
        left = (headers or {}).get("x-daily-ratelimit-token-remaining", "")
        self._thread.calls = getattr(self._thread, "calls", 0) + 1
        self._thread.tokens = getattr(self._thread, "tokens", 0) + cost
        with self._lock:
            self.calls += 1
            self.tokens += cost
            op = self.by_operation.setdefault(operation(method, path), {"calls": 0, "tokens": 0})
            op["calls"] += 1
            op["tokens"] += cost
            if left.strip().isdigit():
                self.daily_tokens_left = int(left)
            limit = (headers or {}).get("x-daily-ratelimit-token-limit", "").strip()
            if limit.isdigit() and int(limit) > 0:
                self.daily_token_limit = int(limit)

    def within_share(self, method: str, path: str) -> None:
        """BudgetShareSpent before a request that would take the run past its share of the daily
        budget (once Pipedrive has said the budget): every thread's next request raises it too."""
        with self._lock:
            limit, spent = self.daily_token_limit, self.tokens
        share = self.max_budget_share
        if share < 1 and limit is not None and spent + token_cost(method, path) > share * limit:
            raise BudgetShareSpent(spent, limit, share)

    def thread_totals(self) -> tuple[int, int]:
        """(calls, tokens) this thread sent so far: what one record cost, with others in flight."""
        return getattr(self._thread, "calls", 0), getattr(self._thread, "tokens", 0)

    def retried(self) -> None:
        with self._lock:
            self.retries += 1

    def throttled(self) -> None:
        with self._lock:
            self.throttled_429 += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "calls": self.calls,
                "tokens": self.tokens,
                "retries": self.retries,
                "throttled_429": self.throttled_429,
                "daily_tokens_left": self.daily_tokens_left,
                "by_operation": {key: dict(value) for key, value in sorted(self.by_operation.items())},
            }

    def __repr__(self) -> str:
        return f"ClientStats({self.snapshot()!r})"
