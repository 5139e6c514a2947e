"""SIGTERM mid-run (Meltano's timeout, a deploy, a scaled-down worker): the target exits, the last state
it passed on is safe, and a rerun from it ends with exactly the entities of a fault-free run.
"""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from benchmarks.soak_compare import differences, wait_until_answered
from benchmarks.soak_tap import TARGET_CLI, TapInput, run_target_once

from .conftest import SPEED
from .requests_log import made_for
from .singer_output import assert_no_traceback, emitted_offsets


class PipedTarget:
    """The target reading a pipe, as behind a tap that sends slowly; its stdout read as it comes."""

    def __init__(self, settings: dict[str, Any], workdir: Path) -> None:
        config_path = workdir / "piped.config.json"
        config_path.write_text(json.dumps(settings))
        self.log_path = workdir / "piped.log"
        with self.log_path.open("w") as log:  # a file: a full stderr pipe would block the target
            self.process = subprocess.Popen(
                [*TARGET_CLI, "--config", str(config_path)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
        # A thread drains stdout: a selector on the pipe would miss lines already in the reader's buffer.
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read_stdout, daemon=True).start()

    def _read_stdout(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def send(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text)
        self.process.stdin.flush()

    def states(self, count: int, *, timeout: float = 30) -> list[int]:
        """Block until the target has emitted `count` more states; their offsets."""
        offsets: list[int] = []
        deadline = time.monotonic() + timeout
        while len(offsets) < count:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"only {offsets} within {timeout} s") from None
            assert line is not None, "the target ended early"
            offsets += emitted_offsets(line)
        return offsets

    def terminate(self) -> tuple[list[int], str]:
        """SIGTERM; the states emitted since the last `states` call, and the log."""
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
        err = self.log_path.read_text()
        assert self.process.returncode == 143, err[-3000:]  # 128 + SIGTERM: the scheduler sees a stop
        offsets: list[int] = []
        while (line := self._lines.get(timeout=10)) is not None:
            offsets += emitted_offsets(line)
        return offsets, err


def rerun_matches_fault_free(
    settings, tap: TapInput, workdir: Path, offset: int, sandbox, fault_free
) -> None:
    rerun, _ = run_target_once(settings, tap.text_after(offset), workdir, "rerun", timeout=120)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert differences(fault_free, sandbox.state()) == []


def test_sigterm_while_waiting_for_input(sandbox, settings, tap: TapInput, tmp_path, fault_free):
    target = PipedTarget(settings, tmp_path)
    sent = tap.messages_after(0)[: 1 + 2 * 5]  # SCHEMA and five records, each followed by its state
    target.send("".join(json.dumps(m) + "\n" for m in sent))
    assert target.states(5) == [1, 2, 3, 4, 5]
    later, err = target.terminate()
    assert later == []  # nothing past the last state, and that one not twice
    assert "Stopped by SIGTERM after input line" in err
    assert_no_traceback(err)
    rerun_matches_fault_free(settings, tap, tmp_path, 5, sandbox, fault_free)


# On PostgreSQL too: the create in flight leaves its intent in the ledger for the rerun.
@pytest.mark.parametrize("ledger", ["sqlite", pytest.param("postgresql", id="postgresql")])
def test_sigterm_while_a_create_is_in_flight(sandbox, settings, tap: TapInput, tmp_path, fault_free, ledger):
    # The 4th create takes 2 s to answer (and then commits): SIGTERM arrives while it is in flight.
    sandbox.configure(faults=[{"path": "/api/*", "method": "POST", "skip": 3, "latency": 2 * SPEED}])
    target = PipedTarget(settings | {"request_timeout": 10}, tmp_path)
    target.send(tap.text_after(0))  # all of it: the in-flight record's STATE waits in the pipe
    deadline = time.monotonic() + 30
    while sandbox.sandbox.faults.pending() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not sandbox.sandbox.faults.pending(), "the slow create never started"
    time.sleep(0.3)
    offsets, err = target.terminate()
    assert offsets, err[-3000:]
    last = offsets[-1]
    assert last < len(tap.events)
    # The record in flight is the one after the last state: the slow request was its create.
    slow = [e for e in sandbox.log() if e["method"] == "POST"][3]
    assert made_for(slow, tap.events[last]), (slow, tap.events[last])
    assert_no_traceback(err)
    wait_until_answered(sandbox)  # the slow create commits, as a real server would
    rerun_matches_fault_free(settings, tap, tmp_path, last, sandbox, fault_free)
