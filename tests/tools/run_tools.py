"""Running the real `target-pipedrive-tools` command line (as `python -m target_pipedrive.tools`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any


def run_tools(
    tmp_path: Path, *args: str, config: dict[str, Any] | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Runs the tools with `config` written to a file and passed as --config (when given)."""
    command = [sys.executable, "-m", "target_pipedrive.tools", *args]
    if config is not None:
        path = tmp_path / "config.json"
        path.write_text(json.dumps(config))
        command += ["--config", str(path)]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TARGET_PIPEDRIVE_")}
    return subprocess.run(
        command, env=environment | (env or {}), capture_output=True, text=True, timeout=120, check=False
    )
