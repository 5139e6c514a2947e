"""Fewest calls: sync ledger, key index, skip-unchanged and the `segment` baseline, over real HTTP."""

from __future__ import annotations

from typing import Any

from .cli import messages, run_target
from .test_person import identify, person_mapping

PEOPLE = [identify(f"u{i}", f"p{i}@example.com", f"Person {i}") for i in range(6)]


def calls_since(sandbox: Any, seq: int) -> list[tuple[str, str]]:
    return [(e["method"], e["path"]) for e in sandbox.log() if e["seq"] > seq]


def last_seq(sandbox: Any) -> int:
    log = sandbox.log()
    return log[-1]["seq"] if log else 0


def test_first_sync_lists_once_then_only_creates(tmp_path, sandbox, base_config):
    run = run_target(tmp_path, base_config | {"mappings": [person_mapping()]}, messages(*PEOPLE))
    assert run.returncode == 0, run.stderr
    calls = calls_since(sandbox, 0)
    assert calls.count(("GET", "/api/v2/persons")) == 1
    assert not [c for c in calls if c[1].endswith("/search")]
    assert calls.count(("POST", "/api/v2/persons")) == 6
    people = run.summary()["mappings"]["people"]
    assert (people["created"], people["api_calls"]) == (6, 7)
    assert people["tokens"] == 10 + 6 * 5


def test_resync_of_unchanged_rows_needs_no_call_and_a_change_one_patch(tmp_path, sandbox, base_config):
    config = base_config | {"mappings": [person_mapping()]}
    assert run_target(tmp_path, config, messages(*PEOPLE)).returncode == 0

    seq = last_seq(sandbox)
    again = run_target(tmp_path, config, messages(*PEOPLE))
    assert again.returncode == 0, again.stderr
    assert [c for c in calls_since(sandbox, seq) if "Fields" not in c[1]] == []
    assert again.summary()["unchanged"] == 6

    seq = last_seq(sandbox)
    changed = [*PEOPLE[:5], identify("u5", "p5@example.com", "Person Five")]
    third = run_target(tmp_path, config, messages(*changed))
    assert third.returncode == 0, third.stderr
    five = next(p for p in sandbox.entities("persons") if p["emails"][0]["value"] == "p5@example.com")
    assert [c for c in calls_since(sandbox, seq) if "Fields" not in c[1]] == [
        ("PATCH", f"/api/v2/persons/{five['id']}")
    ]
    assert five["name"] == "Person Five"


def test_without_the_ledger_a_read_by_id_still_spares_the_writes(tmp_path, sandbox, base_config):
    # The key index keeps no values: with no ledger digest to compare with, the write policy reads each
    # found entity (1 token) instead of writing it (5 tokens).
    config = base_config | {"mappings": [person_mapping()]}
    assert run_target(tmp_path, config, messages(*PEOPLE)).returncode == 0
    seq = last_seq(sandbox)
    again = run_target(tmp_path, config | {"ledger_path": ""}, messages(*PEOPLE))
    assert again.returncode == 0, again.stderr
    calls = [c for c in calls_since(sandbox, seq) if "Fields" not in c[1]]
    assert calls[0] == ("GET", "/api/v2/persons")
    assert sorted(calls[1:]) == sorted(
        ("GET", f"/api/v2/persons/{p['id']}") for p in sandbox.entities("persons")
    )
    assert again.summary()["unchanged"] == 6


def test_an_entity_deleted_in_pipedrive_is_looked_up_again_not_lost(tmp_path, sandbox, base_config, api):
    config = base_config | {"mappings": [person_mapping()]}
    assert run_target(tmp_path, config, messages(*PEOPLE[:2])).returncode == 0
    api.call("DELETE", "/api/v2/persons/2")
    changed = [identify("u0", "p0@example.com", "Zero"), identify("u1", "p1@example.com", "One")]
    run = run_target(tmp_path, config, messages(*changed))
    assert run.returncode == 0, run.stderr
    names = sorted(p["name"] for p in sandbox.entities("persons"))
    assert names == ["One", "Zero"]
    assert run.summary()["rejected"] == 0


def test_a_link_to_an_entity_deleted_in_pipedrive_is_resolved_again(tmp_path, sandbox, base_config, api):
    deal = {
        "name": "deals",
        "trigger": 'type = "track"',
        "action": "upsert_deal",
        "fields": {
            "title": {"@path": "$.properties.title"},
            "person_match_field": "email",
            "person_match_value": {"@path": "$.properties.email"},
        },
    }
    config = base_config | {"mappings": [person_mapping(), deal]}
    first = messages(identify("u0", "ann@example.com", "Ann"))
    assert run_target(tmp_path, config, first).returncode == 0
    api.call("DELETE", "/api/v2/persons/1")
    api.call("POST", "/api/v2/persons", json={"name": "Ann again", "emails": [{"value": "ann@example.com"}]})
    properties = {"title": "Big one", "email": "ann@example.com"}
    order = {"type": "track", "event": "Order", "properties": properties}
    run = run_target(tmp_path, config, messages(order))
    assert run.returncode == 0, run.stderr
    assert [d["person_id"] for d in sandbox.entities("deals")] == [2]


def test_segment_strategy_searches_every_lookup_and_always_writes(tmp_path, sandbox, base_config):
    config = base_config | {"mappings": [person_mapping()], "strategy": "segment"}
    assert run_target(tmp_path, config, messages(*PEOPLE[:3])).returncode == 0
    sandbox.configure(search_delay=0)
    seq = last_seq(sandbox)
    run = run_target(tmp_path, config, messages(*PEOPLE[:3]))
    assert run.returncode == 0, run.stderr
    calls = [c for c in calls_since(sandbox, seq) if "Fields" not in c[1]]
    search = ("GET", "/api/v2/persons/search")
    assert sorted(calls) == sorted([search] * 3 + [("PATCH", f"/api/v2/persons/{i}") for i in (1, 2, 3)])


def test_a_ledger_id_reached_through_the_identity_map_is_still_checked(tmp_path, sandbox, base_config, api):
    # The first record is skipped on the ledger's word; the second, a change, must not trust it blindly.
    config = base_config | {"mappings": [person_mapping()], "max_in_flight": 1}
    assert run_target(tmp_path, config, messages(identify("u1", "a@x.io", "Ann"))).returncode == 0
    api.call("DELETE", f"/api/v2/persons/{sandbox.entities('persons')[0]['id']}")
    again = messages(identify("u1", "a@x.io", "Ann"), identify("u1", "a@x.io", "Ann B"))
    run = run_target(tmp_path, config, again)
    assert run.returncode == 0, run.stderr
    assert run.rejects == []
    assert [p["name"] for p in sandbox.entities("persons")] == ["Ann B"]
