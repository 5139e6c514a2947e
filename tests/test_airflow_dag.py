"""The example DAG: it runs meltano.yml's demo pipeline (its DagBag test needs Airflow, absent in CI)."""

from __future__ import annotations

import ast
import shlex
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DAGS = ROOT / "examples" / "airflow"


def dag_constant(name: str) -> str:
    """A module-level string constant of the DAG file, read without importing Airflow."""
    tree = ast.parse((DAGS / "target_pipedrive_dag.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == [name]:
            return str(ast.literal_eval(node.value))
    raise AssertionError(f"no {name} in the DAG file")


def test_dag_command_runs_plugins_that_meltano_yml_defines():
    words = shlex.split(dag_constant("MELTANO_COMMAND"))
    assert words[:2] == ["meltano", "run"]
    plugins = yaml.safe_load((ROOT / "meltano.yml").read_text(encoding="utf-8"))["plugins"]
    defined = {plugin["name"] for kind in plugins.values() for plugin in kind}
    assert words[2:] == ["tap-jsonl", "target-pipedrive"]
    assert set(words[2:]) <= defined


def test_example_dag_loads_without_errors():
    models = pytest.importorskip("airflow.models")
    bag = models.DagBag(dag_folder=str(DAGS), include_examples=False)
    assert bag.import_errors == {}
    dag = bag.get_dag("segment_events_to_pipedrive")
    assert dag is not None
    [task] = dag.tasks
    assert task.bash_command == dag_constant("MELTANO_COMMAND")
    assert task.env["MELTANO_ENVIRONMENT"] == dag_constant("DEFAULT_ENVIRONMENT")
