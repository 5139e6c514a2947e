"""The database behind a ledger: its SQLAlchemy engine (SQLite in WAL mode, or PostgreSQL through
psycopg 3), and every failure while opening it turned into one LedgerUnusable line."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine

from .errors import LedgerUnusable, unusable_message
from .locking import holder_text


def make_engine(parsed: URL, *, path: Path | None, where: str, read_only: Callable[[], bool]) -> Engine:
    """The engine of a ledger URL (`path`: the SQLite file, None in memory). `read_only` is asked at
    each new connection: a read-only SQLite connection does not switch the file to WAL."""
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            parsed,
            connect_args={"check_same_thread": False, "timeout": 30},
            poolclass=sa.pool.StaticPool if path is None else None,
        )

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            # WAL with NORMAL sync survives a killed process; only a power cut may lose the newest rows.
            if not read_only():
                dbapi_conn.execute("PRAGMA journal_mode=WAL")
            dbapi_conn.execute("PRAGMA synchronous=NORMAL")

        return engine
    if backend != "postgresql":
        raise LedgerUnusable(
            f"setting ledger_url: {where} is not supported; the ledger runs on SQLite or PostgreSQL"
        )
    return sa.create_engine(
        parsed,
        pool_pre_ping=True,
        connect_args={"application_name": holder_text()[:63], "connect_timeout": 10},
    )


@contextlib.contextmanager
def opening(*, backend: str, where: str, setting: str) -> Iterator[None]:
    """Any failure while opening as one line naming the ledger and the fix."""
    try:
        yield
    except LedgerUnusable:
        raise
    except ModuleNotFoundError as exc:
        raise LedgerUnusable(
            f"setting ledger_url: {where} needs the {exc.name} driver: "
            "pip install 'target-pipedrive[postgres]'"
        ) from None
    except (sa.exc.SQLAlchemyError, sqlite3.Error, OSError) as exc:
        raise LedgerUnusable(unusable_message(exc, backend=backend, where=where, setting=setting)) from None
