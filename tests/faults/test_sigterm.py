"""SIGTERM mid-run (Meltano's timeout, a deploy, a scaled-down worker): the target exits, the last state
it passed on is safe, and a rerun from it ends with exactly the entities of a fault-free run.
"""

from __future__ import annotations

import json
import selectors
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from benchmarks.soak_compare import differences, wait_until_answered
from benchmarks.soak_tap import TARGET_CLI, TapInput, run_target_once

from .conftest import SPEED
from .requests_log import made_for
from .singer_output import assert_no_traceback, emitted_offsets


def start_target(settings: dict[str, Any], workdir: Path) -> subprocess.Popen[str]:
    """The target reading a pipe, as behind a tap that sends slowly."""
    config_path = workdir / "piped.config.json"
    config_path.write_text(json.dumps(settings))
    return subprocess.Popen(
        [*TARGET_CLI, "--config", str(config_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def read_states(target: subprocess.Popen[str], count: int, *, timeout: float = 30) -> list[int]:
    """Block until the target has emitted `count` states; their offsets."""
    assert target.stdout is not None
    offsets: list[int] = []
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(target.stdout, selectors.EVENT_READ)
        while len(offsets) < count:
            assert selector.select(max(0.0, deadline - time.monotonic())), (
                f"only {offsets} within {timeout} s"
            )
            line = target.stdout.readline()
            assert line, "the target ended early"
            offsets += emitted_offsets(line)
    return offsets


def terminate(target: subprocess.Popen[str]) -> tuple[str, str]:
    target.send_signal(signal.SIGTERM)
    out, err = target.communicate(timeout=30)
    return out, err


def rerun_matches_fault_free(
    settings, tap: TapInput, workdir: Path, offset: int, sandbox, fault_free
) -> None:
    rerun, _ = run_target_once(settings, tap.text_after(offset), workdir, "rerun", timeout=120)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert differences(fault_free, sandbox.state()) == []


def test_sigterm_while_waiting_for_input(sandbox, settings, tap: TapInput, tmp_path, fault_free):
    target = start_target(settings, tmp_path)
    assert target.stdin is not None
    sent = tap.messages_after(0)[: 1 + 2 * 5]  # SCHEMA and five records, each followed by its state
    target.stdin.write("".join(json.dumps(m) + "\n" for m in sent))
    target.stdin.flush()
    assert read_states(target, 5) == [1, 2, 3, 4, 5]
    out, err = terminate(target)
    assert emitted_offsets(out) == []  # nothing past the last state, and that one not twice
    assert "Received termination signal" in err
    assert_no_traceback(err)
    rerun_matches_fault_free(settings, tap, tmp_path, 5, sandbox, fault_free)


def test_sigterm_while_a_create_is_in_flight(sandbox, settings, tap: TapInput, tmp_path, fault_free):
    # The 4th create takes 2 s to answer (and then commits): SIGTERM arrives while it is in flight.
    sandbox.configure(faults=[{"path": "/api/*", "method": "POST", "skip": 3, "latency": 2 * SPEED}])
    target = start_target(settings | {"request_timeout": 10}, tmp_path)
    assert target.stdin is not None
    target.stdin.write(tap.text_after(0))  # all of it: the in-flight record's STATE waits in the pipe
    target.stdin.flush()
    deadline = time.monotonic() + 30
    while sandbox.sandbox.faults.pending() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not sandbox.sandbox.faults.pending(), "the slow create never started"
    time.sleep(0.3)
    out, err = terminate(target)
    offsets = [*emitted_offsets(out)]
    assert offsets, err[-3000:]
    last = offsets[-1]
    assert last < len(tap.events)
    # The record in flight is the one after the last state: the slow request was its create.
    slow = [e for e in sandbox.log() if e["method"] == "POST"][3]
    assert made_for(slow, tap.events[last]), (slow, tap.events[last])
    assert_no_traceback(err)
    wait_until_answered(sandbox)  # the slow create commits, as a real server would
    rerun_matches_fault_free(settings, tap, tmp_path, last, sandbox, fault_free)
