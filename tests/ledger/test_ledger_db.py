"""The sync ledger on SQLite and on PostgreSQL: rows, accounts, migrations, the writer lock, failures."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from target_pipedrive.account.ledger import Ledger, LedgerBusy, LedgerUnusable, shown


def test_rows_survive_a_reopen_and_stay_in_their_account(ledger_url):
    first = Ledger(ledger_url, "https://acme.pipedrive.com")
    assert not first.knew_account
    first.mark_run()
    first.put("id:person:email", "a@x", "person", 5)
    first.put("write:m:person:email", "a@x", "person", 5, '{"name":"1"}')
    first.close()
    again = Ledger(ledger_url, "https://acme.pipedrive.com")
    assert again.knew_account
    entry = again.get("write:m:person:email", "a@x")
    assert entry is not None
    assert (entry.entity_id, entry.digest) == ("5", '{"name":"1"}')
    assert again.knows("person", 5)
    assert again.get_many("id:person:email", ["a@x", "b@x"]).keys() == {"a@x"}
    other = Ledger(ledger_url, "https://other.pipedrive.com")
    assert not other.knew_account
    assert other.get("write:m:person:email", "a@x") is None
    for ledger in (again, other):
        ledger.close()


@pytest.mark.parametrize("preload", [True, False])
def test_rename_forget_and_markers_kept_for_deleted_entities(ledger_url, preload):
    ledger = Ledger(ledger_url, "acct", preload=preload)
    ledger.put("marker:m", "old", "activity", 7, "d")
    ledger.put("marker:m", "taken", "activity", 8, "d")
    assert ledger.rename("marker:m", "old", "new")
    assert not ledger.rename("marker:m", "new", "taken")  # never over an existing row
    ledger.put("id:person:email", "a@x", "person", 5)
    ledger.put("write:m:activity:id", "7", "activity", 7, "{}")
    ledger.forget_entity("activity", 7)
    # The marker stays: a replay must not recreate what someone deleted in Pipedrive.
    assert ledger.get("marker:m", "new") is not None
    assert ledger.get("write:m:activity:id", "7") is None
    ledger.forget("marker:m", "new")
    assert not ledger.has("marker:m", "new")
    ledger.close()
    assert Ledger(ledger_url, "acct").get("marker:m", "taken") is not None


def test_a_second_writer_waits_then_stops_naming_the_holder(ledger_url):
    holder = Ledger(ledger_url, "acct")
    holder.lock_writer(0)
    second = Ledger(ledger_url, "acct")
    started = time.monotonic()
    with pytest.raises(LedgerBusy, match="another run writes to this Pipedrive account") as busy:
        second.lock_writer(1.0)
    assert time.monotonic() - started >= 1.0
    assert "target-pipedrive pid" in str(busy.value)
    # Another account is not blocked; and once the holder is gone, the lock is free.
    Ledger(ledger_url, "other").lock_writer(0)
    threading.Timer(0.5, holder.close).start()
    second.lock_writer(10)
    second.close()


def test_an_earlier_sqlite_ledger_is_migrated(tmp_path):
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE entries (account TEXT NOT NULL, scope TEXT NOT NULL, key TEXT NOT NULL, "
            "entity TEXT NOT NULL, entity_id TEXT NOT NULL, digest TEXT, PRIMARY KEY (account, scope, key));"
            "INSERT INTO entries VALUES ('acct', 'marker:m', 'k', 'note', '3', 'd');"
        )
    dry = Ledger(path, "acct", read_only=True)  # a dry run reads it as it is
    assert dry.knew_account
    assert dry.get("marker:m", "k") is not None
    dry.close()
    ledger = Ledger(path, "acct")
    assert ledger.knew_account  # its markers are there: no content matching needed
    assert ledger.get("marker:m", "k") is not None
    ledger.put("marker:m", "k2", "note", 4, "d")
    ledger.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT value FROM ledger_meta WHERE name = 'schema_version'").fetchone() == ("3",)
        assert db.execute("SELECT count(*) FROM entries WHERE updated_at IS NOT NULL").fetchone() == (1,)


@pytest.mark.parametrize("content", [b"", b"not a database at all" * 100])
def test_broken_sqlite_files(tmp_path, content):
    path = tmp_path / "ledger.sqlite"
    path.write_bytes(content)
    if not content:
        Ledger(path, "acct").close()  # an empty file is a new ledger
        return
    with pytest.raises(LedgerUnusable, match=r"is not a usable sync ledger .*move the file away"):
        Ledger(path, "acct")


def test_a_wrong_password_names_the_url_without_it(pg_url):
    wrong = pg_url.replace(":ledger-test@", ":not-the-password@")
    with pytest.raises(LedgerUnusable) as refused:
        Ledger(wrong, "acct", setting="ledger_url")
    message = str(refused.value)
    assert "not-the-password" not in message
    assert "***" in message
    assert "check the user and password" in message
    assert "not-the-password" not in shown(wrong)


def test_an_unreachable_server(pg_url):
    url = "postgresql://u:secret@127.0.0.1:9/ledger"
    with pytest.raises(LedgerUnusable, match="reachable") as refused:
        Ledger(url, "acct", setting="ledger_url")
    assert "secret" not in str(refused.value)
