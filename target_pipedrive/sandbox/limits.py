"""Pipedrive's rate limits: a rolling 2-s burst window per token sized by plan, a 10-per-2-s window for
search, and a daily token budget charged at each operation's x-token-cost, reset every sandbox day."""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable

BURST = {"lite": 20, "growth": 40, "premium": 100, "ultimate": 120}
MULTIPLIER = {"lite": 1, "growth": 2, "premium": 5, "ultimate": 7}
SEARCH_BURST = 10
WINDOW = 2.0
DAY = 86_400.0


class RateLimits:
    def __init__(
        self,
        clock: Callable[[], float],
        plan: str = "lite",
        seats: int = 1,
        daily_budget: int | None = None,
        speed: float = 1.0,
    ) -> None:
        self.clock = clock
        self.speed = speed  # sandbox seconds per wall second: headers tell the client wall seconds
        self.enforce = (
            True  # off for benchmarks of the client itself: headers still count, nothing is refused
        )
        self._lock = threading.Lock()
        self.configure(plan=plan, seats=seats, daily_budget=daily_budget)

    def configure(self, *, plan: str = "lite", seats: int = 1, daily_budget: int | None = None) -> None:
        if plan not in BURST:
            raise ValueError(f"unknown plan {plan!r} (known: {', '.join(BURST)})")
        with self._lock:
            self.plan, self.seats = plan, seats
            self.limit = BURST[plan]
            self.daily_limit = daily_budget if daily_budget is not None else 30_000 * MULTIPLIER[plan] * seats
            self.daily_used = 0
            self._day = math.floor(self.clock() / DAY)
            self._all: dict[str, deque[float]] = {}
            self._search: dict[str, deque[float]] = {}

    @staticmethod
    def _trim(window: deque[float], now: float) -> None:
        while window and now - window[0] >= WINDOW:
            window.popleft()

    def _wall(self, sandbox_seconds: float) -> int:
        return max(1, math.ceil(sandbox_seconds / self.speed))

    def peek(self, token: str = "") -> dict[str, str]:
        """The headers as they stand, for answers that are not admitted (401s, injected faults)."""
        return self.admit(search=False, cost=0, token=token, count=False)[1]

    def admit(
        self, *, search: bool, cost: int, token: str = "", count: bool = True
    ) -> tuple[str | None, dict[str, str]]:
        """(None, headers) when the request may go on, else ("burst"|"search"|"daily", headers)."""
        with self._lock:
            now = self.clock()
            day = math.floor(now / DAY)
            if day != self._day:  # midnight on the sandbox clock: a fresh daily budget
                self._day, self.daily_used = day, 0
            window = self._all.setdefault(token, deque())
            searches = self._search.setdefault(token, deque())
            self._trim(window, now)
            self._trim(searches, now)
            refused = None
            if not count:
                pass
            elif not self.enforce:
                self.daily_used += cost
            elif self.daily_used + cost > self.daily_limit:
                refused = "daily"
            elif len(window) >= self.limit:
                refused = "burst"
            elif search and len(searches) >= SEARCH_BURST:
                refused = "search"
            else:
                window.append(now)
                if search:
                    searches.append(now)
                self.daily_used += cost
            if refused == "daily":
                reset = (self._day + 1) * DAY - now
            elif refused == "search":
                reset = WINDOW - (now - searches[0])
            else:
                reset = WINDOW - (now - window[0]) if window else WINDOW
            headers = {
                # The documented meaning: the token's general 2-s window, for search requests too.
                "x-ratelimit-limit": str(self.limit),
                "x-ratelimit-remaining": str(max(0, self.limit - len(window))),
                "x-ratelimit-reset": str(self._wall(reset)),
                "x-daily-ratelimit-token-limit": str(self.daily_limit),
                "x-daily-ratelimit-token-remaining": str(max(0, self.daily_limit - self.daily_used)),
            }
            if refused:
                headers["Retry-After"] = headers["x-ratelimit-reset"]
            return refused, headers
