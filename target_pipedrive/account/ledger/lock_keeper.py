"""A PostgreSQL writer lock kept for the whole run. A session advisory lock lives as long as its
connection, and a server, a proxy or a DBA may close a connection that sits idle (idle_session_timeout,
a pooler's idle cut, pg_terminate_backend): the lock is then gone without a word, and a waiting run
starts writing the same account. So the lock's connection is kept busy (a `SELECT 1` every second),
and before each ledger write the run checks that its session still holds every lock it took: a lost
lock stops the run before anything more is written (the rerun resumes from its last STATE)."""

from __future__ import annotations

import threading

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .errors import LedgerFailed, reason

# Seconds between two keep-alive queries: well under any idle timeout worth setting.
KEEPALIVE_SECONDS = 1.0

# The advisory locks of one class this session holds (two int4 keys: objsubid 2).
_HELD_QUERY = sa.text(
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
    "AND pid = pg_backend_pid() AND classid::bigint = :a AND objsubid = 2"
)


class LockKeeper:
    def __init__(self, conn: Connection, lock_class: int, held: int, where: str) -> None:
        self._conn, self._class, self._held, self._where = conn, lock_class, held, where
        # One query at a time on the lock's connection: the keep-alive thread and the writers' checks.
        self._guard = threading.Lock()
        self._stop = threading.Event()
        self._lost: str | None = None
        self._thread = threading.Thread(target=self._keep_alive, name="ledger-lock-keeper", daemon=True)
        self._thread.start()

    def check(self) -> None:
        """Raise LedgerFailed unless this session still holds every writer lock it took."""
        with self._guard:
            if self._lost is None:
                try:
                    count = self._conn.execute(_HELD_QUERY, {"a": self._class}).scalar_one()
                    self._conn.commit()
                    if count < self._held:
                        self._lost = "the server no longer lists it among the session's locks"
                except sa.exc.SQLAlchemyError as exc:
                    self._lost = f"its connection failed ({reason(exc)})"
            if self._lost is not None:
                raise LedgerFailed(self._message())

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _keep_alive(self) -> None:
        while not self._stop.wait(KEEPALIVE_SECONDS):
            with self._guard:
                if self._lost is not None or self._stop.is_set():
                    return
                try:
                    self._conn.execute(sa.text("SELECT 1"))
                    self._conn.commit()
                except sa.exc.SQLAlchemyError as exc:
                    # Said by the next write's check: nothing is written once the lock is gone.
                    self._lost = f"its connection failed ({reason(exc)})"
                    return

    def _message(self) -> str:
        return (
            f"the sync ledger's writer lock on PostgreSQL ({self._where}) was lost: {self._lost}. The "
            "server, a proxy or an administrator closed the lock's connection (an idle timeout such as "
            "idle_session_timeout, pg_terminate_backend), so another run may now write this account: this "
            "run stops before its next write. Run it again (it resumes from its last state), and keep the "
            "ledger's connections from being closed while a run holds them"
        )
