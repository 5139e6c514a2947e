"""The run-only key index in dictionaries gives the answers of the ledger's (SQLite) key store, for the
same pages, sweeps, writes and forgets."""

from __future__ import annotations

from target_pipedrive.account.key_memory import MemoryKeyStore
from target_pipedrive.account.ledger import Ledger
from target_pipedrive.account.ledger.keys import IndexState, KeyStore


def replay(keys: KeyStore) -> list[object]:
    seen: list[object] = []
    first = IndexState(generation=1, cursor="c1", listing_full=True, listing_from="2026-12-01T10:00:00Z")
    keys.store("person", "email", [(1, {"a@x"}), (2, {"b@x", "shared@x"})], first)
    seen.append(keys.state("person", "email"))
    done = IndexState(generation=1, since="2026-12-01T10:00:00Z", full_at=5.0)
    keys.store("person", "email", [(3, {"shared@x"})], done, sweep=True)
    seen += [keys.ids("person", "email", "shared@x"), keys.state("person", "email").complete]
    keys.add("person", "email", 4, ["d@x", "shared@x"], 1)  # written by the run
    seen += [keys.ids("person", "email", "shared@x"), keys.count("person", "email")]
    keys.store(
        "person", "email", [(1, {"a@x"}), (3, {"c@x"})], IndexState(generation=2, full_at=9.0), sweep=True
    )
    seen += [keys.ids("person", "email", key) for key in ("a@x", "b@x", "c@x", "d@x", "shared@x")]
    seen.append(keys.held("person", ["email", "phone"], [1, 2, 3, 4, 99]))
    seen += [
        sorted(keys.forget("person", 1)),
        keys.ids("person", "email", "a@x"),
        keys.count("person", "email"),
    ]
    return seen


def test_the_memory_store_answers_as_the_ledgers(tmp_path):
    ledger = Ledger(tmp_path / "ledger.sqlite", "acct")
    on_disk = ledger.key_store()
    assert on_disk is not None
    expected = replay(on_disk)
    ledger.close()
    memory = KeyStore.in_memory("acct")
    assert isinstance(memory, MemoryKeyStore) and not memory.persistent
    assert replay(memory) == expected
    assert {1, 3} in expected  # held: what the last full listing saw, not what it swept
