"""`target-pipedrive-tools replay`: a reject file's records through the fixed mappings (sandbox)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..target.cli import messages, run_target
from .run_tools import run_tools

PEOPLE = {
    "name": "People",
    "trigger": 'type = "track"',
    "action": "upsert_person",
    "fields": {
        "match_field": "email",
        "match_value": {"@path": "$.properties.email"},
        "name": {"@path": "$.properties.name"},
        "email": {"@path": "$.properties.email"},
    },
}


def _notes(content_path: str, name: str = "Notes") -> dict[str, Any]:
    return {
        "name": name,
        "trigger": 'type = "track"',
        "action": "upsert_note",
        "fields": {
            "person_match_field": "email",
            "person_match_value": {"@path": "$.properties.email"},
            "content": {"@path": content_path},
        },
    }


EVENTS = [
    {
        "type": "track",
        "event": "Call logged",
        "messageId": f"m-{n}",
        "properties": {"email": f"p{n}@example.com", "name": f"P{n}", "body": f"Called P{n}"},
    }
    for n in (1, 2)
]


def _first_run(tmp_path: Path, sandbox: Any) -> tuple[dict[str, Any], Path]:
    """A run whose Notes mapping reads a field the events do not have: People write, Notes reject."""
    config = {
        "api_url": sandbox.url,
        "api_token": sandbox.token,
        "ledger_path": str(tmp_path / "ledger.sqlite"),
        "mappings": [PEOPLE, _notes("$.properties.text")],
    }
    run = run_target(tmp_path, config, messages(*EVENTS))
    assert run.returncode == 0, run.stderr
    assert [(r["mapping"], r["field"]) for r in run.rejects] == [("Notes", "content")] * 2
    rejects = tmp_path / "rejects.jsonl"
    rejects.write_text("".join(json.dumps(r) + "\n" for r in run.rejects))
    assert len(sandbox.entities("persons")) == 2 and sandbox.entities("notes") == []
    return config, rejects


def _writes(sandbox: Any, after: int) -> list[tuple[str, str]]:
    return [(e["method"], e["path"]) for e in sandbox.log() if e["seq"] > after and e["method"] != "GET"]


def test_replay_sends_the_rejects_through_their_fixed_mapping_only(tmp_path, sandbox):
    config, rejects = _first_run(tmp_path, sandbox)
    fixed = config | {"mappings": [PEOPLE, _notes("$.properties.body")]}
    before = sandbox.counters()["requests"]
    done = run_tools(tmp_path, "replay", str(rejects), config=fixed)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines() == [
        f"Replaying 2 record(s) from {rejects}",
        "  mapping 'Notes': 2 record(s): 2 written, 0 unchanged, 0 skipped, 0 filtered, 0 rejected",
        "Replayed 2 record(s): 2 written, 0 unchanged, 0 skipped, 0 filtered (no trigger matched), "
        "0 still rejected",
    ]
    assert sorted(n["content"] for n in sandbox.entities("notes")) == ["Called P1", "Called P2"]
    # Only the notes were written: People, which wrote these records in the first run, did not run.
    writes = _writes(sandbox, before)
    assert len(writes) == 2 and all(method == "POST" and path.endswith("/notes") for method, path in writes)
    assert not (tmp_path / "rejects.replay.jsonl").exists()
    assert sandbox.token not in done.stdout + done.stderr

    # Replaying the same reject file again duplicates nothing: the ledger knows each note by its event.
    again = run_tools(tmp_path, "replay", str(rejects), config=fixed)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "2 unchanged" in again.stdout
    assert len(sandbox.entities("notes")) == 2


def test_a_mapping_gone_from_the_config_replays_through_every_mapping_without_duplicates(tmp_path, sandbox):
    config, rejects = _first_run(tmp_path, sandbox)
    renamed = config | {"mappings": [PEOPLE, _notes("$.properties.body", name="Notes v2")]}
    before = sandbox.counters()["requests"]
    done = run_tools(tmp_path, "replay", str(rejects), config=renamed)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "mapping 'Notes' is not in the config: its 2 record(s) go through every mapping" in done.stdout
    assert "every mapping: 2 record(s): 2 written" in done.stdout
    # People ran again on records it had written: unchanged (the ledger), not a second person.
    assert len(sandbox.entities("persons")) == 2
    assert len(sandbox.entities("notes")) == 2
    assert all("/persons" not in path for _method, path in _writes(sandbox, before))


def test_records_that_still_fail_go_to_a_new_reject_file(tmp_path, sandbox):
    config, rejects = _first_run(tmp_path, sandbox)
    output = tmp_path / "still.jsonl"
    done = run_tools(tmp_path, "replay", str(rejects), "--output", str(output), config=config)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"2 record(s) still rejected: in {output}, each with its reason" in done.stdout
    kept = [json.loads(line) for line in output.read_text().splitlines()]
    # Records are written a few at a time: their rejects come in any order.
    assert sorted((r["mapping"], r["field"], r["record"]["messageId"]) for r in kept) == [
        ("Notes", "content", "m-1"),
        ("Notes", "content", "m-2"),
    ]
    assert sandbox.entities("notes") == []


def test_a_reject_that_still_fails_keeps_the_input_line_of_the_first_run(tmp_path, sandbox):
    config, rejects = _first_run(tmp_path, sandbox)
    first = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert sorted(r["input_line"] for r in first) == [2, 3]  # line 1 is the SCHEMA
    # As if the first run's input had been longer, and m-2's reject came from a version without lines.
    for reject in first:
        if reject["record"]["messageId"] == "m-1":
            reject["input_line"] = 41
        else:
            del reject["input_line"]
    rejects.write_text("".join(json.dumps(r) + "\n" for r in first))
    output = tmp_path / "still.jsonl"
    done = run_tools(tmp_path, "replay", str(rejects), "--output", str(output), config=config)
    assert done.returncode == 1, done.stdout + done.stderr
    kept = [json.loads(line) for line in output.read_text().splitlines()]
    # Not the lines of the replay's own input (2 and 3), which is gone once the replay ends.
    assert sorted((r["record"]["messageId"], r["input_line"]) for r in kept) == [("m-1", 41), ("m-2", None)]


def test_dry_run_writes_nothing(tmp_path, sandbox):
    config, rejects = _first_run(tmp_path, sandbox)
    fixed = config | {"mappings": [PEOPLE, _notes("$.properties.body")]}
    before = sandbox.counters()["requests"]
    done = run_tools(tmp_path, "replay", "--dry-run", str(rejects), config=fixed)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "(dry run: nothing is written)" in done.stdout
    assert "2 written" in done.stdout
    plan = tmp_path / "rejects.replay.dry-run.jsonl"
    assert f"the requests a replay would send are in {plan}" in done.stdout
    assert [json.loads(line)["method"] for line in plan.read_text().splitlines()] == ["POST", "POST"]
    assert _writes(sandbox, before) == []
    assert sandbox.entities("notes") == []


def test_an_unusable_reject_file_is_refused(tmp_path, sandbox):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"stream": "s", "record": {}}\nnot json\n')
    config = {"api_url": sandbox.url, "api_token": sandbox.token}
    done = run_tools(tmp_path, "replay", str(bad), config=config)
    assert done.returncode == 2
    assert f"{bad}, line 2: not a reject" in done.stderr
