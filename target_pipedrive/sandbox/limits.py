"""Pipedrive's rate limits: a rolling 2-s burst window per plan, a search window, a daily token budget."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

BURST = {"lite": 20, "growth": 40, "premium": 100, "ultimate": 120}
MULTIPLIER = {"lite": 1, "growth": 2, "premium": 5, "ultimate": 7}
SEARCH_BURST = 10
WINDOW = 2.0


class RateLimits:
    def __init__(
        self, clock: Callable[[], float], plan: str = "lite", seats: int = 1, daily_budget: int | None = None
    ) -> None:
        self.clock = clock
        self.configure(plan=plan, seats=seats, daily_budget=daily_budget)

    def configure(self, *, plan: str = "lite", seats: int = 1, daily_budget: int | None = None) -> None:
        self.plan = plan
        self.limit = BURST[plan]
        self.daily_limit = daily_budget if daily_budget is not None else 30_000 * MULTIPLIER[plan] * seats
        self.daily_left = self.daily_limit
        self._all: deque[float] = deque()
        self._search: deque[float] = deque()
        self._lock = threading.Lock()

    @staticmethod
    def _trim(window: deque[float], now: float) -> None:
        while window and now - window[0] >= WINDOW:
            window.popleft()

    def admit(self, *, search: bool, cost: int) -> tuple[str | None, dict[str, str]]:
        """(None, headers) when the request may go on, else (why it is refused, headers)."""
        with self._lock:
            now = self.clock()
            self._trim(self._all, now)
            self._trim(self._search, now)
            refused = None
            if self.daily_left < cost:
                refused = "daily"
            elif len(self._all) >= self.limit or (search and len(self._search) >= SEARCH_BURST):
                refused = "burst"
            else:
                self._all.append(now)
                if search:
                    self._search.append(now)
                self.daily_left -= cost
            reset = WINDOW - (now - self._all[0]) if self._all else WINDOW
            headers = {
                "x-ratelimit-limit": str(self.limit),
                "x-ratelimit-remaining": str(max(0, self.limit - len(self._all))),
                "x-ratelimit-reset": str(max(1, round(reset))),
                "x-daily-ratelimit-token-limit": str(self.daily_limit),
                "x-daily-ratelimit-token-remaining": str(max(0, self.daily_left)),
            }
            return refused, headers
