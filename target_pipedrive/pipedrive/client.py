"""The one HTTP client of the target: a requests.Session with auth, pacing, retries and accounting.

Authentication: the token travels only in the x-api-token header, only to the base URL (redirects are
not followed: requests would carry a custom header to any host a redirect names). It never appears in
a URL, a log line, an exception or a repr; a logging filter masks it should anything else print it.

Retries (at most `max_retries`, default 5, after the first attempt):
- 429: wait max(Retry-After, x-ratelimit-reset, 2 s, backoff), at most 30 s, and every thread of the
  client holds off meanwhile. Never without end: Pipedrive answers endless 429s with a Cloudflare block.
  A 429 that says the daily budget is spent (its body says "daily", or x-daily-ratelimit-token-remaining
  is 0) raises DailyBudgetExhausted at once and stops the client: later calls raise it without sending.
- 5xx, timeouts, dropped connections: exponential backoff with full jitter (up to 1, 2, 4, 8, 16 s;
  longer if Retry-After says so), for the idempotent GET, PATCH, PUT and DELETE. A write answered after
  such a retry carries `in_doubt`: the attempt whose answer was lost may still commit later, after
  newer writes too, so the caller checks the entity once that can no longer happen.
- POST creates, and its outcome must never be guessed. It is retried only when it certainly did not
  happen: a 429, or a connection that could not be opened. After a read timeout, a connection dropped
  once the request was sent, a 5xx (the gateway may have committed it) or an unreadable 2xx it raises
  WriteOutcomeUnknown (with method, path and body), so that the caller looks the entity up before it
  tries again and no retry ever creates a second entity.
- Never retried: 401 (PipedriveAuthError), 402 and JSON 403s of feature capping (AccountRefused: the
  account, not the record), a non-JSON 403 (PipedriveBlocked); each of these stops the client, so that
  later calls raise it without sending. Other 4xx and 2xx with success: false raise
  PipedriveRequestError, the record's fault; so does a 2xx whose entity is deleted (trash.py: a 404),
  and a create's 2xx without a usable id (UnusableAnswer: it is not sent again, see envelope.py).
- A host name that does not resolve: HostUnresolvable, after one retry until the host has answered.
- `interrupt()` (SIGTERM) ends every wait at once and stops the client with RunInterrupted.

Pacing (pacing.py) keeps requests under the rolling 2-s windows so that steady state sees no 429.
Thread-safe; `local_only` makes one thread's work run from memory (ApiNeeded instead of a request).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import requests
from requests.structures import CaseInsensitiveDict

from .envelope import ApiResponse, error_text, read_json, unusable
from .errors import (
    AccountRefused,
    ApiNeeded,
    DailyBudgetExhausted,
    HostUnresolvable,
    PipedriveAuthError,
    PipedriveBlocked,
    PipedriveError,
    PipedriveRequestError,
    PipedriveUnavailable,
    RunInterrupted,
    WriteOutcomeUnknown,
)
from .failures import IN_DOUBT, UNRESOLVED_RETRIES, feature_capping, never_sent, unresolved
from .listed import ListedIds
from .pacing import Pacer, is_search
from .pagination import cursor_pages, offset_pages
from .redact import protect, release, scrub
from .retry import seconds_header, wait_after_429, wait_after_failure
from .server_clock import ServerClock
from .session import checked_token, new_session, query_params
from .stats import ClientStats

__all__ = ["ApiResponse", "ClientStats", "PipedriveClient"]

_IDEMPOTENT = frozenset({"GET", "PATCH", "PUT", "DELETE"})
_MAX_CONNECT_TIMEOUT = 10.0


@dataclass(frozen=True)
class _Again:
    wait: float
    cause: str
    everyone: bool = False  # a 429: all threads hold off, not only this one
    in_doubt: bool = False  # a write that was sent and may yet commit (see ApiResponse.in_doubt)
    retries: int | None = None  # fewer retries than max_retries for this cause
    final: PipedriveUnavailable | None = None  # what is raised when the retries run out


class _LocalOnly:
    """`PipedriveClient.local_only`'s block (a class: it is entered twice per unchanged record)."""

    __slots__ = ("_outer", "_thread")

    def __init__(self, thread: threading.local) -> None:
        self._thread = thread
        self._outer = False

    def __enter__(self) -> None:
        self._outer = getattr(self._thread, "local_only", False)
        self._thread.local_only = True

    def __exit__(self, *exc: object) -> None:
        self._thread.local_only = self._outer


