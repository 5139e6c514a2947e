"""The key index's rows in the ledger database: per entity type and match field, match key → ids, and
how far the index is (its cursor in Pipedrive's time, its last full listing, a listing under way).

Nothing of an entity but its id and its normalised match keys is kept. The rows are read per lookup
(an indexed primary-key read), never held in memory: an index of a million entities costs the run
no memory. A page of a listing is written in one transaction with the listing's progress, so a run
stopped anywhere (the daily budget, a signal) resumes after the last page it stored.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from .engines import for_writes
from .errors import LedgerFailed, failed_message
from .schema import index_keys, index_state

_DB_ERRORS = (sa.exc.SQLAlchemyError, sqlite3.Error)
# Rows per statement when dropping the old keys of a page's entities (below SQLite's variable limit).
_CHUNK = 500


@dataclass
class IndexState:
    """`since`: the moment (Pipedrive's time, RFC 3339) the next refresh lists changes from; `full_at`:
    when the last full listing completed (seconds since the epoch, our clock; None: never); `cursor`:
    the next page of a listing under way (None: none), which lists from `listing_since` (None: a full
    listing) and, once complete, moves `since` to `listing_from`."""

    generation: int = 0
    since: str | None = None
    full_at: float | None = None
    cursor: str | None = None
    listing_since: str | None = None
    listing_from: str | None = None
    listing_full: bool = False

    @property
    def complete(self) -> bool:
        return self.full_at is not None and self.cursor is None


# A lookup, built once (it runs for every record the ledger cannot answer).
_IDS = sa.select(index_keys.c.entity_id).where(
    *(getattr(index_keys.c, name) == sa.bindparam(name) for name in ("account", "entity", "field", "key"))
)

Page = list[tuple[int, set[str]]]  # (entity id, its match keys) per entity listed


class KeyStore:
    """Thread-safe. `where` names the database in failure messages; `read_only` (a dry run reading the
    ledger's index) writes nothing; not `persistent` (in memory): gone at the end of the run."""

    def __init__(
        self,
        engine: Engine,
        account: str,
        *,
        where: str,
        read_only: bool = False,
        persistent: bool = True,
        before_write: Callable[[], None] = lambda: None,
    ) -> None:
        # The ledger's writer-lock check (locking.py): no index row once another run may write.
        self._before_write = before_write
        self.engine = engine
        self._writer = for_writes(engine)
        self.account = account
        self.where = where
        self.read_only = read_only
        self.persistent = persistent
        self._lock = threading.Lock()

    @classmethod
    def in_memory(cls, account: str) -> KeyStore:
        """An index for this run only (no ledger, or a dry run): dictionaries, no database."""
        from ..key_memory import MemoryKeyStore  # it builds on this class

        return MemoryKeyStore(account)

    @contextlib.contextmanager
    def _db(self, write: bool = False) -> Iterator[Connection]:
        if write:
            self._before_write()
        try:
            with self._lock, self._writer.begin() if write else self.engine.connect() as conn:
                yield conn
        except _DB_ERRORS as exc:
            raise LedgerFailed(failed_message(exc, self.where)) from None

    def _of(self, entity: str, field: str | None = None) -> list[sa.ColumnElement[bool]]:
        where = [index_keys.c.account == self.account, index_keys.c.entity == entity]
        return where if field is None else [*where, index_keys.c.field == field]

    def ids(self, entity: str, field: str, key: str) -> list[int]:
        values = {"account": self.account, "entity": entity, "field": field, "key": key}
        with self._db() as conn:
            return sorted(int(row[0]) for row in conn.execute(_IDS, values))

    def count(self, entity: str, field: str) -> int:
        """Rows of one index (tests and the tools)."""
        with self._db() as conn:
            query = sa.select(sa.func.count()).select_from(index_keys).where(*self._of(entity, field))
            return int(conn.execute(query).scalar_one())

    def state(self, entity: str, field: str) -> IndexState:
        with self._db() as conn:
            row = (
                conn.execute(sa.select(index_state).where(*self._state_of(entity, field))).mappings().first()
            )
        if row is None:
            return IndexState()
        values = {name: row[name] for name in asdict(IndexState())}
        values["listing_full"] = bool(values["listing_full"])
        return IndexState(**values)

    def _state_of(self, entity: str, field: str) -> tuple[sa.ColumnElement[bool], ...]:
        return (
            index_state.c.account == self.account,
            index_state.c.entity == entity,
            index_state.c.field == field,
        )

    def store(
        self, entity: str, field: str, page: Page, state: IndexState, *, sweep: bool = False
    ) -> list[int]:
        """A listed page's keys (each entity's old keys replaced) and the listing's progress, together;
        `sweep` (the last page of a full listing): also the rows of entities the listing did not see
        (deleted or merged away), which are of an older generation. Returns the ids swept."""
        swept: list[int] = []
        with self._db(write=True) as conn:
            self._replace(conn, entity, field, page, state.generation)
            if sweep:
                older = (*self._of(entity, field), index_keys.c.generation < state.generation)
                found = conn.execute(sa.select(index_keys.c.entity_id).where(*older).distinct())
                swept = sorted(int(row[0]) for row in found)
                conn.execute(index_keys.delete().where(*older))
            self._save(conn, entity, field, state)
        return swept

    def held(self, entity: str, fields: Iterable[str], ids: Iterable[int]) -> set[int]:
        """Which of these ids any of these indexes of an entity type has a row of (one query per
        _CHUNK ids: SQLite caps a statement's parameters)."""
        wanted, candidates = sorted(set(fields)), sorted(set(ids))
        found: set[int] = set()
        if not wanted:
            return found
        with self._db() as conn:
            for start in range(0, len(candidates), _CHUNK):
                chunk = candidates[start : start + _CHUNK]
                query = sa.select(index_keys.c.entity_id).where(
                    *self._of(entity), index_keys.c.field.in_(wanted), index_keys.c.entity_id.in_(chunk)
                )
                found.update(int(row[0]) for row in conn.execute(query.distinct()))
        return found

    def save(self, entity: str, field: str, state: IndexState) -> None:
        with self._db(write=True) as conn:
            self._save(conn, entity, field, state)

    def _save(self, conn: Connection, entity: str, field: str, state: IndexState) -> None:
        conn.execute(index_state.delete().where(*self._state_of(entity, field)))
        conn.execute(
            index_state.insert().values(account=self.account, entity=entity, field=field, **asdict(state))
        )

    def _replace(self, conn: Connection, entity: str, field: str, page: Page, generation: int) -> None:
        ids = [entity_id for entity_id, _ in page]
        for start in range(0, len(ids), _CHUNK):
            conn.execute(
                index_keys.delete().where(
                    *self._of(entity, field), index_keys.c.entity_id.in_(ids[start : start + _CHUNK])
                )
            )
        rows = [
            self._row(entity, field, key, entity_id, generation) for entity_id, keys in page for key in keys
        ]
        if rows:
            conn.execute(index_keys.insert(), rows)

    def _row(self, entity: str, field: str, key: str, entity_id: int, generation: int) -> dict[str, object]:
        return {
            "account": self.account,
            "entity": entity,
            "field": field,
            "key": key,
            "entity_id": entity_id,
            "generation": generation,
        }

    def add(self, entity: str, field: str, entity_id: int, keys: Iterable[str], generation: int) -> None:
        """Keys this run wrote to an entity (its other keys stay until the next refresh lists it)."""
        wanted = sorted(set(keys))
        if self.read_only:
            return
        with self._db(write=True) as conn:
            conn.execute(
                index_keys.delete().where(
                    *self._of(entity, field),
                    index_keys.c.entity_id == entity_id,
                    index_keys.c.key.in_(wanted),
                )
            )
            conn.execute(
                index_keys.insert(), [self._row(entity, field, k, entity_id, generation) for k in wanted]
            )

    def forget(self, entity: str, entity_id: int) -> list[tuple[str, str]]:
        """An id Pipedrive no longer knows: out of every index of its entity type (each field's, by its
        index on ids). Returns the (field, key) pairs it held."""
        held: list[tuple[str, str]] = []
        with self._db(write=True) as conn:
            fields = conn.execute(
                sa.select(index_state.c.field).where(
                    index_state.c.account == self.account, index_state.c.entity == entity
                )
            ).all()
            for (field,) in fields:
                of_id = (*self._of(entity, field), index_keys.c.entity_id == entity_id)
                keys = conn.execute(sa.select(index_keys.c.key).where(*of_id)).all()
                held += [(str(field), str(key)) for (key,) in keys]
                if not self.read_only:
                    conn.execute(index_keys.delete().where(*of_id))
        return held
