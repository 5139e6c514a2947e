"""The sync ledger: what earlier runs wrote, so that a re-sync of unchanged rows costs no API call.

A database reached through SQLAlchemy Core (`ledger_url`): a SQLite file by default (`ledger_path`,
WAL mode), PostgreSQL for workers that start from a fresh disk or run side by side. One ledger serves
several Pipedrive accounts: every row is keyed by its account (the base URL). It holds:
- identities: a match key (entity, match field, normalised value) → the Pipedrive id it was found or
  created under, so that lookups and associations need no search;
- writes: per mapping and entity (its match key, or its id for activities, notes and leads), a digest
  of each field's value as last written (`{"name": "…", "emails": "…", "custom_fields.<key>": "…"}`,
  JSON in the `digest` column), so that an update sends only the fields whose source value changed
  (actions/policy.py, docs/write-policy.md) and an unchanged record is skipped without a read. Ledgers
  of earlier versions hold one digest of the whole body there (64 hex digits, not JSON): such a row
  still says "unchanged" when the whole body is the same, and is replaced by field digests on the
  next write; when the body differs it says nothing about which field changed, and the update is
  planned as if there were no row (compared with the listed entity where known, else all fields);
- markers: per mapping, the identity of the source event (its stream and messageId, or its stream, a
  hash of the event and which identical event of the run it was) → the id of the activity, note or
  lead it created, so that a replayed event (a rerun from an earlier STATE) never creates a second one.
  Ledgers of earlier versions keyed markers by the messageId or hash alone; such a row moves to the
  new key the first time its event comes again (executor.RecordExecutor._marker). Markers are pruned
  by age only (`target-pipedrive-tools ledger prune`), never because their entity was deleted in
  Pipedrive: a replay must not recreate what people deleted;
- intents (the outbox): a create under way, with the moment it was sent and its body, until its
  outcome is known (executor.RecordExecutor._create_once).

The schema is versioned (table `ledger_meta`); a ledger of an earlier version is migrated when it is
opened. One writer per account: `lock_writer` takes a PostgreSQL session advisory lock (released when
the connection dies) or an exclusive lock on a file next to the SQLite file, and waits for it.

While the writer lock is held nobody else writes the account's rows, so the ledger reads them all in
one query at start-up (up to PRELOAD_LIMIT rows) and answers from memory: the unchanged path costs no
round trip, PostgreSQL or not. Rows are written through (committed as they are written: a marker lost
to a crash would let a replay duplicate an entity). The ledger only ever saves calls; when it is wrong
(an entity deleted or merged in Pipedrive), the write that trusted it fails and the executor forgets
the row and looks the entity up instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import sqlite3
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine, make_url

from ..stops import RunStopped

# The schema this version writes. 1: the SQLite ledgers before ledger_url (entries only); 2: entries
# with `updated_at`, the `ledger_meta` and `accounts` tables.
SCHEMA_VERSION = 2
# Above this many rows of an account, the ledger asks the database per key instead of holding them.
PRELOAD_LIMIT = 500_000
# Seconds between two tries of a writer lock another run holds.
LOCK_POLL = 0.5

metadata = sa.MetaData()
entries = sa.Table(
    "entries",
    metadata,
    sa.Column("account", sa.Text, primary_key=True),
    sa.Column("scope", sa.Text, primary_key=True),
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("entity", sa.Text, nullable=False),
    sa.Column("entity_id", sa.Text, nullable=False),
    sa.Column("digest", sa.Text),
    # Seconds since the epoch of the row's last write (None: a row of schema 1); prune goes by it.
    sa.Column("updated_at", sa.Float),
    sa.Index("entries_by_entity", "account", "entity", "entity_id"),
)
ledger_meta = sa.Table(
    "ledger_meta",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("account", sa.Text, primary_key=True),
    sa.Column("first_run", sa.Float),
    sa.Column("last_run", sa.Float),
)


def digest(body: Any) -> str:
    """A stable fingerprint of a JSON value (key order does not matter)."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


_SCALARS = frozenset({str, int, float, bool, type(None)})


