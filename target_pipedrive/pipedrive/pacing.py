"""Client-side pacing: stay under Pipedrive's rolling 2-second windows instead of provoking 429s.

Pipedrive counts requests per token over a rolling 2 s window (20 on Lite up to 120 on Ultimate) and
search requests separately (10 per 2 s on every plan). The Pacer keeps one sliding window for all
requests and one for searches, each at 80% of the limit so that a second client of the same token (or
clock skew between us and the gateway) still fits. The overall limit is learned from x-ratelimit-limit
unless it was configured. When the server says its window is nearly spent (x-ratelimit-remaining < 2)
or a 429 asks for a wait, every thread holds off until then: one shared Pacer per client.

Search answers describe the search window, not the general one: their x-ratelimit-limit is the search
limit (10) and, after a search 429, x-ratelimit-reset is a penalty of several seconds. So a search answer
never teaches the overall limit, and its hints pause searches only, for as long as the penalty says.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping

WINDOW_SECONDS = 2.0
DEFAULT_BURST = 20  # Pipedrive Lite, the smallest plan: safe until a response tells us more
SEARCH_BURST = 10
MARGIN = 0.8
NEARLY_SPENT = 2  # x-ratelimit-remaining below this pauses everyone until x-ratelimit-reset
MAX_HINT_PAUSE = 5.0  # a window is 2 s; a larger reset hint is not about the burst window
MAX_SEARCH_PENALTY = 60.0  # a search 429's penalty reset (10 s seen live), bounded against nonsense
BURST = 4  # requests that may leave together; the rest of a window's worth is spread evenly


# Records in flight before any answer told the latency, and above rate x latency (latency's spread).
FIRST_IN_FLIGHT = 4
IN_FLIGHT_MARGIN = 2
LATENCY_WEIGHT = 0.1  # of each new answer in the running latency estimate


def is_search(path: str) -> bool:
    """Whether a request counts against the search window."""
    return path.rstrip("/").endswith("/search") or "/itemSearch" in path


def with_margin(limit: int) -> int:
    return max(1, int(limit * MARGIN))


def records_in_flight(rate: float, latency: float, ceiling: int) -> int:
    """Records in flight that keep a paced rate busy: a request takes `latency` seconds, so rate x
    latency of them are under way at any moment (Little's law); a record's requests go one after the
    other, so one record stands for one of them. Plus a margin for latency's spread; at least 1, at
    most `ceiling` (the max_in_flight setting). More would only wait in the pacer."""
    return max(1, min(ceiling, math.ceil(rate * latency) + IN_FLIGHT_MARGIN))


class SlidingWindow:
    """At most `limit` requests in any rolling window of `seconds`. Not locked: the Pacer locks."""

    def __init__(self, limit: int, *, seconds: float = WINDOW_SECONDS) -> None:
        self.limit = limit
        self.seconds = seconds
        self._sent: deque[float] = deque()

    def delay(self, now: float) -> float:
        """Seconds until one more request fits (0 when it fits now)."""
        # (A hair of tolerance: a sleep of exactly the delay must free the slot despite rounding.)
        while self._sent and now - self._sent[0] >= self.seconds - 1e-9:
            self._sent.popleft()
        if len(self._sent) < self.limit:
            return 0.0
        # After a lowered limit more than `limit` may be in the window: wait for the surplus to age out.
        return self.seconds - (now - self._sent[len(self._sent) - self.limit])

    def take(self, now: float) -> None:
        self._sent.append(now)


class SmoothedWindow(SlidingWindow):
    """A sliding window that also spreads its requests: at most BURST of them in any 1/(limit/BURST)
    of the window. Sent in one burst, a window's worth of requests can reach the gateway bunched with
    the next window's (threads in flight, network jitter), and the gateway counts arrivals, not sends.

    A cold start is the exception: its first half window's worth may leave together (a run's start-up
    reads, 0.5 s sooner). No earlier request of this client is there to bunch with, and the sliding
    window still holds the whole window's worth. A run of the same token that ended just before left
    at most half a window's worth in its last second (spread as above), and a run takes longer than
    that to start, so the two halves fit the server's limit (which has the margin on top)."""

    def __init__(self, limit: int, *, seconds: float = WINDOW_SECONDS) -> None:
        super().__init__(limit, seconds=seconds)
        self._cold = limit // 2
        self._short = SlidingWindow(min(BURST, limit), seconds=seconds * min(BURST, limit) / limit)

    def set_limit(self, limit: int) -> None:
        self.limit = limit
        self._short.limit = min(BURST, limit)
        self._short.seconds = self.seconds * self._short.limit / limit

    def delay(self, now: float) -> float:
        if self._cold > 0:
            return super().delay(now)
        return max(super().delay(now), self._short.delay(now))

    def take(self, now: float) -> None:
        super().take(now)
        self._short.take(now)
        self._cold = max(0, self._cold - 1)


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    try:
        return int(float(headers.get(name, "")))
    except (ValueError, OverflowError):  # garbled, or "inf" from a hostile gateway
        return None


