"""A progress line while the run goes, at most every few seconds, through the SDK's logger."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from .summary import RunSummary


class ProgressReporter:
    def __init__(
        self,
        summary: RunSummary,
        api_stats: Callable[[], dict[str, Any]],
        logger: logging.Logger,
        *,
        interval: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.summary = summary
        self.api_stats = api_stats
        self.logger = logger
        self.interval = interval
        self.clock = clock
        self.started = clock()
        self._last = self.started
        self._lock = threading.Lock()

    def tick(self) -> None:
        """After each record (from whichever thread wrote it): a line when the interval is up."""
        now = self.clock()
        with self._lock:
            if now - self._last < self.interval:
                return
            self._last = now
        self.logger.info("Progress: %s", self.line(now))

    def line(self, now: float | None = None) -> str:
        elapsed = max((now or self.clock()) - self.started, 1e-9)
        api = self.api_stats()
        records = self.summary.records
        parts = [
            f"{self.summary.records_in} records in",
            f"{records['written']} written",
            f"{records['unchanged']} unchanged",
            f"{records['skipped']} skipped",
            f"{records['filtered']} filtered",
            f"{records['rejected']} rejected",
            f"{api.get('calls', 0)} API calls",
            f"{api.get('tokens', 0)} tokens",
            f"{self.summary.records_in / elapsed:.1f} records/s",
        ]
        if api.get("daily_tokens_left") is not None:
            parts.append(f"{api['daily_tokens_left']} daily tokens left")
        return ", ".join(parts)
