"""Meltano 4 in a virtualenv of its own, cached between runs, driving the repository's meltano.yml.

The virtualenv and the plugins' virtualenvs live under .ci-cache/meltano-<version>/ (gitignored), so a
second run installs nothing. Each test gets its own system database, so no run sees another's state.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
MELTANO_VERSION = "4.4.1"
CACHE = REPO_ROOT / ".ci-cache" / f"meltano-{MELTANO_VERSION}"
# The demo pipeline of meltano.yml.
TAP, TARGET, DEMO_ENVIRONMENT = "tap-jsonl", "target-pipedrive", "sandbox"


def _system_dir() -> Path:
    # Meltano reinstalls a plugin only when its pip_url changes; the loader's is always `-e .`, so the
    # plugins' virtualenvs are keyed by pyproject.toml as well: new dependencies, new virtualenvs.
    digest = hashlib.sha256((REPO_ROOT / "pyproject.toml").read_bytes()).hexdigest()[:12]
    return CACHE / f"system-{digest}"


def _bin(venv: Path, name: str) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin") / name


def install_meltano() -> Path:
    """The meltano executable, installed with pip from the package registry on the first run only."""
    venv = CACHE / "venv"
    meltano = _bin(venv, "meltano")
    done = CACHE / "installed"  # written last: a half-finished install is redone
    if not done.exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run(
            [str(_bin(venv, "python")), "-m", "pip", "install", "--quiet", f"meltano=={MELTANO_VERSION}"],
            check=True,
            timeout=600,
        )
        done.write_text(MELTANO_VERSION + "\n")
    return meltano


def _clean_environment() -> dict[str, str]:
    # Settings must come from meltano.yml and from what a test passes, not from the caller's shell.
    return {k: v for k, v in os.environ.items() if not k.startswith(("TARGET_PIPEDRIVE_", "MELTANO_"))}


@dataclass
class MeltanoProject:
    meltano: Path
    database: Path

    def run(
        self, *args: str, env: dict[str, str] | None = None, timeout: float = 240
    ) -> subprocess.CompletedProcess[str]:
        environment = _clean_environment() | {
            "MELTANO_SYS_DIR_ROOT": str(_system_dir()),
            "MELTANO_DATABASE_URI": f"sqlite:///{self.database}",
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
            "NO_COLOR": "1",
            **(env or {}),
        }
        return subprocess.run(
            [str(self.meltano), *args],
            cwd=REPO_ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def install_plugins(self) -> None:
        done = self.run("install", timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
