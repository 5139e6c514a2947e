"""The dry run's plan for people (run/dry_run.py): a Markdown file beside the JSONL one, per mapping,
on the bundled sample: creates on an empty account; after a real run, the updates a changed sample
would make (old → new), what is unchanged, and the reject with its reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .cli import run_target

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = (ROOT / "samples" / "segment_events.jsonl").read_text()


def _config(sandbox: Any, folder: Path, **more: Any) -> dict[str, Any]:
    config = json.loads((ROOT / "sample_config.json").read_text())
    del config["reject_file"], config["ledger_path"]  # into tmp_path, not the demo's output/
    return (
        config
        | {"api_url": sandbox.url, "api_token": sandbox.token, "ledger_path": str(folder / "l.db")}
        | more
    )


def _section(plan: str, mapping: str) -> str:
    start = plan.index(f"\n## {mapping} (")
    end = plan.find("\n## ", start + 1)
    return plan[start : end if end != -1 else len(plan)]


def test_plan_of_the_sample_on_an_empty_account_lists_the_creates_and_the_reject(tmp_path, sandbox):
    dry = run_target(tmp_path, _config(sandbox, tmp_path, dry_run=True), SAMPLE)
    assert dry.returncode == 0, dry.stderr
    plan_path = tmp_path / "dry-run.md"
    assert f"the plan, per mapping, is in {plan_path}" in dry.stderr
    plan = plan_path.read_text()

    assert plan.startswith("# Dry-run plan\n\nNothing was written to Pipedrive. 12 records in: 10 written")
    people = _section(plan, "People from identify")
    assert "| 4 | 3 | 0 | 0 | 0 | 0 | 1 |" in people  # matched, create, update, delete, unchanged, …
    assert "**Create 3 person(s)**" in people
    assert 'name = `"Ada Lovelace"`' in people
    assert 'custom_fields.Tier = `"Gold"`' in people  # an option's label, not its id
    assert (
        "**Rejected: 1**\n- 1 x field 'custom_fields.Tier': 'Platinum' is not an option of 'Tier'" in people
    )
    assert "**Create 1 note(s)**" in _section(plan, "Notes")


def test_plan_after_a_real_run_shows_what_would_change_old_to_new(tmp_path, sandbox):
    real = run_target(tmp_path, _config(sandbox, tmp_path), SAMPLE)
    assert real.returncode == 0, real.stderr
    changed = SAMPLE.replace('"name": "Grace Hopper"', '"name": "Rear Admiral Grace Hopper"').replace(
        '"segment": "SMB"', '"segment": "Enterprise"'
    )
    dry = run_target(tmp_path, _config(sandbox, tmp_path, dry_run=True), changed)
    assert dry.returncode == 0, dry.stderr
    plan = (tmp_path / "dry-run.md").read_text()

    people = _section(plan, "People from identify")
    assert "| 4 | 0 | 1 | 0 | 2 | 0 | 1 |" in people
    assert "| name | 1 | person " in people
    assert '`"Grace Hopper"` → `"Rear Admiral Grace Hopper"`' in people
    assert "**Unchanged: 2**" in people
    organizations = _section(plan, "Organizations from group")
    assert '`"SMB"` → `"Enterprise"`' in organizations  # a custom option field, by its labels
    assert "**Unchanged: 1**" in organizations
    deals = _section(plan, "Deals")
    assert "| 2 | 0 | 0 | 0 | 2 | 0 | 0 |" in deals
    assert "Update" not in deals
    # The JSONL beside it has the requests themselves.
    requests = [json.loads(line) for line in (tmp_path / "dry-run.jsonl").read_text().splitlines()]
    assert sorted(r["method"] for r in requests) == ["PATCH", "PATCH"]
