"""The one check of a clean stop, shared by every test of tests/stops (and usable anywhere).

A clean stop ends the run with one clear message at ERROR, the expected non-zero exit code, no
traceback and no "(a bug)" line; when the run had started reading input, the summary is logged too.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.target.cli import Run


def assert_clean_stop(run: Run, *messages: str, code: int = 1, summary: bool = False) -> None:
    """Exit `code`; every message in an ERROR line; no traceback; with `summary`, the run summary."""
    assert run.returncode == code, f"exit {run.returncode}, expected {code}\n{run.stderr[-4000:]}"
    # The log's ERROR lines, or click's one "Error: …" line for a --config it cannot read (exit 2).
    errors = [line for line in run.stderr.splitlines() if "| ERROR" in line or line.startswith("Error: ")]
    for message in messages:
        assert any(message in line for line in errors), (
            f"no ERROR line with {message!r}:\n{run.stderr[-4000:]}"
        )
    assert "Traceback" not in run.stderr, run.stderr[-4000:]
    assert "(a bug)" not in run.stderr, run.stderr[-4000:]
    if summary:
        run.summary()  # raises when the summary is missing


def read_report(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def run_cli(tmp_path: Path, config: dict[str, Any] | str, text: str = "", *, timeout: float = 60) -> Run:
    """`python -m target_pipedrive --config FILE` on `text`, for runs whose files may not be readable
    afterwards (tests/target/cli.py's run_target reads the reject file); `config` may be raw JSON."""
    config_path = tmp_path / "config.json"
    config_path.write_text(config if isinstance(config, str) else json.dumps(config))
    done = subprocess.run(
        [sys.executable, "-m", "target_pipedrive", "--config", str(config_path)],
        input=text,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr, [])
