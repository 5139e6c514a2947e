"""The soak run of issue 5: never lose, never duplicate, through every kind of fault and the reruns.

10,000 Segment events (identify → person by email, group → organization by External ID, track →
deals by External ID linked to their person and organization, activities, notes) go through the
target twice, each time into a fresh sandbox with a 2-s search-index lag:
- fault-free, in one run: the expected end state;
- with ~10% of API requests hit by a fault (500, 503, 429, connection dropped before the request was
  read, dropped after the write committed, answers slower than request_timeout), run like a tap and an
  orchestrator would: STATE bookmarks every `--state-every` records, and after a failed run the next
  run starts from the last state the target emitted (soak_tap.py), until a run succeeds.
The faulty pass must leave the same entities (ids and timestamps aside, soak_compare.py), no two
entities with the same match key, and every event finished by some run.

Left out by default: the HTML 403 block page. It ends the run on purpose (a blocked client must stop),
so it only adds reruns; `--html-403 RATE` puts it in.

Both clocks run `--speed` times faster (the sandbox's, and the target's via clock_speed), so rate
windows, retry waits and search lag keep their proportions; request_timeout stays in real seconds.

    .venv/bin/python -m benchmarks.soak [--events 10000] [--speed 20]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from pipedrive_sandbox.server import SandboxServer

from .configs import MIXED_MAPPINGS
from .events import mixed_events
from .soak_compare import differences, duplicates_by_match_key, sizes, wait_until_answered
from .soak_tap import Orchestration, TapInput, run_until_done

# Each kind's share of the faulted requests. Timeouts are few: each costs a real second of waiting.
FAULT_MIX = {"500": 0.25, "503": 0.15, "429": 0.2, "drop_before": 0.15, "drop_after": 0.17, "timeout": 0.08}
REQUEST_TIMEOUT = 1  # real seconds (the setting is an integer)
# Pipedrive's OpenAPI files, kept beside the repository (as for the tests): requests are validated.
DEFAULT_OPENAPI_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "pipedrive-openapi"


def fault_plan(rate: float, speed: float, html_403: float = 0.0) -> list[dict[str, Any]]:
    """Probabilistic faults on every API path; each fault draws on its own, so the rates add up."""
    shape = {
        "500": {"status": 500},
        "503": {"status": 503},
        "429": {"status": 429, "retry_after": 1},
        "drop_before": {"drop": "before"},
        "drop_after": {"drop": "after"},
        # Latency is in sandbox seconds: 1.5 real seconds, half a second past the client's timeout.
        "timeout": {"latency": 1.5 * REQUEST_TIMEOUT * speed},
    }
    plan = [
        {"path": "/api/*", "count": -1, "probability": rate * share, **shape[kind]}
        for kind, share in FAULT_MIX.items()
    ]
    if html_403:
        plan.append({"path": "/api/*", "count": -1, "probability": html_403, "html": True})
    return plan


def sandbox_options(args: argparse.Namespace) -> dict[str, Any]:
    # A budget no run reaches: the soak is about faults, not about the daily token budget.
    return {
        "speed": args.speed,
        "search_delay": args.search_delay,
        "daily_budget": 10**9,
        "openapi_dir": args.openapi_dir,
    }


def target_config(server: SandboxServer, workdir: Path, speed: float) -> dict[str, Any]:
    return {
        "api_url": server.url,
        "api_token": server.token,
        "mappings": MIXED_MAPPINGS,
        "clock_speed": speed,
        "request_timeout": REQUEST_TIMEOUT,
        "ledger_path": str(workdir / "ledger.sqlite"),  # one ledger per pass, kept across its reruns
        "reject_file": str(workdir / "rejects.jsonl"),
        "progress_interval": 30,
    }


def run_pass(
    tap: TapInput, workdir: Path, args: argparse.Namespace, faults: list[dict[str, Any]]
) -> tuple[Orchestration, dict[str, Any], dict[str, Any], float]:
    """One pass in a fresh sandbox: (orchestration, end state, sandbox counters, seconds)."""
    workdir.mkdir(parents=True)
    with SandboxServer(**sandbox_options(args), faults=faults, fault_seed=args.fault_seed) as server:
        started = time.monotonic()
        orchestration = run_until_done(
            tap, target_config(server, workdir, args.speed), workdir, max_attempts=args.max_attempts
        )
        seconds = time.monotonic() - started
        wait_until_answered(server)
        return orchestration, server.state(), server.counters(), seconds


def report(
    records: int,
    expected: tuple[Orchestration, dict[str, Any], dict[str, Any], float],
    faulty: tuple[Orchestration, dict[str, Any], dict[str, Any], float],
) -> dict[str, Any]:
    clean, expected_state, _, clean_seconds = expected
    orchestration, state, counters, seconds = faulty
    final = clean.attempts[-1].summary or {}
    diffs = differences(expected_state, state)
    duplicates = duplicates_by_match_key(state)
    uncovered = orchestration.uncovered(records)
    return {
        "records_in": records,
        "fault_free": {k: final.get(k) for k in ("written", "unchanged", "filtered", "rejected")}
        | {"seconds": round(clean_seconds, 1)},
        "faulty": {
            "seconds": round(seconds, 1),
            "reruns": orchestration.reruns,
            "attempts": [
                {
                    "from": a.start_offset,
                    "to": a.end_offset,
                    "exit": a.returncode,
                    "records_in": (a.summary or {}).get("records_in"),
                    "finished": a.records_finished,
                    "stopped_by": a.stopped_by if a.returncode else None,
                }
                for a in orchestration.attempts
            ],
            "written": orchestration.total("written"),
            "unchanged": orchestration.total("unchanged"),
            "filtered": orchestration.total("filtered"),
            "rejected": orchestration.total("rejected"),
            "retries": orchestration.total("api", "retries"),
            "429s_seen_by_target": orchestration.total("api", "throttled_429"),
            "faults_injected": counters.get("faults"),
            "by_status": counters.get("by_status"),
        },
        "entities_expected": sizes(expected_state),
        "entities_after_faults": sizes(state),
        "lost_events": len(uncovered),
        "missing_entities": sum(d.missing for d in diffs),
        "extra_entities": sum(d.extra for d in diffs),
        "differences": [str(d) for d in diffs],
        "duplicates_by_match_key": duplicates,
        "ok": not uncovered and not diffs and not any(duplicates.values()),
    }


def print_figures(result: dict[str, Any]) -> None:
    faulty = result["faulty"]
    print(f"records in:            {result['records_in']}")
    print(f"fault-free run:        {result['fault_free']}")
    print(f"written (all runs):    {faulty['written']}   unchanged: {faulty['unchanged']}")
    print(f"rejected (all runs):   {faulty['rejected']}   filtered: {faulty['filtered']}")
    print(f"faults injected:       {faulty['faults_injected']} (latency faults not counted by the sandbox)")
    print(f"retries:               {faulty['retries']}")
    print(f"429s:                  {faulty['429s_seen_by_target']}")
    print(f"reruns needed:         {faulty['reruns']}")
    for attempt in faulty["attempts"]:
        print(f"  run {attempt}")
    print(f"lost events:           {result['lost_events']}")
    print(f"missing entities:      {result['missing_entities']}")
    print(f"extra entities:        {result['extra_entities']}")
    print(
        f"duplicates found:      {sum(result['duplicates_by_match_key'].values())} "
        f"{result['duplicates_by_match_key']}"
    )
    for line in result["differences"]:
        print(f"  {line}")
    print(f"entities:              {result['entities_after_faults']}")
    print(f"  fault-free:          {result['entities_expected']}")
    clean_seconds = result["fault_free"]["seconds"]
    print(f"time:                  {faulty['seconds']} s with faults, {clean_seconds} s without")
    print("SOAK " + ("PASSED" if result["ok"] else "FAILED"))


def soak(args: argparse.Namespace) -> dict[str, Any]:
    tap = TapInput(mixed_events(args.events, seed=args.seed), state_every=args.state_every)
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="soak-"))
    expected = run_pass(tap, workdir / "fault_free", args, [])
    plan = fault_plan(args.fault_rate, args.speed, args.html_403)
    faulty = run_pass(tap, workdir / "faulty", args, plan)
    result = report(args.events, expected, faulty)
    (workdir / "soak.json").write_text(json.dumps(result, indent=2))
    return result


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=8, help="of the events")
    parser.add_argument("--fault-rate", type=float, default=0.10)
    parser.add_argument("--fault-seed", type=int, default=5)
    parser.add_argument("--html-403", type=float, default=0.0, help="rate of HTML 403 blocks (fatal)")
    parser.add_argument("--speed", type=float, default=20)
    parser.add_argument("--search-delay", type=float, default=2, help="sandbox seconds")
    parser.add_argument("--state-every", type=int, default=100)
    parser.add_argument("--max-attempts", type=int, default=200)
    parser.add_argument("--workdir")
    parser.add_argument(
        "--openapi-dir",
        default=os.environ.get("PIPEDRIVE_OPENAPI_DIR") or str(DEFAULT_OPENAPI_DIR),
        help="Pipedrive's OpenAPI files, to validate every request (default: ../shared/pipedrive-openapi)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    result = soak(parse_args(argv))
    print_figures(result)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
