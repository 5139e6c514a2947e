"""The demo environment keeps its sync ledger between runs (issue 16, item 6): with `ledger_path: ''`
every rerun of the demo added an activity, a lead and a note."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_the_demo_environment_keeps_its_ledger_beside_meltanos_state():
    project = yaml.safe_load((ROOT / "meltano.yml").read_text(encoding="utf-8"))
    [demo] = [e for e in project["environments"] if e["name"] == "sandbox"]
    [loader] = [p for p in demo["config"]["plugins"]["loaders"] if p["name"] == "target-pipedrive"]
    ledger = loader["config"].get("ledger_path")
    assert ledger, "the demo must keep a ledger"
    assert ledger.startswith("$MELTANO_PROJECT_ROOT/.meltano/")  # out of git, with Meltano's state
    assert "ledger_url" not in loader["config"]
