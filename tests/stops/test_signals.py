"""SIGTERM and SIGINT end the run within 10 s, also during a 429 wait or a backoff: the last safe state
out, the summary logged and written to report_file, exit 143 (SIGTERM) or 130 (SIGINT)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from ..target.cli import SCHEMA, STREAM, Run
from ..target.test_person import identify, person_mapping
from .clean_stop import assert_clean_stop, read_report

PEOPLE = person_mapping()
# The bound: a scheduler's SIGTERM must end the run within this many seconds.
WITHIN = 10.0


def people_with_states(count: int) -> str:
    lines: list[dict[str, Any]] = [SCHEMA]
    for n in range(1, count + 1):
        lines.append({"type": "RECORD", "stream": STREAM, "record": identify(f"u{n}", f"p{n}@x.io", f"P{n}")})
        lines.append({"type": "STATE", "value": {"bookmarks": {STREAM: {"offset": n}}}})
    return "".join(json.dumps(line) + "\n" for line in lines)


def stop_while(
    tmp_path: Path, config: dict[str, Any], text: str, ready: Any, signum: int, *, keep_open: bool = False
) -> tuple[Run, float]:
    """Run the target on `text` (stdin kept open when `keep_open`), send `signum` once `ready()` holds;
    the run, and the seconds it took to end after the signal."""
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(config))
    log_path = tmp_path / "stderr.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "target_pipedrive", "--config", str(config_path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        assert process.stdin is not None
        process.stdin.write(text)
        process.stdin.flush()
        if not keep_open:
            process.stdin.close()
        deadline = time.monotonic() + 60
        while not ready():
            assert process.poll() is None, log_path.read_text()[-3000:]
            assert time.monotonic() < deadline, "never ready"
            time.sleep(0.05)
        time.sleep(0.3)
        sent = time.monotonic()
        process.send_signal(signum)
        try:
            process.wait(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
        took = time.monotonic() - sent
        assert process.stdout is not None
        stdout = process.stdout.read()
        if keep_open:
            process.stdin.close()
    return Run(process.returncode, stdout, log_path.read_text(), []), took


def saw(sandbox: Any, status: int) -> Any:
    return lambda: any(e.get("status") == status for e in sandbox.log())


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
@pytest.mark.parametrize("max_in_flight", [1, 4])
def test_a_signal_during_a_429_wait(tmp_path, sandbox, base_config, signum, code, max_in_flight):
    # From the third record on, every create is answered 429 with Retry-After: 30.
    sandbox.configure(
        faults=[
            {
                "method": "POST",
                "path": "/api/v2/persons",
                "skip": 2,
                "count": -1,
                "status": 429,
                "retry_after": 30,
            }
        ]
    )
    report = tmp_path / "report.json"
    config = base_config | {
        "mappings": [PEOPLE],
        "max_in_flight": max_in_flight,
        "report_file": str(report),
        "ledger_path": str(tmp_path / "ledger.sqlite"),
    }
    run, took = stop_while(tmp_path, config, people_with_states(6), saw(sandbox, 429), signum)
    name = signal.Signals(signum).name
    assert_clean_stop(
        run, f"Stopped by {name} after input line", "The run stopped at line", code=code, summary=True
    )
    assert took < WITHIN, (took, run.stderr[-3000:])
    assert [json.loads(line) for line in run.stdout.splitlines()][-1] == {
        "bookmarks": {STREAM: {"offset": 2}}
    }
    assert read_report(report)["written"] == 2
    assert read_report(report)["status"] == "stopped"


def test_sigterm_during_a_backoff(tmp_path, sandbox, base_config):
    # Lookups fail with 503 and Retry-After: 30: the run is in a long backoff when the signal comes.
    sandbox.configure(
        faults=[{"method": "GET", "path": "/api/v2/persons*", "count": -1, "status": 503, "retry_after": 30}]
    )
    config = base_config | {
        "mappings": [PEOPLE],
        "max_in_flight": 1,
        "ledger_path": str(tmp_path / "ledger.sqlite"),
    }
    run, took = stop_while(tmp_path, config, people_with_states(3), saw(sandbox, 503), signal.SIGTERM)
    assert_clean_stop(run, "Stopped by SIGTERM after input line", code=143, summary=True)
    assert took < WITHIN, (took, run.stderr[-3000:])
    assert run.stdout == ""  # no record was written, so no state is safe to pass on


def test_sigterm_while_waiting_for_input(tmp_path, sandbox, base_config):
    config = base_config | {"mappings": [PEOPLE], "ledger_path": str(tmp_path / "ledger.sqlite")}
    written = lambda: len(sandbox.entities("persons")) == 2  # noqa: E731
    run, took = stop_while(tmp_path, config, people_with_states(2), written, signal.SIGTERM, keep_open=True)
    assert_clean_stop(run, "Stopped by SIGTERM after input line 5", code=143, summary=True)
    assert took < WITHIN
    assert [json.loads(line) for line in run.stdout.splitlines()] == [
        {"bookmarks": {STREAM: {"offset": 1}}},
        {"bookmarks": {STREAM: {"offset": 2}}},
    ]
    assert run.summary()["written"] == 2
