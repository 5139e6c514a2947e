"""Creating or migrating the ledger's schema is all or nothing, and what earlier builds left half-done
is completed: a full disk, a file-size limit or a kill -9 while a ledger is made never leaves a file
no later run can open.

- a creation failing at any of its statements (SQLite and PostgreSQL) leaves no table behind, and the
  next open makes the whole schema;
- the half-made files earlier builds left (their DDL was autocommitted one statement at a time, the
  version row never written) are completed, their rows kept, nothing applied twice;
- a kill -9 at any write of a creation, or of a migration from schema 1, leaves a file the next run
  opens, with every row it held."""

from __future__ import annotations

import contextlib
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import sqlite as sqlite_dialect

from target_pipedrive.account.ledger import SCHEMA_VERSION, Ledger, LedgerUnusable, metadata
from target_pipedrive.account.ledger.urls import engine_url, ledger_url

# Schema 1: the entries alone, before ledger_meta (the test of the migration in test_ledger_db.py).
V1_ENTRIES = (
    "CREATE TABLE entries (account TEXT NOT NULL, scope TEXT NOT NULL, key TEXT NOT NULL, "
    "entity TEXT NOT NULL, entity_id TEXT NOT NULL, digest TEXT, PRIMARY KEY (account, scope, key))"
)
V1_ROWS = "INSERT INTO entries VALUES ('acct', 'marker:m', 'k', 'note', '3', 'd')"
ADD_UPDATED_AT = "ALTER TABLE entries ADD COLUMN updated_at FLOAT"
# A write of schema creation or migration, the statements a failure or a kill is injected at.
WRITES = ("CREATE", "ALTER", "INSERT", "DELETE")


def ddl_of(*names: str) -> list[str]:
    """The DDL of these tables (each table, then its indexes), in the order earlier builds ran it."""
    dialect = sqlite_dialect.dialect()
    statements = []
    for name in names:
        table = metadata.tables[name]
        statements.append(str(sa.schema.CreateTable(table).compile(dialect=dialect)))
        statements += [str(sa.schema.CreateIndex(index).compile(dialect=dialect)) for index in table.indexes]
    return statements


NEW_LEDGER = ddl_of("entries", "ledger_meta", "accounts", "index_keys", "index_state")
FROM_V1 = [ADD_UPDATED_AT, *ddl_of("ledger_meta", "accounts", "index_keys", "index_state")]
FROM_V2 = ddl_of("index_keys", "index_state")
V2_LEDGER = [
    *ddl_of("entries", "ledger_meta", "accounts"),
    "INSERT INTO ledger_meta VALUES ('schema_version', '2')",
    "INSERT INTO entries VALUES ('acct', 'marker:m', 'k', 'note', '3', 'd', 1.0)",
    "INSERT INTO accounts VALUES ('acct', 1.0, 1.0)",
]


def schema_of(url: str) -> tuple[dict[str, set[str]], str | None]:
    """Per table its indexes' names, and the version row (None: no row, or no ledger_meta)."""
    engine = sa.create_engine(engine_url(ledger_url(url)))
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            tables = {
                name: {ix["name"] for ix in inspector.get_indexes(name)}
                for name in inspector.get_table_names()
            }
            version = None
            if "ledger_meta" in tables:
                version = conn.execute(
                    sa.text("SELECT value FROM ledger_meta WHERE name = 'schema_version'")
                ).scalar()
    finally:
        engine.dispose()
    return tables, version


def assert_complete(url: str) -> None:
    tables, version = schema_of(url)
    assert tables == {table.name: {ix.name for ix in table.indexes} for table in metadata.tables.values()}
    assert version == str(SCHEMA_VERSION)
    engine = sa.create_engine(engine_url(ledger_url(url)))
    try:
        with engine.connect() as conn:
            columns = {column["name"] for column in sa.inspect(conn).get_columns("entries")}
    finally:
        engine.dispose()
    assert "updated_at" in columns


def assert_usable(url: str, account: str = "acct") -> Ledger:
    """The ledger opens for writing, takes a row and gives it back; its schema is complete."""
    ledger = Ledger(url, account)
    ledger.lock_writer(0)
    ledger.mark_run()
    ledger.put("id:person:email", "new@x", "person", 9)
    assert ledger.get("id:person:email", "new@x") is not None
    ledger.close()
    assert_complete(url)
    return Ledger(url, account, read_only=True)


