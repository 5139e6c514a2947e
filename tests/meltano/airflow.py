"""Airflow in a virtualenv of its own, cached between runs like Meltano's (project.py).

The virtualenv lives under .ci-cache/airflow-<version>/ (gitignored), so a second run installs nothing;
uv (the dev extra installs it) builds it in seconds, pip in a minute or two. Airflow never shares the
target's virtualenv: its own dependencies would pin the target's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from .project import REPO_ROOT, _bin

AIRFLOW_3 = "3.3.2"
AIRFLOW_2 = "2.10.5"
# What each version needs besides itself: Airflow 3's BashOperator lives in the standard provider.
EXTRAS = {AIRFLOW_3: ["apache-airflow-providers-standard==1.21.0"], AIRFLOW_2: []}
DAGS = REPO_ROOT / "examples" / "airflow"
DAG_ID = "segment_events_to_pipedrive"


def install_airflow(version: str) -> Path:
    """The virtualenv's folder, with apache-airflow==version installed on the first run only."""
    cache = REPO_ROOT / ".ci-cache" / f"airflow-{version}"
    venv = cache / "venv"
    done = cache / "installed"  # written last: a half-finished install is redone
    if done.exists():
        return venv
    wanted = [f"apache-airflow=={version}", *EXTRAS[version]]
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv:
        subprocess.run([uv, "venv", "--quiet", "--clear", "--python", sys.executable, str(venv)], check=True)
        command = [uv, "pip", "install", "--quiet", "--python", str(_bin(venv, "python")), *wanted]
    else:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        command = [str(_bin(venv, "python")), "-m", "pip", "install", "--quiet", *wanted]
    subprocess.run(command, check=True, timeout=900)
    done.write_text(version + "\n")
    return venv


def airflow_environment(home: Path) -> dict[str, str]:
    """A throw-away AIRFLOW_HOME (SQLite database, no examples) reading examples/airflow/."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "TARGET_PIPEDRIVE_"))}
    return environment | {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        "NO_COLOR": "1",
    }


# Loads the DAG folder as the scheduler would, without a database, and prints the DAG's one task.
LOAD_DAG = """
import json, sys
try:
    from airflow.dag_processing.dagbag import DagBag  # Airflow 3.1 and newer
except ImportError:
    from airflow.models import DagBag
bag = DagBag(dag_folder=sys.argv[1])
dag = bag.dags.get(sys.argv[2])
task = dag.tasks[0] if dag is not None else None
print(json.dumps({
    "import_errors": {path: str(error) for path, error in bag.import_errors.items()},
    "tasks": len(dag.tasks) if dag is not None else 0,
    "operator": type(task).__module__ + "." + type(task).__name__ if task is not None else None,
    "bash_command": getattr(task, "bash_command", None),
    "env": getattr(task, "env", None),
}))
"""
