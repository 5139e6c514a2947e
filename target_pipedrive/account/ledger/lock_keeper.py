"""A PostgreSQL writer lock kept for the whole run. A session advisory lock lives as long as its
connection, and a server, a proxy or a DBA may close a connection that sits idle (idle_session_timeout,
a pooler's idle cut, pg_terminate_backend): the lock is then gone without a word, and a waiting run
starts writing the same account. So a thread of its own keeps the lock's connection busy, asking every
second whether the session still holds every lock it took; each ledger write first looks at its last
answer (no query on the writer's thread: a signal there could leave the connection mid-query), and a
lost lock stops the run before anything more is written (the rerun resumes from its last STATE)."""

from __future__ import annotations

import threading

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .errors import LedgerFailed, reason

# Seconds between two looks: well under any idle timeout worth setting, and the longest a run may go
# on writing after its lock was lost.
KEEPALIVE_SECONDS = 1.0

# This session's server pid, and the advisory locks of one class it holds (two int4 keys: objsubid 2).
_HELD_QUERY = sa.text(
    "SELECT pg_backend_pid(), (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
    "AND pid = pg_backend_pid() AND classid::bigint = :a AND objsubid = 2)"
)

_CLOSED = (
    "The server, a proxy or an administrator closed the lock's connection (an idle timeout such as "
    "idle_session_timeout, pg_terminate_backend), so another run may now write this account"
)
_POOLED = (
    "The ledger_url reaches PostgreSQL through a proxy that pools transactions (PgBouncer's transaction "
    "mode): a session's advisory lock cannot be held there, so another run may write this account. Use "
    "a direct or session-mode connection for the ledger"
)


class LockKeeper:
    def __init__(self, conn: Connection, lock_class: int, held: int, where: str) -> None:
        self._conn, self._class, self._held, self._where = conn, lock_class, held, where
        self._stop = threading.Event()
        self._lost: str | None = None
        self._why = _CLOSED
        self._pid = self._look()[0]
        self._thread = threading.Thread(target=self._keep, name="ledger-lock-keeper", daemon=True)
        self._thread.start()

    def check(self) -> None:
        """Raise LedgerFailed once the keeper found this session's writer locks gone."""
        if self._lost is not None:
            raise LedgerFailed(
                f"the sync ledger's writer lock on PostgreSQL ({self._where}) was lost: {self._lost}. "
                f"{self._why}: this run stops before its next write. Run it again (it resumes from its "
                "last state)"
            )

    def stop(self) -> bool:
        """Stop looking; False when the thread is still in a query (its connection must be left alone)."""
        self._stop.set()
        self._thread.join(timeout=5)
        return not self._thread.is_alive()

    def _keep(self) -> None:
        while not self._stop.wait(KEEPALIVE_SECONDS):
            try:
                pid, count = self._look()
            except Exception as exc:  # any failure of the lock's connection: the lock is gone with it
                self._lost = f"its connection failed ({reason(exc)})"
                return
            if pid != self._pid:
                self._lost, self._why = f"the session changed (server pid {self._pid}, now {pid})", _POOLED
                return
            if count < self._held:
                self._lost = "the server no longer lists it among the session's locks"
                return

    def _look(self) -> tuple[int, int]:
        row = self._conn.execute(_HELD_QUERY, {"a": self._class}).one()
        self._conn.commit()
        return int(row[0]), int(row[1])