class PipedriveClient:
    def __init__(
        self,
        base_url: str,
        api_token: str,
        *,
        timeout: float = 30.0,
        max_retries: int = 5,
        burst_limit: int | None = None,
        search_limit: int = 10,
        logger: logging.Logger | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        user_agent: str | None = None,
        max_budget_share: float = 1.0,
    ) -> None:
        """`burst_limit`: requests per 2 s; None learns it from x-ratelimit-limit, starting at Lite's 20.

        Inject `sleep` and `clock` together (tests): the pacer waits on the clock.
        """
        token = checked_token(api_token)
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max(0, max_retries)
        self.logger = logger or logging.getLogger("target_pipedrive.http")
        self.stats = ClientStats(max_budget_share)  # a share below 1 caps the run's tokens a day
        # Pipedrive's clock, read off every answer: lost-create recovery asks in Pipedrive's time.
        self.server_clock = ServerClock()
        self._timeouts = (min(timeout, _MAX_CONNECT_TIMEOUT), timeout)
        self._sleep = sleep
        # Set when the run is stopping (SIGTERM): waits end at once and nothing more is sent.
        self._interrupted = threading.Event()
        self.pacer = Pacer(burst_limit, search_limit, clock=clock, sleep=self.wait, logger=self.logger)
        self._session = new_session(self.base_url, token, user_agent)
        protect(token, self.logger)
        self._scrub: Callable[[str], str] = lambda text: scrub(text, token)
        self.listed_ids = ListedIds(self.logger, self._scrub)  # ids of list and search answers
        self._release: Callable[[], None] | None = lambda: release(token)
        self._stopped: Callable[[], PipedriveError] | None = None
        self._lock = threading.Lock()
        self._thread = threading.local()
        self._answered_once = False  # whether the host ever answered (its name resolved)

    def __repr__(self) -> str:
        return f"PipedriveClient({self.base_url!r})"

    def __enter__(self) -> PipedriveClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._session.close()
        with self._lock:
            release_token, self._release = self._release, None
        if release_token is not None:
            release_token()

    def wait(self, seconds: float) -> None:
        """Sleep on the client's clock (which runs faster against a sped-up sandbox); RunInterrupted
        as soon as the run is stopping, so that no backoff or 429 wait outlives a SIGTERM."""
        if self._sleep is time.sleep:
            self._interrupted.wait(seconds)
        elif not self._interrupted.is_set():
            self._sleep(seconds)
        if self._interrupted.is_set():
            raise RunInterrupted

    def pause(self, seconds: float) -> bool:
        """Wait `seconds` of real time (not the client's clock); True when the run is stopping."""
        return self._interrupted.wait(seconds)

    def interrupt(self) -> None:
        """The run is stopping: end every wait now, and send nothing more (from any thread)."""
        self._stop(RunInterrupted)
        self._interrupted.set()

    def local_only(self) -> _LocalOnly:
        """This thread sends nothing meanwhile: a request (or `sending`) raises ApiNeeded instead.
        Nests: leaving an inner one leaves the outer one in force."""
        return _LocalOnly(self._thread)

    def sending(self, method: str, path: str) -> None:
        """A caller about to send (before its own bookkeeping of the request): ApiNeeded if it may not."""
        if getattr(self._thread, "local_only", False):
            raise ApiNeeded(method, path)

    # The verbs. Paths are full API paths: /api/v2/persons/5, /api/v1/notes.
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
        """Every item of a cursor-paged v2 list (or of `data[items_key]`, as searches nest them)."""
        return cursor_pages(self, path, params, items_key=items_key)

    def paginate_v1(self, path: str, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every item of a start/limit-paged v1 list; pagination under additional_data.pagination or flat."""
        return offset_pages(self, path, params)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        leaving: Callable[[], None] | None = None,
    ) -> ApiResponse:
        method = method.upper()
        self.sending(method, path)
        self._raise_if_stopped()
        data = self._encode(method, path, body)
        search = is_search(path)
        attempt, in_doubt = 0, False
        while True:
            attempt += 1
            self.pacer.wait_turn(search)
            # Another thread may have hit the daily budget (or the run's share of it) while this one waited.
            self._raise_if_stopped()
            self.stats.within_share(method, path)
            if leaving is not None:
                leaving()  # after pacing: the caller's outbox keeps when the attempt really left
            outcome = self._attempt(method, path, query_params(params), body, data, attempt)
            if isinstance(outcome, ApiResponse):
                if (refused := unusable(method, path, outcome, self._scrub)) is not None:
                    raise refused
                return replace(outcome, in_doubt=True) if in_doubt else outcome
            in_doubt = in_doubt or outcome.in_doubt
            retries = self.max_retries if outcome.retries is None else min(outcome.retries, self.max_retries)
            if attempt > retries:
                raise outcome.final or PipedriveUnavailable(method, path, outcome.cause, attempt)
            self.stats.retried()
            self.logger.warning(
                "%s %s: %s; retry %d of %d in %.1f s",
                method,
                path,
                outcome.cause,
                attempt,
                retries,
                outcome.wait,
            )
            if outcome.everyone:
                # The wait itself happens in wait_turn, for all threads (searches only after a search 429).
                self.pacer.pause(outcome.wait, search=search)
            else:
                self.wait(outcome.wait)

    def _encode(self, method: str, path: str, body: dict[str, Any] | None) -> bytes | None:
        if body is None:
            return None
        try:
            return json.dumps(body, ensure_ascii=False, allow_nan=False).encode()
        except (TypeError, ValueError) as exc:
            raise PipedriveRequestError(0, method, path, f"the body is not valid JSON: {exc}") from None

    def _attempt(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None,
        body: dict[str, Any] | None,
        data: bytes | None,
        attempt: int,
    ) -> ApiResponse | _Again:
        try:
            response = self._session.request(
                method,
                self.base_url + path,
                params=params,
                data=data,
                headers={"Content-Type": "application/json"} if data is not None else None,
                timeout=self._timeouts,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            # requests' messages carry the URL and its query (search terms): never chained or printed.
            return self._failed(method, path, body, exc, attempt)
        return self._answered(method, path, body, response, attempt)

    def _failed(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        exc: requests.RequestException,
        attempt: int,
    ) -> _Again:
        self.logger.debug("%s %s: %s", method, path, type(exc).__name__)
        if isinstance(exc, requests.exceptions.SSLError):
            raise PipedriveUnavailable(
                method, path, "the TLS handshake failed (check api_url and any proxy)", attempt
            ) from None
        if never_sent(exc):
            if (reason := unresolved(exc)) is not None:
                final = HostUnresolvable(method, path, self.base_url, reason, attempt)
                retries = None if self._answered_once else UNRESOLVED_RETRIES
                return _Again(wait_after_failure(None, attempt), final.cause, retries=retries, final=final)
            return _Again(wait_after_failure(None, attempt), "could not connect")
        self.stats.sent(method, path, charged=True, headers=None)
        if not isinstance(exc, IN_DOUBT):
            cause = f"the request failed ({type(exc).__name__})"
            raise PipedriveUnavailable(method, path, cause, attempt) from None
        timed_out = isinstance(exc, requests.Timeout)
        cause = "no answer within the timeout" if timed_out else "the connection dropped"
        if method not in _IDEMPOTENT:
            raise WriteOutcomeUnknown(method, path, cause, body, timed_out=timed_out) from None
        return _Again(wait_after_failure(None, attempt), cause, in_doubt=method != "GET")

    def _answered(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        response: requests.Response,
        attempt: int,
    ) -> ApiResponse | _Again:
        status, headers = response.status_code, response.headers
        self._answered_once = True
        payload = read_json(response)
        self.pacer.observe(headers, search=is_search(path))
        created = method == "POST" and status < 300
        self.server_clock.observe(headers, (payload or {}).get("data"), created=created)
        blocked = status == 403 and payload is None
        self.stats.sent(method, path, charged=status not in (401, 429) and not blocked, headers=headers)
        self.logger.debug("%s %s → HTTP %d", method, path, status)
        if status == 429:
            self.stats.throttled()
            daily_left = (headers.get("x-daily-ratelimit-token-remaining") or "").strip()
            if "daily" in error_text(payload).lower() or daily_left == "0":
                retry_after = seconds_header(headers, "Retry-After")
                self._stop(lambda: DailyBudgetExhausted(retry_after))
                self.logger.error("%s %s: the daily API token budget is exhausted", method, path)
                raise DailyBudgetExhausted(retry_after)
            return _Again(wait_after_429(headers, attempt), "rate limited (HTTP 429)", everyone=True)
        if status == 401:
            # The token is refused for every request: stop, not one reject per record.
            self._stop(lambda: PipedriveAuthError(method, path))
            raise PipedriveAuthError(method, path)
        if status == 402 or (status == 403 and feature_capping(payload)):
            refused = AccountRefused(
                status, method, path, self._scrub(error_text(payload)), feature_capping(payload)
            )
            self._stop(lambda: refused)
            raise refused
        if blocked:
            self._stop(lambda: PipedriveBlocked(method, path))
            raise PipedriveBlocked(method, path)
        if 300 <= status < 400:
            raise PipedriveUnavailable(
                method,
                path,
                f"redirected (HTTP {status}), not followed so that the token reaches only one host; "
                "check domain and api_url",
                attempt,
            )
        if status >= 500 or (status < 300 and payload is None):
            cause = f"HTTP {status}" if status >= 500 else f"HTTP {status} with an unreadable answer"
            if method not in _IDEMPOTENT:
                raise WriteOutcomeUnknown(method, path, cause, body)
            return _Again(wait_after_failure(headers, attempt), cause, in_doubt=method != "GET")
        if payload is None:
            kind = headers.get("Content-Type", "no content type")
            raise PipedriveRequestError(status, method, path, f"a non-JSON answer ({kind})")
        if status >= 400 or payload.get("success") is False:
            raise PipedriveRequestError(status, method, path, self._scrub(error_text(payload)))
        return ApiResponse(
            status, payload.get("data"), payload.get("additional_data"), CaseInsensitiveDict(headers)
        )

    def _stop(self, error: Callable[[], PipedriveError]) -> None:
        with self._lock:
            self._stopped = self._stopped or error

    def _raise_if_stopped(self) -> None:
        if self._stopped is not None:
            raise self._stopped()
