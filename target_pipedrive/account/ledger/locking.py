"""One writer per account: a PostgreSQL session advisory lock (released when the connection dies) or
an exclusive flock on a file beside the SQLite file; and the file lock a SQLite ledger is created or
migrated under (two runs opening a new file at once).

The try functions answer None when the lock is now the caller's, else who holds it; the store
(store.Ledger.lock_writer) waits and retries."""

from __future__ import annotations

import contextlib
import os
import socket
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from sqlalchemy.engine import Connection

# The first int4 key of every advisory lock this target takes ('PD'); the second is the account's
# (lock_key), or MIGRATION_KEY for the transaction lock a migration takes.
LOCK_CLASS = 0x5044
MIGRATION_KEY = 0

_HOLDER_QUERY = (
    "SELECT a.pid, a.application_name, a.client_addr, a.backend_start FROM pg_locks l "
    "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' "
    "AND l.granted AND l.classid::bigint = :a AND l.objid::bigint = :b AND l.objsubid = 2"
)


def lock_key(account: str) -> int:
    """The account's advisory lock key (31 bits, the second of two int4 keys)."""
    return zlib.crc32(account.encode()) & 0x7FFFFFFF


def holder_text() -> str:
    """Who this process is, as the holder of a lock (and PostgreSQL's application_name)."""
    return f"target-pipedrive pid {os.getpid()} on {socket.gethostname()}"


@contextlib.contextmanager
def file_lock(path: Path | None, name: str, *, read_only: bool) -> Iterator[None]:
    """An exclusive lock on a file next to a SQLite ledger while it is created or migrated; nothing for
    PostgreSQL (`path` None: an advisory lock does it) or read-only."""
    if path is None or read_only:
        yield
        return
    import fcntl

    with open(path.with_name(f"{path.name}.{name}.lock"), "a+", encoding="utf-8") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def try_advisory_lock(conn: Connection, account: str) -> str | None:
    """The account's session advisory lock on `conn` (kept open by the caller while it writes)."""
    keys = {"a": LOCK_CLASS, "b": lock_key(account)}
    got = conn.execute(
        sa.text("SELECT pg_try_advisory_lock(CAST(:a AS integer), CAST(:b AS integer))"), keys
    ).scalar_one()
    conn.commit()
    if got:
        return None
    row = conn.execute(sa.text(_HOLDER_QUERY), keys).first()
    conn.commit()
    if row is None:
        return "a session that has just let go"
    who = row[1] or "a PostgreSQL session"
    return f"{who}, server pid {row[0]}, from {row[2] or 'local'} since {row[3]}"


def try_file_lock(path: Path, account: str, handle: IO[str] | None) -> tuple[str | None, IO[str]]:
    """The account's flock on a file beside the SQLite ledger at `path`: (the holder or None, the
    open lock file, which the caller keeps and hands back on the next try)."""
    import fcntl

    lock_path = path.with_name(f"{path.name}.{lock_key(account):08x}.lock")
    handle = handle or open(lock_path, "a+", encoding="utf-8")  # noqa: SIM115
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        return handle.read().strip() or f"the holder of {lock_path}", handle
    handle.seek(0)
    handle.truncate()
    handle.write(f"{holder_text()} since {time.strftime('%Y-%m-%d %H:%M:%S %Z')}\n")
    handle.flush()
    return None, handle