def field_digest(value: Any) -> str:
    """A short fingerprint of one field's value (16 hex digits: a ledger row holds one per field).
    Cheap on the hot path: a scalar is hashed from its repr (never taken for a list's or object's JSON,
    which start with [ or {), anything else from its JSON."""
    text = (
        repr(value)
        if value.__class__ in _SCALARS
        else json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    )
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def encode_fields(digests: dict[str, str]) -> str:
    """Field digests as the `digest` column of a write row holds them."""
    return json.dumps(digests, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def decode_fields(stored: str | None) -> dict[str, str] | None:
    """The field digests of a write row; None for a row of an earlier version (one digest of the
    whole body) or a row without digests."""
    if not stored or not stored.startswith("{"):
        return None
    try:
        decoded = json.loads(stored)
    except ValueError:
        return None
    return decoded if isinstance(decoded, dict) else None


@dataclass(frozen=True)
class Entry:
    entity_id: str
    digest: str | None


class LedgerUnusable(ValueError):
    """The ledger cannot be opened (corrupt, truncated, read-only, unreachable, refused): the run stops
    before any write, with one line naming it (never its password) and the fix."""


class LedgerFailed(RunStopped):
    """The ledger failed during the run (a full disk, a lost connection): a clean stop."""


class LedgerBusy(RunStopped):
    """Another run holds the account's writer lock beyond `ledger_lock_wait`."""


def ledger_url(path_or_url: str | Path) -> str:
    """A SQLAlchemy URL for a `ledger_path` (a file) or a `ledger_url` (kept as it is)."""
    text = str(path_or_url)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).expanduser().absolute()}"


def shown(url: str) -> str:
    """How messages name a ledger: a file by its path, a database by its URL without the password."""
    try:
        parsed = make_url(url)
    except Exception:
        return "the ledger_url setting (not a database URL)"
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or ":memory:"
    return parsed.render_as_string(hide_password=True)


def _engine_url(url: str) -> URL:
    parsed = make_url(url)
    # postgresql:// (and postgres://) means psycopg 3 (SQLAlchemy 2.1's default as well).
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _lock_key(account: str) -> int:
    """The account's advisory lock key (31 bits, the second of two int4 keys)."""
    return zlib.crc32(account.encode()) & 0x7FFFFFFF


# The first int4 key of every advisory lock this target takes ('PD').
_LOCK_CLASS = 0x5044
_MIGRATION_KEY = 0


