"""A dry run's summary is the real run's on the same input: written, unchanged, skipped, filtered and
rejected, in all and per mapping (only the API accounting differs: a dry run sends no write).

Inputs that repeat events are where the two used to part: a real run remembers what it wrote (the
ledger, the identity map), so the second identical event is unchanged; the dry run now remembers too,
on a copy of the ledger in memory.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from benchmarks.configs import MIXED_MAPPINGS
from benchmarks.events import mixed_events
from benchmarks.soak_tap import TapInput

from ..target.cli import run_target

ROOT = Path(__file__).resolve().parents[2]


def _comparable(summary: dict[str, Any]) -> dict[str, Any]:
    mappings = {
        name: {k: v for k, v in tally.items() if k not in ("api_calls", "tokens")}
        for name, tally in summary["mappings"].items()
    }
    # When the run started and ended differ too.
    return {k: v for k, v in summary.items() if k not in ("api", "started_at", "ended_at")} | {
        "mappings": mappings
    }


def _dry_then_real(
    tmp_path: Path, config: dict[str, Any], lines: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    (tmp_path / "dry").mkdir()
    (tmp_path / "real").mkdir()
    ledger = str(tmp_path / "ledger.sqlite")  # the same ledger: the dry run must leave it as it was
    dry = run_target(tmp_path / "dry", config | {"dry_run": True, "ledger_path": ledger}, lines)
    assert dry.returncode == 0, dry.stderr[-3000:]
    real = run_target(tmp_path / "real", config | {"ledger_path": ledger}, lines)
    assert real.returncode == 0, real.stderr[-3000:]
    return dry.summary(), real.summary()


def test_the_sample_twice_in_one_input(tmp_path, sandbox):
    config = json.loads((ROOT / "sample_config.json").read_text())
    del config["reject_file"], config["ledger_path"]
    config |= {"api_url": sandbox.url, "api_token": sandbox.token}
    sample = (ROOT / "samples" / "segment_events.jsonl").read_text()
    dry, real = _dry_then_real(tmp_path, config, sample + sample)
    assert _comparable(dry) == _comparable(real)
    # The second copy of each event changes nothing, in both runs.
    assert (real["records_in"], real["written"], real["unchanged"], real["rejected"]) == (24, 10, 10, 2)


def test_a_mixed_stream_with_repeated_events(tmp_path, sandbox):
    events = mixed_events(30, seed=5)
    tap = TapInput(events + events[:15] + events, state_every=10)
    config = {"api_url": sandbox.url, "api_token": sandbox.token, "mappings": MIXED_MAPPINGS}
    dry, real = _dry_then_real(tmp_path, config, tap.text_after(0))
    assert _comparable(dry) == _comparable(real)
    assert real["records_in"] == 75
    assert real["unchanged"] >= 40
