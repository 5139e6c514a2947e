"""The results as markdown: the targets table, each run's raw figures, and where the calls went."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from .measure import Measurement
from .scenarios import ScenarioResult
from .targets import Row

REPO = Path(__file__).resolve().parent.parent
TOP_ENDPOINTS = 6  # per run: enough to see where the calls go


@dataclass(frozen=True)
class RunSettings:
    speed: float
    events: int
    cpu_events: int
    daily_budget: int
    wall_seconds: float


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    if value == int(value):
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return format(Decimal(f"{value:.3g}"), "f")  # 3 significant digits, never 7e-05


def _ratio(row: Row) -> str:
    if row.ratio is None:
        return "-"
    return "< 0.001x" if row.ratio < 0.001 else f"{_number(row.ratio)}x"


def _met(row: Row) -> str:
    return "" if row.met is None else ("✓" if row.met else "✗")


def _table(header: Iterable[str], lines: Iterable[Iterable[str]]) -> list[str]:
    header = list(header)
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(cells) + " |" for cells in lines]
    return out


def targets_table(rows: list[Row]) -> list[str]:
    return _table(
        ("Scenario", "Figure", "Ours", "Baseline", "Ours/baseline", "Target", "Met"),
        (
            (r.scenario, r.figure, _number(r.ours), _number(r.baseline), _ratio(r), r.target, _met(r))
            for r in rows
        ),
    )


def _runs(results: list[ScenarioResult]) -> Iterable[tuple[str, Measurement]]:
    for result in results:
        yield f"{result.key} ours", result.ours
        yield f"{result.key} {result.baseline_name}", result.baseline


def runs_table(results: list[ScenarioResult]) -> list[str]:
    def cells(name: str, m: Measurement) -> list[str]:
        s = m.summary
        return [
            name,
            _number(m.records),
            _number(m.calls) if m.uses_api else "-",
            _number(m.tokens) if m.uses_api else "-",
            _number(m.rejected_429) if m.uses_api else "-",
            *(_number(s.get(k)) if s else "-" for k in ("written", "unchanged", "rejected")),
            _number(m.duplicates),
            f"{m.wall_seconds:.1f}",
            f"{m.seconds:.1f}",
            _number(m.peak_rss_mb) if m.peak_rss_mb is not None else "-",
        ]

    header = ("Run", "Records", "Calls", "Tokens", "429s", "Written", "Unchanged", "Rejected", "Duplicates")
    columns = (*header, "Wall s", "Pipedrive s", "Peak RSS MB")
    return _table(columns, (cells(name, m) for name, m in _runs(results)))


def endpoints_table(results: list[ScenarioResult]) -> list[str]:
    lines = []
    for name, m in _runs(results):
        for endpoint, calls in m.endpoints.most_common(TOP_ENDPOINTS):
            lines.append([name, f"`{endpoint}`", _number(calls), _number(m.per_record(calls))])
    return _table(("Run", "Endpoint", "Calls", "Per record"), lines)


def _commit() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head} (with uncommitted changes)" if dirty else head


def render(results: list[ScenarioResult], rows: list[Row], settings: RunSettings) -> str:
    today = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    lines = [
        "# Benchmark: API calls and tokens per record (issue 6)",
        "",
        f"- Machine: {os.cpu_count()} cores, Python {platform.python_version()} on {platform.system()} "
        f"{platform.machine()}; {today}; commit {_commit()}.",
        "- Sandbox: Lite plan (20 requests and 10 searches per 2 s), 50 ms latency, 1 s search-index delay, "
        f"its clock x{settings.speed:g}; daily budget lifted to {settings.daily_budget:,} tokens.",
        f"- Input: S1-S4 {settings.events:,} events; S5 {settings.cpu_events:,} events (dry run, no limits, "
        "no latency).",
        "- Baseline: the `segment` strategy (S1-S4: search, then write, per lookup, no cache); "
        "S5: target-jsonl.",
        "- records/s is records ÷ the run's duration as against Pipedrive: the time the sandbox was "
        "answering requests x the clock's speed, plus start-up and wind-down in real time (measure.py). "
        "Wall seconds are in the runs table.",
        f"- Whole benchmark: {settings.wall_seconds:.0f} s wall.",
        "",
        "## Targets",
        "",
        *targets_table(rows),
        "",
        "## Runs",
        "",
        *runs_table(results),
        "",
        f"## Calls by endpoint (top {TOP_ENDPOINTS} per run)",
        "",
        *endpoints_table(results),
        "",
    ]
    return "\n".join(lines)
