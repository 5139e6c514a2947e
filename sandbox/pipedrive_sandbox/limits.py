"""Pipedrive's rate limits: a rolling 2-s burst window per token sized by plan, a 10-per-2-s window for
search, and a daily token budget charged at each operation's x-token-cost, reset every sandbox day.

Answers to search requests carry the search window's headers (limit 10), others the general window's.
A search refused by the search window puts that window under a penalty: it refuses every search for
SEARCH_PENALTY sandbox seconds, and says so in `x-ratelimit-reset` and `Retry-After` (the behaviour
reported in Pipedrive's developer community, "rate limiting issues")."""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable

from .plans import BURST, MULTIPLIER, check_plan

__all__ = ["BURST", "MULTIPLIER", "SEARCH_BURST", "SEARCH_PENALTY", "RateLimits"]
SEARCH_BURST = 10
SEARCH_PENALTY = 10.0
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
        check_plan(plan)
        with self._lock:
            self.plan, self.seats = plan, seats
            self.limit = BURST[plan]
            self.daily_limit = daily_budget if daily_budget is not None else 30_000 * MULTIPLIER[plan] * seats
            self.daily_used = 0
            self._day = math.floor(self.clock() / DAY)
            self._all: dict[str, deque[float]] = {}
            self._search: dict[str, deque[float]] = {}
            self._penalty: dict[str, float] = {}  # token → sandbox time the search penalty ends

    @staticmethod
    def _trim(window: deque[float], now: float) -> None:
        while window and now - window[0] >= WINDOW:
            window.popleft()

    def _wall(self, sandbox_seconds: float) -> int:
        return max(1, math.ceil(sandbox_seconds / self.speed))

    def peek(self, token: str = "", *, search: bool = False) -> dict[str, str]:
        """The headers as they stand, for answers that are not admitted (injected faults)."""
        return self.admit(search=search, cost=0, token=token, count=False)[1]

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
            penalised = search and now < self._penalty.get(token, 0.0)
            refused = None
            if not count:
                pass
            elif not self.enforce:
                self.daily_used += cost
            elif self.daily_used + cost > self.daily_limit:
                refused = "daily"
            elif len(window) >= self.limit:
                refused = "burst"
            elif search and (penalised or len(searches) >= SEARCH_BURST):
                refused = "search"
                if not penalised:  # the refusal that starts the penalty
                    self._penalty[token], penalised = now + SEARCH_PENALTY, True
            else:
                window.append(now)
                if search:
                    searches.append(now)
                self.daily_used += cost
            # A search answer shows the search window, unless the general window refused it.
            shown, limit = (searches, SEARCH_BURST) if search and refused != "burst" else (window, self.limit)
            remaining = 0 if penalised and shown is searches else max(0, limit - len(shown))
            if refused == "daily":
                reset = (self._day + 1) * DAY - now
            elif penalised and shown is searches:
                reset = self._penalty[token] - now
            else:
                reset = WINDOW - (now - shown[0]) if shown else WINDOW
            headers = {
                "x-ratelimit-limit": str(limit),
                "x-ratelimit-remaining": str(remaining),
                "x-ratelimit-reset": str(self._wall(reset)),
                "x-daily-ratelimit-token-limit": str(self.daily_limit),
                "x-daily-ratelimit-token-remaining": str(max(0, self.daily_limit - self.daily_used)),
            }
            if refused:
                headers["Retry-After"] = headers["x-ratelimit-reset"]
            return refused, headers
