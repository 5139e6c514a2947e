"""The ledger's databases: a SQLite file, and a real PostgreSQL (scripts/ci_postgres.sh in CI).

Tests that need PostgreSQL skip only on a developer's machine without TARGET_PIPEDRIVE_TEST_PG_URL;
under CI (CI set) a missing PostgreSQL fails them."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

PG_ENV = "TARGET_PIPEDRIVE_TEST_PG_URL"


def postgres_server() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"{PG_ENV} is not set under CI: .ci/run starts PostgreSQL (scripts/ci_postgres.sh)")
        pytest.skip(f"no PostgreSQL: set {PG_ENV} (source scripts/ci_postgres.sh)")
    return url


def fresh_database(server: str) -> str:
    """A new, empty database on the test server; its URL."""
    import psycopg

    name = f"ledger_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server.rsplit("/", 1)[0] + "/" + name


@pytest.fixture
def pg_url() -> str:
    return fresh_database(postgres_server())


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each ledger test once on a SQLite file and once on a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    return fresh_database(postgres_server())
