"""target-jsonl, S5's yardstick: the simplest Singer target there is (each record appended to a file).

It lives in its own virtualenv (benchmarks/.venv-jsonl, git-ignored), installed on first use: its pinned
singer-python and jsonschema 2.6 must not meet the target's dependencies.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .measure import BenchmarkError, Measurement, run_cli

DEFAULT_VENV = Path(__file__).resolve().parent / ".venv-jsonl"


def _bin(venv: Path, name: str) -> Path:
    return venv / ("Scripts" if sys.platform == "win32" else "bin") / name


def ensure_installed(venv: Path = DEFAULT_VENV) -> Path:
    """The target-jsonl executable, installing it into `venv` first if needed."""
    executable = _bin(venv, "target-jsonl")
    if executable.exists():
        return executable
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
        pip = [str(_bin(venv, "python")), "-m", "pip", "install", "--quiet", "target-jsonl"]
        subprocess.run(pip, check=True, capture_output=True, timeout=600)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        output = getattr(exc, "stderr", b"") or b""
        raise BenchmarkError(
            f"could not install target-jsonl into {venv}: {output.decode()[-2000:]}"
        ) from exc
    return executable


def measure_jsonl(
    executable: Path, input_path: Path, records: int, *, workdir: Path, timeout: float
) -> Measurement:
    out = workdir / "jsonl-out"
    out.mkdir(exist_ok=True)
    config = workdir / "target-jsonl.config.json"
    config.write_text(
        json.dumps({"destination_path": str(out), "do_timestamp_file": False}), encoding="utf-8"
    )
    wall = run_cli(
        [str(executable), "--config", str(config)], input_path, workdir / "target-jsonl.log", timeout=timeout
    )
    return Measurement(records=records, wall_seconds=wall, seconds=wall, uses_api=False)
