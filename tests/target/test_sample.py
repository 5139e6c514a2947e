"""The bundled sample (all six actions) against the sandbox: exact entities; a rerun duplicates nothing."""

from __future__ import annotations

import json
from pathlib import Path

from .cli import run_target

ROOT = Path(__file__).resolve().parents[2]


def test_sample_twice_gives_the_same_entities_and_no_duplicates(tmp_path, sandbox):
    config = json.loads((ROOT / "sample_config.json").read_text())
    config |= {"api_url": sandbox.url, "api_token": sandbox.token}
    del config["reject_file"], config["ledger_path"]  # into tmp_path, not the demo's output/
    lines = (ROOT / "samples" / "segment_events.jsonl").read_text()
    first = run_target(tmp_path, config, lines)
    assert first.returncode == 0, first.stderr
    summary = first.summary()
    assert (summary["records_in"], summary["written"], summary["filtered"], summary["rejected"]) == (
        12,
        10,
        1,
        1,
    )
    counts = {kind: len(items) for kind, items in sandbox.state().items()}
    assert counts == {"persons": 3, "organizations": 2, "deals": 2, "activities": 1, "leads": 1, "notes": 1}
    deal = next(d for d in sandbox.entities("deals") if d["title"] == "Compiler support")
    grace = next(p for p in sandbox.entities("persons") if p["name"] == "Grace Hopper")
    assert deal["person_id"] == grace["id"]
    assert deal["status"] == "won"
    # Issue 18: Ada's identify names her company, Grace's group call links her to hers; a deal placed by
    # pipeline and stage name with an owner by email; a lead with a label.
    orgs = {org["name"]: org["id"] for org in sandbox.entities("organizations")}
    people = {person["name"]: person.get("org_id") for person in sandbox.entities("persons")}
    assert people == {
        "Ada Lovelace": orgs["Analytical Engines Ltd"],
        "Grace Hopper": orgs["COBOL Systems"],
        "Alan Turing": None,
    }
    engine = next(d for d in sandbox.entities("deals") if d["title"] == "Difference Engine upgrade")
    assert (engine["pipeline_id"], engine["stage_id"], engine["owner_id"]) == (1, 3, 2)
    [lead] = sandbox.entities("leads")
    assert lead["label_ids"] == ["f08b42a0-4e75-11ea-9643-03698ef1cfd6"]  # Hot
    assert "link is left out" not in first.stderr
    assert first.states[-1] == {"bookmarks": {"segment_events": {"messageId": "m-012"}}}
    assert len(first.states) == 2  # each checkpoint passed on once
    assert [r["record"]["messageId"] for r in first.rejects] == ["m-011"]

    # A re-run of the same events (a replay from an older state) changes nothing and creates nothing:
    # the ledger knows every entity, and every activity, note and lead by its event.
    before = sandbox.counters()["requests"]
    second = run_target(tmp_path, config, lines)
    assert second.returncode == 0, second.stderr
    assert {kind: len(items) for kind, items in sandbox.state().items()} == counts
    again = second.summary()
    assert (again["written"], again["unchanged"], again["rejected"]) == (0, 10, 1)
    assert again["mappings"]["People from identify"]["unchanged"] == 3
    writes = [e for e in sandbox.log() if e["seq"] > before and e["method"] != "GET"]
    assert writes == []

    # full_refresh looks everything up again instead of trusting the ledger, and still duplicates nothing.
    third = run_target(tmp_path, config | {"full_refresh": True}, lines)
    assert third.returncode == 0, third.stderr
    assert {kind: len(items) for kind, items in sandbox.state().items()} == counts
    assert third.summary()["written"] + third.summary()["unchanged"] == 10
    assert "sandbox-api-token" not in first.stderr + second.stderr + third.stderr
