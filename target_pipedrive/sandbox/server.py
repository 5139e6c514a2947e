"""The sandbox's HTTP server: routing, authentication, rate limits, latency, faults, log and control."""

from __future__ import annotations

import fnmatch
import ipaddress
import json
import logging
import os
import random
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ..pipedrive.costs import token_cost
from . import api
from .contract import ContractValidator
from .limits import RateLimits
from .store import ApiError, Store

DEFAULT_TOKEN = "sandbox-api-token"
logger = logging.getLogger("pipedrive_sandbox")


class Sandbox:
    """State and behaviour of one sandbox, independent of the HTTP plumbing."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        seed: str | None = None,
        plan: str = "lite",
        daily_budget: int | None = None,
        latency: float = 0.0,
        search_delay: float = 0.0,
        speed: float = 1.0,
        fault_seed: int = 0,
        openapi_dir: str | None = None,
        validate: bool = True,
    ) -> None:
        self.token = token
        folder = openapi_dir or os.environ.get("PIPEDRIVE_OPENAPI_DIR")
        self.contract: ContractValidator | None = None
        if validate and folder and Path(folder, "v2.yaml").is_file():
            self.contract = ContractValidator(folder)
        else:
            logger.warning("No Pipedrive OpenAPI files: requests are not validated against the contract")
        self._start = time.monotonic()
        self.speed = speed
        self.store = Store(seed, clock=self.clock)
        self.limits = RateLimits(self.clock, plan=plan, daily_budget=daily_budget)
        self.defaults: dict[str, Any] = {
            "plan": plan,
            "daily_budget": daily_budget,
            "latency": latency,
            "search_delay": search_delay,
        }
        self.random = random.Random(fault_seed)
        self.lock = threading.Lock()
        self.configure(**self.defaults)

    def clock(self) -> float:
        # The sandbox's clock may run faster than the wall clock, so windows and lags pass sooner.
        return (time.monotonic() - self._start) * self.speed

    def configure(
        self,
        *,
        plan: str | None = None,
        daily_budget: int | None = None,
        latency: float | None = None,
        search_delay: float | None = None,
        faults: list[dict[str, Any]] | None = None,
        **unknown: Any,
    ) -> None:
        if unknown:
            raise ValueError(f"unknown sandbox option(s): {', '.join(unknown)}")
        if plan is not None or daily_budget is not None:
            self.limits.configure(plan=plan or self.limits.plan, daily_budget=daily_budget)
        if latency is not None:
            self.latency = latency
        if search_delay is not None:
            self.store.search_delay = search_delay
        self.faults = [dict(f) for f in faults] if faults is not None else getattr(self, "faults", [])

    def reset(self) -> None:
        with self.lock:
            self.store.reset()
            self.log: list[dict[str, Any]] = []
            self.counters: dict[str, int] = {"requests": 0, "rejected_429": 0, "faults": 0, "tokens": 0}
            self.faults = []
            self.configure(**self.defaults)

    def next_fault(self, method: str, path: str) -> dict[str, Any] | None:
        with self.lock:
            for fault in self.faults:
                if fault.get("count", 1) <= 0:
                    continue
                if fault.get("method") and fault["method"].upper() != method:
                    continue
                if not fnmatch.fnmatchcase(path, fault.get("path", "*")):
                    continue
                if self.random.random() >= fault.get("probability", 1.0):
                    continue
                fault["count"] = fault.get("count", 1) - 1
                self.counters["faults"] += 1
                return fault
        return None


def _authorized(sandbox: Sandbox, headers: Any, query: dict[str, str]) -> bool:
    if "api_token" in query:
        return False  # undocumented: nothing of ours may come to rely on a token in a URL
    if headers.get("x-api-token") == sandbox.token:
        return True
    return headers.get("Authorization", "") == f"Bearer {sandbox.token}"


def route(sandbox: Sandbox, method: str, path: str, query: dict[str, str], body: Any) -> api.Result:
    store = sandbox.store
    if path.startswith("/v1/"):
        path = "/api" + path
    parts = path.strip("/").split("/")
    if parts[:2] == ["api", "v2"]:
        rest = parts[2:]
        if (
            len(rest) == 2
            and rest[1] == "search"
            and rest[0] in ("persons", "organizations", "deals", "leads")
        ):
            return api.entity_search(store, rest[0], query)
        if rest == ["itemSearch"]:
            return api.item_search(store, query)
        if rest == ["itemSearch", "field"]:
            return api.field_search(store, query)
        if rest and rest[0] in api.V2_KINDS and len(rest) <= 2 and method != "PUT":
            return api.v2_entities(store, method, rest[0], rest[1] if len(rest) == 2 else None, query, body)
        if len(rest) == 1 and rest[0].endswith("Fields") and method == "GET":
            entity = rest[0][: -len("Fields")]
            if entity in ("person", "organization", "deal", "activity"):
                return api.fields_v2(store, entity, query)
    if parts[:2] == ["api", "v1"]:
        rest = parts[2:]
        if rest and rest[0] == "leads" and len(rest) <= 2:
            return api.leads(store, method, rest[1] if len(rest) == 2 else None, query, body)
        if rest and rest[0] == "notes" and len(rest) <= 2:
            return api.notes(store, method, rest[1] if len(rest) == 2 else None, query, body)
        if method == "GET" and rest == ["users", "me"]:
            return api.ok(store.seed["user"])
        if method == "GET" and rest == ["activityTypes"]:
            return api.ok(store.seed["activity_types"])
        if method == "GET" and rest == ["leadLabels"]:
            return api.ok(store.seed["lead_labels"])
        if method == "GET" and rest in (["leadFields"], ["noteFields"]):
            return api.v1_pagination([], query)
    raise ApiError(404, f"Unknown route {method} {path}")


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: _without_nulls(v) for k, v in value.items() if v is not None or k in ("data", "next_cursor")
        }
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


class Handler(BaseHTTPRequestHandler):
    server: SandboxHTTPServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug(format, *args)

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _read_body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return "<invalid json>"

    def _control(self, method: str, path: str, body: Any) -> None:
        sandbox = self.server.sandbox
        if method == "GET" and path == "/_sandbox/state":
            return self._send(200, sandbox.store.dump())
        if method == "GET" and path == "/_sandbox/log":
            return self._send(200, sandbox.log)
        if method == "GET" and path == "/_sandbox/counters":
            return self._send(200, sandbox.counters)
        if method == "POST" and path == "/_sandbox/reset":
            sandbox.reset()
            return self._send(200, {"ok": True})
        if method == "POST" and path == "/_sandbox/config":
            try:
                sandbox.configure(**(body or {}))
            except (TypeError, ValueError, KeyError) as exc:
                return self._send(400, {"error": str(exc)})
            return self._send(200, {"ok": True})
        return self._send(404, {"error": "unknown control endpoint"})

    def _handle(self, method: str) -> None:
        sandbox = self.server.sandbox
        split = urlsplit(self.path)
        path, query = split.path, dict(parse_qsl(split.query, keep_blank_values=True))
        body = self._read_body() if method in ("POST", "PUT", "PATCH") else None
        if path.startswith("/_sandbox/"):
            return self._control(method, path, body)
        if sandbox.latency:
            time.sleep(sandbox.latency)
        entry: dict[str, Any] = {"method": method, "path": path, "query": query, "body": body}
        with sandbox.lock:
            sandbox.log.append(entry)
            sandbox.counters["requests"] += 1
        if not _authorized(sandbox, self.headers, query):
            entry.update(status=401, cost=0)
            return self._send(
                401,
                {
                    "success": False,
                    "error": "unauthorized access",
                    "errorCode": 401,
                    "error_info": "Please check developers.pipedrive.com",
                },
            )
        cost = sandbox.contract.cost(method, path) if sandbox.contract else token_cost(method, path)
        if sandbox.contract and (broken := sandbox.contract.check(method, path, query, body)):
            entry.update(status=400, cost=0, contract=broken)
            return self._send(
                400,
                {
                    "success": False,
                    "error": f"Request violates the API contract: {broken}",
                    "error_info": "Please check developers.pipedrive.com",
                    "data": None,
                    "additional_data": None,
                },
            )
        fault = sandbox.next_fault(method, path)
        if fault and fault.get("drop") == "before":
            entry.update(status="dropped", cost=0)
            self.close_connection = True
            return self.connection.shutdown(2)
        if fault and fault.get("html"):
            # Cloudflare's block page: not JSON, whatever the status.
            entry.update(status=int(fault.get("status", 403)), cost=0)
            page = b"<html><body>Access denied</body></html>"
            self.send_response(int(fault.get("status", 403)))
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            return self.wfile.write(page)  # type: ignore[return-value]
        if fault and fault.get("status"):
            status = int(fault["status"])
            entry.update(status=status, cost=0)
            extra = {"Retry-After": str(fault.get("retry_after", 1))} if status == 429 else {}
            return self._send(
                status, {"success": False, "error": "Injected fault", "errorCode": status}, extra
            )
        refused, headers = sandbox.limits.admit(search="search" in path.lower(), cost=cost)
        if refused:
            sandbox.counters["rejected_429"] += 1
            entry.update(status=429, cost=0)
            error = "daily request budget exceeded" if refused == "daily" else "Request rate limit exceeded"
            headers["Retry-After"] = headers["x-ratelimit-reset"]
            return self._send(429, {"success": False, "error": error, "errorCode": 429}, headers)
        sandbox.counters["tokens"] += cost
        try:
            with sandbox.store.lock:
                status, response = route(sandbox, method, path, query, body)
        except ApiError as exc:
            status, response = (
                exc.status,
                {
                    "success": False,
                    "error": exc.message,
                    "error_info": "Please check developers.pipedrive.com",
                    "data": None,
                    "additional_data": None,
                },
            )
        entry.update(status=status, cost=cost)
        if fault and fault.get("drop") == "after":
            # The write is committed; the client only sees the connection die.
            entry["status"] = f"dropped after {status}"
            self.close_connection = True
            return self.connection.shutdown(2)
        if path.startswith("/api/v2/") and status < 400:
            # API v2's description declares these properties non-nullable: unset ones are left out.
            # next_cursor stays null on the last page, as Pipedrive's pagination docs say.
            response = _without_nulls(response)
        return self._send(status, response, headers)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], sandbox: Sandbox) -> None:
        super().__init__(address, Handler)
        self.sandbox = sandbox


class SandboxServer:
    """A sandbox listening on 127.0.0.1 (an ephemeral port by default), run in a background thread."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, *, allow_remote: bool = False, **options: Any
    ) -> None:
        if not allow_remote and not (host == "localhost" or ipaddress.ip_address(host).is_loopback):
            raise ValueError(f"the sandbox binds to loopback only; {host} needs allow_remote")
        self.sandbox = Sandbox(**options)
        self.sandbox.reset()
        self.httpd = SandboxHTTPServer((host, port), self.sandbox)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}" if isinstance(host, str) else f"http://{host.decode()}:{port}"

    @property
    def token(self) -> str:
        return self.sandbox.token

    def start(self) -> SandboxServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # In-process access for tests.
    def state(self) -> dict[str, list[dict[str, Any]]]:
        return self.sandbox.store.dump()

    def entities(self, kind: str) -> list[dict[str, Any]]:
        return self.state()[kind]

    def log(self) -> list[dict[str, Any]]:
        return list(self.sandbox.log)

    def counters(self) -> dict[str, int]:
        return dict(self.sandbox.counters)

    def reset(self) -> None:
        self.sandbox.reset()

    def configure(self, **options: Any) -> None:
        self.sandbox.configure(**options)
