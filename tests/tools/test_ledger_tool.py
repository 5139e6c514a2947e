"""`target-pipedrive-tools ledger` (show, verify, prune, export), run as a user runs it, on a ledger
that a real target run made against the sandbox: the sample of Segment events (persons, organizations,
deals, an activity, a note, a lead)."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from ..ledger.conftest import fresh_database, postgres_server
from ..target.cli import run_target
from .run_tools import run_tools

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = (ROOT / "samples" / "segment_events.jsonl").read_text()
KINDS = {"id", "write", "marker"}


def sample_config(sandbox: Any, tmp_path: Path, **ledger: str) -> dict[str, Any]:
    config = json.loads((ROOT / "sample_config.json").read_text())
    config |= {"api_url": sandbox.url, "api_token": sandbox.token}
    config |= {"reject_file": str(tmp_path / "rejects.jsonl")}
    return config | (ledger or {"ledger_path": str(tmp_path / "ledger.sqlite")})


@pytest.fixture
def synced(sandbox: Any, tmp_path: Path) -> dict[str, Any]:
    """The config of a real run of the sample, whose ledger the tests look at."""
    config = sample_config(sandbox, tmp_path)
    run = run_target(tmp_path, config, SAMPLE)
    assert run.returncode == 0, run.stderr[-3000:]
    return config


def writes(sandbox: Any, seen: int) -> list[tuple[str, str]]:
    return [(e["method"], e["path"]) for e in sandbox.log()[seen:] if e["method"] != "GET"]


def rows(path: str) -> list[tuple[str, str, str, str]]:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT account, scope, key, entity_id FROM entries ORDER BY 1, 2, 3").fetchall()


def test_show_counts_rows_per_account_and_kind(tmp_path, sandbox, synced):
    done = run_tools(tmp_path, "ledger", "show", "--json", config=synced)
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["ledger"] == synced["ledger_path"]
    [account] = shown["accounts"]
    assert account["account"] == sandbox.url
    assert set(account["kinds"]) >= KINDS
    assert account["rows"] == sum(account["kinds"].values()) == len(rows(synced["ledger_path"]))
    assert account["kinds"]["marker"] == 3  # the activity, the note and the lead
    assert time.time() - 120 < account["oldest"] <= account["newest"] <= time.time()
    text = run_tools(tmp_path, "ledger", "show", config=synced)
    assert text.returncode == 0, text.stderr
    assert f"{sandbox.url}: {account['rows']} rows (" in text.stdout
    assert "oldest" in text.stdout and "newest" in text.stdout
    assert sandbox.token not in text.stdout + text.stderr + done.stdout + done.stderr


def test_show_names_a_postgres_ledger_without_its_password(tmp_path, sandbox):
    url = fresh_database(postgres_server())
    config = sample_config(sandbox, tmp_path, ledger_url=url)
    assert run_target(tmp_path, config, SAMPLE).returncode == 0
    done = run_tools(tmp_path, "ledger", "show", config=config)
    assert done.returncode == 0, done.stderr
    assert "ledger-test" not in done.stdout + done.stderr  # the test server's password
    assert "***" in done.stdout
    assert f"{sandbox.url}: " in done.stdout and "marker 3" in done.stdout
    exported = run_tools(tmp_path, "ledger", "export", config=config)
    assert exported.returncode == 0, exported.stderr
    assert len(exported.stdout.splitlines()) > 10
    assert "ledger-test" not in exported.stdout + exported.stderr


def test_verify_counts_gone_and_archived_ids_and_sends_no_write(tmp_path, sandbox, synced, api):
    [person, *_] = api.call("GET", "/api/v2/persons", params={"limit": 500})
    api.call("DELETE", f"/api/v2/persons/{person['id']}")
    [deal, *_] = api.call("GET", "/api/v2/deals", params={"limit": 500})
    api.call("PATCH", f"/api/v2/deals/{deal['id']}", json={"is_archived": True})
    seen = len(sandbox.log())
    done = run_tools(tmp_path, "ledger", "verify", "--all", "--json", config=synced)
    assert done.returncode == 1, done.stderr  # ids gone: a documented code, not "done"
    assert writes(sandbox, seen) == []  # read-only
    report = json.loads(done.stdout)
    assert report["account"] == sandbox.url
    assert report["checked"] == report["held"] == 10  # 3 persons, 2 organizations, 2 deals, 3 markers
    assert (report["gone"], report["archived"], report["there"]) == (1, 1, 8)
    assert report["ids"]["gone"] == [f"person {person['id']}"]
    assert report["ids"]["archived"] == [f"deal {deal['id']}"]
    sample = run_tools(tmp_path, "ledger", "verify", "--sample", "3", config=synced)
    assert sample.returncode in (0, 1), sample.stderr  # 1 when the sample holds the gone person
    assert sample.stdout.startswith(f"Verified 3 of the 10 ids that {synced['ledger_path']} holds for ")
    assert sandbox.token not in done.stdout + done.stderr + sample.stdout + sample.stderr


def test_verify_fails_on_gone_ids_says_how_to_repair_and_a_due_listing_does(tmp_path, sandbox, synced, api):
    orgs = api.call("GET", "/api/v2/organizations", params={"limit": 500})
    api.call("DELETE", f"/api/v2/organizations/{orgs[0]['id']}")
    found = run_tools(tmp_path, "ledger", "verify", "--all", config=synced)
    assert found.returncode == 1, found.stderr
    assert f"organization {orgs[0]['id']}: gone" in found.stdout
    assert "index_full_refresh_days" in found.stderr and "full_refresh: true" in found.stderr
    # A run whose full listing is due (0: every run) forgets the gone id and recreates the organization.
    run = run_target(tmp_path, synced | {"index_full_refresh_days": 0}, SAMPLE)
    assert run.returncode == 0, run.stderr[-3000:]
    names = sorted(o["name"] for o in api.call("GET", "/api/v2/organizations", params={"limit": 500}))
    assert names == sorted(o["name"] for o in orgs)
    again = run_tools(tmp_path, "ledger", "verify", "--all", config=synced)
    assert again.returncode == 0, again.stdout + again.stderr
    assert " 0 gone " in again.stdout


def test_prune_goes_by_age_only_markers_of_deleted_entities_included(tmp_path, sandbox, synced, api):
    ledger = synced["ledger_path"]
    with sqlite3.connect(ledger) as db:
        # The persons' rows and one marker were written 40 days ago; the rest is fresh.
        old = time.time() - 40 * 86_400
        db.execute("UPDATE entries SET updated_at = ? WHERE entity = 'person'", (old,))
        [(marker, _note)] = db.execute(
            "SELECT key, entity_id FROM entries WHERE scope LIKE 'marker:%' AND entity = 'note'"
        ).fetchall()
        db.execute("UPDATE entries SET updated_at = ? WHERE key = ?", (old, marker))
        old_rows = db.execute("SELECT count(*) FROM entries WHERE updated_at = ?", (old,)).fetchone()[0]
    # The activity was deleted in Pipedrive, its marker is recent: prune keeps it.
    [activity] = api.call("GET", "/api/v2/activities", params={"limit": 500})
    api.call("DELETE", f"/api/v2/activities/{activity['id']}")
    before = rows(ledger)
    done = run_tools(tmp_path, "ledger", "prune", "--older-than", "30", config=synced)
    assert done.returncode == 0, done.stderr
    assert f"Pruned {old_rows} rows last written more than 30 days ago from {ledger}" in done.stdout
    after = rows(ledger)
    assert len(after) == len(before) - old_rows
    assert not any(key == marker for _, _, key, _ in after)
    assert any(scope.startswith("marker:") and eid == str(activity["id"]) for _, scope, _, eid in after)
    other = run_tools(
        tmp_path, "ledger", "prune", "--older-than", "30", "--account", "https://x", config=synced
    )
    assert other.returncode == 0, other.stderr
    assert rows(ledger) == after


def test_prune_waits_for_the_accounts_writer_lock(tmp_path, sandbox, synced):
    from target_pipedrive.account.ledger import Ledger

    holder = Ledger(synced["ledger_path"], sandbox.url)
    holder.lock_writer(0)
    try:
        config = synced | {"ledger_lock_wait": 1}
        done = run_tools(tmp_path, "ledger", "prune", "--older-than", "0", config=config)
    finally:
        holder.close()
    assert done.returncode == 2
    assert "another run writes to this Pipedrive account" in done.stderr
    assert "Traceback" not in done.stderr


def test_export_writes_every_row_as_json_lines(tmp_path, sandbox, synced):
    out = tmp_path / "ledger.jsonl"
    done = run_tools(tmp_path, "ledger", "export", "--output", str(out), config=synced)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["account"], r["scope"], r["key"], r["entity_id"]) for r in lines] == rows(
        synced["ledger_path"]
    )
    assert {r["kind"] for r in lines} >= KINDS
    assert all(r["updated_at"] > 0 for r in lines)
    assert f"Exported {len(lines)} rows" in done.stderr
    none = run_tools(tmp_path, "ledger", "export", "--account", "https://other.example", config=synced)
    assert (none.returncode, none.stdout) == (0, "")


def test_a_missing_ledger_is_named_and_not_made(tmp_path, sandbox):
    config = sample_config(sandbox, tmp_path)
    for command in ("show", "export"):
        done = run_tools(tmp_path, "ledger", command, config=config)
        assert done.returncode == 2
        assert f"there is no sync ledger at {config['ledger_path']!r}" in done.stderr
    assert not Path(config["ledger_path"]).exists()
