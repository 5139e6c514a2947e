"""The example DAG: it runs meltano.yml's demo pipeline (Airflow itself: tests/meltano/test_airflow.py)."""

from __future__ import annotations

import ast
import os
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DAGS = ROOT / "examples" / "airflow"


def dag_constant(name: str) -> str:
    """A module-level string constant of the DAG file, read without importing Airflow: a literal, or
    constants joined with +."""
    tree = ast.parse((DAGS / "target_pipedrive_dag.py").read_text(encoding="utf-8"))

    def value(node: ast.expr) -> str:
        if isinstance(node, ast.Name):
            return dag_constant(node.id)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return value(node.left) + value(node.right)
        return str(ast.literal_eval(node))

    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == [name]:
            return value(node.value)
    raise AssertionError(f"no {name} in the DAG file")


def test_dag_command_runs_plugins_that_meltano_yml_defines():
    words = shlex.split(dag_constant("MELTANO_COMMAND"))
    assert words[:2] == ["meltano", "run"]
    plugins = yaml.safe_load((ROOT / "meltano.yml").read_text(encoding="utf-8"))["plugins"]
    defined = {plugin["name"] for kind in plugins.values() for plugin in kind}
    assert words[2:] == ["tap-jsonl", "target-pipedrive"]
    assert set(words[2:]) <= defined


def test_example_dag_loads_without_errors():
    # Where Airflow is installed beside the target (CI runs the same check in Airflow's own
    # virtualenvs, 2.10 and 3: tests/meltano/test_airflow.py).
    pytest.importorskip("airflow")
    try:
        from airflow.dag_processing.dagbag import DagBag  # Airflow 3.1 and newer
    except ImportError:
        from airflow.models import DagBag
    bag = DagBag(dag_folder=str(DAGS))
    assert bag.import_errors == {}
    dag = bag.dags["segment_events_to_pipedrive"]
    [task] = dag.tasks
    assert task.bash_command == dag_constant("BASH_COMMAND")
    # The worker's MELTANO_ENVIRONMENT, never one the DAG chose (there is no default to the demo).
    assert "MELTANO_ENVIRONMENT" not in task.env


def run_task_command(tmp_path: Path, environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The task's bash command as the BashOperator runs it, with a `meltano` that prints its arguments
    and the environment it was given."""
    fake = tmp_path / "bin" / "meltano"
    fake.parent.mkdir()
    fake.write_text('#!/bin/sh\necho "meltano $* in $MELTANO_ENVIRONMENT"\n')
    fake.chmod(0o755)
    base = {k: v for k, v in os.environ.items() if k != "MELTANO_ENVIRONMENT"}
    return subprocess.run(
        ["bash", "-c", dag_constant("BASH_COMMAND")],
        env=base | {"PATH": f"{fake.parent}{os.pathsep}{os.environ['PATH']}"} | environment,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.mark.parametrize("environment", [{}, {"MELTANO_ENVIRONMENT": ""}])
def test_the_task_refuses_to_run_without_meltano_environment(tmp_path, environment):
    done = run_task_command(tmp_path, environment)
    assert done.returncode == 1
    assert done.stdout == ""  # meltano never ran
    assert "MELTANO_ENVIRONMENT is not set on this worker" in done.stderr
    assert "this DAG has no default" in done.stderr


def test_the_task_runs_the_pipeline_in_the_workers_environment(tmp_path):
    done = run_task_command(tmp_path, {"MELTANO_ENVIRONMENT": "production"})
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{dag_constant('MELTANO_COMMAND')} in production\n"
    assert dag_constant("BASH_COMMAND").endswith(dag_constant("MELTANO_COMMAND"))
