"""One sandbox's behaviour, independent of HTTP: auth, faults, limits, contract, routing, log, counters."""

from __future__ import annotations

import copy
import json
import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from .contract import ContractValidator, spec_folder
from .costs import fallback_cost
from .errors import ApiError
from .faults import Faults
from .limits import RateLimits
from .routes import canonical, is_search, route
from .store import ITEM_SEARCH_FORMS, Store

DEFAULT_TOKEN = "sandbox-api-token"
logger = logging.getLogger("pipedrive_sandbox")
_UNAUTHORIZED = {
    "success": False,
    "error": "unauthorized access",
    "errorCode": 401,
    "error_info": "Please check developers.pipedrive.com",
}
_ACCOUNT_NOT_OPEN = (
    "Company account is not open. "
    "Possible reason: trial period has expired or subscription has been cancelled."
)
_FEATURE_CAPPING = "You have reached the limit of your plan for this feature. Please upgrade your plan."
_BLOCK_PAGE = b"<html><head><title>Access denied</title></head><body>Access denied | Cloudflare</body></html>"
# What configure() accepts, and what reset() puts back.
OPTIONS = (
    "plan",
    "seats",
    "daily_budget",
    "latency",
    "search_delay",
    "faults",
    "speed",
    "validate",
    "rate_limits",
    "item_search_form",
    "clock_offset",
    "null_form",
    "readable_trash",
)
# How answers show a property that has no value: "explicit" sends `null`, as Pipedrive's answers and the
# descriptions' examples do (`"org_id": null`, `"origin_id": null`); "omit" leaves it out, the form the
# descriptions' schemas allow (they declare v2 and v1 notes properties non-nullable).
NULL_FORMS = ("explicit", "omit")


