"""The JSON report file (report_file) and the progress lines (progress_interval) of a CLI run."""

from __future__ import annotations

import json
import re
import signal

from ..stops.test_signals import stop_while
from .cli import messages, run_target
from .test_person import person_mapping

PEOPLE = person_mapping() | {"name": "People"}
PROGRESS = re.compile(
    r"Progress: (?P<records_in>\d+) records in, (?P<written>\d+) written, \d+ unchanged, \d+ skipped, "
    r"(?P<filtered>\d+) filtered, \d+ rejected, \d+ API calls, \d+ tokens, [\d.]+ records/s"
)


def _people(count: int) -> list[dict]:
    return [
        {"type": "identify", "traits": {"email": f"p{n}@x.example", "name": f"Person {n}"}}
        for n in range(count)
    ]


def test_report_file_holds_the_run_summary(tmp_path, base_config):
    report = tmp_path / "reports" / "nightly" / "run.json"  # parent folders are created
    records = [*_people(3), {"type": "track", "event": "Ignored"}]
    run = run_target(
        tmp_path, base_config | {"mappings": [PEOPLE], "report_file": str(report)}, messages(*records)
    )
    assert run.returncode == 0, run.stderr

    written = json.loads(report.read_text())
    assert written == run.summary()
    assert written["status"] == "finished" and written["started_at"] <= written["ended_at"]
    assert (written["records_in"], written["written"], written["filtered"]) == (4, 3, 1)
    assert written["mappings"]["People"]["created"] == 3
    assert written["api"]["calls"] > 0
    assert base_config["api_token"] not in report.read_text()


def test_progress_lines_while_the_run_goes(tmp_path, sandbox_factory):
    # Progress is logged at most once per progress_interval seconds: slow the sandbox down so that the
    # writes last well over a second even when several records are written at the same time.
    slow = sandbox_factory(latency=0.3)
    config = {"api_url": slow.url, "api_token": slow.token, "mappings": [PEOPLE], "progress_interval": 1}
    count = 20
    run = run_target(tmp_path, config, messages(*_people(count)))
    assert run.returncode == 0, run.stderr

    progress = [match.groupdict() for match in PROGRESS.finditer(run.stderr)]
    assert progress, run.stderr
    seen = [int(line["records_in"]) for line in progress]
    assert seen == sorted(seen)
    assert seen[0] > 0 and seen[-1] <= count
    assert all(int(line["written"]) <= int(line["records_in"]) for line in progress)


def test_no_progress_line_before_the_interval(tmp_path, base_config):
    run = run_target(
        tmp_path, base_config | {"mappings": [PEOPLE], "progress_interval": 3600}, messages(*_people(3))
    )
    assert run.returncode == 0, run.stderr
    assert "Progress: " not in run.stderr
    assert run.summary()["written"] == 3


def test_a_killed_run_leaves_a_report_that_says_it_never_ended(tmp_path, base_config):
    # A monitor reading report_file after an out-of-memory kill must not see the last run's summary.
    report = tmp_path / "report.json"
    config = base_config | {"mappings": [PEOPLE], "report_file": str(report)}
    assert run_target(tmp_path, config, messages(*_people(2))).returncode == 0
    finished = json.loads(report.read_text())
    text = "".join(json.dumps(line) + "\n" for line in messages(*_people(1)))

    def running() -> bool:
        return report.exists() and json.loads(report.read_text()).get("status") == "running"

    run, _ = stop_while(tmp_path, config, text, running, signal.SIGKILL, keep_open=True)
    assert run.returncode == -signal.SIGKILL
    left = json.loads(report.read_text())
    assert left["status"] == "running" and left["started_at"] >= finished["started_at"]
    assert "written" not in left and left["pid"] > 0


def test_a_run_stopped_at_start_up_says_so_in_the_report(tmp_path, base_config):
    # A wrong token stops the run before any record: the last good summary is not left looking current.
    report = tmp_path / "report.json"
    config = base_config | {"mappings": [PEOPLE], "report_file": str(report)}
    assert run_target(tmp_path, config, messages(*_people(1))).returncode == 0
    wrong = {"api_token": "wrong-token", "ledger_path": str(tmp_path / "fresh.sqlite")}
    stopped = run_target(tmp_path, config | wrong, messages(*_people(1)))
    assert stopped.returncode == 1, stopped.stderr[-2000:]
    left = json.loads(report.read_text())
    assert left["status"] == "stopped" and left["started_at"] <= left["ended_at"]
    assert "written" not in left
