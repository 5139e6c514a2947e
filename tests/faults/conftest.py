"""Fault tests: a small mixed stream of Segment events, its fault-free outcome, and fast settings.

The fault-free outcome is computed once per session on a sandbox of its own, so that each test only
pays for its faulty run (and reruns).

The ledger: every test runs on a SQLite file; a representative subset runs on PostgreSQL too (`ledger`
parametrized by `on_ledgers`), the faults whose recovery rests on what the ledger keeps: a create or an
update whose outcome is unknown (the outbox's intent, a write's digest), a note's event marker, a
create still landing after its timeout, and a SIGTERM with a create in flight. The whole suite on both
would double its time (about 35 s on SQLite) for little: the other faults never reach the ledger's
rows differently. PostgreSQL comes from TARGET_PIPEDRIVE_TEST_PG_URL (scripts/ci_postgres.sh), as in
tests/ledger; without it those tests skip (and fail under CI).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pipedrive_sandbox.server import SandboxServer

from benchmarks.configs import MIXED_MAPPINGS
from benchmarks.events import mixed_events
from benchmarks.soak_tap import TapInput, run_until_done

from ..ledger.conftest import fresh_database, postgres_server

# Seed 11: every kind of event, and two orders completed again (updates) at records 13 and 20.
EVENTS = mixed_events(24, seed=11)
# The sandbox's clock and the target's run 10x faster: retry waits, rate windows and search lag shrink
# alike. Latencies are sandbox seconds (1 real second = SPEED sandbox seconds); request_timeout is real.
SPEED = 10


def fast_settings(server: Any, workdir: Path) -> dict[str, Any]:
    """Few retries and a short timeout keep a failing run short; one ledger per test, as per account."""
    return {
        "api_url": server.url,
        "api_token": server.token,
        "mappings": MIXED_MAPPINGS,
        "max_retries": 1,
        "request_timeout": 1,
        "progress_interval": 60,
        "clock_speed": SPEED,
        "reject_file": str(workdir / "rejects.jsonl"),
        "ledger_path": str(workdir / "ledger.sqlite"),
    }


@pytest.fixture(scope="session")
def tap() -> TapInput:
    # A state after every record: each checkpoint is as fine as it can be, so a state passed on one
    # record too early is a lost record in the comparison.
    return TapInput(EVENTS, state_every=1)


@pytest.fixture(scope="session")
def fault_free(tap: TapInput, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    workdir = tmp_path_factory.mktemp("fault_free")
    with SandboxServer(speed=SPEED) as server:
        orchestration = run_until_done(tap, fast_settings(server, workdir), workdir, max_attempts=1)
        assert orchestration.attempts[-1].summary is not None
        yield server.state()


def on_ledgers(values: dict[str, Any], postgres: Iterable[str]) -> list[Any]:
    """Parameters (value, ledger): each value on SQLite, and those named in `postgres` on PostgreSQL
    too (ids `name` and `name-postgresql`)."""
    return [pytest.param(value, "sqlite", id=name) for name, value in values.items()] + [
        pytest.param(values[name], "postgresql", id=f"{name}-postgresql") for name in postgres
    ]


@pytest.fixture
def ledger() -> str:
    """The ledger's database; a test parametrized on `ledger` overrides it (on_ledgers)."""
    return "sqlite"


@pytest.fixture
def settings(sandbox: Any, tmp_path: Path, ledger: str) -> dict[str, Any]:
    sandbox.configure(speed=SPEED)
    if ledger == "postgresql":
        # A database of its own per test, as a SQLite file per test: ledger_url wins over ledger_path.
        return fast_settings(sandbox, tmp_path) | {"ledger_url": fresh_database(postgres_server())}
    return fast_settings(sandbox, tmp_path)