@dataclass
class Outcome:
    """What the HTTP layer sends: a status, headers and body, or a dropped connection."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    drop: bool = False


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Outcome:
    return Outcome(status, json.dumps(body).encode(), dict(headers or {}))


def without_nulls(value: Any) -> Any:
    # null_form "omit": unset properties are left out, as the schemas of API v2 and v1 notes declare them
    # non-nullable. data and next_cursor stay null where the docs say so (empty result, last page).
    if isinstance(value, dict):
        return {
            k: without_nulls(v) for k, v in value.items() if v is not None or k in ("data", "next_cursor")
        }
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


class Sandbox:
    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        seed: str | None = None,
        plan: str = "lite",
        seats: int = 1,
        daily_budget: int | None = None,
        latency: float = 0.0,
        search_delay: float = 0.0,
        speed: float = 1.0,
        faults: list[dict[str, Any]] | None = None,
        fault_seed: int = 0,
        openapi_dir: str | None = None,
        validate: bool = True,
        rate_limits: bool = True,
        log_limit: int | None = None,
        item_search_form: str = "example",
        clock_offset: float = 0.0,
        null_form: str = "explicit",
        readable_trash: bool = False,
    ) -> None:
        self.token = token
        self._lock = threading.Lock()
        self._wall0, self._clock0, self.speed = time.monotonic(), 0.0, speed
        folder = spec_folder(openapi_dir or os.environ.get("PIPEDRIVE_OPENAPI_DIR"))
        self.contract = ContractValidator(folder) if folder else None
        if self.contract is None:
            logger.warning(
                "No Pipedrive OpenAPI files (--openapi-dir or PIPEDRIVE_OPENAPI_DIR): requests are NOT "
                "validated against the contract, and token costs come from our own table"
            )
        self.store = Store(seed, clock=self.clock)
        self.limits = RateLimits(self.clock, plan=plan, seats=seats, daily_budget=daily_budget, speed=speed)
        self.faults = Faults(fault_seed)
        self.log_limit = log_limit
        self.defaults: dict[str, Any] = {
            "plan": plan,
            "seats": seats,
            "daily_budget": daily_budget,
            "latency": latency,
            "search_delay": search_delay,
            "faults": list(faults or []),
            "speed": speed,
            "validate": validate,
            "rate_limits": rate_limits,
            "item_search_form": item_search_form,
            "clock_offset": clock_offset,
            "null_form": null_form,
            "readable_trash": readable_trash,
        }
        self.reset()

    # Clock: the sandbox's own time may run N times faster, so windows, search lag and the day pass sooner.
    def clock(self) -> float:
        return self._clock0 + (time.monotonic() - self._wall0) * self.speed

    def _wait(self, sandbox_seconds: float) -> None:
        # Latency is sandbox time like everything else: a sped-up run keeps its ratio of latency to limits.
        time.sleep(sandbox_seconds / self.speed)

    def _set_speed(self, speed: float) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._clock0, self._wall0, self.speed = self.clock(), time.monotonic(), speed
        self.limits.speed = speed

    def configure(self, **options: Any) -> None:
        """Change options at run time; the ones not named stay as they are."""
        unknown = set(options) - set(OPTIONS)
        if unknown:
            raise ValueError(f"unknown sandbox option(s): {', '.join(sorted(unknown))}")
        if "speed" in options:
            self._set_speed(float(options["speed"]))
        if {"plan", "seats", "daily_budget"} & set(options):
            self.limits.configure(
                plan=options.get("plan", self.limits.plan),
                seats=int(options.get("seats", self.limits.seats)),
                daily_budget=options.get("daily_budget"),
            )
            self.store.plan = self.limits.plan
        if "latency" in options:
            self.latency = float(options["latency"])
        if "search_delay" in options:
            self.store.search_delay = float(options["search_delay"])
        if "faults" in options:
            self.faults.set(list(options["faults"] or []))
        if "rate_limits" in options:
            self.limits.enforce = bool(options["rate_limits"])
        if "validate" in options:
            self.validate = bool(options["validate"])
        if "item_search_form" in options:
            if options["item_search_form"] not in ITEM_SEARCH_FORMS:
                raise ValueError(f"item_search_form must be one of {', '.join(ITEM_SEARCH_FORMS)}")
            self.store.item_search_form = options["item_search_form"]
        if "clock_offset" in options:
            self.store.clock_offset = float(options["clock_offset"])
        if "null_form" in options:
            if options["null_form"] not in NULL_FORMS:
                raise ValueError(f"null_form must be one of {', '.join(NULL_FORMS)}")
            self.null_form = options["null_form"]
        if "readable_trash" in options:
            self.store.readable_trash = bool(options["readable_trash"])

    def reset(self) -> None:
        """Back to the seed and the options the sandbox was started with; log and counters emptied."""
        with self._lock:
            self.store.reset()
            self.log: list[dict[str, Any]] = []
            self._seq = 0
            self.counters: dict[str, Any] = {
                "requests": 0,
                "tokens": 0,
                "rejected_401": 0,
                "rejected_429": 0,
                "contract_rejections": 0,
                "faults": 0,
                "by_status": {},
            }
        self.configure(**self.defaults)

    def _record(
        self, entry: dict[str, Any], status: int | str, cost: int, counter: str | None = None, **extra: Any
    ) -> None:
        entry.update(status=status, cost=cost, **extra)
        with self._lock:
            self.counters["tokens"] += cost
            if counter:
                self.counters[counter] += 1
            by_status = self.counters["by_status"]
            by_status[str(status)] = by_status.get(str(status), 0) + 1

    def _authorized(self, headers: Any, query: dict[str, str]) -> bool:
        if "api_token" in query:
            return False  # undocumented now: nothing of ours may come to rely on a token in a URL
        if headers.get("x-api-token") == self.token:
            return True
        return bool(headers.get("Authorization", "") == f"Bearer {self.token}")

    def handle(self, method: str, path: str, raw_query: str, headers: Any, raw_body: bytes) -> Outcome:
        """Answer one API request as Pipedrive would (or as the configured faults say)."""
        query = dict(parse_qsl(raw_query, keep_blank_values=True))
        path = canonical(path)
        if self.latency:
            self._wait(self.latency)
        try:
            body = json.loads(raw_body) if raw_body else None
        except ValueError:
            body = raw_body.decode("utf-8", "replace")
        logged = {k: "<redacted>" if k == "api_token" else v for k, v in query.items()}
        entry: dict[str, Any] = {"method": method, "path": path, "query": logged, "body": body}
        with self._lock:
            self._seq += 1
            entry["seq"] = self._seq
            self.log.append(entry)
            if self.log_limit is not None and len(self.log) > self.log_limit:
                del self.log[: len(self.log) - self.log_limit]
            self.counters["requests"] += 1
        if not self._authorized(headers, query):
            self._record(entry, 401, 0, "rejected_401")
            gateway = {"x-401-by-gw": "true", "x-correlation-id": str(uuid.uuid4())}
            return _json(401, _UNAUTHORIZED, gateway)
        fault = self.faults.next(method, path)  # after auth: a refused caller does not use up a fault
        if fault and fault.get("latency"):
            self._wait(float(fault["latency"]))
        if fault and ("status" in fault or "html" in fault or fault.get("drop") == "before"):
            return self._fault(entry, fault, search=is_search(path))
        cost = self.contract.cost(method, path) if self.contract else fallback_cost(method, path)
        refused, limit_headers = self.limits.admit(search=is_search(path), cost=cost)
        if refused:
            self._record(entry, 429, 0, "rejected_429", limit=refused)
            error = "daily request budget exceeded" if refused == "daily" else "Request rate limit exceeded"
            return _json(429, {"success": False, "error": error, "errorCode": 429}, limit_headers)
        if self.contract and self.validate:
            broken = self.contract.check(method, path, raw_query, raw_body, headers.get("Content-Type", ""))
            if broken:
                self._record(entry, 400, cost, "contract_rejections", contract=broken)
                refusal = ApiError(400, f"Request violates the API contract: {broken}")
                return _json(400, refusal.body(), limit_headers)
        if isinstance(body, str):
            self._record(entry, 400, cost)
            return _json(400, ApiError(400, "Request body is not valid JSON").body(), limit_headers)
        try:
            with self.store.lock:
                status, answer = route(self.store, method, path, query, body)
        except ApiError as exc:
            status, answer = exc.status, exc.body()
        except Exception:  # a sandbox bug: answer like a server error rather than drop the connection
            logger.exception("sandbox error on %s %s", method, path)
            status, answer = 500, ApiError(500, "Internal server error").body()
        if self.null_form == "omit" and status < 400 and path.startswith(("/api/v2/", "/api/v1/notes")):
            answer = without_nulls(answer)
        return self._answer(entry, fault, status, answer, cost, limit_headers)

    def _answer(
        self,
        entry: dict[str, Any],
        fault: dict[str, Any] | None,
        status: int,
        answer: Any,
        cost: int,
        headers: dict[str, str],
    ) -> Outcome:
        """The answer of a request that was handled (its write committed), as a fault may change it."""
        if fault and "data" in fault and status < 300 and isinstance(answer, dict) and "data" in answer:
            # Committed as usual; only the answer is changed (a test of how a client reads answers).
            answer = {**answer, "data": {**(answer["data"] or {}), **fault["data"]}}
            self._record(entry, status, cost, "faults")
            return _json(status, answer, headers)
        if fault and "item" in fault and status < 300 and isinstance(answer, dict):
            answer = {**answer, "data": _first_item_with(answer.get("data"), fault["item"])}
            self._record(entry, status, cost, "faults")
            return _json(status, answer, headers)
        if fault and fault.get("drop") == "after":
            # The write is committed; the client only sees the connection die.
            self._record(entry, f"dropped after {status}", cost, "faults")
            return Outcome(0, drop=True)
        self._record(entry, status, cost)
        return _json(status, answer, headers)

    def _fault(self, entry: dict[str, Any], fault: dict[str, Any], *, search: bool) -> Outcome:
        headers = self.limits.peek(search=search)
        if fault.get("drop") == "before":
            self._record(entry, "dropped before", 0, "faults")
            return Outcome(0, drop=True)
        status = int(fault.get("status", 403))
        self._record(entry, status, 0, "faults", fault=True)
        if fault.get("html"):
            # Cloudflare's block page: not JSON, whatever the status.
            return Outcome(status, _BLOCK_PAGE, headers, content_type="text/html")
        if status == 401:
            # The gateway's refusal, as for a wrong token (no rate-limit headers: it never got that far).
            gateway = {"x-401-by-gw": "true", "x-correlation-id": str(uuid.uuid4())}
            return _json(401, _UNAUTHORIZED, gateway)
        if status == 429:
            headers["Retry-After"] = str(fault.get("retry_after", 1))
            headers["x-ratelimit-remaining"] = "0"
            return _json(
                429, {"success": False, "error": "Request rate limit exceeded", "errorCode": 429}, headers
            )
        if status == 402:
            # The whole company is refused (trial over, subscription cancelled): every request, not a record.
            body: dict[str, Any] = {
                "success": False,
                "error": fault.get("error", _ACCOUNT_NOT_OPEN),
                "errorCode": 402,
                "error_info": "Please check developers.pipedrive.com",
            }
            if "code" in fault:
                body["code"] = fault["code"]
            return _json(402, body, headers)
        error = {500: "Internal server error", 502: "Bad gateway", 503: "Service unavailable"}
        default = (
            _FEATURE_CAPPING if status == 403 and "code" in fault else error.get(status, "Injected fault")
        )
        body = ApiError(status, fault.get("error", default)).body()
        if "code" in fault:
            body = {"success": False, "error": body["error"], "code": fault["code"], **body}
        return _json(status, body, headers)


def _first_item_with(data: Any, keys: dict[str, Any]) -> Any:
    """A list answer's `data` (a search's too) with `keys` set on its first item (the `item` fault)."""
    data = copy.deepcopy(data)
    items = data.get("items") if isinstance(data, dict) else data
    if isinstance(items, list) and items and isinstance(items[0], dict):
        first = items[0]
        (first["item"] if isinstance(first.get("item"), dict) else first).update(keys)
    return data
