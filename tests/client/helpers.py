"""Test doubles for the client: a fake clock that sleeps instantly, and a scripted HTTP server."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from target_pipedrive.pipedrive.client import PipedriveClient

TOKEN = "0123456789abcdef0123456789abcdef01234567"


class FakeTime:
    """clock() and sleep() for a client: sleeping advances the clock at once and is recorded."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds


def fake_client(url: str, token: str = TOKEN, **options: Any) -> tuple[PipedriveClient, FakeTime]:
    fake = FakeTime()
    return PipedriveClient(url, token, sleep=fake.sleep, clock=fake.clock, **options), fake


@dataclass
class Reply:
    status: int = 200
    body: Any = field(default_factory=lambda: {"success": True, "data": {"id": 1}})
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    delay: float = 0.0  # seconds before answering (a read timeout on the client's side)
    drop: bool = False  # read the request, then close the connection without a word


@dataclass
class Seen:
    method: str
    target: str  # the request line's target: path and query, as sent
    headers: dict[str, str]
    body: bytes


class StubServer:
    """Answers each request with the next scripted Reply (then 200 success) and records what it got."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.seen: list[Seen] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                stub.seen.append(Seen(self.command, self.path, dict(self.headers.items()), body))
                reply = stub.replies.popleft() if stub.replies else Reply()
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.drop:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                raw = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(raw)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self) -> None:
                self._any()

            def do_POST(self) -> None:
                self._any()

            def do_PATCH(self) -> None:
                self._any()

            def do_PUT(self) -> None:
                self._any()

            def do_DELETE(self) -> None:
                self._any()

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def script(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def start(self) -> StubServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def ok(data: Any = None, additional_data: Any = None, **headers: str) -> Reply:
    body: dict[str, Any] = {"success": True, "data": {"id": 1} if data is None else data}
    if additional_data is not None:
        body["additional_data"] = additional_data
    return Reply(200, body, dict(headers))