@contextlib.contextmanager
def failing_at(count: int) -> Iterator[list[str]]:
    """Every engine's `count`-th schema write fails as a full disk does (the statements run so far)."""
    seen: list[str] = []

    def hook(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith(WRITES):
            seen.append(statement)
            if len(seen) == count:
                raise sqlite3.OperationalError("disk I/O error")

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", hook)
    try:
        yield seen
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", hook)


# 7 DDL statements (5 tables, 2 indexes), then the version row (its DELETE, its INSERT).
@pytest.mark.parametrize("stop_at", range(1, 10))
def test_a_creation_stopped_at_any_statement_leaves_nothing_and_is_made_by_the_next_open(ledger_url, stop_at):
    with failing_at(stop_at) as seen, pytest.raises(LedgerUnusable, match="disk I/O error") as failed:
        Ledger(ledger_url, "acct")
    assert len(seen) == stop_at
    if ledger_url.startswith("sqlite"):
        assert repr(ledger_url.removeprefix("sqlite:///")) in str(failed.value)
        assert "free space on its disk" in str(failed.value)
    assert schema_of(ledger_url) == ({}, None)
    assert_usable(ledger_url).close()


def run_statements(path: Path, statements: list[str]) -> None:
    """As earlier builds ran them: pysqlite's legacy mode, each DDL statement committed on its own."""
    db = sqlite3.connect(path)
    try:
        for statement in statements:
            db.execute(statement)
            db.commit()
    finally:
        db.close()


HALF_MADE = {
    **{f"new-{n}": NEW_LEDGER[:n] for n in range(1, len(NEW_LEDGER) + 1)},
    **{f"v1-{n}": [V1_ENTRIES, V1_ROWS, *FROM_V1[:n]] for n in range(1, len(FROM_V1) + 1)},
    **{f"v2-{n}": V2_LEDGER + FROM_V2[:n] for n in range(1, len(FROM_V2) + 1)},
}


@pytest.mark.parametrize("statements", HALF_MADE.values(), ids=HALF_MADE.keys())
def test_a_half_made_ledger_of_an_earlier_build_is_completed(tmp_path, statements):
    path = tmp_path / "ledger.sqlite"
    run_statements(path, statements)
    had_rows = any("'marker:m'" in statement for statement in statements)
    before = schema_of(f"sqlite:///{path}")
    dry = Ledger(path, "acct", read_only=True)  # a dry run reads it as it is, and changes nothing
    assert dry.knew_account == had_rows
    dry.close()
    assert schema_of(f"sqlite:///{path}") == before
    ledger = assert_usable(f"sqlite:///{path}")
    assert ledger.knew_account
    assert (ledger.get("marker:m", "k") is not None) == had_rows
    ledger.close()


# Stops the child at its `kill_at`-th schema write, just after SQLite ran it: uncommitted.
KILLED_CHILD = f"""
import os, signal, sys
import sqlalchemy as sa
from target_pipedrive.account.ledger import Ledger

seen = []

def hook(conn, cursor, statement, *args):
    if statement.lstrip().upper().startswith({WRITES!r}):
        seen.append(statement)
        if len(seen) == int(sys.argv[2]):
            os.kill(os.getpid(), signal.SIGKILL)

sa.event.listen(sa.engine.Engine, "after_cursor_execute", hook)
Ledger(sys.argv[1], "acct").close()
"""
# A new ledger: 7 DDL statements, the version row's DELETE and INSERT. From schema 1: the column, 4
# tables, 2 indexes (entries' last, its table being there), the account, the version row.
KILLS = [("new", n) for n in range(1, 10)] + [("v1", n) for n in range(1, 11)]


@pytest.mark.parametrize(("start", "kill_at"), KILLS, ids=[f"{s}-{n}" for s, n in KILLS])
def test_a_kill_during_a_creation_or_migration_leaves_a_ledger_the_next_run_opens(tmp_path, start, kill_at):
    path = tmp_path / "ledger.sqlite"
    if start == "v1":
        run_statements(path, [V1_ENTRIES, V1_ROWS])
    child = subprocess.run(
        [sys.executable, "-c", KILLED_CHILD, str(path), str(kill_at)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr[-2000:]
    ledger = assert_usable(f"sqlite:///{path}")
    assert ledger.knew_account
    if start == "v1":
        assert ledger.get("marker:m", "k") is not None
    ledger.close()


def test_a_write_that_reads_first_waits_for_another_runs_write(tmp_path):
    """Runs on other accounts write the same file: a transaction that reads, then writes (a rename)
    waits for theirs under the busy timeout, where a deferred one would fail at its first write."""
    path = tmp_path / "ledger.sqlite"
    ledger = Ledger(path, "acct")
    ledger.put("marker:m", "old", "note", 3, "d")
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO entries VALUES ('other', 'marker:m', 'k', 'note', '4', 'd', 1.0)")
    threading.Timer(0.5, other.execute, ["COMMIT"]).start()
    assert ledger.rename("marker:m", "old", "new")
    assert ledger.get("marker:m", "new") is not None
    ledger.close()
    other.close()
