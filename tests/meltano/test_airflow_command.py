"""The Airflow DAG's command, run as the DAG runs it (environment from MELTANO_ENVIRONMENT)."""

from __future__ import annotations

import json
import shlex

import pytest

from ..test_airflow_dag import dag_constant
from .project import MeltanoProject

pytestmark = pytest.mark.slow


def test_the_dag_command_writes_the_sample_into_the_sandbox(meltano: MeltanoProject, sandbox, tmp_path):
    meltano_executable, *args = shlex.split(dag_constant("MELTANO_COMMAND"))
    assert meltano_executable == "meltano"
    env = {
        # As a worker names it (the DAG has no default): meltano.yml's demo environment.
        "MELTANO_ENVIRONMENT": "sandbox",
        "TARGET_PIPEDRIVE_API_URL": sandbox.url,
        "TARGET_PIPEDRIVE_API_TOKEN": sandbox.token,
        "TARGET_PIPEDRIVE_REPORT_FILE": str(tmp_path / "report.json"),
        "TARGET_PIPEDRIVE_REJECT_FILE": str(tmp_path / "rejects.jsonl"),
        "TARGET_PIPEDRIVE_LEDGER_PATH": str(tmp_path / "ledger.sqlite"),
    }
    done = meltano.run(*args, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert (report["records_in"], report["written"]) == (12, 10)
    assert len(sandbox.entities("persons")) == 3
