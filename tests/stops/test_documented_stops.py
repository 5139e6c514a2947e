"""Every documented stop is a clean stop: one message saying what to do, exit 1, no traceback, the last
safe state out, the summary logged (and written to report_file), no record attempted after it.

Account-level refusals (402 account not open, a JSON 403 of feature capping, 401) stop the run at the
first one instead of rejecting every record."""

from __future__ import annotations

import json
import resource
import signal
import subprocess
import sys
from typing import Any

import pytest

from ..target.cli import SCHEMA, STREAM, Run, messages, run_target
from ..target.test_person import identify, person_mapping
from .clean_stop import assert_clean_stop, read_report

PEOPLE = person_mapping()


def people_with_states(count: int) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = [SCHEMA]
    for n in range(1, count + 1):
        lines.append({"type": "RECORD", "stream": STREAM, "record": identify(f"u{n}", f"p{n}@x.io", f"P{n}")})
        lines.append({"type": "STATE", "value": {"bookmarks": {STREAM: {"offset": n}}}})
    return lines


def writes(sandbox: Any) -> list[dict[str, Any]]:
    return [e for e in sandbox.log() if e["method"] != "GET"]


@pytest.mark.parametrize("max_in_flight", [1, 4])
@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ({"status": 402}, "the company account is not open"),
        (
            {"status": 403, "code": "feature_capping_persons_limit"},
            "the account has reached a limit of its plan",
        ),
        ({"status": 401}, "Pipedrive refused the API token (HTTP 401)"),
    ],
)
def test_an_account_refusal_stops_at_the_first_write(
    tmp_path, sandbox, base_config, fault, message, max_in_flight
):
    # The first two records are written; from the third on, Pipedrive refuses every write of the account.
    sandbox.configure(faults=[{"method": "POST", "path": "/api/v2/persons", "skip": 2, "count": -1, **fault}])
    report = tmp_path / "report.json"
    config = base_config | {"mappings": [PEOPLE], "max_in_flight": max_in_flight, "report_file": str(report)}
    run = run_target(tmp_path, config, people_with_states(10))
    assert_clean_stop(run, message, "No further requests were sent", "The run stopped at line", summary=True)
    # One refused write, not one per record; no record after it attempted; nothing rejected.
    refused = [e for e in writes(sandbox) if e["status"] == fault["status"]]
    assert len(refused) == 1, writes(sandbox)
    assert run.rejects == []
    assert [p["name"] for p in sandbox.entities("persons")] == ["P1", "P2"]
    # The last state out is the one after the last record written.
    assert run.states[-1] == {"bookmarks": {STREAM: {"offset": 2}}}
    summary = read_report(report)
    assert (summary["written"], summary["rejected"]) == (2, 0)
    assert summary == run.summary()


def test_max_rejects_reached_is_a_clean_stop(tmp_path, sandbox, base_config):
    lines = [SCHEMA] + [
        {
            "type": "RECORD",
            "stream": STREAM,
            "record": {"type": "identify", "traits": {"name": f"No email {n}"}},
        }
        for n in range(5)
    ]
    run = run_target(
        tmp_path, base_config | {"mappings": [PEOPLE], "max_rejects": 2, "max_in_flight": 1}, lines
    )
    assert_clean_stop(run, "3 records rejected, more than max_rejects = 2: the run stops", summary=True)
    assert len(run.rejects) == 3  # no record after the cap was attempted


def test_max_rejects_zero_stops_at_the_first_reject(tmp_path, sandbox, base_config):
    lines = messages({"type": "identify", "traits": {"name": "No email"}}, identify("u2", "b@x.io", "B"))
    run = run_target(
        tmp_path, base_config | {"mappings": [PEOPLE], "max_rejects": 0, "max_in_flight": 1}, lines
    )
    assert_clean_stop(run, "1 records rejected, more than max_rejects = 0", summary=True)
    assert sandbox.entities("persons") == []


def test_a_batch_message_is_refused_at_once(tmp_path, sandbox, base_config):
    batch_file = tmp_path / "batch.jsonl"
    batch_file.write_text(json.dumps(identify("u1", "a@x.io", "A")) + "\n")
    batch = {
        "type": "BATCH",
        "stream": STREAM,
        "encoding": {"format": "jsonl", "compression": "none"},
        "manifest": [batch_file.as_uri()],
    }
    lines = [*people_with_states(1), batch]
    run = run_target(tmp_path, base_config | {"mappings": [PEOPLE]}, lines)
    assert_clean_stop(
        run,
        "line 4: BATCH message of stream 'segment_events': this target does not read batch files",
        summary=True,
    )
    assert run.states == [{"bookmarks": {STREAM: {"offset": 1}}}]
    assert [p["name"] for p in sandbox.entities("persons")] == ["P1"]


