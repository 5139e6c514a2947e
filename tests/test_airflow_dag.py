"""The example DAG parses in Airflow (skipped where Airflow is not installed, as in CI)."""

from __future__ import annotations

from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parent.parent / "examples" / "airflow"


def test_example_dag_loads_without_errors():
    models = pytest.importorskip("airflow.models")
    bag = models.DagBag(dag_folder=str(DAGS), include_examples=False)
    assert bag.import_errors == {}
    dag = bag.get_dag("segment_events_to_pipedrive")
    assert dag is not None
    [task] = dag.tasks
    assert "meltano run" in task.bash_command
