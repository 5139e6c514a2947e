"""S1-S5: which input each scenario sends, on which sandbox, after what, and for whom.

Every scenario runs twice on the same input: once with our strategy ("best") and once with the baseline
(S1-S4: the `segment` strategy, Segment's search-then-write; S5: target-jsonl). S2 and S3 re-sync on the
account (and, for ours, the ledger) that S1 left, so S1 runs first whenever either is chosen.
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipedrive_sandbox.server import SandboxServer

from . import events
from .configs import target_config
from .duplicates import count_duplicates
from .measure import Measurement, RequestClock, measure_target
from .steadiness import record_ends, steadiness
from .target_jsonl import ensure_installed, measure_jsonl

TITLES = {
    "S1": "first sync",
    "S2": "re-sync, unchanged",
    "S3": "re-sync, 10% changed",
    "S4": "mixed events",
    "S5": "CPU, dry run",
    "S6": "200k-person account, 100 changed",
    "S7": "1M-person account",
    "S8": "Ultimate, 200 ms latency",
    "S9": "re-sync, 100k unchanged",
}
ALL = tuple(TITLES)
CHANGED_SHARE = 0.10
OURS, BASELINE = "best", "segment"
SIDES = (("ours", OURS), ("baseline", BASELINE))


@dataclass
class ScenarioResult:
    key: str
    ours: Measurement
    baseline: Measurement
    baseline_name: str = "segment"
    changed: int | None = None  # S3: records whose traits changed

    @property
    def title(self) -> str:
        return TITLES[self.key]


@dataclass
class Context:
    """What every scenario needs: where to write, how fast the sandbox clock runs, how big the input is."""

    workdir: Path
    speed: float
    events: int
    cpu_events: int
    timeout: float
    daily_budget: int
    jsonl_venv: Path
    started: float = field(default_factory=time.perf_counter)

    def say(self, text: str) -> None:
        print(f"[{time.perf_counter() - self.started:7.1f} s] {text}", file=sys.stderr, flush=True)

    def sandbox(self, **overrides: Any) -> SandboxServer:
        # Lite plan, Pipedrive-like latency and search lag; contract validation off (the test suite checks
        # our requests; here it would only slow the sandbox). The daily budget is lifted: the baseline
        # spends several Lite days' worth, and a refused day would end the measurement, not inform it.
        options: dict[str, Any] = {
            "plan": "lite",
            "latency": 0.05,
            "search_delay": 1.0,
            "speed": self.speed,
            "validate": False,
            "daily_budget": self.daily_budget,
            **overrides,
        }
        logging.getLogger("pipedrive_sandbox").setLevel(logging.ERROR)  # no "no OpenAPI files" warning
        return SandboxServer(**options).start()

    def input(self, name: str, event_list: list[dict[str, Any]]) -> Path:
        return events.write_singer(event_list, self.workdir / f"{name}.singer.jsonl")

    def run(
        self,
        server: SandboxServer,
        clock: RequestClock,
        *,
        key: str,
        side: str,
        family: str,
        input_path: Path,
        records: int,
        ledger: Path | None,
        speed: float | None = None,
        dry_run: bool = False,
        **settings: Any,
    ) -> Measurement:
        name = f"{key}-{side}"
        speed = self.speed if speed is None else speed
        config = (
            target_config(
                api_url=server.url,
                api_token=server.token,
                family=family,
                strategy=OURS if side == "ours" else BASELINE,
                ledger=ledger,
                clock_speed=speed,
                workdir=self.workdir,
                run_name=name,
                dry_run=dry_run,
            )
            | settings
        )
        self.say(f"{name}: {records} records …")
        result = measure_target(
            server,
            clock,
            config,
            input_path,
            records,
            workdir=self.workdir,
            run_name=name,
            speed=speed,
            timeout=self.timeout,
        )
        if not dry_run:
            result.duplicates = count_duplicates(server)
        self.say(
            f"{name}: {result.calls} calls, {result.tokens} tokens, {result.rejected_429} x 429, "
            f"{result.wall_seconds:.1f} s wall"
        )
        return result


def run_people(ctx: Context, wanted: set[str]) -> list[ScenarioResult]:
    """S1 (new people), S2 (the same again), S3 (10% changed): one account per side, in that order."""
    persons = events.people(ctx.events)
    changed_persons, changed = events.with_changes(persons, CHANGED_SHARE)
    inputs = {
        "S1": ctx.input("S1", events.identify_events(persons, "s1")),
        "S2": ctx.input("S2", events.identify_events(persons, "s2")),
        "S3": ctx.input("S3", events.identify_events(changed_persons, "s3")),
    }
    steps = ["S1", *(key for key in ("S2", "S3") if key in wanted)]
    measured: dict[tuple[str, str], Measurement] = {}
    for side, _ in SIDES:
        # The baseline keeps no memory between runs; ours keeps one ledger for the account's lifetime.
        ledger = ctx.workdir / "people.ledger.sqlite" if side == "ours" else None
        server = ctx.sandbox()
        try:
            clock = RequestClock(server)
            for key in steps:
                measured[key, side] = ctx.run(
                    server,
                    clock,
                    key=key,
                    side=side,
                    family="people",
                    input_path=inputs[key],
                    records=ctx.events,
                    ledger=ledger,
                )
        finally:
            server.stop()
    return [
        ScenarioResult(
            key, measured[key, "ours"], measured[key, "baseline"], changed=changed if key == "S3" else None
        )
        for key in steps
        if key in wanted
    ]


def run_mixed(ctx: Context) -> ScenarioResult:
    """S4: identify, group and track events (deals, activities, notes), each side on an empty account."""
    input_path = ctx.input("S4", events.mixed_events(ctx.events))
    measured: dict[str, Measurement] = {}
    for side, _ in SIDES:
        ledger = ctx.workdir / "mixed.ledger.sqlite" if side == "ours" else None
        server = ctx.sandbox()
        try:
            measured[side] = ctx.run(
                server,
                RequestClock(server),
                key="S4",
                side=side,
                family="mixed",
                input_path=input_path,
                records=ctx.events,
                ledger=ledger,
            )
        finally:
            server.stop()
    return ScenarioResult("S4", measured["ours"], measured["baseline"])


def run_cpu(ctx: Context) -> ScenarioResult:
    """S5: the mixed stream at scale, ours as a dry run against a sandbox that neither waits nor limits,
    target-jsonl on the same file. Lookups still reach the sandbox: the calls per record say how many."""
    input_path = ctx.input("S5", events.mixed_events(ctx.cpu_events, seed=9))
    executable = ensure_installed(ctx.jsonl_venv)
    server = ctx.sandbox(latency=0.0, search_delay=0.0, speed=1.0, rate_limits=False)
    try:
        ours = ctx.run(
            server,
            RequestClock(server),
            key="S5",
            side="ours",
            family="mixed",
            input_path=input_path,
            records=ctx.cpu_events,
            ledger=throughput.known_ledger(ctx.workdir / "cpu.ledger.sqlite", server.url),
            speed=1.0,
            dry_run=True,
        )
    finally:
        server.stop()
    ours.steadiness = steadiness(ours.reads, record_ends(input_path))
    ctx.say(f"S5-target-jsonl: {ctx.cpu_events} records …")
    jsonl = measure_jsonl(executable, input_path, ctx.cpu_events, workdir=ctx.workdir, timeout=ctx.timeout)
    ctx.say(f"S5-target-jsonl: {jsonl.wall_seconds:.1f} s wall")
    return ScenarioResult("S5", ours, jsonl, baseline_name="target-jsonl")


def run_scenarios(ctx: Context, wanted: set[str]) -> list[ScenarioResult]:
    results: list[ScenarioResult] = []
    if wanted & {"S1", "S2", "S3"}:
        results += run_people(ctx, wanted)
    if "S4" in wanted:
        results.append(run_mixed(ctx))
    if "S5" in wanted:
        results.append(run_cpu(ctx))
    from .big_accounts import run_big  # S6-S7 (it imports this module)

    results += run_big(ctx, wanted)
    if "S8" in wanted:
        results.append(throughput.run_ultimate(ctx))
    if "S9" in wanted:
        results.append(throughput.run_unchanged(ctx))
    return results


from . import throughput  # noqa: E402 (S8 and S9 build on this module's Context)
