"""The database behind a ledger: its SQLAlchemy engine (SQLite in WAL mode, or PostgreSQL through
psycopg 3), and every failure while opening it turned into one LedgerUnusable line.

A SQLite file's transactions are SQLAlchemy's, not pysqlite's: left to itself, pysqlite runs DDL
outside any transaction (its legacy autocommit), so a full disk or a kill -9 while a ledger was
created or migrated left half a schema behind. Every transaction here starts with our own BEGIN
(SQLAlchemy's documented pysqlite recipe), so creating or migrating the schema is all or nothing."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine

from .errors import LedgerUnusable, unusable_message
from .locking import holder_text

# The execution option of a transaction that writes (for_writes).
_WRITES = "ledger_writes"


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

        # Not in memory: nothing there outlives the process, and the one connection all threads share
        # (StaticPool) would see their BEGINs collide.
        if path is not None:
            _own_transactions(engine)
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


def for_writes(engine: Engine) -> Engine:
    """The engine (the same pool) for transactions that write: on a SQLite file they BEGIN IMMEDIATE."""
    return engine.execution_options(**{_WRITES: True})


def _own_transactions(engine: Engine) -> None:
    """SQLAlchemy's pysqlite recipe: the driver never BEGINs (nor COMMITs before DDL); we do."""

    @sa.event.listens_for(engine, "connect")
    def _no_driver_begin(dbapi_conn: Any, _record: Any) -> None:
        # Python 3.16 drops legacy control by default; the recipe needs it (commit() still commits).
        if hasattr(sqlite3, "LEGACY_TRANSACTION_CONTROL"):
            dbapi_conn.autocommit = sqlite3.LEGACY_TRANSACTION_CONTROL
        dbapi_conn.isolation_level = None

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # A writer takes the write lock at BEGIN, waiting for it under the busy timeout: a deferred
        # transaction that reads, then writes fails at once (SQLITE_BUSY) if another run wrote between.
        # Readers stay deferred: in WAL mode they never block a writer, nor wait for one.
        immediate = conn.get_execution_options().get(_WRITES, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


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
