"""The example DAG: it runs meltano.yml's demo pipeline (Airflow itself: tests/meltano/test_airflow.py)."""

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
    assert task.bash_command == dag_constant("MELTANO_COMMAND")
    assert task.env["MELTANO_ENVIRONMENT"] == dag_constant("DEFAULT_ENVIRONMENT")
