"""Whole runs on a shared ledger (SQLite and PostgreSQL), on a lost one, and on none.

- 3 target processes at once on one account (2 s search lag): one writer at a time, 0 duplicates;
- the same input from 3 fresh working folders sharing one PostgreSQL ledger: the 2nd and 3rd create nothing;
- the same input twice with no ledger at all: no activity, note or lead twice (matched by content);
- a run that finds the account's writer lock held waits, then stops cleanly naming the holder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from target_pipedrive.account.ledger import Ledger

from ..stops.clean_stop import assert_clean_stop
from ..target.cli import Run, run_target

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = (ROOT / "samples" / "segment_events.jsonl").read_text()
EXPECTED = {"persons": 3, "organizations": 2, "deals": 2, "activities": 1, "leads": 1, "notes": 1}


def sample_config(sandbox: Any, folder: Path, **more: Any) -> dict[str, Any]:
    config = json.loads((ROOT / "sample_config.json").read_text())
    config |= {"api_url": sandbox.url, "api_token": sandbox.token}
    config |= {"reject_file": str(folder / "rejects.jsonl"), "ledger_path": str(folder / "ledger.sqlite")}
    return config | more


def counts(sandbox: Any) -> dict[str, int]:
    return {kind: len(items) for kind, items in sandbox.state().items()}


def start(folder: Path, config: dict[str, Any], text: str) -> subprocess.Popen[str]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "input.jsonl").write_text(text)
    return subprocess.Popen(
        [sys.executable, "-m", "target_pipedrive", "--config", "config.json", "--input", "input.jsonl"],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str]) -> Run:
    stdout, stderr = process.communicate(timeout=240)
    return Run(process.returncode, stdout, stderr, [])


def three_at_once(tmp_path: Path, sandbox: Any, ledger: dict[str, Any]) -> list[Run]:
    sandbox.configure(search_delay=2)
    processes = [
        start(tmp_path / f"worker{n}", sample_config(sandbox, tmp_path / f"worker{n}") | ledger, SAMPLE)
        for n in range(3)
    ]
    return [finish(process) for process in processes]


def test_three_runs_at_once_sharing_a_sqlite_ledger_duplicate_nothing(tmp_path, sandbox):
    runs = three_at_once(tmp_path, sandbox, {"ledger_path": str(tmp_path / "shared.sqlite")})
    for run in runs:
        assert run.returncode == 0, run.stderr[-3000:]
    assert counts(sandbox) == EXPECTED
    created = [sum(m["created"] for m in run.summary()["mappings"].values()) for run in runs]
    assert sorted(created) == [0, 0, sum(EXPECTED.values())]


def test_three_runs_at_once_sharing_a_postgres_ledger_duplicate_nothing(tmp_path, sandbox, pg_url):
    runs = three_at_once(tmp_path, sandbox, {"ledger_url": pg_url})
    for run in runs:
        assert run.returncode == 0, run.stderr[-3000:]
        assert "ledger-test" not in run.stderr  # ledger_url is never logged
    assert counts(sandbox) == EXPECTED


def test_fresh_working_folders_sharing_a_postgres_ledger_create_nothing_again(tmp_path, sandbox, pg_url):
    created = []
    for n in range(3):
        folder = tmp_path / f"fresh{n}"  # a worker with a new, empty disk each time
        folder.mkdir()
        run = run_target(folder, sample_config(sandbox, folder, ledger_url=pg_url), SAMPLE)
        assert run.returncode == 0, run.stderr[-3000:]
        created.append(sum(m["created"] for m in run.summary()["mappings"].values()))
        assert counts(sandbox) == EXPECTED
    assert created[1:] == [0, 0]


def test_no_ledger_twice_creates_no_activity_note_or_lead_twice(tmp_path, sandbox):
    first_checks = None
    for n in range(2):
        folder = tmp_path / f"run{n}"
        folder.mkdir()
        run = run_target(folder, sample_config(sandbox, folder, ledger_path=""), SAMPLE)
        assert run.returncode == 0, run.stderr[-3000:]
        assert counts(sandbox) == EXPECTED
        if first_checks is None:
            # On an empty account each activity, note and lead links an entity the run has just created:
            # no earlier run's can carry that link, so there is nothing to look for.
            first_checks = sum(m["content_checks"] for m in run.summary()["mappings"].values())
    assert first_checks == 0
    assert "matched by their content" in run.stderr
    mappings = run.summary()["mappings"]
    checks = sum(m["content_checks"] for m in mappings.values())
    tokens = sum(m["content_check_tokens"] for m in mappings.values())
    assert checks == 3  # one list per activity, note and lead event
    print(f"content fallback: {checks} lists, {tokens} tokens for 3 events")


def rerun_after_losing_the_ledger(tmp_path: Path, sandbox: Any, text: str) -> Run:
    """`text` synced, its ledger file deleted, then `text` again: the second run, which created nothing."""
    config = sample_config(sandbox, tmp_path)
    assert run_target(tmp_path, config, text).returncode == 0
    (tmp_path / "ledger.sqlite").unlink()
    run = run_target(tmp_path, config, text)
    assert run.returncode == 0, run.stderr[-3000:]
    assert counts(sandbox) == EXPECTED
    return run


def test_a_lost_ledger_file_matches_by_content(tmp_path, sandbox):
    run = rerun_after_losing_the_ledger(tmp_path, sandbox, SAMPLE)
    assert "does not know this account yet" in run.stderr


def test_a_run_waits_for_the_writer_lock_then_stops_naming_the_holder(tmp_path, sandbox):
    config = sample_config(sandbox, tmp_path, ledger_lock_wait=1)
    holder = Ledger(tmp_path / "ledger.sqlite", sandbox.url)
    holder.lock_writer(0)
    try:
        run = run_target(tmp_path, config, SAMPLE)
    finally:
        holder.close()
    assert_clean_stop(run, "another run writes to this Pipedrive account", f"pid {os.getpid()}")
    assert counts(sandbox) == dict.fromkeys(EXPECTED, 0) or not any(counts(sandbox).values())


def test_a_corrupt_ledger_stops_before_any_write(tmp_path, sandbox):
    (tmp_path / "ledger.sqlite").write_bytes(b"garbage" * 1000)
    run = run_target(tmp_path, sample_config(sandbox, tmp_path), SAMPLE)
    assert_clean_stop(run, str(tmp_path / "ledger.sqlite"), "move the file away")
    assert not any(counts(sandbox).values())


def test_a_lock_file_that_is_no_file_is_named_and_the_ledger_kept(tmp_path, sandbox):
    # Adversary round 3: the advice was to move the (sound) ledger away, and its idempotency with it.
    first = run_target(tmp_path, sample_config(sandbox, tmp_path), SAMPLE)
    assert first.returncode == 0, first.stderr[-2000:]
    lock = tmp_path / "ledger.sqlite.migrate.lock"
    lock.unlink(missing_ok=True)
    lock.mkdir()
    run = run_target(tmp_path, sample_config(sandbox, tmp_path), SAMPLE)
    assert_clean_stop(run, f"the lock file {str(lock)!r}", "keep the ledger")
    assert "move the file away" not in run.stderr


def test_a_wrong_password_stops_without_showing_it(tmp_path, sandbox, pg_url):
    url = pg_url.replace(":ledger-test@", ":wrong-secret@")
    run = run_target(tmp_path, sample_config(sandbox, tmp_path, ledger_url=url), SAMPLE)
    assert_clean_stop(run, "check the user and password in ledger_url")
    assert "wrong-secret" not in run.stderr
    assert not any(counts(sandbox).values())


def test_events_dated_in_the_future_are_still_matched_by_content_after_a_lost_ledger(tmp_path, sandbox):
    """A source's clock years ahead: the content match asks for what changed since the event's moment,
    which is never later than now (the entity was created by then)."""
    future = "2030-01-01T00:00:00Z"
    lines = []
    for line in SAMPLE.splitlines():
        message = json.loads(line) if line.strip() else None
        if message and message.get("type") == "RECORD":
            record = message["record"]
            for key in ("timestamp", "sentAt", "receivedAt", "originalTimestamp"):
                record[key] = future
        lines.append(json.dumps(message) if message else line)
    rerun_after_losing_the_ledger(tmp_path, sandbox, "\n".join(lines) + "\n")


def test_what_the_content_match_finds_after_a_lost_ledger_is_counted_unchanged(tmp_path, sandbox):
    """Adversary round 2, finding 8: no POST was sent, so the report must not say "created"; the dry
    run's summary and plan say the same."""
    config = sample_config(sandbox, tmp_path)
    assert run_target(tmp_path, config, SAMPLE).returncode == 0
    (tmp_path / "ledger.sqlite").unlink()
    dry = run_target(tmp_path, config | {"dry_run": True}, SAMPLE)
    assert dry.returncode == 0, dry.stderr[-3000:]
    plan = [json.loads(line) for line in (tmp_path / "dry-run.jsonl").read_text().splitlines()]
    run = rerun_after_losing_the_ledger_again(tmp_path, config)
    for done in (dry, run):
        mappings = done.summary()["mappings"]
        for name in ("Activities", "Leads", "Notes"):
            assert (mappings[name]["created"], mappings[name]["unchanged"]) == (0, 1), (name, mappings[name])
    assert not [p for p in plan if p.get("method") == "POST"], plan
    assert counts(sandbox) == EXPECTED


def rerun_after_losing_the_ledger_again(tmp_path: Path, config: dict[str, Any]) -> Run:
    (tmp_path / "ledger.sqlite").unlink(missing_ok=True)
    run = run_target(tmp_path, config, SAMPLE)
    assert run.returncode == 0, run.stderr[-3000:]
    return run
