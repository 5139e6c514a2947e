"""The sync ledger: what earlier runs wrote, so that a re-sync of unchanged rows costs no API call.

One SQLite file (WAL mode) holds, per Pipedrive account (its base URL):
- identities: a match key (entity, match field, normalised value) → the Pipedrive id it was found or
  created under, so that lookups and associations need no search;
- writes: per mapping and match key, a digest of the body last written, so that a record whose body
  did not change is skipped without a read;
- markers: per mapping, a fingerprint of the source event → the id of the activity, note or lead it
  created, so that a replayed event (a rerun from an earlier STATE) never creates a second one.

Rows are committed as they are written: a marker lost to a crash would let a replay duplicate an entity.
The ledger only ever saves calls; when it is wrong (an entity deleted or merged in Pipedrive), the write
that trusted it fails and the executor forgets the row and looks the entity up instead.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    account TEXT NOT NULL,
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    digest TEXT,
    PRIMARY KEY (account, scope, key)
);
CREATE INDEX IF NOT EXISTS entries_by_entity ON entries (account, entity, entity_id)
"""


def digest(body: Any) -> str:
    """A stable fingerprint of a JSON value (key order does not matter)."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Entry:
    entity_id: str
    digest: str | None


class Ledger:
    """Thread-safe; `read_only` (dry runs) reads what earlier runs wrote and records nothing."""

    def __init__(self, path: str | Path, account: str, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.account = account
        self.read_only = read_only
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # WAL with NORMAL sync survives a killed process; only a power cut may lose the newest rows.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()
        self.hits = 0

    def get(self, scope: str, key: str) -> Entry | None:
        with self._lock:
            row = self._db.execute(
                "SELECT entity_id, digest FROM entries WHERE account = ? AND scope = ? AND key = ?",
                (self.account, scope, key),
            ).fetchone()
            if row is not None:
                self.hits += 1
        return Entry(row[0], row[1]) if row is not None else None

    def knows(self, entity: str, entity_id: int | str) -> bool:
        """Whether any row points at this entity: it belongs to some match key or event already."""
        with self._lock:
            row = self._db.execute(
                "SELECT 1 FROM entries WHERE account = ? AND entity = ? AND entity_id = ? LIMIT 1",
                (self.account, entity, str(entity_id)),
            ).fetchone()
        return row is not None

    def put(
        self, scope: str, key: str, entity: str, entity_id: int | str, body_digest: str | None = None
    ) -> None:
        if self.read_only:
            return
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO entries (account, scope, key, entity, entity_id, digest) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (self.account, scope, key, entity, str(entity_id), body_digest),
            )

    def forget(self, scope: str, key: str) -> None:
        if self.read_only:
            return
        with self._lock:
            self._db.execute(
                "DELETE FROM entries WHERE account = ? AND scope = ? AND key = ?", (self.account, scope, key)
            )

    def forget_entity(self, entity: str, entity_id: int | str) -> None:
        """Every row that points at an entity Pipedrive no longer knows (deleted or merged)."""
        if self.read_only:
            return
        with self._lock:
            self._db.execute(
                "DELETE FROM entries WHERE account = ? AND entity = ? AND entity_id = ?",
                (self.account, entity, str(entity_id)),
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()
