"""The last-10%-÷-first-10% figure, read from how far the target had read its input (stdin's offset)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import events
from benchmarks.measure import Read, run_cli_peak, stdin_offset
from benchmarks.steadiness import record_ends, steadiness

LINUX_PROC = pytest.mark.skipif(not Path("/proc/self/fdinfo").is_dir(), reason="no /proc/<pid>/fdinfo")
RECORD_BYTES = 100
ENDS = [RECORD_BYTES * n for n in range(1, 1001)]  # 1,000 records of 100 bytes, no other lines


def _reads(records_per_tick: list[int], set_up: int = 2) -> list[Read]:
    """A sample a tick: `set_up` ticks before the first read (offset 0), then the records each tick reads."""
    reads: list[Read] = [(float(tick), 0) for tick in range(set_up)]
    read = 0
    for tick, records in enumerate(records_per_tick, set_up):
        read += records
        reads.append((float(tick), read * RECORD_BYTES))
    return reads


def test_a_steady_run_is_one():
    assert steadiness(_reads([20] * 50), ENDS) == 1.0


def test_a_run_that_halves_its_pace_is_one_half():
    # 20 records a tick over the first half, 10 over the second: the last tenth reads at half the rate.
    assert steadiness(_reads([20] * 25 + [10] * 50), ENDS) == 0.5


def test_the_moments_between_samples_are_interpolated():
    # 40 records a tick, then 10: the first tenth (100 records after the first 40) ends 2.5 ticks in;
    # the last tenth starts 10 ticks before the end. Nearest samples would give 2 or 3 ticks.
    assert steadiness(_reads([40] * 10 + [10] * 60), ENDS) == 2.5 / 10


def test_set_up_before_the_first_read_is_left_out():
    assert steadiness(_reads([20] * 50, set_up=100), ENDS) == 1.0


def test_a_stall_on_the_first_read_is_left_out():
    # The target sets itself up on its first records: 30 ticks at the first read position.
    assert steadiness(_reads([20] + [0] * 30 + [20] * 49), ENDS) == 1.0


def test_too_few_samples_in_a_stretch_tell_nothing():
    assert steadiness(_reads([500, 500]), ENDS) is None
    assert steadiness(_reads([100] * 10), ENDS) is None  # two samples in each tenth
    assert steadiness(_reads([50] * 20), ENDS) == 1.0  # three


def test_a_run_that_never_read_every_record_tells_nothing():
    assert steadiness(_reads([20] * 49), ENDS) is None
    assert steadiness([(0.0, 0), (1.0, 0)], ENDS) is None
    assert steadiness([], ENDS) is None


def test_record_ends_skip_schema_and_state_lines(tmp_path, monkeypatch):
    monkeypatch.setattr(events, "STATE_EVERY", 2)
    people = events.people(3)
    path = events.write_singer(events.identify_events(people, "t"), tmp_path / "in.singer.jsonl")
    lines = path.read_bytes().splitlines(keepends=True)
    record, state = b'{"type": "RECORD"', b'{"type": "STATE",'
    assert [line[:17] for line in lines] == [b'{"type": "SCHEMA"', record, record, state, record, state]
    line_ends = [len(b"".join(lines[: n + 1])) for n in range(len(lines))]
    assert record_ends(path) == [line_ends[1], line_ends[2], line_ends[4]]


def test_record_ends_of_lines_written_in_another_key_order(tmp_path):
    path = tmp_path / "in.singer.jsonl"
    lines = [
        b'{"type": "SCHEMA", "stream": "s", "schema": {}, "key_properties": []}\n',
        b'{"stream": "s", "record": {"type": "RECORD"}, "type": "RECORD"}\n',
        b'{"value": {"type": "RECORD"}, "type": "STATE"}\n',
        b"\n",
        b'{"stream": "s", "type": "RECORD", "record": {}}\n',
    ]
    path.write_bytes(b"".join(lines))
    ends = record_ends(path)
    assert ends == [len(b"".join(lines[:2])), len(b"".join(lines))]


@LINUX_PROC
def test_stdin_offset_is_how_far_a_process_has_read_its_stdin(tmp_path):
    path = tmp_path / "input"
    path.write_bytes(b"x" * 5000)
    with path.open("rb") as stdin:
        stdin.seek(1234)
        child = subprocess.Popen(["sleep", "30"], stdin=stdin)
    try:
        assert stdin_offset(child.pid) == 1234
    finally:
        child.kill()
        child.wait()
    assert stdin_offset(child.pid) is None


@LINUX_PROC
def test_a_cli_run_samples_its_read_position(tmp_path):
    path = tmp_path / "input"
    path.write_bytes(b"x" * 20_000)
    # Unbuffered reads of 1,000 bytes, 20 ms apart, then a pause the runner sees the end in.
    reader = "import os, time\nwhile os.read(0, 1000):\n    time.sleep(0.02)\ntime.sleep(0.2)"
    run = run_cli_peak([sys.executable, "-c", reader], path, tmp_path / "log", timeout=60)
    offsets = [offset for _, offset in run.reads]
    assert offsets == sorted(offsets)
    assert offsets[-1] == 20_000
    assert len(set(offsets)) > 5