def _holder_text() -> str:
    return f"target-pipedrive pid {os.getpid()} on {socket.gethostname()}"


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
        self.hits = 0
        self._lock = threading.Lock()
        self._memory_only = False
        self._lock_conn: Connection | None = None
        self._lock_file: Any = None
        self._cache: dict[tuple[str, str], tuple[str, str, str | None]] | None = None
        self._refs: Counter[tuple[str, str]] = Counter()
        try:
            parsed = _engine_url(self.url)
        except Exception as exc:
            raise LedgerUnusable(
                f"setting {setting}: not a database URL ({type(exc).__name__}); write it as "
                "postgresql://user:password@host:5432/db or sqlite:////path/to/ledger.sqlite"
            ) from None
        self.backend = parsed.get_backend_name()
        self.path: Path | None = (
            Path(parsed.database) if self.backend == "sqlite" and parsed.database else None
        )
        with self._opening():
            self.engine = self._make_engine(parsed)
            with self._file_lock("migrate"):
                self._migrate()
            self.knew_account = self._knows_account()
            if preload:
                self._preload()

    # ----- opening -----

    def _make_engine(self, parsed: URL) -> Engine:
        if self.backend == "sqlite":
            if self.path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            engine = sa.create_engine(
                parsed,
                connect_args={"check_same_thread": False, "timeout": 30},
                poolclass=sa.pool.StaticPool if self.path is None else None,
            )

            @sa.event.listens_for(engine, "connect")
            def _pragmas(dbapi_conn: Any, _record: Any) -> None:
                # WAL with NORMAL sync survives a killed process; only a power cut may lose the newest rows.
                if not self.read_only:
                    dbapi_conn.execute("PRAGMA journal_mode=WAL")
                dbapi_conn.execute("PRAGMA synchronous=NORMAL")

            return engine
        if self.backend != "postgresql":
            raise LedgerUnusable(
                f"setting ledger_url: {self.where} is not supported; the ledger runs on SQLite or PostgreSQL"
            )
        return sa.create_engine(
            parsed,
            pool_pre_ping=True,
            connect_args={"application_name": _holder_text()[:63], "connect_timeout": 10},
        )

    @contextlib.contextmanager
    def _opening(self) -> Iterator[None]:
        """Any failure while opening as one line naming the ledger and the fix."""
        try:
            yield
        except LedgerUnusable:
            raise
        except ModuleNotFoundError as exc:
            raise LedgerUnusable(
                f"setting ledger_url: {self.where} needs the {exc.name} driver: "
                "pip install 'target-pipedrive[postgres]'"
            ) from None
        except (sa.exc.SQLAlchemyError, sqlite3.Error, OSError) as exc:
            raise LedgerUnusable(self._unusable(exc)) from None

    def _unusable(self, exc: BaseException) -> str:
        reason = _reason(exc)
        low = reason.lower()
        if self.backend == "sqlite":
            if "readonly" in low or "read-only" in low or "unable to open" in low or "permission" in low:
                fix = "make the file and its folder writable by the user running the target, or point "
            else:
                fix = (
                    "move the file away (a new ledger is made; the next run looks entities up again and "
                    "matches activities, notes and leads by content) or point "
                )
            return (
                f"setting {self.setting}: {self.where!r} is not a usable sync ledger ({reason}); "
                f"{fix}{self.setting} elsewhere"
            )
        if "password" in low or "authentication" in low:
            fix = "check the user and password in ledger_url"
        elif "does not exist" in low:
            fix = "create the database (createdb) or fix its name in ledger_url"
        else:
            fix = "check that the database server runs and is reachable from here, and the host and port"
        return f"setting ledger_url: the sync ledger {self.where} cannot be used ({reason}); {fix}"

    def _migrate(self) -> None:
        """Create the tables, or bring a ledger of an earlier schema up to this one (once, under a lock)."""
        with self.engine.begin() as conn:
            if self.backend == "postgresql":
                conn.execute(
                    sa.text("SELECT pg_advisory_xact_lock(CAST(:a AS integer), CAST(:b AS integer))"),
                    {"a": _LOCK_CLASS, "b": 0},
                )
            names = set(sa.inspect(conn).get_table_names())
            if "ledger_meta" in names:
                row = conn.execute(
                    sa.select(ledger_meta.c.value).where(ledger_meta.c.name == "schema_version")
                ).first()
                version = int(row[0]) if row else 1
            else:
                version = 1 if "entries" in names else 0
            if version > SCHEMA_VERSION:
                raise LedgerUnusable(
                    f"setting {self.setting}: {self.where!r} was written by a newer target-pipedrive "
                    f"(ledger schema {version}, this version knows {SCHEMA_VERSION}); upgrade the target"
                )
            if version == SCHEMA_VERSION:
                return
            if self.read_only:
                # A dry run or a tool does not migrate: it reads what is there (schema 1 has entries).
                return
            if version == 1:
                conn.execute(sa.text("ALTER TABLE entries ADD COLUMN updated_at FLOAT"))
            metadata.create_all(conn)
            if version == 1:
                # Every account an earlier version wrote to is known: its markers are in there.
                now = time.time()
                for (account,) in conn.execute(sa.select(entries.c.account).distinct()).all():
                    conn.execute(accounts.insert().values(account=account, first_run=now, last_run=now))
            conn.execute(ledger_meta.delete().where(ledger_meta.c.name == "schema_version"))
            conn.execute(ledger_meta.insert().values(name="schema_version", value=str(SCHEMA_VERSION)))

    def _knows_account(self) -> bool:
        """Whether a run wrote to this account before (a read-only look at an older or missing ledger:
        whether it holds any row of the account)."""
        with self.engine.connect() as conn:
            names = set(sa.inspect(conn).get_table_names())
            if "accounts" in names:
                table, column = accounts, accounts.c.account
            elif "entries" in names:
                table, column = entries, entries.c.account
            else:
                return False
            found = conn.execute(sa.select(sa.literal(1)).select_from(table).where(column == self.account))
            return found.first() is not None

    @contextlib.contextmanager
    def _file_lock(self, name: str) -> Iterator[None]:
        """An exclusive lock on a file next to a SQLite ledger while it is created or migrated (two runs
        opening a new file at once); nothing for PostgreSQL (an advisory lock does it) or read-only."""
        if self.path is None or self.read_only:
            yield
            return
        import fcntl

        with open(self.path.with_name(f"{self.path.name}.{name}.lock"), "a+", encoding="utf-8") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def _preload(self) -> None:
        """Every row of the account in one query, when there are not too many."""
        with self.engine.connect() as conn:
            names = set(sa.inspect(conn).get_table_names())
            if "entries" not in names:
                self._cache, self._refs = {}, Counter()
                return
            count = conn.execute(
                sa.select(sa.func.count()).select_from(entries).where(entries.c.account == self.account)
            ).scalar_one()
            if count > PRELOAD_LIMIT and not self._memory_only:
                return
            cache: dict[tuple[str, str], tuple[str, str, str | None]] = {}
            refs: Counter[tuple[str, str]] = Counter()
            rows = conn.execute(
                sa.select(
                    entries.c.scope, entries.c.key, entries.c.entity, entries.c.entity_id, entries.c.digest
                )
                .where(entries.c.account == self.account)
                .execution_options(yield_per=10_000)
            )
            for scope, key, entity, entity_id, stored in rows:
                cache[scope, key] = (entity, entity_id, stored)
                refs[entity, entity_id] += 1
        self._cache, self._refs = cache, refs

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

    def lock_writer(self, wait: float, *, on_wait: Callable[[str], None] | None = None) -> None:
        """Take the account's writer lock, waiting up to `wait` seconds; LedgerBusy names the holder."""
        deadline = time.monotonic() + max(0.0, wait)
        told = False
        while True:
            holder = self._try_lock()
            if holder is None:
                # What the run before wrote, read now that nobody else writes the account.
                with self._opening():
                    self.knew_account = self._knows_account()
                    if self._cache is not None:
                        self._preload()
                return
            if time.monotonic() >= deadline:
                raise LedgerBusy(
                    f"another run writes to this Pipedrive account ({holder}) and still held the sync "
                    f"ledger's writer lock after {wait:g} s ({self.where}): runs on one account must not "
                    "overlap. Let it finish (or stop it), or raise ledger_lock_wait, and run again"
                )
            if not told and on_wait is not None:
                on_wait(
                    f"Another run holds the sync ledger's writer lock ({holder}): waiting up to {wait:g} s"
                )
                told = True
            time.sleep(LOCK_POLL)

    def _try_lock(self) -> str | None:
        """None when the lock is now ours; else who holds it."""
        if self.backend == "postgresql":
            try:
                if self._lock_conn is None:
                    self._lock_conn = self.engine.connect()
                conn = self._lock_conn
                got = conn.execute(
                    sa.text("SELECT pg_try_advisory_lock(CAST(:a AS integer), CAST(:b AS integer))"),
                    {"a": _LOCK_CLASS, "b": _lock_key(self.account)},
                ).scalar_one()
                conn.commit()
                if got:
                    return None
                row = conn.execute(
                    sa.text(
                        "SELECT a.pid, a.application_name, a.client_addr, a.backend_start FROM pg_locks l "
                        "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' "
                        "AND l.granted AND l.classid::bigint = :a AND l.objid::bigint = :b AND l.objsubid = 2"
                    ),
                    {"a": _LOCK_CLASS, "b": _lock_key(self.account)},
                ).first()
                conn.commit()
            except sa.exc.SQLAlchemyError as exc:
                raise LedgerFailed(self._failed(exc)) from None
            if row is None:
                return "a session that has just let go"
            who = row[1] or "a PostgreSQL session"
            return f"{who}, server pid {row[0]}, from {row[2] or 'local'} since {row[3]}"
        import fcntl

        assert self.path is not None
        lock_path = self.path.with_name(f"{self.path.name}.{_lock_key(self.account):08x}.lock")
        handle = self._lock_file or open(lock_path, "a+", encoding="utf-8")  # noqa: SIM115
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock_file = handle
            handle.seek(0)
            return handle.read().strip() or f"the holder of {lock_path}"
        handle.seek(0)
        handle.truncate()
        handle.write(f"{_holder_text()} since {time.strftime('%Y-%m-%d %H:%M:%S %Z')}\n")
        handle.flush()
        self._lock_file = handle
        return None

    # ----- rows -----

    def get(self, scope: str, key: str) -> Entry | None:
        with self._lock:
            if self._cache is not None:
                row = self._cache.get((scope, key))
                found = Entry(row[1], row[2]) if row is not None else None
            else:
                found = self._select_one(scope, key)
            if found is not None:
                self.hits += 1
        return found

    def _select_one(self, scope: str, key: str) -> Entry | None:
        try:
            with self.engine.connect() as conn:
                row = conn.execute(
                    sa.select(entries.c.entity_id, entries.c.digest).where(
                        entries.c.account == self.account, entries.c.scope == scope, entries.c.key == key
                    )
                ).first()
        except (sa.exc.SQLAlchemyError, sqlite3.Error) as exc:
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
        except (sa.exc.SQLAlchemyError, sqlite3.Error) as exc:
            raise LedgerFailed(self._failed(exc)) from None
        return found

    def has(self, scope: str, key: str) -> bool:
        """Whether a row exists (not counted as a hit: nothing is saved by knowing it)."""
        with self._lock:
            if self._cache is not None:
                return (scope, key) in self._cache
            return self._select_one(scope, key) is not None

    def knows(self, entity: str, entity_id: int | str) -> bool:
        """Whether any row points at this entity: it belongs to some match key or event already."""
        with self._lock:
            if self._cache is not None:
                return self._refs.get((entity, str(entity_id)), 0) > 0
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
            except (sa.exc.SQLAlchemyError, sqlite3.Error) as exc:
                raise LedgerFailed(self._failed(exc)) from None
        return row is not None

    def scope_rows(self, scope: str) -> list[tuple[str, Entry]]:
        """Every row of a scope (the outbox at start-up)."""
        with self._lock:
            if self._cache is not None:
                return [(key, Entry(row[1], row[2])) for (s, key), row in self._cache.items() if s == scope]
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(entries.c.key, entries.c.entity_id, entries.c.digest).where(
                    entries.c.account == self.account, entries.c.scope == scope
                )
            ).all()
        return [(key, Entry(entity_id, stored)) for key, entity_id, stored in rows]

    def put(
        self, scope: str, key: str, entity: str, entity_id: int | str, body_digest: str | None = None
    ) -> None:
        if self.read_only:
            return
        entity_id = str(entity_id)
        with self._lock:
            if not self._memory_only:
                with self._writing() as conn:
                    where = (
                        entries.c.account == self.account,
                        entries.c.scope == scope,
                        entries.c.key == key,
                    )
                    conn.execute(entries.delete().where(*where))
                    conn.execute(
                        entries.insert().values(
                            account=self.account,
                            scope=scope,
                            key=key,
                            entity=entity,
                            entity_id=entity_id,
                            digest=body_digest,
                            updated_at=time.time(),
                        )
                    )
            if self._cache is not None:
                self._drop((scope, key))
                self._cache[scope, key] = (entity, entity_id, body_digest)
                self._refs[entity, entity_id] += 1

    def _drop(self, at: tuple[str, str]) -> None:
        assert self._cache is not None
        old = self._cache.pop(at, None)
        if old is not None:
            self._refs[old[0], old[1]] -= 1
            if self._refs[old[0], old[1]] <= 0:
                del self._refs[old[0], old[1]]

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
                        sa.select(sa.literal(1))
                        .select_from(entries)
                        .where(
                            entries.c.account == self.account,
                            entries.c.scope == scope,
                            entries.c.key == new_key,
                        )
                    ).first()
                    moved = (
                        taken is None
                        and conn.execute(
                            entries.update()
                            .where(
                                entries.c.account == self.account,
                                entries.c.scope == scope,
                                entries.c.key == old_key,
                            )
                            .values(key=new_key, updated_at=time.time())
                        ).rowcount
                        > 0
                    )
            if moved and self._cache is not None:
                self._cache[scope, new_key] = self._cache.pop((scope, old_key))
        return moved

    def forget(self, scope: str, key: str) -> None:
        if self.read_only:
            return
        with self._lock:
            if not self._memory_only:
                with self._writing() as conn:
                    conn.execute(
                        entries.delete().where(
                            entries.c.account == self.account, entries.c.scope == scope, entries.c.key == key
                        )
                    )
            if self._cache is not None:
                self._drop((scope, key))

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
                for at, row in list(self._cache.items()):
                    if row[0] == entity and row[1] == entity_id and not at[0].startswith("marker:"):
                        self._drop(at)

    @contextlib.contextmanager
    def _writing(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as conn:
                yield conn
        except (sa.exc.SQLAlchemyError, sqlite3.Error) as exc:
            raise LedgerFailed(self._failed(exc)) from None

    def _failed(self, exc: BaseException) -> str:
        return (
            f"the sync ledger ({self.where}) failed: {_reason(exc)}. Check the disk or the database that "
            "holds it, and run again (every state emitted before this is safe to resume from)"
        )

    def work_on_a_copy(self) -> None:
        """A dry run: every row in memory, written to memory only (the database is left as it was)."""
        with self._lock:
            self._memory_only = True
            if self._cache is None:
                self._preload()
            if self._cache is None:
                self._cache = {}
        self.read_only = False

    def close(self) -> None:
        with self._lock:
            if self._lock_conn is not None:
                with contextlib.suppress(Exception):
                    self._lock_conn.close()
                self._lock_conn = None
            if self._lock_file is not None:
                with contextlib.suppress(Exception):
                    self._lock_file.close()
                self._lock_file = None
            self.engine.dispose()


def _reason(exc: BaseException) -> str:
    """A driver's error in one line, without the URL (SQLAlchemy appends a link and the statement)."""
    inner = getattr(exc, "orig", None) or exc
    text = " ".join(str(inner).split()) or type(inner).__name__
    return text[:300]
