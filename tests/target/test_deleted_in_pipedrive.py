"""Entities deleted, merged or archived in Pipedrive behind the target's back, their source rows
unchanged: noticed at the run whose full listing of the key index is due (index_full_refresh_days; 0:
every run), which forgets the gone ids' ledger rows, recreates (or finds again) the entities and fixes
the links to them in the same run; never listed when not due."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .cli import run_target

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = (ROOT / "samples" / "segment_events.jsonl").read_text()


def sample_config(sandbox: Any, folder: Path, **more: Any) -> dict[str, Any]:
    config = json.loads((ROOT / "sample_config.json").read_text())
    config |= {"api_url": sandbox.url, "api_token": sandbox.token}
    config |= {"reject_file": str(folder / "rejects.jsonl"), "ledger_path": str(folder / "ledger.sqlite")}
    return config | more


def live(sandbox: Any, kind: str) -> list[dict[str, Any]]:
    return [e for e in sandbox.entities(kind) if not e.get("is_deleted")]


def by_name(sandbox: Any, kind: str, key: str = "name") -> dict[str, dict[str, Any]]:
    return {e[key]: e for e in live(sandbox, kind)}


def person_of(sandbox: Any, email: str) -> dict[str, Any]:
    [person] = [p for p in live(sandbox, "persons") if email in [m["value"] for m in p["emails"]]]
    return person


def lists(sandbox: Any, seq: int, path: str) -> int:
    return sum(1 for e in sandbox.log() if e["seq"] > seq and e["method"] == "GET" and e["path"] == path)


def last_seq(sandbox: Any) -> int:
    log = sandbox.log()
    return log[-1]["seq"] if log else 0


def test_a_deletion_is_repaired_by_the_due_full_listing_links_included(tmp_path, sandbox, api):
    config = sample_config(sandbox, tmp_path)
    assert run_target(tmp_path, config, SAMPLE).returncode == 0
    org = by_name(sandbox, "organizations")["Analytical Engines Ltd"]
    grace = person_of(sandbox, "grace@cobol.example")
    deal = by_name(sandbox, "deals", "title")["Compiler support"]
    for path in (f"organizations/{org['id']}", f"persons/{grace['id']}", f"deals/{deal['id']}"):
        api.call("DELETE", f"/api/v2/{path}")
    # Not due (7 days): the ledger answers every lookup and nothing is listed; nothing is noticed yet.
    seq = last_seq(sandbox)
    quiet = run_target(tmp_path, config, SAMPLE)
    assert quiet.returncode == 0, quiet.stderr[-3000:]
    assert lists(sandbox, seq, "/api/v2/organizations") == lists(sandbox, seq, "/api/v2/persons") == 0
    assert "Analytical Engines Ltd" not in by_name(sandbox, "organizations")
    # Due (0: every run): listed once per type, the gone ids forgotten, recreated and linked again.
    seq = last_seq(sandbox)
    due = run_target(tmp_path, config | {"index_full_refresh_days": 0}, SAMPLE)
    assert due.returncode == 0, due.stderr[-3000:]
    assert lists(sandbox, seq, "/api/v2/organizations") == 1
    assert "gone from Pipedrive" in due.stderr and "full listing" in due.stderr
    new_org = by_name(sandbox, "organizations")["Analytical Engines Ltd"]
    new_grace = person_of(sandbox, "grace@cobol.example")
    new_deal = by_name(sandbox, "deals", "title")["Compiler support"]
    assert (new_org["id"], new_grace["id"], new_deal["id"]) != (org["id"], grace["id"], deal["id"])
    assert person_of(sandbox, "ada@analytical.example")["org_id"] == new_org["id"]
    assert new_deal["person_id"] == new_grace["id"]
    difference = by_name(sandbox, "deals", "title")["Difference Engine upgrade"]
    assert difference["org_id"] in (None, new_org["id"])
    # Repaired for good: the next due run lists again and writes nothing.
    again = run_target(tmp_path, config | {"index_full_refresh_days": 0}, SAMPLE)
    assert again.returncode == 0 and again.summary()["written"] == 0, again.stderr[-3000:]


def test_an_archived_deal_is_not_gone_and_a_merged_person_is_found_again(tmp_path, sandbox, api):
    config = sample_config(sandbox, tmp_path, index_full_refresh_days=0)
    assert run_target(tmp_path, config, SAMPLE).returncode == 0
    deal = by_name(sandbox, "deals", "title")["Difference Engine upgrade"]
    api.call("PATCH", f"/api/v2/deals/{deal['id']}", json={"is_archived": True})
    alan, grace = person_of(sandbox, "alan@bletchley.example"), person_of(sandbox, "grace@cobol.example")
    # Alan merged into Grace: she keeps his email, his id is gone.
    emails = [*grace["emails"], {"value": "alan@bletchley.example", "primary": False, "label": "work"}]
    api.call("PATCH", f"/api/v2/persons/{grace['id']}", json={"emails": emails})
    api.call("DELETE", f"/api/v2/persons/{alan['id']}")
    run = run_target(tmp_path, config, SAMPLE)
    assert run.returncode == 0, run.stderr[-3000:]
    titles = [d["title"] for d in sandbox.entities("deals") if not d.get("is_deleted")]
    assert titles.count("Difference Engine upgrade") == 1  # the archived one, not a second
    assert person_of(sandbox, "alan@bletchley.example")["id"] == grace["id"]  # no new Alan
