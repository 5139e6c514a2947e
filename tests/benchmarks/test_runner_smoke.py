"""The benchmark runner end to end on a tiny input: it runs, and its table has the expected shape.

Only the shape: the figures of 10 events say nothing about the targets (start-up dominates them).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ARGS = ["--events", "10", "--scenarios", "S1,S2", "--speed", "50", "--no-fail"]
TARGETS_HEADER = "| Scenario | Figure | Ours | Baseline | Ours/baseline | Target | Met |"


def _section(text: str, title: str) -> list[str]:
    lines = text.split(f"## {title}\n\n", 1)[1].split("\n\n", 1)[0].splitlines()
    return [line for line in lines if line.startswith("|")]


def test_a_small_run_prints_and_writes_the_targets_table(tmp_path):
    results = tmp_path / "results.md"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", *ARGS, "--results", str(results)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    text = results.read_text(encoding="utf-8")
    assert text.strip() in done.stdout
    assert "cores, Python" in text

    table = _section(text, "Targets")
    assert table[0] == TARGETS_HEADER
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in table[2:]]
    assert all(len(row) == 7 for row in rows)
    figures = {(row[0].split()[0], row[1]) for row in rows}
    for scenario in ("S1", "S2"):
        for figure in ("API calls/record", "tokens/record", "records/s", "429s"):
            assert (scenario, figure) in figures
    assert {row[0].split()[0] for row in rows} == {"S1", "S2"}
    assert ("S1", "tokens/record", "≤ 5.3") in {(r[0].split()[0], r[1], r[5]) for r in rows}
    assert all(row[6] in ("", "✓", "✗") for row in rows)

    runs = _section(text, "Runs")
    assert [line.split("|")[1].strip() for line in runs[2:]] == [
        "S1 ours",
        "S1 segment",
        "S2 ours",
        "S2 segment",
    ]
