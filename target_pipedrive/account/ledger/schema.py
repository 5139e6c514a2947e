"""The ledger's tables, its schema version (table `ledger_meta`) and the migrations from earlier ones.

1: the SQLite ledgers before ledger_url (entries only); 2: entries with `updated_at`, the `ledger_meta`
and `accounts` tables; 3: the key index (`index_keys`, `index_state`: keys.py), new tables only. A
ledger of an earlier schema is migrated when a writer opens it, once, under a lock (locking.py); a
read-only opener (a dry run, a tool) reads it as it is.
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .errors import LedgerUnusable
from .locking import LOCK_CLASS, MIGRATION_KEY

# The schema this version writes.
SCHEMA_VERSION = 3

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
# The key index (keys.py): per entity type and match field, a match key (the normalised value, no other
# value of the entity) → the id of each entity holding it. `generation` is the full listing that last saw
# the row: when a full listing completes, rows of older generations are entities it no longer lists.
index_keys = sa.Table(
    "index_keys",
    metadata,
    sa.Column("account", sa.Text, primary_key=True),
    sa.Column("entity", sa.Text, primary_key=True),
    sa.Column("field", sa.Text, primary_key=True),
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("entity_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("generation", sa.Integer, nullable=False),
    # A page replaces its entities' keys by id: with `field` in it, SQLite reads this index, not the
    # primary key's (which the same three equalities would otherwise pick, scanning the whole index).
    sa.Index("index_keys_by_id", "account", "entity", "field", "entity_id"),
)
# Per entity type and match field: how far the index is (keys.IndexState).
index_state = sa.Table(
    "index_state",
    metadata,
    sa.Column("account", sa.Text, primary_key=True),
    sa.Column("entity", sa.Text, primary_key=True),
    sa.Column("field", sa.Text, primary_key=True),
    sa.Column("generation", sa.Integer, nullable=False),
    sa.Column("since", sa.Text),
    sa.Column("full_at", sa.Float),
    sa.Column("cursor", sa.Text),
    sa.Column("listing_since", sa.Text),
    sa.Column("listing_from", sa.Text),
    sa.Column("listing_full", sa.Boolean),
)


def table_names(conn: Connection) -> set[str]:
    return set(sa.inspect(conn).get_table_names())


def column_names(conn: Connection, table: str) -> set[str]:
    return {column["name"] for column in sa.inspect(conn).get_columns(table)}


def schema_version(conn: Connection) -> int:
    """The schema of the ledger behind `conn` (0: empty). 1 as well for a `ledger_meta` without its
    row: a creation or migration an earlier build stopped half-way (migrate completes it)."""
    names = table_names(conn)
    if "ledger_meta" in names:
        row = conn.execute(
            sa.select(ledger_meta.c.value).where(ledger_meta.c.name == "schema_version")
        ).first()
        return int(row[0]) if row else 1
    return 1 if "entries" in names else 0


def migrate(conn: Connection, *, backend: str, read_only: bool, where: str, setting: str) -> None:
    """Create the tables, or bring a ledger of an earlier schema up to this one, in `conn`'s
    transaction (PostgreSQL: under a transaction advisory lock; SQLite: the caller's file lock). The
    version row is written last: with it, the schema is complete."""
    if backend == "postgresql":
        conn.execute(
            sa.text("SELECT pg_advisory_xact_lock(CAST(:a AS integer), CAST(:b AS integer))"),
            {"a": LOCK_CLASS, "b": MIGRATION_KEY},
        )
    version = schema_version(conn)
    if version > SCHEMA_VERSION:
        raise LedgerUnusable(
            f"setting {setting}: {where!r} was written by a newer target-pipedrive "
            f"(ledger schema {version}, this version knows {SCHEMA_VERSION}); upgrade the target"
        )
    if version == SCHEMA_VERSION or read_only:
        # A dry run or a tool does not migrate: it reads what is there (schema 1 has entries).
        return
    _complete(conn)
    if version < 2:
        _record_accounts(conn)
    conn.execute(ledger_meta.delete().where(ledger_meta.c.name == "schema_version"))
    conn.execute(ledger_meta.insert().values(name="schema_version", value=str(SCHEMA_VERSION)))


def _complete(conn: Connection) -> None:
    """Add what the schema misses, each step only if missing: earlier builds ran DDL outside a
    transaction (engines.py), so a full disk or a kill while they created or migrated a ledger left
    part of it done and no version row; doing a done step again fails (a duplicate column)."""
    existing = table_names(conn)
    if "entries" in existing and "updated_at" not in column_names(conn, "entries"):
        conn.execute(sa.text("ALTER TABLE entries ADD COLUMN updated_at FLOAT"))
    metadata.create_all(conn)  # the missing tables, each with its indexes
    inspector = sa.inspect(conn)
    for table in metadata.tables.values():
        if table.name in existing:
            present = {index["name"] for index in inspector.get_indexes(table.name)}
            for index in table.indexes:
                if index.name not in present:
                    index.create(conn)


def _record_accounts(conn: Connection) -> None:
    """Every account an earlier version wrote to is known: its markers are in there."""
    now = time.time()
    known = set(conn.execute(sa.select(accounts.c.account)).scalars())
    for (account,) in conn.execute(sa.select(entries.c.account).distinct()).all():
        if account not in known:
            conn.execute(accounts.insert().values(account=account, first_run=now, last_run=now))


def knows_account(conn: Connection, account: str) -> bool:
    """Whether a run wrote to this account before: it is in `accounts`, or (a read-only look at an older
    ledger, or one an earlier build stopped migrating with `accounts` still empty) it has rows."""
    names = table_names(conn)
    for table, column in ((accounts, accounts.c.account), (entries, entries.c.account)):
        if table.name in names:
            found = conn.execute(
                sa.select(sa.literal(1)).select_from(table).where(column == account).limit(1)
            )
            if found.first() is not None:
                return True
    return False