class Pacer:
    """Shared by all threads of one client: `wait_turn` before each request, `observe` each answer."""

    def __init__(
        self,
        burst_limit: int | None = None,
        search_limit: int = SEARCH_BURST,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        window: float = WINDOW_SECONDS,
        logger: logging.Logger | None = None,
    ) -> None:
        self._learn = burst_limit is None
        self.overall = SmoothedWindow(with_margin(burst_limit or DEFAULT_BURST), seconds=window)
        self.search = SmoothedWindow(with_margin(search_limit), seconds=window)
        self._clock, self._sleep = clock, sleep
        self._paused_until = float("-inf")
        self._searches_paused_until = float("-inf")
        self._lock = threading.Lock()
        self._logger = logger or logging.getLogger(__name__)
        # Seconds from a request's turn to its answer (on the pacer's clock): mean and mean deviation.
        self._latency: tuple[float, float] | None = None
        self._sent_at = threading.local()

    def wait_turn(self, search: bool = False) -> float:
        """Block until a request may go; returns the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                delay = max(
                    self._paused_until - now,
                    self.overall.delay(now),
                    max(self._searches_paused_until - now, self.search.delay(now)) if search else 0.0,
                )
                if delay <= 0:
                    # Both windows are taken at once: no thread holds one slot while it waits for the other.
                    self.overall.take(now)
                    if search:
                        self.search.take(now)
                    self._sent_at.moment = now
                    return waited
            self._sleep(delay)
            waited += delay

    def pause(self, seconds: float, *, search: bool = False) -> None:
        """No thread sends anything for `seconds` from now (a 429's Retry-After, a spent window);
        with `search`, only searches wait (the search window is Pipedrive's separate one)."""
        with self._lock:
            if search:
                self._searches_paused_until = max(self._searches_paused_until, self._clock() + seconds)
            else:
                self._paused_until = max(self._paused_until, self._clock() + seconds)

    def in_flight(self, ceiling: int) -> int:
        """Records in flight for the rate paced now and the latency measured so far (records_in_flight)."""
        with self._lock:
            rate, latency = self.overall.limit / self.overall.seconds, self._latency
        if latency is None:
            return min(ceiling, FIRST_IN_FLIGHT)
        mean, spread = latency
        return records_in_flight(rate, mean + spread, ceiling)

    def _timed(self) -> None:
        """The answer to this thread's last request is in: its latency joins the running estimate."""
        sent, self._sent_at.moment = getattr(self._sent_at, "moment", None), None
        if sent is None:
            return
        took = max(0.0, self._clock() - sent)
        with self._lock:
            if self._latency is None:
                self._latency = (took, 0.0)
            else:
                mean, spread = self._latency
                mean += LATENCY_WEIGHT * (took - mean)
                self._latency = (mean, spread + LATENCY_WEIGHT * (abs(took - mean) - spread))

    def observe(self, headers: Mapping[str, str], *, search: bool = False) -> None:
        """Learn from an answer's rate-limit headers (and its latency); `search`: a search's answer."""
        self._timed()
        limit = _int_header(headers, "x-ratelimit-limit")
        if self._learn and not search and limit and limit > 0:
            with self._lock:
                if self.overall.limit != with_margin(limit):
                    self.overall.set_limit(with_margin(limit))
        remaining = _int_header(headers, "x-ratelimit-remaining")
        if remaining is not None and remaining < NEARLY_SPENT:
            reset = _int_header(headers, "x-ratelimit-reset")
            longest = MAX_SEARCH_PENALTY if search else MAX_HINT_PAUSE
            wait = min(longest, reset if reset and reset > 0 else WINDOW_SECONDS)
            window = "Search rate window" if search else "Rate window"
            self._logger.info("%s nearly spent (%d left): pausing %.1f s", window, remaining, wait)
            self.pause(wait, search=search)
