"""The one HTTP client of the target: a requests.Session with auth, pacing, retries and accounting.

Retry policy: GET, PATCH, PUT and DELETE are idempotent and are retried on 429, 5xx, timeouts and
connection errors with exponential backoff and full jitter, honouring Retry-After and
x-ratelimit-reset. A POST is retried only when it certainly did not happen (a 429, or a failure to
connect); after a timeout, a dropped connection or a 5xx it raises WriteOutcomeUnknown, so that the
caller finds out whether the entity exists before it tries again. The token travels only in the
x-api-token header: never in a URL, a log line or an exception.
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import requests
import urllib3

from .costs import token_cost
from .errors import (
    DailyBudgetExhausted,
    PipedriveAuthError,
    PipedriveBlocked,
    PipedriveRequestError,
    PipedriveUnavailable,
    WriteOutcomeUnknown,
)
from .pacing import SlidingWindow

_MAX_WAIT = 30.0
_SAFETY = 0.8  # use 80% of a window, leaving room for other clients of the same token


@dataclass
class ApiResponse:
    status: int
    data: Any
    additional_data: Any
    headers: dict[str, str]


@dataclass
class ClientStats:
    calls: int = 0
    tokens: int = 0
    retries: int = 0
    throttled_429: int = 0
    daily_tokens_left: int | None = None
    by_operation: dict[str, dict[str, int]] = field(default_factory=dict)

    def snapshot(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "tokens": self.tokens,
            "retries": self.retries,
            "throttled_429": self.throttled_429,
            "daily_tokens_left": self.daily_tokens_left,
            "by_operation": {k: dict(v) for k, v in self.by_operation.items()},
        }


def _operation(method: str, path: str) -> str:
    parts = [p if not (p.isdigit() or len(p) >= 32) else "{id}" for p in path.split("/")]
    return f"{method} {'/'.join(parts)}"


def _never_sent(exc: requests.ConnectionError) -> bool:
    """True when the connection failed before the request went out (refused, connect timeout)."""
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)
    return isinstance(exc, requests.exceptions.ConnectTimeout) or isinstance(
        reason, (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError)
    )


def _is_search(path: str) -> bool:
    return path.endswith("/search") or "/itemSearch" in path


class PipedriveClient:
    def __init__(
        self,
        base_url: str,
        api_token: str,
        *,
        timeout: float = 30.0,
        max_retries: int = 5,
        burst_limit: int = 20,
        search_limit: int = 10,
        logger: logging.Logger | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        user_agent: str = "target-pipedrive",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.logger = logger or logging.getLogger("target_pipedrive.http")
        self._sleep = sleep
        self._session = requests.Session()
        self._session.headers.update(
            {"x-api-token": api_token, "Accept": "application/json", "User-Agent": user_agent}
        )
        self._burst = SlidingWindow(max(1, int(burst_limit * _SAFETY)), clock=clock, sleep=sleep)
        self._search = SlidingWindow(max(1, int(search_limit * _SAFETY)), clock=clock, sleep=sleep)
        self._stopped = False
        self._lock = threading.Lock()
        self.stats = ClientStats()

    def __repr__(self) -> str:
        return f"PipedriveClient({self.base_url!r})"

    # The public verbs.
    def get(self, path: str, params: dict[str, Any] | None = None) -> ApiResponse:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: dict[str, Any]) -> ApiResponse:
        return self.request("POST", path, body=body)

    def patch(self, path: str, body: dict[str, Any]) -> ApiResponse:
        return self.request("PATCH", path, body=body)

    def put(self, path: str, body: dict[str, Any]) -> ApiResponse:
        return self.request("PUT", path, body=body)

    def delete(self, path: str) -> ApiResponse:
        return self.request("DELETE", path)

    def paginate_v2(
        self, path: str, params: dict[str, Any] | None = None, *, items_key: str | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every item of a cursor-paged v2 list (or of `data[items_key]` for searches)."""
        query = dict(params or {})
        while True:
            response = self.get(path, query)
            data = response.data or []
            yield from (data.get(items_key) or []) if items_key and isinstance(data, dict) else data
            cursor = (response.additional_data or {}).get("next_cursor")
            if not cursor:
                return
            query["cursor"] = cursor

    def paginate_v1(self, path: str, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every item of a start/limit-paged v1 list."""
        query = {"start": 0, "limit": 500, **(params or {})}
        while True:
            response = self.get(path, query)
            yield from response.data or []
            extra = response.additional_data or {}
            page = extra.get("pagination", extra)
            if not page.get("more_items_in_collection"):
                return
            query["start"] = page.get("next_start", query["start"] + query["limit"])

    def close(self) -> None:
        self._session.close()

    # The machinery.
    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
    ) -> ApiResponse:
        if self._stopped:
            raise DailyBudgetExhausted()
        idempotent = method != "POST"
        attempt = 0
        while True:
            attempt += 1
            if _is_search(path):
                self._search.acquire()
            self._burst.acquire()
            try:
                response = self._session.request(
                    method, self.base_url + path, params=params, json=body, timeout=self.timeout
                )
            except requests.ConnectionError as exc:
                if not idempotent and not _never_sent(exc):
                    raise WriteOutcomeUnknown(method, path, "connection dropped") from None
                self._retry_or_raise(method, path, attempt, "connection error", None)
                continue
            except requests.Timeout:
                if not idempotent:
                    raise WriteOutcomeUnknown(method, path, "timed out") from None
                self._retry_or_raise(method, path, attempt, "timeout", None)
                continue
            self._account(method, path, response)
            result = self._handle(method, path, response, attempt, idempotent)
            if result is not None:
                return result

    def _account(self, method: str, path: str, response: requests.Response) -> None:
        cost = token_cost(method, path)
        with self._lock:
            self.stats.calls += 1
            self.stats.tokens += cost
            op = self.stats.by_operation.setdefault(_operation(method, path), {"calls": 0, "tokens": 0})
            op["calls"] += 1
            op["tokens"] += cost
            left = response.headers.get("x-daily-ratelimit-token-remaining")
            if left is not None and left.isdigit():
                self.stats.daily_tokens_left = int(left)

    def _handle(
        self, method: str, path: str, response: requests.Response, attempt: int, idempotent: bool
    ) -> ApiResponse | None:
        status = response.status_code
        if status == 429:
            self.stats.throttled_429 += 1
            text = response.text.lower()
            if "daily" in text or response.headers.get("x-daily-ratelimit-token-remaining") == "0":
                self._stopped = True
                raise DailyBudgetExhausted()
            self._retry_or_raise(method, path, attempt, "429", response)
            return None
        if status >= 500:
            if not idempotent:
                raise WriteOutcomeUnknown(method, path, f"HTTP {status}")
            self._retry_or_raise(method, path, attempt, f"HTTP {status}", response)
            return None
        if status == 401:
            raise PipedriveAuthError()
        try:
            payload = response.json()
        except ValueError:
            if status == 403:
                raise PipedriveBlocked(method, path) from None
            raise PipedriveRequestError(
                status, method, path, f"non-JSON answer: {response.text[:200]}"
            ) from None
        if status >= 400 or not isinstance(payload, dict) or payload.get("success") is False:
            raise PipedriveRequestError(status, method, path, self._error_text(payload))
        return ApiResponse(
            status, payload.get("data"), payload.get("additional_data"), dict(response.headers)
        )

    @staticmethod
    def _error_text(payload: Any) -> str:
        if not isinstance(payload, dict):
            return str(payload)[:300]
        parts = [str(payload[k]) for k in ("error", "error_info", "code", "errorCode") if payload.get(k)]
        return "; ".join(parts) or "no error text"

    def _retry_or_raise(
        self, method: str, path: str, attempt: int, why: str, response: requests.Response | None
    ) -> None:
        if attempt > self.max_retries:
            raise PipedriveUnavailable(
                f"{method} {path}: {why} after {attempt} attempts; Pipedrive is unavailable"
            )
        wait = min(_MAX_WAIT, random.uniform(0, 0.5 * 2 ** (attempt - 1)))
        if response is not None:
            for header in ("Retry-After", "x-ratelimit-reset"):
                value = response.headers.get(header, "")
                with contextlib.suppress(ValueError):
                    wait = max(wait, min(_MAX_WAIT, float(value)))
        self.stats.retries += 1
        self.logger.warning("%s %s: %s, retry %d in %.1f s", method, path, why, attempt, wait)
        self._sleep(wait)
