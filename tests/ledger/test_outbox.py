"""A create whose answer is lost but which lands later (adversary F1) is never sent twice."""

from __future__ import annotations

import time

from ..target.cli import messages, run_target
from ..target.test_person import identify, person_mapping


def test_a_create_that_lands_after_the_timeout_is_not_sent_again(tmp_path, sandbox):
    base_config = {"api_url": sandbox.url, "api_token": sandbox.token}
    sandbox.configure(faults=[{"method": "POST", "path": "/api/v2/persons", "latency": 6, "count": 1}])
    config = base_config | {"mappings": [person_mapping()], "request_timeout": 2, "outcome_settle": 60}
    run = run_target(tmp_path, config, messages(identify("u1", "slow@example.com", "Slow")))
    assert run.returncode == 0, run.stderr[-3000:]
    assert len(sandbox.entities("persons")) == 1
    assert "looking again" in run.stderr


def test_a_late_patch_never_leaves_an_older_value(tmp_path, sandbox, ledger_url):
    """Adversary F5: the PATCH of v1 times out, is retried and succeeds, v2 is PATCHed, and then the first
    v1 request commits, after both. The ledger must not trust v2's digest: once the settle time has passed,
    the next run reads the person and patches v2 again."""
    base_config = {"api_url": sandbox.url, "api_token": sandbox.token}
    config = base_config | {"mappings": [person_mapping()], "request_timeout": 2, "outcome_settle": 8}
    config |= {"ledger_url": ledger_url}
    created = run_target(tmp_path, config, messages(identify("u1", "late@example.com", "Name v0")))
    assert created.returncode == 0, created.stderr[-3000:]
    sandbox.configure(faults=[{"method": "PATCH", "path": "/api/v2/persons/*", "latency": 5, "count": 1}])
    events = [identify("u1", "late@example.com", f"Name v{n}") for n in (1, 2)]
    run = run_target(tmp_path, config, messages(*events))
    assert run.returncode == 0, run.stderr[-3000:]
    assert "checked again once" in run.stderr
    time.sleep(9)  # the late v1 has landed and the settle time has passed
    [person] = sandbox.entities("persons")
    assert person["name"] == "Name v1", "the fault did not reorder the updates: the test tests nothing"
    rerun = run_target(tmp_path, config, messages(identify("u1", "late@example.com", "Name v2")))
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    [person] = sandbox.entities("persons")
    assert person["name"] == "Name v2"
    assert "sent again" in rerun.stderr
    # Resolved: a further run has nothing left to check.
    again = run_target(tmp_path, config, messages(identify("u1", "late@example.com", "Name v2")))
    assert "sent again" not in again.stderr
    assert again.summary()["mappings"]["people"]["unchanged"] == 1
