"""dry_run: every lookup, no write; each request a real run would send in the plan file (the first ones
logged too); the same summary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .cli import messages, run_target

ROOT = Path(__file__).resolve().parents[2]
WOULD_SEND = "would send: "


def _sample_config(sandbox: Any) -> dict[str, Any]:
    config = json.loads((ROOT / "sample_config.json").read_text())
    del config["reject_file"], config["ledger_path"]  # into tmp_path, not the demo's output/
    return config | {"api_url": sandbox.url, "api_token": sandbox.token}


def _would_send(stderr: str) -> list[dict[str, Any]]:
    return [json.loads(line.split(WOULD_SEND, 1)[1]) for line in stderr.splitlines() if WOULD_SEND in line]


def _without_api(summary: dict[str, Any]) -> dict[str, Any]:
    # A dry run reads what a real run reads but writes nothing, so only the API accounting differs.
    mappings = {
        name: {k: v for k, v in tally.items() if k not in ("api_calls", "tokens")}
        for name, tally in summary["mappings"].items()
    }
    # When the run started and ended differ too.
    return {k: v for k, v in summary.items() if k not in ("api", "started_at", "ended_at")} | {
        "mappings": mappings
    }


def test_sample_dry_run_writes_nothing_and_summarises_like_a_real_run(tmp_path, sandbox):
    lines = (ROOT / "samples" / "segment_events.jsonl").read_text()
    (tmp_path / "dry").mkdir()
    (tmp_path / "real").mkdir()

    dry = run_target(tmp_path / "dry", _sample_config(sandbox) | {"dry_run": True}, lines)
    assert dry.returncode == 0, dry.stderr
    assert {entry["method"] for entry in sandbox.log()} == {"GET"}
    assert all(not items for items in sandbox.state().values())
    assert sandbox.token not in dry.stderr + dry.stdout
    # The state is passed on as in a real run: Meltano may store it.
    assert dry.states[-1] == {"bookmarks": {"segment_events": {"messageId": "m-012"}}}

    real = run_target(tmp_path / "real", _sample_config(sandbox), lines)
    assert real.returncode == 0, real.stderr
    assert _without_api(dry.summary()) == _without_api(real.summary())
    assert [r["record"]["messageId"] for r in dry.rejects] == [r["record"]["messageId"] for r in real.rejects]

    # One logged request per write the real run sent, same methods and paths (ids aside).
    # (A write the rate limit refused, 429, was sent again: only the accepted ones count.)
    real_writes = [
        (e["method"], e["path"].split("/")[3])
        for e in sandbox.log()
        if e["method"] != "GET" and e["status"] < 300
    ]
    planned = [(r["method"], r["path"].split("/")[3]) for r in _would_send(dry.stderr)]
    assert sorted(planned) == sorted(real_writes)


def test_logged_request_has_method_path_and_body(tmp_path, sandbox, base_config, api):
    existing = api.call(
        "POST", "/api/v2/persons", json={"name": "Ada", "emails": [{"value": "ada@x.example"}]}
    )
    mapping = {
        "name": "People",
        "trigger": 'type = "identify"',
        "action": "upsert_person",
        "fields": {
            "match_field": "email",
            "match_value": {"@path": "$.traits.email"},
            "name": {"@path": "$.traits.name"},
            "custom_fields": {"Tier": {"@path": "$.traits.tier"}},
        },
    }
    records = [
        {"type": "identify", "traits": {"email": "ada@x.example", "name": "Ada Lovelace", "tier": "Gold"}},
        {"type": "identify", "traits": {"email": "grace@x.example", "name": "Grace Hopper"}},
    ]
    run = run_target(tmp_path, base_config | {"dry_run": True, "mappings": [mapping]}, messages(*records))
    assert run.returncode == 0, run.stderr

    # Records may be written concurrently (max_in_flight): tell the two requests apart by method.
    by_method = {request["method"]: request for request in _would_send(run.stderr)}
    assert sorted(by_method) == ["PATCH", "POST"]
    update, create = by_method["PATCH"], by_method["POST"]
    tier = api.field_key("person", "Tier")
    assert update["method"] == "PATCH"
    assert update["path"] == f"/api/v2/persons/{existing['id']}"
    assert update["body"]["name"] == "Ada Lovelace"
    assert update["body"]["custom_fields"] == {tier: api.option_id("person", "Tier", "Gold")}
    assert create["method"] == "POST"
    assert create["path"] == "/api/v2/persons"
    assert create["body"]["name"] == "Grace Hopper"
    assert create["body"]["emails"][0]["value"] == "grace@x.example"

    assert [e["method"] for e in sandbox.log() if e["method"] != "GET"] == ["POST"]  # the arranged person
    assert [p["name"] for p in sandbox.entities("persons")] == ["Ada"]
    summary = run.summary()
    assert (summary["written"], summary["mappings"]["People"]["updated"]) == (2, 1)
    assert summary["mappings"]["People"]["created"] == 1


def test_every_request_goes_to_the_plan_file_and_the_first_twenty_to_the_log(tmp_path, sandbox, base_config):
    mapping = {
        "name": "People",
        "trigger": 'type = "identify"',
        "action": "upsert_person",
        "fields": {"match_field": "email", "match_value": {"@path": "$.traits.email"}, "name": "P"},
    }
    records = [{"type": "identify", "traits": {"email": f"p{n}@x.example"}} for n in range(30)]
    plan_file = tmp_path / "plan" / "dry-run.jsonl"
    config = base_config | {"dry_run": True, "mappings": [mapping], "dry_run_file": str(plan_file)}
    run = run_target(tmp_path, config, messages(*records))
    assert run.returncode == 0, run.stderr
    planned = [json.loads(line) for line in plan_file.read_text().splitlines()]
    assert len(planned) == 30
    assert {(p["mapping"], p["method"], p["path"]) for p in planned} == {
        ("People", "POST", "/api/v2/persons")
    }
    assert sorted(p["body"]["emails"][0]["value"] for p in planned) == sorted(
        f"p{n}@x.example" for n in range(30)
    )
    assert len(_would_send(run.stderr)) == 20
    assert f"30 requests would have been sent; all of them are in {plan_file}" in run.stderr
    assert sandbox.token not in plan_file.read_text()
