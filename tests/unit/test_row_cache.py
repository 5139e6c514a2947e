"""The ledger's row cache filled in bulk holds what the same rows put one by one would."""

from __future__ import annotations

from target_pipedrive.account.ledger.cache import RowCache

ROWS = [
    ("write:People:person:email", "ada@x.io", "person", "1", '{"name":"ab"}'),
    ("id:person:email", "ada@x.io", "person", "1", None),
    ("marker:Notes", '["s","m-1"]', "note", "7", "d1"),
    ("write:Orgs:organization:name", "acme", "organization", "1", None),
]


def test_a_bulk_load_equals_puts():
    loaded, put = RowCache(), RowCache()
    loaded.load(iter(ROWS))
    for scope, key, entity, entity_id, stored in ROWS:
        put.put((scope, key), (entity, entity_id, stored))
    for scope, key, entity, entity_id, _ in ROWS:
        assert loaded.get((scope, key)) == put.get((scope, key))
        assert sorted(loaded.of_entity(entity, entity_id)) == sorted(put.of_entity(entity, entity_id))
    assert sorted(loaded.of_entity("person", "1")) == [
        ("id:person:email", "ada@x.io"),
        ("write:People:person:email", "ada@x.io"),
    ]
    loaded.drop(("id:person:email", "ada@x.io"))
    assert loaded.points_at("person", "1") and not loaded.points_at("note", "8")
