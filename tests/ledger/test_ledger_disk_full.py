"""The target's first run under a file-size limit (RLIMIT_FSIZE, as `prlimit --fsize` sets it) stops
while it creates its SQLite ledger: cleanly, in one line naming the file and the fix, before any write
to Pipedrive; the next run, without the limit, makes the ledger and does the whole job."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ..stops.clean_stop import assert_clean_stop
from ..target.cli import Run
from .test_ledger_runs import EXPECTED, SAMPLE, counts, sample_config

resource = pytest.importorskip("resource", reason="no file-size limits here (the resource module)")
if not hasattr(resource, "RLIMIT_FSIZE"):
    pytest.skip("no RLIMIT_FSIZE on this platform", allow_module_level=True)

# Below what the new ledger's schema needs (its WAL holds about ten 4 KiB pages), above what the first
# statements write: the limit is hit in the middle of the creation.
LIMIT = 40_000
# Sets the limit, then becomes the target: a preexec_fn would run in a process the sandbox's threads
# were forked from. Python ignores SIGXFSZ, so a write over the limit fails (EFBIG) and is reported.
LIMITED = (
    "import os, resource, sys; "
    "resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1]), int(sys.argv[1]))); "
    "os.execv(sys.executable, [sys.executable, '-m', 'target_pipedrive', *sys.argv[2:]])"
)


def run_in(folder: Path, config: dict[str, Any], *, limit: int | None = None) -> Run:
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "input.jsonl").write_text(SAMPLE)
    args = ["--config", "config.json", "--input", "input.jsonl"]
    command = [sys.executable, "-m", "target_pipedrive", *args]
    if limit is not None:
        command = [sys.executable, "-c", LIMITED, str(limit), *args]
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=240, check=False)
    return Run(done.returncode, done.stdout, done.stderr, [])


def test_a_file_size_limit_while_the_ledger_is_created_leaves_it_to_the_next_run(tmp_path, sandbox):
    config = sample_config(sandbox, tmp_path)
    ledger = tmp_path / "ledger.sqlite"
    stopped = run_in(tmp_path, config, limit=LIMIT)
    assert_clean_stop(stopped, f"{str(ledger)!r} is not a usable sync ledger", "free space on its disk")
    assert not any(counts(sandbox).values())
    run = run_in(tmp_path, config)
    assert run.returncode == 0, run.stderr[-3000:]
    assert counts(sandbox) == EXPECTED
    # And once more: the ledger it made is the one a later run trusts (nothing created twice).
    again = run_in(tmp_path, config)
    assert again.returncode == 0, again.stderr[-3000:]
    assert counts(sandbox) == EXPECTED
    assert sum(m["created"] for m in again.summary()["mappings"].values()) == 0
