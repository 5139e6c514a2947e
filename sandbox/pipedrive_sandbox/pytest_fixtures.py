"""pytest fixtures: a running sandbox on an ephemeral 127.0.0.1 port, fresh for every test.

`sandbox` reuses one server per session and resets it (seed, options, log, counters, limits) before
each test; `sandbox_factory(**options)` starts extra sandboxes with their own options.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .server import SandboxServer


@pytest.fixture(scope="session")
def _sandbox_server() -> Iterator[SandboxServer]:
    server = SandboxServer().start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(_sandbox_server: SandboxServer) -> SandboxServer:
    _sandbox_server.reset()
    return _sandbox_server


@pytest.fixture
def sandbox_factory() -> Iterator[Callable[..., SandboxServer]]:
    started: list[SandboxServer] = []

    def start(**options: Any) -> SandboxServer:
        server = SandboxServer(**options).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
