"""The last-10%-÷-first-10% figure read from a run's progress lines, also for a run that prints few."""

from __future__ import annotations

from pathlib import Path

from benchmarks.throughput import steadiness


def _log(tmp_path: Path, points: list[tuple[int, int]]) -> Path:
    lines = [
        f"2026-12-07 10:00:{seconds:02d},000 | INFO     | target-pipedrive | Progress: {count} records in"
        for seconds, count in points
    ]
    path = tmp_path / "run.log"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_steady_run_of_three_lines(tmp_path):
    assert steadiness(_log(tmp_path, [(1, 20_000), (2, 40_000), (3, 60_000)]), 100_000) == 1.0


def test_a_run_that_slows_down(tmp_path):
    points = [(1, 10_000), (2, 30_000), (3, 50_000), (4, 60_000), (5, 70_000)]
    assert steadiness(_log(tmp_path, points), 100_000) == 0.5


def test_too_few_lines_tell_nothing(tmp_path):
    assert steadiness(_log(tmp_path, [(1, 50_000), (2, 100_000)]), 100_000) is None