def test_activate_version_is_ignored_in_one_line_per_stream(tmp_path, sandbox, base_config):
    # A full-table sync's version switch: nothing is deleted, and the SDK's two warnings per mapping
    # about metadata columns (12 lines with six mappings) are not said (adversary round 3).
    activate = {"type": "ACTIVATE_VERSION", "stream": STREAM, "version": 1}
    lines = [*people_with_states(1), activate, activate]
    run = run_target(tmp_path, base_config | {"mappings": [PEOPLE, PEOPLE | {"name": "Again"}]}, lines)
    assert run.returncode == 0, run.stderr[-2000:]
    said = [line for line in run.stderr.splitlines() if "ACTIVATE_VERSION" in line]
    assert len(said) == 1 and "ignored" in said[0], said
    assert "_sdc_deleted_at" not in run.stderr
    assert [p["name"] for p in sandbox.entities("persons")] == ["P1"]


def run_with_small_files(tmp_path: Any, config: dict[str, Any], text: str, limit: int) -> Run:
    """The CLI with no file allowed past `limit` bytes (RLIMIT_FSIZE): a disk that fills up mid-run."""
    (tmp_path / "config.json").write_text(json.dumps(config))

    def small_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    done = subprocess.run(
        [sys.executable, "-m", "target_pipedrive", "--config", str(tmp_path / "config.json")],
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        preexec_fn=small_files,
    )
    return Run(done.returncode, done.stdout, done.stderr, [])


def test_a_ledger_on_a_disk_that_fills_up(tmp_path, sandbox, base_config):
    config = base_config | {"mappings": [PEOPLE], "ledger_path": str(tmp_path / "ledger.sqlite")}
    text = "".join(json.dumps(m) + "\n" for m in people_with_states(200))
    run = run_with_small_files(tmp_path, config, text, 48 * 1024)
    assert_clean_stop(run, "ledger", str(tmp_path / "ledger.sqlite"))
    assert run.returncode == 1


def test_a_reject_file_that_fills_up_stops_the_run_cleanly(tmp_path, sandbox, base_config):
    # The disk fills up while the run goes: a file may not grow past 1 kB (RLIMIT_FSIZE).
    config = base_config | {
        "mappings": [PEOPLE],
        "ledger_path": "",
        "max_in_flight": 1,
        "reject_file": str(tmp_path / "rejects.jsonl"),
    }
    (tmp_path / "config.json").write_text(json.dumps(config))
    records = [{"type": "identify", "traits": {"name": "No email " + "x" * 300}} for _ in range(10)]
    text = "".join(json.dumps(m) + "\n" for m in messages(*records))

    def small_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))

    done = subprocess.run(
        [sys.executable, "-m", "target_pipedrive", "--config", str(tmp_path / "config.json")],
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        preexec_fn=small_files,
    )
    from ..target.cli import Run

    run = Run(done.returncode, done.stdout, done.stderr, [])
    assert_clean_stop(run, "reject_file", "cannot be written (File too large)", summary=True)


def test_a_report_file_that_cannot_be_written_at_the_end(tmp_path, sandbox, base_config):
    report = tmp_path / "report.json"
    config = base_config | {"mappings": [PEOPLE], "ledger_path": "", "report_file": str(report)}
    (tmp_path / "config.json").write_text(json.dumps(config))
    report.write_text("")  # exists: the start-up check passes; then the disk is full
    text = "".join(json.dumps(m) + "\n" for m in people_with_states(1))

    def small_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (100, 100))

    done = subprocess.run(
        [sys.executable, "-m", "target_pipedrive", "--config", str(tmp_path / "config.json")],
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        preexec_fn=small_files,
    )
    from ..target.cli import Run

    run = Run(done.returncode, done.stdout, done.stderr, [])
    assert_clean_stop(run, "report_file", "cannot be written (File too large)", summary=True)
    assert [p["name"] for p in sandbox.entities("persons")] == ["P1"]
    assert run.states == [{"bookmarks": {STREAM: {"offset": 1}}}]


def test_a_wrong_token_at_start_up(tmp_path, sandbox):
    # person_field makes the start-up check read the account's fields: the 401 comes before any input.
    config = {
        "api_url": sandbox.url,
        "api_token": "not-the-token",
        "mappings": [PEOPLE],
        "person_field": "External ID",
    }
    run = run_target(tmp_path, config, people_with_states(2))
    assert_clean_stop(
        run,
        "At start-up: ",
        "Pipedrive refused the API token (HTTP 401)",
        "The run stopped before reading any input; nothing was written.",
    )
    assert "not-the-token" not in run.stderr
    assert run.stdout == ""
