"""Poison values are the record's reject, never the run's end: out-of-range epochs and dates,
infinities and NaN, nesting deeper than 100 levels, strings longer than 1,000,000 characters. The
records after them are written, the state after them is passed on, so a rerun gets past them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ..target.cli import SCHEMA, STREAM, run_target
from ..target.test_person import person_mapping

PEOPLE = person_mapping(add_time={"@path": "$.traits.created_at"})


def identify(email: str, name: Any, **traits: Any) -> dict[str, Any]:
    return {"type": "identify", "traits": {"email": email, "name": name, **traits}}


def text(*records: dict[str, Any], raw: str = "") -> str:
    """SCHEMA, the poison record (raw JSON: some values have no JSON spelling), the good records, a STATE."""
    lines = [json.dumps(SCHEMA)]
    if raw:
        lines.append(
            json.dumps({"type": "RECORD", "stream": STREAM, "record": {"__RAW__": 0}}).replace(
                '{"__RAW__": 0}', raw
            )
        )
    lines += [json.dumps({"type": "RECORD", "stream": STREAM, "record": r}) for r in records]
    lines.append(json.dumps({"type": "STATE", "value": {"bookmarks": {STREAM: {"offset": 9}}}}))
    return "\n".join(lines) + "\n"


def assert_rejected_and_went_on(run: Any, reason: str) -> None:
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Traceback" not in run.stderr and "(a bug)" not in run.stderr, run.stderr[-3000:]
    [reject] = run.rejects
    assert reason in reject["reason"], reject["reason"]
    assert run.states == [{"bookmarks": {STREAM: {"offset": 9}}}]
    summary = run.summary()
    assert (summary["rejected"], summary["written"]) == (1, 1)


@pytest.mark.parametrize(
    ("created_at", "reason"),
    [
        ("1e20", "out of range for a timestamp"),
        ("-1e20", "out of range for a timestamp"),
        ("1e308", "out of range for a timestamp"),
        ("Infinity", "is infinite (or too large), not a number Pipedrive can store"),
        ("-Infinity", "is infinite (or too large), not a number Pipedrive can store"),
        ("NaN", "is NaN, not a number Pipedrive can store"),
        ('"99999-01-01"', "is not an ISO-8601 timestamp"),
        # Within the years 1 to 9999 as written, outside them in UTC: once an OverflowError.
        ('"9999-12-31T23:59:59-14:00"', "in UTC it falls outside the years 1 to 9999"),
        ('"0001-01-01T00:00:00+01:00"', "in UTC it falls outside the years 1 to 9999"),
    ],
)
def test_an_epoch_or_date_out_of_range(tmp_path, sandbox, base_config, created_at, reason):
    poison = (
        '{"type": "identify", "traits": {"email": "p@x.io", "name": "Poison", "created_at": '
        + created_at
        + "}}"
    )
    run = run_target(
        tmp_path, base_config | {"mappings": [PEOPLE]}, text(identify("ok@x.io", "After"), raw=poison)
    )
    assert_rejected_and_went_on(run, reason)
    assert [p["name"] for p in sandbox.entities("persons")] == ["After"]
    # The rerun of the same input gets past it again: the poison is the record's, not the run's.
    again = run_target(
        tmp_path, base_config | {"mappings": [PEOPLE]}, text(identify("ok@x.io", "After"), raw=poison)
    )
    assert again.returncode == 0 and len(again.rejects) == 1, again.stderr[-3000:]


@pytest.mark.parametrize("depth", [101, 600, 900])
def test_a_record_nested_deeper_than_the_limit(tmp_path, sandbox, base_config, depth):
    nested = '{"a": ' * depth + '"x"' + "}" * depth
    poison = '{"type": "identify", "traits": {"email": "p@x.io", "name": ' + nested + "}}"
    run = run_target(
        tmp_path, base_config | {"mappings": [PEOPLE]}, text(identify("ok@x.io", "After"), raw=poison)
    )
    assert_rejected_and_went_on(run, "the record is nested more than 100 levels deep")
    assert [p["name"] for p in sandbox.entities("persons")] == ["After"]


def test_a_string_longer_than_the_limit(tmp_path, sandbox, base_config):
    records = [identify("p@x.io", "x" * 1_000_001), identify("ok@x.io", "After")]
    run = run_target(tmp_path, base_config | {"mappings": [PEOPLE]}, text(*records))
    assert_rejected_and_went_on(run, "is a text of 1,000,001 characters, more than the 1,000,000 allowed")
    assert [p["name"] for p in sandbox.entities("persons")] == ["After"]
    assert len(run.stderr) < 100_000  # the value is never echoed


def _acme_deals(field: str, path: str) -> dict:
    """A deal mapping of the organization Acme: its title and one field from the event."""
    return {
        "name": "deals",
        "trigger": 'type = "track"',
        "action": "upsert_deal",
        "fields": {
            "title": {"@path": "$.properties.title"},
            field: {"@path": path},
            "organization_match_field": "name",
            "organization_match_value": "Acme",
        },
    }


def test_a_number_too_large_to_send(tmp_path, sandbox, base_config, api):
    api.call("POST", "/api/v2/organizations", json={"name": "Acme"})
    deals = _acme_deals("value", "$.properties.value")
    poison = '{"type": "track", "properties": {"title": "Poison", "value": 1e400}}'
    good = {"type": "track", "properties": {"title": "After", "value": 5}}
    run = run_target(tmp_path, base_config | {"mappings": [deals]}, text(good, raw=poison))
    assert_rejected_and_went_on(run, "is infinite (or too large), not a number Pipedrive can store")
    assert [d["title"] for d in sandbox.entities("deals")] == ["After"]


@pytest.mark.parametrize("close", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+01:00"])
def test_a_close_date_past_the_calendar_in_utc(tmp_path, sandbox, base_config, api, close):
    api.call("POST", "/api/v2/organizations", json={"name": "Acme"})
    deals = _acme_deals("expected_close_date", "$.properties.close")
    poison = json.dumps({"type": "track", "properties": {"title": "Poison", "close": close}})
    good = {"type": "track", "properties": {"title": "After", "close": "2026-05-01"}}
    run = run_target(tmp_path, base_config | {"mappings": [deals]}, text(good, raw=poison))
    assert_rejected_and_went_on(run, "in UTC it falls outside the years 1 to 9999")
    assert run.rejects[0]["field"] == "expected_close_date"
    assert [d["title"] for d in sandbox.entities("deals")] == ["After"]
