"""An unchanged payload decided before planning (run/payload_memo.py): only when the payload is the one
the mapping last wrote to the entity the lookup finds, on the same field catalogue, and holds nothing
but fields that depend on no other entity."""

from __future__ import annotations

from typing import Any

import pytest

from target_pipedrive.actions import PLANNERS

from .conftest import PEOPLE, identify

WITH_ORGANIZATION = {
    **PEOPLE,
    "fields": {
        **PEOPLE["fields"],
        "organization_match_field": "name",
        "organization_match_value": {"@path": "$.traits.company"},
    },
}


@pytest.fixture
def planned(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The person payloads planned (the plan itself runs as usual)."""
    seen: list[dict[str, Any]] = []
    plan = PLANNERS["upsert_person"]

    def spy(payload: dict[str, Any], rt: Any) -> Any:
        seen.append(payload)
        return plan(payload, rt)

    monkeypatch.setitem(PLANNERS, "upsert_person", spy)
    return seen


def _unchanged(feeder: Any) -> int:
    return feeder.run.report()["unchanged"]


def _ended_run(make_run: Any, mapping: dict[str, Any], record: dict[str, Any]) -> Any:
    """A whole run of `mapping` on one record, ended: its ledger rows are written for the next run."""
    feeder = make_run([mapping])
    feeder.feed(record)
    feeder.run.end()
    return feeder


def test_the_same_payload_again_is_unchanged_without_a_plan(make_run, sandbox, planned):
    _ended_run(make_run, PEOPLE, identify("ada@example.test", "Ada"))
    before, seen = len(planned), len(sandbox.log())

    again = make_run([PEOPLE])
    again.feed(identify("ada@example.test", "Ada"))
    assert len(planned) == before and _unchanged(again) == 1
    assert sandbox.log()[seen:] == []


def test_a_changed_payload_is_planned_and_written(make_run, sandbox, planned):
    _ended_run(make_run, PEOPLE, identify("ada@example.test", "Ada"))

    before = len(planned)
    _ended_run(make_run, PEOPLE, identify("ada@example.test", "Ada Lovelace"))
    assert len(planned) > before
    assert [p["name"] for p in sandbox.entities("persons")] == ["Ada Lovelace"]

    before = len(planned)
    third = make_run([PEOPLE])
    third.feed(identify("ada@example.test", "Ada Lovelace"))
    assert len(planned) == before and _unchanged(third) == 1


def test_a_payload_whose_fields_were_held_already_is_remembered(make_run, sandbox, planned):
    # The same fields from a different payload (a create-only add_time): planned once, found unchanged
    # by the write policy, and from then on known as that payload.
    with_time = {**PEOPLE, "fields": {**PEOPLE["fields"], "add_time": {"@path": "$.traits.since"}}}
    _ended_run(make_run, PEOPLE, identify("ada@example.test", "Ada"))
    record = {
        "type": "identify",
        "traits": {"email": "ada@example.test", "name": "Ada", "since": "2024-01-02"},
    }

    before = len(planned)
    second = _ended_run(make_run, with_time, record)
    assert len(planned) == before + 1 and _unchanged(second) == 1

    third = make_run([with_time])
    third.feed(record)
    assert len(planned) == before + 1 and _unchanged(third) == 1


def test_a_changed_field_catalogue_plans_again(make_run, sandbox, planned):
    # Custom field values are made from the catalogue (keys, types, options): a new catalogue, a new plan.
    with_custom = {**PEOPLE, "fields": {**PEOPLE["fields"], "custom_fields": {"External ID": "u-1"}}}
    _ended_run(make_run, with_custom, identify("ada@example.test", "Ada"))
    before = len(planned)
    same = _ended_run(make_run, with_custom, identify("ada@example.test", "Ada"))
    assert len(planned) == before and _unchanged(same) == 1

    fields = sandbox.sandbox.store.seed["fields"]["person"]
    fields.append(
        {**next(f for f in fields if f["is_custom_field"]), "field_name": "New", "field_code": "f" * 40}
    )
    again = make_run([with_custom])
    again.feed(identify("ada@example.test", "Ada"))
    assert len(planned) > before and _unchanged(again) == 1


def test_a_payload_with_a_link_is_always_planned(make_run, sandbox, planned):
    # Its organization may exist by now (a link not found is tried again on a later run).
    record = {
        "type": "identify",
        "traits": {"email": "ada@example.test", "name": "Ada", "company": "Nowhere"},
    }
    _ended_run(make_run, WITH_ORGANIZATION, record)

    before = len(planned)
    again = make_run([WITH_ORGANIZATION])
    again.feed(record)
    assert len(planned) > before


def test_full_refresh_plans_every_record(make_run, sandbox, planned):
    _ended_run(make_run, PEOPLE, identify("ada@example.test", "Ada"))

    before = len(planned)
    again = make_run([PEOPLE], full_refresh=True)
    again.feed(identify("ada@example.test", "Ada"))
    assert len(planned) > before


def test_an_entity_the_lookup_finds_elsewhere_is_planned(make_run, sandbox, planned):
    # The write row names another entity than the one the match value leads to now: plan and compare.
    _ended_run(make_run, PEOPLE, identify("ada@example.test", "Ada"))

    again = make_run([PEOPLE])
    runtime = again.run.runtime
    assert runtime.ledger is not None
    [(key, entry)] = [(key, entry) for key, entry in runtime.ledger.scope_rows("write:People:person:email")]
    runtime.ledger.put("write:People:person:email", key, "person", 999_999, entry.digest)
    before = len(planned)
    again.feed(identify("ada@example.test", "Ada"))
    # Planned, and written: the write policy has no digests of this entity to compare with.
    assert len(planned) > before and again.run.report()["written"] == 1
