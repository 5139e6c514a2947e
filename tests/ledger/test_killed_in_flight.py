"""A write still in flight when its run is killed (kill -9, or a SIGTERM that does not wait for it),
and the slow request landing after the rerun started (adversary round 2, findings 1 and 2):

- a create: the rerun at once waits for it to land (while it could: request_timeout and a re-check
  after it was sent) instead of sending it again, so there is exactly one entity; an intent older than
  that costs the rerun no wait;
- an update: it was in the outbox before it was sent, so once outcome_settle has passed a later run
  finds the older value that landed last and sends the newest again."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from benchmarks.soak_compare import wait_until_answered

from ..stops.test_signals import stop_while
from ..target.cli import messages, run_target
from ..target.test_person import identify, person_mapping

IN_FLIGHT = "may have been in flight"


def config_for(sandbox: Any, tmp_path: Path, **more: Any) -> dict[str, Any]:
    return {
        "api_url": sandbox.url,
        "api_token": sandbox.token,
        "mappings": [person_mapping()],
        "ledger_path": str(tmp_path / "ledger.sqlite"),
        "reject_file": str(tmp_path / "rejects.jsonl"),
        "max_retries": 1,
    } | more


def text_of(*records: dict[str, Any]) -> str:
    return "".join(json.dumps(line) + "\n" for line in messages(*records))


def kill_in_flight(sandbox: Any, tmp_path: Path, config: dict[str, Any], text: str, signum: int) -> None:
    """Run the target on `text` and send `signum` once the sandbox holds the faulty (slow) request."""
    run, _ = stop_while(tmp_path, config, text, lambda: not sandbox.sandbox.faults.pending(), signum)
    assert run.returncode == (-signum if signum == signal.SIGKILL else 143), run.stderr[-3000:]


@pytest.mark.parametrize(
    ("signum", "timeout", "latency"),
    # kill -9: nothing is waited for. SIGTERM gives records in flight 5 s: the POST outlives them and
    # the timeout (10 s), so the run ends without an outcome, as under kill -9.
    [(signal.SIGKILL, 3, 4), (signal.SIGTERM, 10, 7)],
    ids=["sigkill", "sigterm"],
)
def test_a_create_killed_in_flight_is_not_sent_again_by_an_immediate_rerun(
    tmp_path, sandbox, signum, timeout, latency
):
    sandbox.configure(faults=[{"method": "POST", "path": "/api/v2/persons", "latency": latency, "count": 1}])
    config = config_for(sandbox, tmp_path, request_timeout=timeout)
    text = text_of(identify("u1", "slow@example.com", "Slow"))
    kill_in_flight(sandbox, tmp_path, config, text, signum)
    started = time.monotonic()
    rerun = run_target(tmp_path, config, text)  # at once, as a scheduler's retry
    took = time.monotonic() - started
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    wait_until_answered(sandbox)
    assert len(sandbox.entities("persons")) == 1
    assert IN_FLIGHT in rerun.stderr
    assert "landed (id" in rerun.stderr
    print(f"rerun after {signal.Signals(signum).name}: {took:.1f} s")


def test_a_create_killed_while_its_lost_answer_is_checked_keeps_outcome_settle(tmp_path, sandbox):
    """Killed after its timeout, in the re-check's wait: the intent is already in doubt, so the rerun
    waits outcome_settle, not only request_timeout and a re-check (the POST lands after both)."""
    sandbox.configure(faults=[{"method": "POST", "path": "/api/v2/persons", "latency": 7, "count": 1}])
    config = config_for(sandbox, tmp_path, request_timeout=2, outcome_settle=20)
    text = text_of(identify("u1", "slow@example.com", "Slow"))
    log = tmp_path / "stderr.log"
    checking = "checking whether Pipedrive created it"
    run, _ = stop_while(tmp_path, config, text, lambda: checking in log.read_text(), signal.SIGKILL)
    assert run.returncode == -signal.SIGKILL, run.stderr[-3000:]
    rerun = run_target(tmp_path, config, text)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    wait_until_answered(sandbox)
    assert len(sandbox.entities("persons")) == 1
    assert "is not in Pipedrive yet: waiting" in rerun.stderr


def test_an_intent_older_than_its_request_could_take_costs_the_rerun_no_wait(tmp_path, sandbox):
    # The create is killed in flight and never lands (the connection is then dropped, nothing written).
    fault = {"method": "POST", "path": "/api/v2/persons", "latency": 3, "drop": "before", "count": 1}
    sandbox.configure(faults=[fault])
    text = text_of(identify("u1", "lost@example.com", "Lost"))
    # The wait of a killed run's create: a minute at least, never past outcome_settle (here 2 s).
    config = config_for(sandbox, tmp_path, request_timeout=1, outcome_settle=2)
    kill_in_flight(sandbox, tmp_path, config, text, signal.SIGKILL)
    # The killed run's request_timeout (1 s) and re-check (1 s) after it was sent have passed.
    time.sleep(2.5)
    started = time.monotonic()
    rerun = run_target(tmp_path, config, text)
    took = time.monotonic() - started
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert IN_FLIGHT not in rerun.stderr and "waiting" not in rerun.stderr
    wait_until_answered(sandbox)
    assert len(sandbox.entities("persons")) == 1
    assert took < 15, took
    print(f"rerun with an old unflagged intent: {took:.1f} s")


def test_an_update_killed_in_flight_is_repaired_once_outcome_settle_has_passed(tmp_path, sandbox, ledger_url):
    settle = 6
    config = config_for(sandbox, tmp_path, ledger_url=ledger_url, request_timeout=10, outcome_settle=settle)
    created = run_target(tmp_path, config, messages(identify("u1", "late@example.com", "Name A")))
    assert created.returncode == 0, created.stderr[-3000:]
    sandbox.configure(faults=[{"method": "PATCH", "path": "/api/v2/persons/*", "latency": 4, "count": 1}])
    sent = time.monotonic()
    kill_in_flight(
        sandbox, tmp_path, config, text_of(identify("u1", "late@example.com", "Name B")), signal.SIGKILL
    )
    newer = messages(identify("u1", "late@example.com", "Name C"))
    rerun = run_target(tmp_path, config, newer)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    wait_until_answered(sandbox)
    [person] = sandbox.entities("persons")
    assert person["name"] == "Name B", "the killed update did not land last: the test tests nothing"
    time.sleep(max(0.0, sent + settle + 0.5 - time.monotonic()))
    later = run_target(tmp_path, config, newer)
    assert later.returncode == 0, later.stderr[-3000:]
    assert "sent again: name" in later.stderr
    [person] = sandbox.entities("persons")
    assert person["name"] == "Name C"
    # The killed run's update, in the outbox: the rerun said it was not checked yet, the later run did.
    assert "not settled yet" in rerun.stderr
    again = run_target(tmp_path, config, newer)
    assert "sent again" not in again.stderr
    assert again.summary()["mappings"]["people"]["unchanged"] == 1


def test_a_create_that_left_late_is_waited_for_from_when_it_left(tmp_path, sandbox):
    """The intent row is written before the POST's turn; a 429's wait (or pacing, or a retry) comes in
    between. Killed while the retry is in flight, the rerun counts its wait from when the retry left:
    counted from the row, it would not wait at all and create the person a second time."""
    sandbox.configure(
        faults=[
            {"method": "POST", "path": "/api/v2/persons", "status": 429, "retry_after": 6, "count": 1},
            {"method": "POST", "path": "/api/v2/persons", "latency": 4, "count": 1},
        ]
    )
    config = config_for(sandbox, tmp_path, request_timeout=3)
    text = text_of(identify("u1", "late@example.com", "Late"))
    kill_in_flight(sandbox, tmp_path, config, text, signal.SIGKILL)
    rerun = run_target(tmp_path, config, text)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    wait_until_answered(sandbox)
    assert len(sandbox.entities("persons")) == 1
    assert IN_FLIGHT in rerun.stderr


def test_an_update_that_left_late_settles_from_when_it_left(tmp_path, sandbox):
    """Like the create's: a PATCH held by a 429's wait, then killed in flight. A run after
    outcome_settle counted from the row (not from when the PATCH left) would find the rerun's value,
    forget the row, and the killed PATCH would land after it: a lost update."""
    settle = 8
    config = config_for(sandbox, tmp_path, request_timeout=10, outcome_settle=settle)
    created = run_target(tmp_path, config, messages(identify("u1", "late@example.com", "Name A")))
    assert created.returncode == 0, created.stderr[-3000:]
    sandbox.configure(
        faults=[
            {"method": "PATCH", "path": "/api/v2/persons/*", "status": 429, "retry_after": 6, "count": 1},
            {"method": "PATCH", "path": "/api/v2/persons/*", "latency": 4, "count": 1},
        ]
    )
    started = time.monotonic()
    kill_in_flight(
        sandbox, tmp_path, config, text_of(identify("u1", "late@example.com", "Name B")), signal.SIGKILL
    )
    newer = messages(identify("u1", "late@example.com", "Name C"))
    assert run_target(tmp_path, config, newer).returncode == 0
    # Past outcome_settle from the row, before it has passed from when the PATCH left.
    time.sleep(max(0.0, started + settle + 0.5 - time.monotonic()))
    early = run_target(tmp_path, config, newer)
    assert "not settled yet" in early.stderr
    wait_until_answered(sandbox)
    [person] = sandbox.entities("persons")
    assert person["name"] == "Name B", "the killed update did not land last: the test tests nothing"
    time.sleep(max(0.0, started + 6 + settle + 0.5 - time.monotonic()))
    later = run_target(tmp_path, config, newer)
    assert "sent again: name" in later.stderr
    assert sandbox.entities("persons")[0]["name"] == "Name C"


def test_a_rerun_with_a_shorter_request_timeout_waits_as_long_as_the_killed_run_could(tmp_path, sandbox):
    """The killed run's POST could run for its own request_timeout, whatever the rerun's setting."""
    sandbox.configure(faults=[{"method": "POST", "path": "/api/v2/persons", "latency": 6, "count": 1}])
    text = text_of(identify("u1", "slow@example.com", "Slow"))
    kill_in_flight(sandbox, tmp_path, config_for(sandbox, tmp_path, request_timeout=8), text, signal.SIGKILL)
    rerun = run_target(tmp_path, config_for(sandbox, tmp_path, request_timeout=2), text)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    wait_until_answered(sandbox)
    assert len(sandbox.entities("persons")) == 1
    assert "landed (id" in rerun.stderr


def test_a_create_held_past_the_killed_runs_request_timeout_is_waited_for(tmp_path, sandbox):
    """The server holds the POST (12 s) far past the killed run's request_timeout (3 s) and commits it:
    the rerun at once waits a minute at least (here outcome_settle, 20 s) from when it was sent, finds
    it, and sends nothing (it used to wait 6 s, send it again, and the late one made a second)."""
    sandbox.configure(faults=[{"method": "POST", "path": "/api/v2/persons", "latency": 12, "count": 1}])
    config = config_for(sandbox, tmp_path, request_timeout=3, outcome_settle=20)
    text = text_of(identify("u1", "held@example.com", "Held"))
    kill_in_flight(sandbox, tmp_path, config, text, signal.SIGKILL)
    rerun = run_target(tmp_path, config, text)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    wait_until_answered(sandbox)
    assert len(sandbox.entities("persons")) == 1
    assert IN_FLIGHT in rerun.stderr and "landed (id" in rerun.stderr
