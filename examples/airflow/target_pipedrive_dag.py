"""An Airflow DAG that runs the Meltano pipeline into Pipedrive every night.

It runs meltano.yml's pipeline, `meltano run tap-jsonl target-pipedrive`, in the Meltano project at
MELTANO_PROJECT_ROOT, in the Meltano environment that the worker's MELTANO_ENVIRONMENT names (`sandbox`
is the demo, which writes the bundled sample into the local sandbox; yours points at your account).
There is no default: a task whose worker lacks MELTANO_ENVIRONMENT fails at once, saying so, rather
than writing the demo into whatever account the worker's token opens. The token and the URL come from
the worker's environment (TARGET_PIPEDRIVE_API_TOKEN, TARGET_PIPEDRIVE_DOMAIN or
TARGET_PIPEDRIVE_API_URL), never from the DAG.

Meltano keeps the pipeline's state, so each run resumes where the last one stopped; a failed run is
retried by Airflow. A retry (or a rerun) creates no second entity as long as the target finds its sync
ledger again: on workers with a throwaway disk (Kubernetes, ECS, Celery in containers) set
TARGET_PIPEDRIVE_LEDGER_URL to a PostgreSQL database that every worker reaches
(postgresql://user:password@host:5432/db, `pip install 'target-pipedrive[postgres]'`). A SQLite ledger
on the worker's disk is lost with the disk, and one on NFS or EFS is unsafe (their file locks are not
reliable). Each run leaves its summary (records in, written, rejected, API calls) in a JSON report
named after the run's date.

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
# The demo pipeline of meltano.yml; tests/meltano/test_airflow_command.py runs exactly this command.
MELTANO_COMMAND = "meltano run tap-jsonl target-pipedrive"
# MELTANO_ENVIRONMENT is checked when the task runs, on the worker, not when the DAG is parsed: the
# scheduler's DAG processor often has another environment than the workers (KubernetesExecutor pods,
# ECS task definitions), and a DAG that fails to import is a "Broken DAG" banner for everyone, with
# nothing in the task's log. A failing task is what an Airflow user looks at: its log says what to set.
# (bash's `exit 1` fails the task; the retries fail the same way, in seconds.)
REQUIRE_ENVIRONMENT = (
    'if [ -z "${MELTANO_ENVIRONMENT:-}" ]; then '
    "echo 'MELTANO_ENVIRONMENT is not set on this worker: set it to the Meltano environment to run "
    "(sandbox for the demo, yours for your Pipedrive account); this DAG has no default' >&2; exit 1; fi; "
)
BASH_COMMAND = REQUIRE_ENVIRONMENT + MELTANO_COMMAND

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
        bash_command=BASH_COMMAND,
        cwd=PROJECT_ROOT,
        # append_env keeps the worker's variables (the token and MELTANO_ENVIRONMENT among them).
        env={"TARGET_PIPEDRIVE_REPORT_FILE": REPORT_DIR + "/{{ ds }}.json"},
        append_env=True,
        # Meltano stops the target gracefully on timeout: it passes on the last safe state first.
        execution_timeout=timedelta(hours=6),
    )
