"""Running the real CLI (`python -m target_pipedrive`) on Singer messages, as Meltano would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STREAM = "segment_events"
SCHEMA = {
    "type": "SCHEMA",
    "stream": STREAM,
    "key_properties": [],
    "schema": {"type": "object", "properties": {"type": {"type": "string"}}},
}


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    rejects: list[dict[str, Any]]

    @property
    def states(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]

    def summary(self) -> dict[str, Any]:
        for line in self.stderr.splitlines():
            if "Run summary: " in line:
                return json.loads(line.split("Run summary: ", 1)[1])
        raise AssertionError(f"no run summary in the log:\n{self.stderr}")


def messages(*records: dict[str, Any], stream: str = STREAM) -> list[dict[str, Any]]:
    return [SCHEMA | {"stream": stream}] + [
        {"type": "RECORD", "stream": stream, "record": r} for r in records
    ]


def run_target(
    tmp_path: Path,
    config: dict[str, Any],
    lines: list[dict[str, Any]] | str,
    *,
    timeout: float = 120,
    env: dict[str, str] | None = None,
) -> Run:
    # Each test gets its own ledger: the sandbox is reset between tests, a shared ledger would not be.
    config = {
        "reject_file": str(tmp_path / "rejects.jsonl"),
        "ledger_path": str(tmp_path / "ledger.sqlite"),
        "dry_run_file": str(tmp_path / "dry-run.jsonl"),
        **config,
    }
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(config))
    input_path = tmp_path / "input.jsonl"
    text = lines if isinstance(lines, str) else "".join(json.dumps(line) + "\n" for line in lines)
    input_path.write_text(text)
    done = subprocess.run(
        [sys.executable, "-m", "target_pipedrive", "--config", str(config_path), "--input", str(input_path)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, **env} if env else None,
    )
    reject_path = Path(config["reject_file"])
    rejects = (
        [json.loads(line) for line in reject_path.read_text().splitlines()] if reject_path.exists() else []
    )
    reject_path.unlink(missing_ok=True)
    return Run(done.returncode, done.stdout, done.stderr, rejects)
