"""A Ctrl-C while the target is still being imported: one line and exit code 130, no traceback."""

from __future__ import annotations

import subprocess
import sys

# Raises KeyboardInterrupt where a Ctrl-C during start-up lands: inside the SDK's import.
SCRIPT = """
import builtins, sys
real_import = builtins.__import__
def interrupted(name, *args, **kwargs):
    if name.startswith("singer_sdk"):
        raise KeyboardInterrupt
    return real_import(name, *args, **kwargs)
builtins.__import__ = interrupted
sys.argv = ["target-pipedrive", "--about"]
from target_pipedrive.main import main
main()
"""


def test_a_ctrl_c_during_start_up_imports_is_one_line_and_exit_130():
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 130, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        "target-pipedrive: interrupted (Ctrl-C) while starting up; nothing was written"
    ]


def test_python_dash_m_runs_the_same_entry_point():
    done = subprocess.run(
        [sys.executable, "-m", "target_pipedrive", "--about", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert '"name": "target-pipedrive"' in done.stdout
