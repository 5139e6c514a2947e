"""The sandbox's HTTP plumbing: a threaded server on loopback, the control endpoints, SandboxServer."""

from __future__ import annotations

import email.utils
import ipaddress
import json
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .core import DEFAULT_TOKEN, Outcome, Sandbox

__all__ = ["DEFAULT_TOKEN", "Sandbox", "SandboxServer"]
logger = logging.getLogger("pipedrive_sandbox")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Handler(BaseHTTPRequestHandler):
    server: SandboxHTTPServer
    protocol_version = "HTTP/1.1"  # keep-alive: clients reuse connections, as with Pipedrive

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm meets the
        # client's delayed ACK and every keep-alive request waits ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def date_time_string(self, timestamp: float | None = None) -> str:
        # The Date header tells the sandbox's time (its clock_offset included), as Pipedrive's tells its own.
        if timestamp is None:
            timestamp = self.server.sandbox.store.now().timestamp()
        return email.utils.formatdate(timestamp, usegmt=True)

    def log_message(self, format: str, *args: Any) -> None:
        # The request line can carry ?api_token=…: never at INFO.
        logger.debug(format, *args)

    def _send(self, outcome: Outcome) -> None:
        if outcome.drop:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        try:
            self.send_response(outcome.status)
            self.send_header("Content-Type", outcome.content_type)
            self.send_header("Content-Length", str(len(outcome.body)))
            for key, value in outcome.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(outcome.body)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up waiting (its timeout): as on a real server, the answer goes nowhere.
            self.close_connection = True

    def _control(self, method: str, path: str, query: dict[str, str], raw: bytes) -> Outcome:
        sandbox = self.server.sandbox
        if not _is_loopback(self.client_address[0]):
            return Outcome(403, b'{"error": "control endpoints answer loopback clients only"}')
        try:
            if method == "GET" and path == "/_sandbox/state":
                return _ok(sandbox.store.dump())
            if method == "GET" and path == "/_sandbox/log":
                since = int(query.get("since", 0))
                return _ok([entry for entry in list(sandbox.log) if entry["seq"] > since])
            if method == "GET" and path == "/_sandbox/counters":
                return _ok(sandbox.counters)
            if method == "GET" and path == "/_sandbox/faults":
                return _ok(sandbox.faults.pending())
            if method == "POST" and path == "/_sandbox/reset":
                sandbox.reset()
                return _ok({"ok": True})
            if method == "POST" and path == "/_sandbox/generate":
                spec = json.loads(raw) if raw else {}
                first = sandbox.store.generate(
                    spec["kind"],
                    int(spec["count"]),
                    searchable=bool(spec.get("searchable", True)),
                    age=float(spec.get("age", 0)),
                )
                return _ok({"first_id": first})
            if method == "POST" and path == "/_sandbox/config":
                sandbox.configure(**(json.loads(raw) if raw else {}))
                return _ok({"ok": True})
        except (TypeError, ValueError, KeyError) as exc:
            return Outcome(400, json.dumps({"error": str(exc)}).encode())
        return Outcome(404, b'{"error": "unknown control endpoint"}')

    def _handle(self, method: str) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if split.path.startswith("/_sandbox/"):
            query = dict(parse_qsl(split.query))
            return self._send(self._control(method, split.path, query, raw))
        return self._send(self.server.sandbox.handle(method, split.path, split.query, self.headers, raw))

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


def _ok(data: Any) -> Outcome:
    return Outcome(200, json.dumps(data, default=str).encode())


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # benchmarks open many connections at once

    def __init__(self, address: tuple[str, int], sandbox: Sandbox) -> None:
        super().__init__(address, Handler)
        self.sandbox = sandbox


class SandboxServer:
    """A sandbox listening on 127.0.0.1 (an ephemeral port by default), served from a background thread."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, *, allow_remote: bool = False, **options: Any
    ) -> None:
        if not allow_remote and not _is_loopback(host):
            raise ValueError(f"the sandbox binds to loopback only; binding {host} needs allow_remote")
        self.sandbox = Sandbox(**options)
        self.httpd = SandboxHTTPServer((host, port), self.sandbox)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        return f"http://{host}:{port}"

    @property
    def token(self) -> str:
        return self.sandbox.token

    @property
    def validating(self) -> bool:
        return self.sandbox.contract is not None and self.sandbox.validate

    def start(self) -> SandboxServer:
        # A short poll interval: stop() waits for the serving loop to notice, and tests stop many sandboxes.
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, args=(0.05,), name="pipedrive-sandbox", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def stop(self) -> None:
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join(timeout=5)
        self.httpd.server_close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    # In-process access, as the control endpoints give it to other processes.
    def state(self) -> dict[str, list[dict[str, Any]]]:
        return self.sandbox.store.dump()

    def entities(self, kind: str) -> list[dict[str, Any]]:
        return self.state()[kind]

    def log(self) -> list[dict[str, Any]]:
        return [dict(entry) for entry in self.sandbox.log]

    def counters(self) -> dict[str, Any]:
        return json.loads(json.dumps(self.sandbox.counters))

    def reset(self) -> None:
        self.sandbox.reset()

    def generate(self, kind: str, count: int, *, searchable: bool = True, age: float = 0) -> int:
        """`count` more persons or organizations (store.Store.generate); the first new id."""
        return self.sandbox.store.generate(kind, count, searchable=searchable, age=age)

    def configure(self, **options: Any) -> None:
        self.sandbox.configure(**options)
