"""One writer per account: a PostgreSQL session advisory lock (released when the connection dies) or
an exclusive flock on a file beside the SQLite file; and the file lock a SQLite ledger is created or
migrated under (two runs opening a new file at once).

A writer holds one such lock per key (WriterLocks): the account's URL, and the Pipedrive company's
(company.py), since one company reached by two spellings of its URL is still one account to write.
The try functions answer None when the lock is now the caller's, else who holds it; WriterLocks
waits and retries."""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from .errors import LedgerBusy, LedgerFailed, LedgerUnusable, failed_message
from .lock_keeper import LockKeeper

# The first int4 key of every advisory lock this target takes ('PD'); the second is the account's
# (lock_key), or MIGRATION_KEY for the transaction lock a migration takes.
LOCK_CLASS = 0x5044
MIGRATION_KEY = 0
# Seconds between two tries of a writer lock another run holds.
LOCK_POLL = 0.5

_HOLDER_QUERY = (
    "SELECT a.pid, a.application_name, a.client_addr, a.backend_start FROM pg_locks l "
    "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' "
    "AND l.granted AND l.classid::bigint = :a AND l.objid::bigint = :b AND l.objsubid = 2"
)


def beside(path: Path, suffix: str) -> Path:
    """A lock file beside the SQLite file, named after the file itself (symbolic links followed): two
    runs that name one ledger by different paths take the same lock."""
    real = path.resolve()
    return real.with_name(f"{real.name}.{suffix}.lock")


def refuse_hard_links(path: Path, setting: str) -> None:
    """A SQLite ledger must have one name: SQLite keeps a journal per name, and the lock files beside
    each name differ, so two runs naming it by two hard links could write the account at once."""
    try:
        found = path.stat()
    except OSError:  # not there yet: created with one name
        return
    links = found.st_nlink
    if stat.S_ISREG(found.st_mode) and links > 1:  # a folder has 2 or more: not this problem
        raise LedgerUnusable(
            f"setting {setting}: the SQLite ledger {path} has {links} hard links (names). Two runs naming "
            "it differently would not wait for each other, and SQLite could corrupt it. Keep one name "
            "(remove the other links; a symbolic link is fine) and run again"
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

    with open(beside(path, name), "a+", encoding="utf-8") as handle:
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

    lock_path = beside(path, f"{lock_key(account):08x}")
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


class WriterLocks:
    """The writer locks a ledger's run holds until `close`: advisory locks on one PostgreSQL
    connection, or flocks on files beside the SQLite file (`path`)."""

    def __init__(self, engine: Engine, backend: str, path: Path | None, where: str) -> None:
        self.engine, self.backend, self.path, self.where = engine, backend, path, where
        self._conn: Connection | None = None
        self._files: dict[str, IO[str]] = {}
        self._held: set[int] = set()  # PostgreSQL: the lock keys this session took
        self._keeper: LockKeeper | None = None

    def take(self, keys: Sequence[str], wait: float, on_wait: Callable[[str], None] | None) -> None:
        """Every key's lock, in the order given (every run takes the URL's first, then the company's:
        two runs never each hold one the other waits for), waiting up to `wait` seconds in all;
        LedgerBusy names the holder."""
        deadline = time.monotonic() + max(0.0, wait)
        told = False
        self._stop_keeping()  # the lock's connection takes the new keys alone
        for key in keys:
            while (holder := self._try(key)) is not None:
                if time.monotonic() >= deadline:
                    raise LedgerBusy(
                        f"another run writes to this Pipedrive account ({holder}) and still held the sync "
                        f"ledger's writer lock after {wait:g} s ({self.where}): runs on one account must "
                        "not overlap. Let it finish (or stop it), or raise ledger_lock_wait, and run again"
                    )
                if not told and on_wait is not None:
                    waiting = f"waiting up to {wait:g} s"
                    on_wait(f"Another run holds the sync ledger's writer lock ({holder}): {waiting}")
                    told = True
                time.sleep(LOCK_POLL)
            self._held.add(lock_key(key))
        if self._conn is not None:
            self._keeper = LockKeeper(self._conn, LOCK_CLASS, len(self._held), self.where)

    def check(self) -> None:
        """Before a write: LedgerFailed if a PostgreSQL writer lock was lost with its connection."""
        if self._keeper is not None:
            self._keeper.check()

    def _stop_keeping(self) -> None:
        if self._keeper is not None and not self._keeper.stop():
            # Its thread is still in a query on the lock's connection: that connection is left alone
            # (closing it under the thread is not safe); the process's end closes it.
            self._conn = None
        self._keeper = None

    def _try(self, key: str) -> str | None:
        if self.backend == "postgresql":
            try:
                if self._conn is None:
                    self._conn = self.engine.connect()
                return try_advisory_lock(self._conn, key)
            except sa.exc.SQLAlchemyError as exc:
                raise LedgerFailed(failed_message(exc, self.where)) from None
        assert self.path is not None
        holder, self._files[key] = try_file_lock(self.path, key, self._files.get(key))
        return holder

    def close(self) -> None:
        self._stop_keeping()
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None
        for handle in self._files.values():
            with contextlib.suppress(Exception):
                handle.close()
        self._files.clear()
