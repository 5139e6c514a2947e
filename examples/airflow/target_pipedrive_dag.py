"""An Airflow DAG that runs the Meltano pipeline into Pipedrive every night.

Copy it into your DAGs folder and set MELTANO_PROJECT_ROOT to the Meltano project. Meltano keeps the
pipeline's state, so each run resumes where the last one stopped; a failed run is retried by Airflow
and, since the target never duplicates, a retry is safe.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator

PROJECT_ROOT = os.environ.get("MELTANO_PROJECT_ROOT", "/opt/meltano/project")

with DAG(
    dag_id="segment_events_to_pipedrive",
    description="meltano run tap-jsonl target-pipedrive",
    schedule="@daily",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,  # one writer at a time: Pipedrive's rate limits are per company
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10)},
    tags=["meltano", "pipedrive"],
) as dag:
    BashOperator(
        task_id="meltano_run",
        bash_command="meltano run tap-jsonl target-pipedrive",
        cwd=PROJECT_ROOT,
        # --timeout lets Meltano stop the target gracefully: it passes on the last safe state first.
        execution_timeout=timedelta(hours=6),
    )
