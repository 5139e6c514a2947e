"""Fixtures of the client tests: a scripted stub server (for faults the sandbox does not model)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .helpers import StubServer


@pytest.fixture
def stub() -> Iterator[StubServer]:
    server = StubServer().start()
    yield server
    server.stop()
