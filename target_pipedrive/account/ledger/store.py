"""The Ledger: one account's rows in a ledger database, answered from memory once the writer lock is
held (the unchanged path costs no round trip) and written through (committed as they are written)."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .cache import RowCache
from .engines import for_writes, make_engine, opening
from .errors import Entry, LedgerFailed, LedgerUnusable, failed_message
from .keys import KeyStore
from .locking import WriterLocks, file_lock, refuse_hard_links
from .schema import accounts, entries, knows_account, migrate, table_names
from .urls import earlier_file, engine_url, ledger_url, shown

# Above this many rows of an account, the ledger asks the database per key instead of holding them.
PRELOAD_LIMIT = 500_000
# A database error of a ledger in use: the run stops cleanly (LedgerFailed).
DB_ERRORS = (sa.exc.SQLAlchemyError, sqlite3.Error)

# The statements of every write, made once: building one costs as much as running it (a put is two).
_DELETE_ROW = entries.delete().where(
    entries.c.account == sa.bindparam("account"),
    entries.c.scope == sa.bindparam("scope"),
    entries.c.key == sa.bindparam("key"),
)
_INSERT_ROW = entries.insert()


def _refuse_a_moved_ledger(path_or_url: str | Path, path: Path, setting: str) -> None:
    """A ledger_path earlier versions read as a URL: their ledger is in another file. Starting an empty
    one beside it would forget every identity (content matching cannot tell every event apart)."""
    earlier = earlier_file(path_or_url)
    if earlier is not None and earlier.is_file() and not path.exists():
        raise LedgerUnusable(
            f"setting {setting}: earlier versions read {str(path)!r} as a URL and kept the ledger in "
            f"{str(earlier)!r}; move that file to {str(path)!r} (or set {setting} to it) and run again"
        )


class Ledger:
    """Thread-safe; `read_only` (dry runs, tools) reads what earlier runs wrote and records nothing."""

    def __init__(
        self,
        path_or_url: str | Path,
        account: str,
        *,
        read_only: bool = False,
        setting: str = "ledger_path",
        preload: bool = True,
    ) -> None:
        self.url = ledger_url(path_or_url)
        self.where = shown(self.url)
        self.setting = setting
        self.account = account
        self.read_only = read_only
        self._lock = threading.Lock()
        self._memory_only = False
        self._cache: RowCache | None = None
        self.load_on_lock = False  # a writer that did not preload: the rows are read once it is locked
        try:
            parsed = engine_url(self.url)
        except Exception as exc:
            raise LedgerUnusable(
                f"setting {setting}: not a database URL ({type(exc).__name__}); write it as "
                "postgresql://user:password@host:5432/db or sqlite:////path/to/ledger.sqlite"
            ) from None
        self.backend = parsed.get_backend_name()
        self.path: Path | None = (
            Path(parsed.database) if self.backend == "sqlite" and parsed.database else None
        )
        if self.path is not None and not read_only:
            refuse_hard_links(self.path, setting)
            _refuse_a_moved_ledger(path_or_url, self.path, setting)
        with self._opening():
            self.engine = make_engine(
                parsed, path=self.path, where=self.where, read_only=lambda: self.read_only
            )
            self._writer = for_writes(self.engine)
            self._locks = WriterLocks(self.engine, self.backend, self.path, self.where)
            migrating = self.engine if self.read_only else self._writer
            with file_lock(self.path, "migrate", read_only=self.read_only), migrating.begin() as conn:
                migrate(
                    conn,
                    backend=self.backend,
                    read_only=self.read_only,
                    where=self.where,
                    setting=self.setting,
                )
            self.knew_account = self._knows_account()
            if preload:
                self._preload()

    # ----- opening -----

    def _opening(self) -> contextlib.AbstractContextManager[None]:
        return opening(backend=self.backend, where=self.where, setting=self.setting)

    def _knows_account(self) -> bool:
        with self.engine.connect() as conn:
            return knows_account(conn, self.account)

    def _preload(self) -> None:
        """Every row of the account in one query, when there are not too many."""
        with self.engine.connect() as conn:
            if "entries" not in table_names(conn):
                self._cache = RowCache()
                return
            count = conn.execute(
                sa.select(sa.func.count()).select_from(entries).where(entries.c.account == self.account)
            ).scalar_one()
            if count > PRELOAD_LIMIT and not self._memory_only:
                return
            cache = RowCache()
            rows = conn.execute(
                sa.select(
                    entries.c.scope, entries.c.key, entries.c.entity, entries.c.entity_id, entries.c.digest
                )
                .where(entries.c.account == self.account)
                .execution_options(yield_per=10_000)
            )
            cache.load(rows)
        self._cache = cache

    # ----- the run's account -----

    def mark_run(self) -> None:
        """Record that a run wrote to this account (after which the ledger knows the account)."""
        if self.read_only or self._memory_only:
            return
        now = time.time()
        with self._writing() as conn:
            done = conn.execute(
                accounts.update().where(accounts.c.account == self.account).values(last_run=now)
            )
            if done.rowcount == 0:
                conn.execute(accounts.insert().values(account=self.account, first_run=now, last_run=now))

    def lock_writer(
        self, wait: float, *, on_wait: Callable[[str], None] | None = None, also: Sequence[str] = ()
    ) -> None:
        """Take the account's writer lock, and those of the keys `also` names (the company's), waiting
        up to `wait` seconds; LedgerBusy names the holder."""
        self._locks.take([self.account, *also], wait, on_wait)
        # What the run before wrote, read now that nobody else writes the account.
        with self._opening():
            self.knew_account = self._knows_account()
            if self._cache is not None or self.load_on_lock:
                self._preload()

    def knows_other(self, account: str) -> bool:
        """Whether a run wrote to `account` (another key than the ledger's) before."""
        with self._opening(), self.engine.connect() as conn:
            return knows_account(conn, account)

    def use_account(self, account: str) -> None:
        """Read and write the rows of `account` instead (another spelling of the same URL), before the
        writer lock is taken."""
        self.account = account
        with self._opening():
            self.knew_account = self._knows_account()
            if self._cache is not None:
                self._preload()

    # ----- reading rows -----

    def get(self, scope: str, key: str) -> Entry | None:
        # From memory without the lock (a put replaces a row in one step): never behind a commit.
        cache = self._cache
        if cache is not None:
            row = cache.get((scope, key))
            return Entry(row[1], row[2]) if row is not None else None
        with self._lock:
            return self._select_one(scope, key)

    def _select_one(self, scope: str, key: str) -> Entry | None:
        try:
            with self.engine.connect() as conn:
                row = conn.execute(
                    sa.select(entries.c.entity_id, entries.c.digest).where(
                        entries.c.account == self.account, entries.c.scope == scope, entries.c.key == key
                    )
                ).first()
        except DB_ERRORS as exc:
            raise LedgerFailed(self._failed(exc)) from None
        return Entry(row[0], row[1]) if row is not None else None

    def get_many(self, scope: str, keys: list[str]) -> dict[str, Entry]:
        """Rows of many keys in one round trip (or from memory)."""
        found: dict[str, Entry] = {}
        with self._lock:
            if self._cache is not None:
                for key in keys:
                    if (row := self._cache.get((scope, key))) is not None:
                        found[key] = Entry(row[1], row[2])
                return found
        try:
            with self.engine.connect() as conn:
                for start in range(0, len(keys), 500):
                    rows = conn.execute(
                        sa.select(entries.c.key, entries.c.entity_id, entries.c.digest).where(
                            entries.c.account == self.account,
                            entries.c.scope == scope,
                            entries.c.key.in_(keys[start : start + 500]),
                        )
                    )
                    found.update({key: Entry(entity_id, stored) for key, entity_id, stored in rows})
        except DB_ERRORS as exc:
            raise LedgerFailed(self._failed(exc)) from None
        return found

    def has(self, scope: str, key: str) -> bool:
        """Whether a row exists (from memory without the lock, as `get`)."""
        cache = self._cache
        if cache is not None:
            return (scope, key) in cache
        with self._lock:
            return self._select_one(scope, key) is not None

    def knows(self, entity: str, entity_id: int | str) -> bool:
        """Whether any row points at this entity: it belongs to some match key or event already."""
        with self._lock:
            if self._cache is not None:
                return self._cache.points_at(entity, str(entity_id))
            try:
                with self.engine.connect() as conn:
                    row = conn.execute(
                        sa.select(sa.literal(1))
                        .select_from(entries)
                        .where(
                            entries.c.account == self.account,
                            entries.c.entity == entity,
                            entries.c.entity_id == str(entity_id),
                        )
                        .limit(1)
                    ).first()
            except DB_ERRORS as exc:
                raise LedgerFailed(self._failed(exc)) from None
        return row is not None

    def scope_rows(self, scope: str) -> list[tuple[str, Entry]]:
        """Every row of a scope (the outbox at start-up)."""
        with self._lock:
            if self._cache is not None:
                return [(key, Entry(row[1], row[2])) for key, row in self._cache.in_scope(scope)]
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(entries.c.key, entries.c.entity_id, entries.c.digest).where(
                    entries.c.account == self.account, entries.c.scope == scope
                )
            ).all()
        return [(key, Entry(entity_id, stored)) for key, entity_id, stored in rows]

    # ----- writing rows -----

    def put(
        self, scope: str, key: str, entity: str, entity_id: int | str, body_digest: str | None = None
    ) -> None:
        if self.read_only:
            return
        entity_id = str(entity_id)
        with self._lock:
            if not self._memory_only:
                row = {"account": self.account, "scope": scope, "key": key}
                with self._writing() as conn:
                    conn.execute(_DELETE_ROW, row)
                    conn.execute(
                        _INSERT_ROW,
                        {
                            **row,
                            "entity": entity,
                            "entity_id": entity_id,
                            "digest": body_digest,
                            "updated_at": time.time(),
                        },
                    )
            if self._cache is not None:
                self._cache.put((scope, key), (entity, entity_id, body_digest))

    def _row(self, scope: str, key: str) -> tuple[sa.ColumnElement[bool], ...]:
        """The where clause of one row of the account."""
        return (entries.c.account == self.account, entries.c.scope == scope, entries.c.key == key)

    def rename(self, scope: str, old_key: str, new_key: str) -> bool:
        """Move a row to another key, atomically (of two callers, one gets it); never over a row that
        exists under `new_key`. True when a row moved."""
        if self.read_only:
            return False
        with self._lock:
            if self._cache is not None and (
                (scope, old_key) not in self._cache or (scope, new_key) in self._cache
            ):
                return False
            moved = True
            if not self._memory_only:
                with self._writing() as conn:
                    taken = conn.execute(
                        sa.select(sa.literal(1)).select_from(entries).where(*self._row(scope, new_key))
                    ).first()
                    moved = (
                        taken is None
                        and conn.execute(
                            entries.update()
                            .where(*self._row(scope, old_key))
                            .values(key=new_key, updated_at=time.time())
                        ).rowcount
                        > 0
                    )
            if moved and self._cache is not None:
                self._cache.move((scope, old_key), (scope, new_key))
        return moved

    def forget(self, scope: str, key: str) -> None:
        if self.read_only:
            return
        with self._lock:
            if not self._memory_only:
                with self._writing() as conn:
                    conn.execute(_DELETE_ROW, {"account": self.account, "scope": scope, "key": key})
            if self._cache is not None:
                self._cache.drop((scope, key))

    def forget_entity(self, entity: str, entity_id: int | str) -> None:
        """Every row that points at an entity Pipedrive no longer knows (deleted or merged), but its
        markers: they stay (pruned by age only), so that a replay does not recreate a deleted entity."""
        if self.read_only:
            return
        entity_id = str(entity_id)
        with self._lock:
            if not self._memory_only:
                with self._writing() as conn:
                    conn.execute(
                        entries.delete().where(
                            entries.c.account == self.account,
                            entries.c.entity == entity,
                            entries.c.entity_id == entity_id,
                            sa.not_(entries.c.scope.like("marker:%")),
                        )
                    )
            if self._cache is not None:
                for at in self._cache.of_entity(entity, entity_id):
                    if not at[0].startswith("marker:"):
                        self._cache.drop(at)

    @contextlib.contextmanager
    def _writing(self) -> Iterator[Connection]:
        self._locks.check()  # never a write once another run may hold the account
        try:
            with self._writer.begin() as conn:
                yield conn
        except DB_ERRORS as exc:
            raise LedgerFailed(self._failed(exc)) from None

    def _failed(self, exc: BaseException) -> str:
        return failed_message(exc, self.where)

    def key_store(self) -> KeyStore | None:
        """The key index in this ledger's database (keys.py): read-only for a dry run (None when the
        ledger has no index yet: the run keeps one of its own in memory)."""
        if self._memory_only:
            return None
        if self.read_only:
            with self.engine.connect() as conn:
                if "index_state" not in table_names(conn):
                    return None
        return KeyStore(
            self.engine,
            self.account,
            where=self.where,
            read_only=self.read_only,
            before_write=self._locks.check,
        )

    # ----- a dry run, the end -----

    def work_on_a_copy(self) -> None:
        """A dry run: every row in memory, written to memory only (the database is left as it was)."""
        with self._lock:
            self._memory_only = True
            if self._cache is None:
                self._preload()
            if self._cache is None:
                self._cache = RowCache()
        self.read_only = False

    def close(self) -> None:
        with self._lock:
            self._locks.close()
            self.engine.dispose()
