"""The sync ledger: per account, survives the process, read-only in dry runs."""

from __future__ import annotations

from target_pipedrive.account.ledger import Ledger, digest


def test_rows_survive_a_reopen_and_stay_in_their_account(tmp_path):
    path = tmp_path / "sub" / "ledger.sqlite"
    first = Ledger(path, "https://acme.pipedrive.com")
    first.put("write:people:person:email", "a@x", "person", 5, digest({"name": "A"}))
    first.close()
    again = Ledger(path, "https://acme.pipedrive.com")
    entry = again.get("write:people:person:email", "a@x")
    assert entry is not None
    assert (entry.entity_id, entry.digest) == ("5", digest({"name": "A"}))
    assert Ledger(path, "http://127.0.0.1:8765").get("write:people:person:email", "a@x") is None


def test_forget_entity_removes_every_row_of_that_entity_only(tmp_path):
    ledger = Ledger(tmp_path / "l.sqlite", "acct")
    ledger.put("id:person:email", "a@x", "person", 5)
    ledger.put("write:m:person:email", "a@x", "person", 5, "d")
    ledger.put("id:deal:title", "big", "deal", 5)
    ledger.forget_entity("person", 5)
    assert ledger.get("id:person:email", "a@x") is None
    assert ledger.get("write:m:person:email", "a@x") is None
    assert ledger.get("id:deal:title", "big") is not None


def test_read_only_ledger_writes_nothing(tmp_path):
    Ledger(tmp_path / "l.sqlite", "acct").put("s", "k", "note", 1)
    dry = Ledger(tmp_path / "l.sqlite", "acct", read_only=True)
    dry.put("s", "k2", "note", 2)
    dry.forget("s", "k")
    assert dry.get("s", "k") is not None
    assert dry.get("s", "k2") is None


def test_digest_ignores_key_order_but_not_values():
    assert digest({"a": 1, "b": [1, 2]}) == digest({"b": [1, 2], "a": 1})
    assert digest({"a": 1}) != digest({"a": 1.5})
