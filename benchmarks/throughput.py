"""S8 and S9 (issue 17): the plan's pace reached at a real latency, and a re-sync of unchanged rows at
scale, with how steady its records/s stays (steadiness.py).

S8 writes new people to an Ultimate account at 200 ms of latency: one request per record, so the paced
rate (80% of 120 requests per 2 s: 48 records/s) is its yardstick. S9 re-syncs rows the ledger already
holds, unchanged: the target's own CPU against target-jsonl's on the same file.
"""

from __future__ import annotations

from pathlib import Path

from target_pipedrive.account.ledger import Ledger
from target_pipedrive.pipedrive.base_url import resolve_base_url
from target_pipedrive.pipedrive.pacing import WINDOW_SECONDS, with_margin

from . import events
from .measure import Measurement, RequestClock
from .scenarios import Context, ScenarioResult
from .steadiness import record_ends, steadiness
from .target_jsonl import ensure_installed, measure_jsonl

ULTIMATE_BURST = 120  # requests per 2 s of an API token (pipedrive-api.md §5.2)
S8_LATENCY = 0.2
# At x2 a request slot (1/48 s) is 10 ms of real time: the target's CPU per record stays well inside it.
S8_SPEED = 2.0


def known_ledger(path: Path, api_url: str) -> Path:
    """A ledger that knows the account, as after any earlier run: a dry run then plans what a real
    run would, without the content match a lost ledger needs (one list request per activity or note)."""
    ledger = Ledger(path, resolve_base_url(None, api_url))
    try:
        ledger.mark_run()
    finally:
        ledger.close()
    return path


def run_ultimate(ctx: Context) -> ScenarioResult:
    """S8: new people on Ultimate at 200 ms latency, against the rate the client paces at."""
    records = max(100, ctx.events // 2)
    input_path = ctx.input("S8", events.identify_events(events.people(records, seed=17), "s8"))
    server = ctx.sandbox(plan="ultimate", latency=S8_LATENCY, speed=S8_SPEED)
    try:
        ours = ctx.run(
            server,
            RequestClock(server),
            key="S8",
            side="ours",
            family="people",
            input_path=input_path,
            records=records,
            ledger=ctx.workdir / "s8.ledger.sqlite",
            speed=S8_SPEED,
        )
    finally:
        server.stop()
    rate = with_margin(ULTIMATE_BURST) / WINDOW_SECONDS
    paced = Measurement(records=records, seconds=records / rate, uses_api=False)
    return ScenarioResult("S8", ours, paced, baseline_name="paced rate")


def run_unchanged(ctx: Context) -> ScenarioResult:
    """S9: `cpu_events` people written once (set-up, not measured), then re-synced unchanged with the
    default settings; target-jsonl on the same re-sync file."""
    records = ctx.cpu_events
    persons = events.people(records, seed=19)
    first = ctx.input("S9-first", events.identify_events(persons, "s9a"))
    again = ctx.input("S9", events.identify_events(persons, "s9b"))
    ledger = ctx.workdir / "s9.ledger.sqlite"
    server = ctx.sandbox(latency=0.0, search_delay=0.0, speed=1.0, rate_limits=False)
    try:
        clock = RequestClock(server)
        common = {"family": "people", "records": records, "ledger": ledger}
        # The set-up run: pacing must not bind against a sandbox without limits (its clock x1000).
        ctx.run(server, clock, key="S9-setup", side="ours", input_path=first, speed=1000.0, **common)
        ours = ctx.run(server, clock, key="S9", side="ours", input_path=again, speed=1.0, **common)
    finally:
        server.stop()
    ours.steadiness = steadiness(ours.reads, record_ends(again))
    executable = ensure_installed(ctx.jsonl_venv)
    jsonl = measure_jsonl(executable, again, records, workdir=ctx.workdir, timeout=ctx.timeout)
    return ScenarioResult("S9", ours, jsonl, baseline_name="target-jsonl")
