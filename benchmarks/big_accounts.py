"""S6-S7: big accounts, where the key index (account/key_index.py) decides what a run costs.

Each scenario seeds an account of persons in the sandbox (`SandboxServer.generate`, stamped a day ago,
as an account that existed before the target), then runs ours twice with one ledger:
- the first run: 100 identify events of persons of the account (their names and traits changed), so the
  index is listed in full (500 persons a page, 10 tokens);
- the re-run: 100 events of 100 other persons, so every record needs a lookup the ledger cannot answer:
  the index answers it after listing only what changed since the first run (`updated_since`).
The "baseline" column of these rows is the first run. Peak RSS is the target process's own
(its VmHWM, read while it runs: measure.py).
"""

from __future__ import annotations

from pathlib import Path

from . import events
from .measure import Measurement, RequestClock
from .scenarios import Context, ScenarioResult
from .targets import Row, _Rows, _tokens

SIZES = {"S6": 200_000, "S7": 1_000_000}
CHANGED = 100
# Above this, generated persons stay out of the sandbox's search index (its build would take minutes);
# the runs here never search.
SEARCHABLE_UP_TO = 200_000
RSS_LIMIT_MB = 600.0
S6_TOKENS = 600


def _people(first: int, step: int, run: str) -> list[events.Person]:
    """CHANGED persons of the generated account (ids first, first + step, …), with new traits."""
    return [
        events.Person(f"b-{n}", f"person{n}@bulk.example", f"Bulk Person {n} ({run})", "gold", 1000 + n)
        for n in range(first, first + CHANGED * step, step)
    ]


def _run(ctx: Context, key: str, entities: int) -> ScenarioResult:
    server = ctx.sandbox()
    try:
        ctx.say(f"{key}: seeding {entities:,} persons …")
        server.generate("persons", entities, searchable=entities <= SEARCHABLE_UP_TO, age=86_400)
        step = entities // (2 * CHANGED)  # spread over the account
        ledger = ctx.workdir / f"{key}.ledger.sqlite"
        measured: list[Measurement] = []
        for name, first in (("first", 1), ("rerun", 2)):
            path: Path = ctx.input(f"{key}-{name}", events.identify_events(_people(first, step, name), name))
            measured.append(
                ctx.run(
                    server,
                    RequestClock(server),
                    key=f"{key}-{name}",
                    side="ours",
                    family="people",
                    input_path=path,
                    records=CHANGED,
                    ledger=ledger,
                )
            )
    finally:
        server.stop()
    first_run, rerun = measured
    return ScenarioResult(key, rerun, first_run, baseline_name="first run")


def run_big(ctx: Context, wanted: set[str]) -> list[ScenarioResult]:
    return [_run(ctx, key, SIZES[key]) for key in SIZES if key in wanted]


def _total_tokens(m: Measurement) -> float:
    return float(m.tokens)


def _list_pages(m: Measurement) -> float:
    return float(m.endpoints.get("GET /api/v2/persons", 0))


def _peak_rss(m: Measurement) -> float | None:
    return m.peak_rss_mb


def _both_within(row: Row) -> bool:
    return row.ours is not None and row.baseline is not None and max(row.ours, row.baseline) <= RSS_LIMIT_MB


def rows(result: ScenarioResult, collect: _Rows) -> None:
    """The rows of S6/S7: `ours` is the re-run, the baseline column the first run."""
    if result.key == "S6":
        collect.at_most("tokens, whole re-run", _total_tokens, S6_TOKENS)
    else:
        collect.add("tokens, whole run", _total_tokens)
    collect.add("tokens/record", _tokens)
    collect.add("person list pages", _list_pages)
    collect.add("peak RSS MB (both runs)", _peak_rss, target=f"≤ {RSS_LIMIT_MB:g}", met=_both_within)
    collect.sanity()
