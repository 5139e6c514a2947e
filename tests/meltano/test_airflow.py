"""The example DAG under Airflow 3 and 2.10, each in a virtualenv of its own (airflow.py): it loads
without errors or deprecation warnings, and `airflow dags test` (Airflow 3) runs the Meltano demo
pipeline into the sandbox."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from ..test_airflow_dag import dag_constant
from .airflow import AIRFLOW_2, AIRFLOW_3, DAG_ID, DAGS, LOAD_DAG, airflow_environment, install_airflow
from .project import REPO_ROOT, _bin, _system_dir

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("version", "operator"),
    [
        (AIRFLOW_3, "airflow.providers.standard.operators.bash.BashOperator"),
        (AIRFLOW_2, "airflow.operators.bash.BashOperator"),
    ],
)
def test_the_dag_loads_under_airflow(version: str, operator: str, tmp_path: Path):
    venv = install_airflow(version)
    done = subprocess.run(
        [str(_bin(venv, "python")), "-W", "error::DeprecationWarning", "-c", LOAD_DAG, str(DAGS), DAG_ID],
        env=airflow_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded["import_errors"] == {}
    assert (loaded["tasks"], loaded["operator"]) == (1, operator)
    assert loaded["bash_command"] == dag_constant("BASH_COMMAND")
    # No default environment: the worker's MELTANO_ENVIRONMENT, checked when the task runs.
    assert "MELTANO_ENVIRONMENT" not in loaded["env"]
    assert "is deprecated" not in done.stderr, done.stderr


@pytest.mark.usefixtures("_plugins_installed")
def test_airflow_3_runs_the_dag_into_the_sandbox(meltano_executable, sandbox, tmp_path):
    venv = install_airflow(AIRFLOW_3)
    airflow = str(_bin(venv, "airflow"))
    reports, run_date = tmp_path / "reports", "2026-12-01"
    env = airflow_environment(tmp_path / "airflow-home") | {
        # The worker's environment: meltano on the PATH, the project, and where the account is.
        "PATH": f"{meltano_executable.parent}{os.pathsep}{os.environ['PATH']}",
        "MELTANO_PROJECT_ROOT": str(REPO_ROOT),
        "MELTANO_SYS_DIR_ROOT": str(_system_dir()),
        "MELTANO_DATABASE_URI": f"sqlite:///{tmp_path / 'meltano.db'}",
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
        "TARGET_PIPEDRIVE_API_URL": sandbox.url,
        "TARGET_PIPEDRIVE_API_TOKEN": sandbox.token,
        "TARGET_PIPEDRIVE_REPORT_DIR": str(reports),
        "TARGET_PIPEDRIVE_REJECT_FILE": str(tmp_path / "rejects.jsonl"),
        "TARGET_PIPEDRIVE_LEDGER_PATH": str(tmp_path / "ledger.sqlite"),
        # The DAG has no default environment: the worker names it (the demo's here).
        "MELTANO_ENVIRONMENT": "sandbox",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [airflow, *args], env=env, capture_output=True, text=True, timeout=300, check=False
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        return done

    run("db", "migrate")
    run("dags", "test", DAG_ID, run_date)

    report = json.loads((reports / f"{run_date}.json").read_text())
    assert (report["records_in"], report["written"], report["rejected"]) == (12, 10, 1)
    assert {kind: len(items) for kind, items in sandbox.state().items()}["persons"] == 3
