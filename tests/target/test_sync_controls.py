"""Sync controls against the sandbox: a mapping's `mode`, and Segment's warehouse tables."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .cli import messages, run_target

ROOT = Path(__file__).resolve().parents[2]


def _people(mode: str | None) -> dict[str, Any]:
    mapping: dict[str, Any] = {
        "name": "People",
        "trigger": 'type = "identify"',
        "action": "upsert_person",
        "fields": {
            "match_field": "email",
            "match_value": {"@path": "$.traits.email"},
            "name": {"@path": "$.traits.name"},
            "email": {"@path": "$.traits.email"},
        },
    }
    if mode is not None:
        mapping["mode"] = mode
    return {"mappings": [mapping]}


def _identify(email: str, name: str) -> dict[str, Any]:
    return {"type": "identify", "messageId": f"m-{email}", "traits": {"email": email, "name": name}}


def _names(sandbox: Any) -> list[str]:
    return sorted(p["name"] for p in sandbox.entities("persons"))


def test_update_only_updates_what_exists_and_creates_nothing(tmp_path, sandbox, api, base_config):
    api.call("POST", "/api/v2/persons", json={"name": "Ann", "emails": [{"value": "ann@example.com"}]})
    lines = messages(
        _identify("ann@example.com", "Ann Smith"),
        _identify("bob@example.com", "Bob"),
        _identify("cy@example.com", "Cy"),
    )
    run = run_target(tmp_path, base_config | _people("update_only"), lines)
    assert run.returncode == 0, run.stderr
    assert _names(sandbox) == ["Ann Smith"]
    summary = run.summary()
    assert (summary["written"], summary["skipped"], summary["rejected"]) == (1, 2, 0)
    tally = summary["mappings"]["People"]
    assert (tally["updated"], tally["created"], tally["skipped"]) == (1, 0, 2)
    reason = "no person matches the record and the mapping's mode is update_only: none is created"
    assert reason in run.stderr
    assert run.stderr.count(reason) == 1  # said once per run and mapping; the summary counts each
    assert run.rejects == []


def test_create_only_leaves_existing_entities_as_they_are(tmp_path, sandbox, api, base_config):
    api.call("POST", "/api/v2/persons", json={"name": "Ann", "emails": [{"value": "ann@example.com"}]})
    lines = messages(_identify("ann@example.com", "Ann Smith"), _identify("bob@example.com", "Bob"))
    run = run_target(tmp_path, base_config | _people("create_only"), lines)
    assert run.returncode == 0, run.stderr
    assert _names(sandbox) == ["Ann", "Bob"]
    summary = run.summary()
    assert (summary["written"], summary["unchanged"]) == (1, 1)
    tally = summary["mappings"]["People"]
    assert (tally["created"], tally["updated"], tally["unchanged"]) == (1, 0, 1)


def test_upsert_is_the_default_mode(tmp_path, sandbox, api, base_config):
    api.call("POST", "/api/v2/persons", json={"name": "Ann", "emails": [{"value": "ann@example.com"}]})
    lines = messages(_identify("ann@example.com", "Ann Smith"), _identify("bob@example.com", "Bob"))
    run = run_target(tmp_path, base_config | _people("upsert"), lines)
    assert run.returncode == 0, run.stderr
    assert _names(sandbox) == ["Ann Smith", "Bob"]


def test_an_unknown_mode_stops_the_run_at_start_up(tmp_path, sandbox, base_config):
    run = run_target(tmp_path, base_config | _people("update-only"), messages(_identify("a@b.c", "A")))
    assert run.returncode != 0
    assert "mode" in run.stderr and "update_only" in run.stderr
    assert sandbox.entities("persons") == []


def _counts(sandbox: Any) -> dict[str, int]:
    return {kind: len(items) for kind, items in sandbox.state().items()}


def _described(sandbox: Any) -> dict[str, list[Any]]:
    """What the sample leaves in the account, without ids and times."""
    return {
        "persons": sorted(p["name"] for p in sandbox.entities("persons")),
        "organizations": sorted(o["name"] for o in sandbox.entities("organizations")),
        "deals": sorted((d["title"], d["status"], str(d["value"])) for d in sandbox.entities("deals")),
        "activities": sorted(a["subject"] for a in sandbox.entities("activities")),
        "leads": sorted(lead["title"] for lead in sandbox.entities("leads")),
        "notes": sorted(n["content"] for n in sandbox.entities("notes")),
    }


def test_the_warehouse_sample_gives_the_raw_samples_entities(tmp_path, sandbox):
    config = json.loads((ROOT / "sample_config.json").read_text())
    config |= {"api_url": sandbox.url, "api_token": sandbox.token, "segment_warehouse": True}
    del config["reject_file"], config["ledger_path"]
    run = run_target(tmp_path, config, (ROOT / "samples" / "segment_warehouse.jsonl").read_text())
    assert run.returncode == 0, run.stderr
    summary = run.summary()
    assert (summary["records_in"], summary["written"], summary["filtered"], summary["rejected"]) == (
        12,
        10,
        1,
        1,
    )
    assert _counts(sandbox) == {
        "persons": 3,
        "organizations": 2,
        "deals": 2,
        "activities": 1,
        "leads": 1,
        "notes": 1,
    }
    warehouse = _described(sandbox)
    # The reject file holds the event as the mappings saw it.
    assert [r["record"]["messageId"] for r in run.rejects] == ["m-011"]
    assert run.rejects[0]["record"]["type"] == "identify"
    grace = next(p for p in sandbox.entities("persons") if p["name"] == "Grace Hopper")
    deal = next(d for d in sandbox.entities("deals") if d["title"] == "Compiler support")
    assert deal["person_id"] == grace["id"]
    # A rerun creates nothing: the events' identity is their messageId (the row's id).
    again = run_target(tmp_path, config, (ROOT / "samples" / "segment_warehouse.jsonl").read_text())
    assert again.returncode == 0, again.stderr
    assert (again.summary()["written"], again.summary()["unchanged"]) == (0, 10)

    # The raw-event sample into an empty account: the same entities.
    sandbox.reset()
    raw = json.loads((ROOT / "sample_config.json").read_text())
    raw |= {"api_url": sandbox.url, "api_token": sandbox.token, "ledger_path": str(tmp_path / "raw.sqlite")}
    del raw["reject_file"]
    first = run_target(tmp_path, raw, (ROOT / "samples" / "segment_events.jsonl").read_text())
    assert first.returncode == 0, first.stderr
    assert _described(sandbox) == warehouse


def test_warehouse_rows_hit_the_default_presets(tmp_path, sandbox, base_config):
    def stream(table: str, *rows: dict[str, Any]) -> list[dict[str, Any]]:
        return messages(*rows, stream=f"public-{table}")

    lines = [
        *stream(
            "groups", {"id": "m-1", "user_id": "u-1", "group_id": "g-1", "name": "Acme", "industry": "Tools"}
        ),
        *stream("identifies", {"id": "m-2", "user_id": "u-1", "email": "ann@example.com", "name": "Ann"}),
        *stream(
            "activity_upserted",
            {
                "id": "m-3",
                "user_id": "u-1",
                "event": "activity_upserted",
                "event_text": "Activity Upserted",
                "subject": "Kick-off",
                "type": "call",
            },
        ),
        *stream("deals", {"id": 7, "title": "not a Segment table"}),
    ]
    run = run_target(tmp_path, base_config | {"segment_warehouse": True}, lines)
    assert run.returncode == 0, run.stderr
    assert [o["name"] for o in sandbox.entities("organizations")] == ["Acme"]
    [person] = sandbox.entities("persons")
    assert person["name"] == "Ann"
    assert [a["subject"] for a in sandbox.entities("activities")] == ["Kick-off"]
    summary = run.summary()
    assert (summary["written"], summary["filtered"], summary["rejected"]) == (3, 1, 0)

    # Without the setting, the same rows are columns no preset reads: nothing is written.
    sandbox.reset()
    off = run_target(tmp_path, base_config | {"ledger_path": str(tmp_path / "off.sqlite")}, lines)
    assert off.returncode == 0, off.stderr
    assert off.summary()["written"] == 0
