"""The tools as Meltano plugin commands: `meltano invoke target-pipedrive:fields` and `:check`."""

from __future__ import annotations

import json

import pytest

from .project import DEMO_ENVIRONMENT, TARGET, MeltanoProject

pytestmark = pytest.mark.slow


def _account(sandbox) -> dict[str, str]:
    return {"TARGET_PIPEDRIVE_API_URL": sandbox.url, "TARGET_PIPEDRIVE_API_TOKEN": sandbox.token}


def test_fields_lists_the_account_fields(meltano: MeltanoProject, sandbox):
    done = meltano.run("invoke", f"{TARGET}:fields", env=_account(sandbox))
    assert done.returncode == 0, done.stderr
    assert "person fields" in done.stdout
    external_id = [
        line.split() for line in done.stdout.splitlines() if line.strip().startswith("External ID")
    ]
    assert external_id, done.stdout
    assert sandbox.token not in done.stdout + done.stderr


def test_check_accepts_the_demo_config(meltano: MeltanoProject, sandbox):
    done = meltano.run(
        f"--environment={DEMO_ENVIRONMENT}", "invoke", f"{TARGET}:check", env=_account(sandbox)
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK" in done.stdout


def test_check_reports_a_mapping_that_does_not_fit(meltano: MeltanoProject, sandbox):
    typo = [
        {
            "name": "People",
            "trigger": 'type = "identify"',
            "action": "upsert_person",
            "fields": {"match_field": "Emial", "match_value": {"@path": "$.traits.email"}},
        }
    ]
    env = _account(sandbox) | {"TARGET_PIPEDRIVE_MAPPINGS": json.dumps(typo)}
    done = meltano.run("invoke", f"{TARGET}:check", env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "mapping 'People', field 'match_field'" in done.stdout
    assert "'Emial' does not exist" in done.stdout
