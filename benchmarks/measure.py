"""One run of a target CLI on one input, measured: API calls, tokens and 429s from the sandbox's counters
(their difference over the run), time from the subprocess, and the calls broken down by endpoint.

Time is kept twice. `wall_seconds` is the subprocess's real duration. `seconds` is what the same run would
take against Pipedrive: the part while the sandbox was answering requests runs on the sped-up clock, so it
is multiplied by the speed; start-up and wind-down (interpreter, imports, reading input before the first
request) are real time and stay as they are. Multiplying the whole wall time instead would charge a fast
run for `speed` times its start-up and pull every ratio towards 1.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from pipedrive_sandbox.server import SandboxServer

TARGET_CLI = [sys.executable, "-m", "target_pipedrive"]
_ID_SEGMENT = re.compile(r"/(\d+|[0-9a-f-]{36})(?=/|$)")
POLL_SECONDS = 0.01
Read = tuple[float, int]  # (time.perf_counter(), bytes of its stdin the target had read)


class BenchmarkError(RuntimeError):
    """A run that failed: the benchmark cannot measure what did not finish."""


class RequestClock:
    """Times the first and the last API request a sandbox answers, by wrapping its request handler.

    The sandbox runs in this process; wrapping the instance's `handle` leaves its code untouched.
    """

    def __init__(self, server: SandboxServer) -> None:
        self._lock = threading.Lock()
        self.first: float | None = None
        self.last: float | None = None
        inner = server.sandbox.handle

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.monotonic()
            try:
                return inner(*args, **kwargs)
            finally:
                with self._lock:
                    self.first = started if self.first is None else min(self.first, started)
                    self.last = max(self.last or 0.0, time.monotonic())

        server.sandbox.handle = timed  # type: ignore[method-assign]

    def restart(self) -> None:
        with self._lock:
            self.first = self.last = None

    def busy_seconds(self) -> float:
        with self._lock:
            return 0.0 if self.first is None or self.last is None else self.last - self.first


@dataclass
class Measurement:
    records: int
    calls: int = 0
    tokens: int = 0
    rejected_429: int = 0
    wall_seconds: float = 0.0
    seconds: float = 0.0  # as against Pipedrive: see the module's docstring
    summary: dict[str, Any] = field(default_factory=dict)
    endpoints: Counter[str] = field(default_factory=Counter)
    uses_api: bool = True  # False for target-jsonl: it has no calls to count
    duplicates: int | None = None  # entities sharing a match key, counted after the run (duplicates.py)
    peak_rss_mb: float | None = None  # the target process's own peak resident set (VmHWM, read while it runs)
    steadiness: float | None = None  # records/s of the last 10% ÷ the first 10% (steadiness.py)
    reads: list[Read] = field(default_factory=list)  # how far it had read its input, every poll

    def per_record(self, value: float, records: int | None = None) -> float:
        count = self.records if records is None else records
        return value / count if count else 0.0

    @property
    def records_per_second(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0

    @property
    def rejected(self) -> int:
        return int(self.summary.get("rejected", 0))


def endpoint(method: str, path: str) -> str:
    """`GET /api/v2/persons/{id}` for `GET /api/v2/persons/17`: calls grouped by what they do."""
    return f"{method} {_ID_SEGMENT.sub('/{id}', path)}"


def _tail(path: Path, lines: int = 30) -> str:
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def run_cli(
    command: list[str], input_path: Path, log_path: Path, *, timeout: float, cwd: Path | None = None
) -> float:
    """Run a Singer target on a file (stdin), its log to log_path, state to nowhere; returns wall seconds."""
    return run_cli_peak(command, input_path, log_path, timeout=timeout, cwd=cwd).wall


class CliRun(NamedTuple):
    wall: float
    peak_mb: float
    reads: list[Read]


def run_cli_peak(
    command: list[str], input_path: Path, log_path: Path, *, timeout: float, cwd: Path | None = None
) -> CliRun:
    """run_cli, with what the runner sees of the process while it runs, every POLL_SECONDS:
    - its peak RSS in MB, its VmHWM. Not ru_maxrss: on Linux that carries over the runner's resident
      memory from the fork (a sandbox holding a million persons);
    - how far it has read its input (stdin_offset), from outside: no progress line to ask for or parse."""
    reads: list[Read] = []
    with input_path.open("rb") as stdin, log_path.open("wb") as log:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdin=stdin, stdout=subprocess.DEVNULL, stderr=log, cwd=cwd)
        peak = 0
        while process.poll() is None:
            peak = max(peak, _high_water_kib(process.pid))
            if (offset := stdin_offset(process.pid)) is not None:
                reads.append((time.perf_counter(), offset))
            if time.perf_counter() - started > timeout:
                process.kill()
                process.wait()
                tail = _tail(log_path)
                raise BenchmarkError(f"{command[0]} took longer than {timeout:.0f} s; log:\n{tail}")
            time.sleep(POLL_SECONDS)
        wall = time.perf_counter() - started
    if process.returncode != 0:
        raise BenchmarkError(f"{' '.join(command)} exited with {process.returncode}; log:\n{_tail(log_path)}")
    return CliRun(wall, peak / 1024, reads)


def stdin_offset(pid: int) -> int | None:
    """The file offset of the process's stdin (the `pos:` of Linux's /proc/<pid>/fdinfo/0): on a file,
    how many of its bytes the process has read. None once it has exited, or without /proc."""
    try:
        with open(f"/proc/{pid}/fdinfo/0", encoding="ascii", errors="replace") as info:
            for line in info:
                if line.startswith("pos:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def _high_water_kib(pid: int) -> int:
    """The process's peak resident set so far (VmHWM, KiB; 0 once it has exited)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def measure_target(
    server: SandboxServer,
    clock: RequestClock,
    config: dict[str, Any],
    input_path: Path,
    records: int,
    *,
    workdir: Path,
    run_name: str,
    speed: float,
    timeout: float,
) -> Measurement:
    """Run target-pipedrive (the real CLI, in a subprocess) with `config` on `input_path`."""
    config_path = workdir / f"{run_name}.config.json"
    config_path.write_text(json.dumps(config, indent=2), encoding="utf-8")
    before = server.counters()
    seq = server.sandbox.log[-1]["seq"] if server.sandbox.log else 0
    clock.restart()
    run = run_cli_peak(
        [*TARGET_CLI, "--config", str(config_path)], input_path, workdir / f"{run_name}.log", timeout=timeout
    )
    wall = run.wall
    after = server.counters()
    busy = min(clock.busy_seconds(), wall)
    report_path = Path(config["report_file"])
    summary = json.loads(report_path.read_text(encoding="utf-8")) if report_path.exists() else {}
    calls = Counter(endpoint(e["method"], e["path"]) for e in server.log() if e["seq"] > seq)
    return Measurement(
        records=records,
        calls=after["requests"] - before["requests"],
        tokens=after["tokens"] - before["tokens"],
        rejected_429=after["rejected_429"] - before["rejected_429"],
        wall_seconds=wall,
        seconds=(wall - busy) + busy * speed,
        summary=summary,
        endpoints=calls,
        peak_rss_mb=run.peak_mb,
        reads=run.reads,
    )
