"""An Airflow DAG that runs the Meltano pipeline into Pipedrive every night.

It runs meltano.yml's demo pipeline, `meltano run tap-jsonl target-pipedrive`, in the Meltano project
at MELTANO_PROJECT_ROOT. MELTANO_ENVIRONMENT picks the environment: `sandbox` (the default) writes the
bundled sample into the local sandbox; point it at your own environment for your account. The token
and the URL come from the worker's environment (TARGET_PIPEDRIVE_API_TOKEN, TARGET_PIPEDRIVE_DOMAIN or
TARGET_PIPEDRIVE_API_URL), never from the DAG.

Meltano keeps the pipeline's state, so each run resumes where the last one stopped; a failed run is
retried by Airflow and, since the target never duplicates, a retry is safe. Each run leaves its
summary (records in, written, rejected, API calls) in a JSON report named after the run's date.

It imports from where each Airflow wants it: Airflow 3 (airflow.sdk and the standard provider's
BashOperator) or Airflow 2.10. tests/meltano/test_airflow.py loads it and runs it with `airflow dags
test` under Airflow 3, in a virtualenv of its own.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

try:  # Airflow 3: the task SDK and the standard provider (installed with Airflow 3)
    from airflow.providers.standard.operators.bash import BashOperator
    from airflow.sdk import DAG
except ImportError:  # Airflow 2.10
    from airflow import DAG  # type: ignore[no-redef]
    from airflow.operators.bash import BashOperator  # type: ignore[no-redef]

PROJECT_ROOT = os.environ.get("MELTANO_PROJECT_ROOT", "/opt/meltano/project")
# Where each run's report goes (named after the run's date); the project's output/ folder by default.
REPORT_DIR = os.environ.get("TARGET_PIPEDRIVE_REPORT_DIR", PROJECT_ROOT + "/output/target-pipedrive/reports")
DEFAULT_ENVIRONMENT = "sandbox"
MELTANO_ENVIRONMENT = os.environ.get("MELTANO_ENVIRONMENT", DEFAULT_ENVIRONMENT)
# The demo pipeline of meltano.yml; tests/meltano/test_airflow_command.py runs exactly this command.
MELTANO_COMMAND = "meltano run tap-jsonl target-pipedrive"

with DAG(
    dag_id="segment_events_to_pipedrive",
    description=MELTANO_COMMAND,
    schedule="@daily",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,  # one writer at a time: Pipedrive's rate limits are per company
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10)},
    tags=["meltano", "pipedrive"],
) as dag:
    BashOperator(
        task_id="meltano_run",
        bash_command=MELTANO_COMMAND,
        cwd=PROJECT_ROOT,
        # append_env keeps the worker's variables (the token among them); these add to them.
        env={
            "MELTANO_ENVIRONMENT": MELTANO_ENVIRONMENT,
            "TARGET_PIPEDRIVE_REPORT_FILE": REPORT_DIR + "/{{ ds }}.json",
        },
        append_env=True,
        # Meltano stops the target gracefully on timeout: it passes on the last safe state first.
        execution_timeout=timedelta(hours=6),
    )
