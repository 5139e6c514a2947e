"""A create that Pipedrive answers with success but no usable id (the sandbox's `data` fault: text, null,
a fraction or a boolean where a number belongs; a number where a lead's UUID belongs) rejects its record
with a reason naming the answer's data.id, and the run goes on: no traceback, no id of it in the ledger.
The create most likely happened, so its intent stays in the ledger, in doubt, and the rerun finds the
entity instead of making a second one."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from .cli import messages, run_target
from .test_associations import SEED
from .test_unknown_outcome import CASES, MAPPINGS

AFTER = {"type": "identify", "traits": {"email": "cy@x.example", "name": "Cy"}}
MAPPING = {"persons": "people", "activities": "activities", "notes": "notes", "leads": "leads"}


def _rows(tmp_path: Path) -> list[tuple[str, str, str | None]]:
    with sqlite3.connect(tmp_path / "ledger.sqlite") as db:
        return db.execute("SELECT scope, entity_id, digest FROM entries").fetchall()


def _posts(sandbox: Any, path: str, since: int) -> int:
    return sum(1 for e in sandbox.log()[since:] if e["method"] == "POST" and e["path"] == path)


def _first_run(tmp_path, sandbox, config, kind, bad_id) -> tuple[Any, dict[str, Any]]:
    path, record = CASES[kind]
    # The seed creates one organization and one person first; the fault hits the create under test.
    skip = 1 if kind == "persons" else 0
    sandbox.configure(faults=[{"path": path, "method": "POST", "skip": skip, "data": {"id": bad_id}}])
    run = run_target(tmp_path, config, messages(*SEED, record, AFTER))
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Traceback" not in run.stderr
    [reject] = run.rejects
    status = 201 if kind == "leads" else 200  # v1 answers a lead's create with 201
    assert (reject["mapping"], reject["input_line"], reject["http_status"]) == (MAPPING[kind], 4, status)
    assert f"has data.id {json.dumps(bad_id)}, which is not a" in reject["reason"]
    assert f"POST {path}, HTTP {status}" in reject["reason"] and "most likely created" in reject["reason"]
    assert reject["pipedrive_error"].startswith(f"the answer has data.id {json.dumps(bad_id)}")
    # The run went on: the record after it is written.
    summary = run.summary()
    assert (summary["written"], summary["rejected"]) == (3, 1)
    assert "Cy" in [p["name"] for p in sandbox.entities("persons")]
    return run, reject


@pytest.mark.parametrize("bad_id", ["abc", None, 1.5, True], ids=["text", "null", "fraction", "boolean"])
@pytest.mark.parametrize("kind", ["persons", "activities"])
def test_a_create_answered_without_a_usable_id_is_rejected_and_never_made_twice(
    tmp_path, sandbox, base_config, kind, bad_id
):
    config = base_config | {"mappings": MAPPINGS, "max_in_flight": 1}
    _, reject = _first_run(tmp_path, sandbox, config, kind, bad_id)
    assert "Its create stays in the sync ledger, in doubt" in reject["reason"]
    # No id of it in the ledger (every id there is a number), and its intent kept, in doubt.
    rows = _rows(tmp_path)
    assert all(entity_id.isdigit() for scope, entity_id, _ in rows if scope != "intent")
    [intent] = [json.loads(digest or "{}") for scope, _, digest in rows if scope == "intent"]
    assert intent["in_doubt"] is True and intent["path"] == CASES[kind][0]
    made = len(sandbox.entities(kind))
    path, record = CASES[kind]
    mark = len(sandbox.log())
    rerun = run_target(tmp_path, config, messages(*SEED, record, AFTER))
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert not rerun.rejects
    # The entity its create made is found (a person by its match value, an activity through the
    # intent), not created again.
    assert len(sandbox.entities(kind)) == made and _posts(sandbox, path, mark) == 0
    if kind == "activities":
        assert f"POST {path} was created by an earlier run" in rerun.stderr
        assert not [row for row in _rows(tmp_path) if row[0] == "intent"]
    again = run_target(tmp_path, config, messages(*SEED, record, AFTER))
    assert again.returncode == 0 and again.summary()["unchanged"] == 4


@pytest.mark.parametrize(("kind", "bad_id"), [("leads", 7), ("notes", "abc")])
def test_a_lead_needs_a_uuid_and_a_note_a_number(tmp_path, sandbox, base_config, kind, bad_id):
    config = base_config | {"mappings": MAPPINGS, "max_in_flight": 1}
    _, reject = _first_run(tmp_path, sandbox, config, kind, bad_id)
    kind_of_id = "a UUID" if kind == "leads" else "a whole number"
    assert f"which is not a {kind[:-1]} id ({kind_of_id})" in reject["reason"]
    rerun = run_target(tmp_path, config, messages(*SEED, CASES[kind][1], AFTER))
    assert rerun.returncode == 0 and not rerun.rejects
    assert len(sandbox.entities(kind)) == 1


def test_without_a_ledger_the_reason_says_to_look_before_replaying(tmp_path, sandbox, base_config):
    config = base_config | {"mappings": MAPPINGS, "max_in_flight": 1, "ledger_path": ""}
    _, reject = _first_run(tmp_path, sandbox, config, "persons", "abc")
    assert "No sync ledger keeps its create" in reject["reason"]
    assert "look for the person in Pipedrive before replaying this record" in reject["reason"]
    # A person is found again by its match value all the same.
    rerun = run_target(tmp_path, config, messages(*SEED, CASES["persons"][1], AFTER))
    assert rerun.returncode == 0 and not rerun.rejects
    assert sorted(p["name"] for p in sandbox.entities("persons")) == ["Ann", "Bo", "Cy"]
