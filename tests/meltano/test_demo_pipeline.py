"""`meltano run tap-jsonl target-pipedrive`: the README's demo pipeline, with Meltano 4, into the sandbox.

Slow-marked (Meltano and the plugins are installed on the first run), but part of the default run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .project import DEMO_ENVIRONMENT, TAP, TARGET, MeltanoProject

pytestmark = pytest.mark.slow

SAMPLE_COUNTS = {"persons": 3, "organizations": 2, "deals": 2, "activities": 1, "leads": 1, "notes": 1}


def _target_env(sandbox: Any, tmp_path: Path) -> dict[str, str]:
    # Where the account is comes from the environment, as the README says; the demo's output files
    # go to tmp_path instead of the repository's output/.
    return {
        "TARGET_PIPEDRIVE_API_URL": sandbox.url,
        "TARGET_PIPEDRIVE_API_TOKEN": sandbox.token,
        "TARGET_PIPEDRIVE_REPORT_FILE": str(tmp_path / "report.json"),
        "TARGET_PIPEDRIVE_REJECT_FILE": str(tmp_path / "rejects.jsonl"),
        # The sandbox is reset between tests; a ledger shared between runs would skip the writes.
        "TARGET_PIPEDRIVE_LEDGER_PATH": str(tmp_path / "ledger.sqlite"),
    }


def _summary_in(log: str) -> dict[str, Any]:
    for line in log.splitlines():
        if "Run summary: " in line:
            return dict(json.JSONDecoder().raw_decode(line.split("Run summary: ", 1)[1])[0])
    raise AssertionError(f"no run summary in the log:\n{log}")


def test_demo_pipeline_writes_the_sample_into_the_sandbox(meltano: MeltanoProject, sandbox, tmp_path):
    done = meltano.run(
        f"--environment={DEMO_ENVIRONMENT}", "run", TAP, TARGET, env=_target_env(sandbox, tmp_path)
    )
    log = done.stdout + done.stderr
    assert done.returncode == 0, log

    assert {kind: len(items) for kind, items in sandbox.state().items()} == SAMPLE_COUNTS
    assert {o["name"] for o in sandbox.entities("organizations")} == {
        "Analytical Engines Ltd",
        "COBOL Systems",
    }
    deal = next(d for d in sandbox.entities("deals") if d["title"] == "Compiler support")
    grace = next(p for p in sandbox.entities("persons") if p["name"] == "Grace Hopper")
    assert deal["person_id"] == grace["id"]

    summary = _summary_in(log)
    counts = (summary["records_in"], summary["written"], summary["filtered"], summary["rejected"])
    assert counts == (12, 10, 1, 1)
    assert json.loads((tmp_path / "report.json").read_text()) == summary
    [reject] = [json.loads(line) for line in (tmp_path / "rejects.jsonl").read_text().splitlines()]
    assert reject["record"]["messageId"] == "m-011"
    assert sandbox.token not in log


def test_settings_come_from_environment_variables(meltano: MeltanoProject, sandbox, tmp_path):
    # The dev environment sets nothing: token, URL and the mappings (JSON) all come from variables.
    only_organizations = [
        {
            "name": "Organizations",
            "trigger": 'type = "group"',
            "action": "upsert_organization",
            "fields": {
                "match_field": "External ID",
                "match_value": {"@path": "$.groupId"},
                "name": {"@path": "$.traits.name"},
            },
        }
    ]
    env = _target_env(sandbox, tmp_path) | {"TARGET_PIPEDRIVE_MAPPINGS": json.dumps(only_organizations)}
    done = meltano.run("run", TAP, TARGET, env=env)
    log = done.stdout + done.stderr
    assert done.returncode == 0, log

    assert _summary_in(log)["mappings"].keys() == {"Organizations"}
    assert {kind: len(items) for kind, items in sandbox.state().items() if items} == {"organizations": 2}, log


def test_about_lists_every_setting(meltano: MeltanoProject):
    from target_pipedrive.settings import SETTINGS

    done = meltano.run("invoke", TARGET, "--about", "--format=json")
    assert done.returncode == 0, done.stderr
    about = json.loads(done.stdout)
    assert set(SETTINGS.to_dict()["properties"]) <= set(about["settings"]["properties"])
