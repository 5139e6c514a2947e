"""The key index's rows in the ledger database, on SQLite and PostgreSQL: per account, a page stored
with the listing's progress, a full listing's sweep, forgetting an id, and the migration from schema 2."""

from __future__ import annotations

import sqlite3

import sqlalchemy as sa

from target_pipedrive.account.ledger import Ledger
from target_pipedrive.account.ledger.keys import IndexState


def test_pages_state_sweep_and_forget_per_account(ledger_url):
    one, other = Ledger(ledger_url, "https://a.pipedrive.com"), Ledger(ledger_url, "https://b.pipedrive.com")
    keys, theirs = one.key_store(), other.key_store()
    assert keys is not None and theirs is not None
    first = IndexState(generation=1, cursor="c1", listing_full=True, listing_from="2026-12-01T10:00:00Z")
    keys.store("person", "email", [(1, {"a@x"}), (2, {"b@x", "shared@x"})], first)
    theirs.store("person", "email", [(1, {"a@x"})], IndexState(generation=1))
    assert keys.state("person", "email") == first
    done = IndexState(generation=1, since="2026-12-01T10:00:00Z", full_at=5.0)
    keys.store("person", "email", [(3, {"shared@x"})], done, sweep=True)
    assert keys.ids("person", "email", "shared@x") == [2, 3]
    assert keys.state("person", "email").complete
    # A second full listing that no longer sees 2: its rows go at the end.
    keys.store(
        "person", "email", [(1, {"a@x"}), (3, {"c@x"})], IndexState(generation=2, full_at=9.0), sweep=True
    )
    assert keys.ids("person", "email", "b@x") == [] and keys.ids("person", "email", "shared@x") == []
    assert keys.ids("person", "email", "c@x") == [3]
    assert sorted(keys.forget("person", 1)) == [("email", "a@x")]
    assert keys.ids("person", "email", "a@x") == []
    assert theirs.ids("person", "email", "a@x") == [1]  # another account's rows are its own
    one.close()
    other.close()


def test_a_schema_2_ledger_gains_the_index_tables(tmp_path):
    path = tmp_path / "ledger.sqlite"
    Ledger(path, "acct").close()
    with sqlite3.connect(path) as db:
        db.executescript(
            "DROP TABLE index_keys; DROP TABLE index_state;"
            "UPDATE ledger_meta SET value = '2' WHERE name = 'schema_version';"
        )
    ledger = Ledger(path, "acct")
    assert {"index_keys", "index_state"} <= set(sa.inspect(ledger.engine).get_table_names())
    ledger.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT value FROM ledger_meta WHERE name = 'schema_version'").fetchone() == ("3",)


def test_a_dry_run_reads_the_ledgers_index_and_writes_nothing(tmp_path):
    Ledger(tmp_path / "old.sqlite", "acct", read_only=True).close()
    assert Ledger(tmp_path / "old.sqlite", "acct", read_only=True).key_store() is None  # no tables yet
    ledger = Ledger(tmp_path / "l.sqlite", "acct")
    keys = ledger.key_store()
    assert keys is not None
    keys.store("person", "email", [(1, {"a@x"})], IndexState(generation=1, full_at=1.0))
    ledger.close()
    dry = Ledger(tmp_path / "l.sqlite", "acct", read_only=True)
    seen = dry.key_store()
    assert seen is not None and seen.read_only
    assert seen.ids("person", "email", "a@x") == [1]
    seen.add("person", "email", 2, {"b@x"}, 1)
    assert seen.forget("person", 1) == [("email", "a@x")]
    assert seen.ids("person", "email", "a@x") == [1] and seen.ids("person", "email", "b@x") == []
    dry.close()
