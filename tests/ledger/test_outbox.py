"""A create whose answer is lost but which lands later (adversary F1) is never sent twice."""

from __future__ import annotations

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
