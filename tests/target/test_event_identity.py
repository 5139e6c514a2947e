"""Event identity of activities, notes and leads: the stream plus the messageId (or the event's hash
and its occurrence in the run), so that streams never overwrite each other's entities."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from .cli import SCHEMA, messages, run_target
from .test_associations import SEED, track
from .test_unknown_outcome import MAPPINGS


def lines(*batches: tuple[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    out = messages(*SEED)
    for stream, records in batches:
        out += [SCHEMA | {"stream": stream}]
        out += [{"type": "RECORD", "stream": stream, "record": record} for record in records]
    return out


def call(message_id: str, subject: str) -> dict[str, Any]:
    return track("Call Logged", subject=subject, email="ann@acme.example") | {"messageId": message_id}


US = ("calls_us", [call("1", "US call one"), call("2", "US call two")])
EU = ("calls_eu", [call("1", "EU call one"), call("2", "EU call two")])
NOTE = track("Note Added", content="Same words", email="ann@acme.example")


def to_legacy_keys(ledger: Path) -> int:
    """Rewrite the ledger's markers as the previous version keyed them: messageId or hash, no stream."""
    with sqlite3.connect(ledger) as db:
        rows = db.execute("SELECT rowid, key FROM entries WHERE scope LIKE 'marker:%'").fetchall()
        for rowid, key in rows:
            db.execute("UPDATE entries SET key = ? WHERE rowid = ?", (json.loads(key)[1], rowid))
    return len(rows)


def subjects(sandbox: Any) -> list[str]:
    return sorted(a["subject"] for a in sandbox.entities("activities"))


def test_two_streams_reusing_message_ids_keep_their_own_activities(tmp_path, sandbox, base_config):
    config = base_config | {"mappings": MAPPINGS}
    run = run_target(tmp_path, config, lines(US, EU))
    assert run.returncode == 0, run.stderr
    expected = ["EU call one", "EU call two", "US call one", "US call two"]
    assert subjects(sandbox) == expected
    rerun = run_target(tmp_path, config, lines(US, EU))
    assert rerun.returncode == 0, rerun.stderr
    assert subjects(sandbox) == expected
    assert rerun.summary()["unchanged"] == 6


def test_identical_rows_without_message_id_stay_two_and_a_rerun_keeps_two(tmp_path, sandbox, base_config):
    config = base_config | {"mappings": MAPPINGS}
    run = run_target(tmp_path, config, lines(("segment_events", [NOTE, NOTE])))
    assert run.returncode == 0, run.stderr
    assert [n["content"] for n in sandbox.entities("notes")] == ["Same words", "Same words"]
    rerun = run_target(tmp_path, config, lines(("segment_events", [NOTE, NOTE])))
    assert rerun.returncode == 0, rerun.stderr
    assert len(sandbox.entities("notes")) == 2
    assert rerun.summary()["unchanged"] == 4
    assert "was written by an earlier run, so it is taken as that event" not in run.stderr
    # Right for this replay, wrong for a run resumed between the two: the run says which it assumed.
    warnings = [line for line in rerun.stderr.splitlines() if "taken as that event" in line]
    assert len(warnings) == 1, warnings
    assert "the 1st such in this run" in warnings[0] and "give each event a messageId" in warnings[0]


def test_events_with_a_message_id_are_never_taken_for_identical_ones(tmp_path, sandbox, base_config):
    config = base_config | {"mappings": MAPPINGS}
    assert run_target(tmp_path, config, lines(US)).returncode == 0
    rerun = run_target(tmp_path, config, lines(US))
    assert rerun.returncode == 0 and rerun.summary()["unchanged"] == 4
    assert "taken as that event" not in rerun.stderr


def test_identical_rows_in_parallel_stay_two(tmp_path, sandbox, base_config):
    config = base_config | {"mappings": MAPPINGS, "max_in_flight": 4}
    rows = [NOTE, NOTE, NOTE]
    assert run_target(tmp_path, config, lines(("segment_events", rows))).returncode == 0
    assert run_target(tmp_path, config, lines(("segment_events", rows))).returncode == 0
    assert len(sandbox.entities("notes")) == 3


def test_a_ledger_of_the_previous_version_makes_no_duplicate(tmp_path, sandbox, base_config):
    config = base_config | {"mappings": MAPPINGS}
    first = run_target(tmp_path, config, lines(US, ("segment_events", [NOTE])))
    assert first.returncode == 0, first.stderr
    assert to_legacy_keys(tmp_path / "ledger.sqlite") == 3
    # The same input: each event takes its old row over; nothing is created again.
    rerun = run_target(tmp_path, config, lines(US, ("segment_events", [NOTE])))
    assert rerun.returncode == 0, rerun.stderr
    assert rerun.summary()["unchanged"] == 5
    assert subjects(sandbox) == ["US call one", "US call two"]
    assert len(sandbox.entities("notes")) == 1


def test_a_previous_versions_shared_row_goes_to_one_stream_and_the_other_gets_its_own(
    tmp_path, sandbox, base_config
):
    # The previous version kept one row per messageId (and per hash): US's calls and one note.
    config = base_config | {"mappings": MAPPINGS}
    assert run_target(tmp_path, config, lines(US, ("segment_events", [NOTE]))).returncode == 0
    to_legacy_keys(tmp_path / "ledger.sqlite")
    for _ in range(2):
        run = run_target(tmp_path, config, lines(US, EU, ("segment_events", [NOTE, NOTE])))
        assert run.returncode == 0, run.stderr
        assert subjects(sandbox) == ["EU call one", "EU call two", "US call one", "US call two"]
        assert len(sandbox.entities("notes")) == 2


def test_an_intent_the_previous_version_left_is_still_checked_before_the_create(
    tmp_path, sandbox, base_config
):
    # The note's create lands but its answer is lost; checking for it, the client is blocked: the run
    # stops and leaves its intent. Rewritten as the previous version wrote it (old key, our clock).
    sandbox.configure(
        faults=[
            {"path": "/api/v1/notes", "method": "POST", "drop": "after"},
            # The first GET is the check after the lost answer: the note's person is created by this
            # run, so the lost ledger's content match before the create has nothing to look for.
            {"path": "/api/v1/notes", "method": "GET", "html": True},
        ]
    )
    config = base_config | {"mappings": MAPPINGS, "max_in_flight": 1}
    first = run_target(tmp_path, config, lines(("segment_events", [NOTE])))
    assert first.returncode != 0
    with sqlite3.connect(tmp_path / "ledger.sqlite") as db:
        [(key, stamp)] = db.execute("SELECT key, entity_id FROM entries WHERE scope = 'intent'").fetchall()
        prefix = "marker:notes:"
        assert key.startswith(prefix) and stamp.startswith("server:")
        legacy = prefix + json.loads(key[len(prefix) :])[1]
        db.execute(
            "UPDATE entries SET key = ?, entity_id = ? WHERE scope = 'intent'",
            (legacy, stamp[len("server:") :]),
        )
    rerun = run_target(tmp_path, config, lines(("segment_events", [NOTE])))
    assert rerun.returncode == 0, rerun.stderr
    assert "was created by an earlier run" in rerun.stderr
    assert len(sandbox.entities("notes")) == 1
