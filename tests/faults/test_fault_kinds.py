"""Never lose, never duplicate: each kind of fault, on the write it hurts most, and the runs that follow.

The orchestrator reruns the target from its last emitted state after a failure, as Meltano's next
scheduled run would. Whether a fault is retried inside the run or ends it, the sandbox must end up with
exactly the entities of a fault-free run: none missing (no state passed on too early), none twice (no
create repeated after a write whose outcome was unknown).
"""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.soak_compare import differences, duplicates_by_match_key, wait_until_answered
from benchmarks.soak_tap import TapInput, run_until_done

from .conftest import SPEED, on_ledgers

_POST = {"path": "/api/*", "method": "POST", "skip": 2}
_PATCH = {"path": "/api/*", "method": "PATCH"}
FAULTS = {
    "500_on_a_create": _POST | {"status": 500},
    "503_on_an_update": _PATCH | {"status": 503},
    "502_on_a_lookup": {"path": "/api/v2/*", "method": "GET", "skip": 4, "status": 502},
    "429_on_a_create": _POST | {"status": 429, "retry_after": 1},
    "drop_before_a_create": _POST | {"drop": "before"},
    "drop_after_a_create": _POST | {"drop": "after"},
    "drop_after_an_update": _PATCH | {"drop": "after"},
    "drop_after_a_note": {"path": "/api/v1/notes", "method": "POST", "drop": "after"},
    # request_timeout is 1 s: the create commits half a second after the client has given up on it.
    "timeout_on_a_create": _POST | {"latency": 1.5 * SPEED},
    "html_403_on_a_create": _POST | {"html": True},
}


# On PostgreSQL too: the faults that leave the ledger holding an intent, a digest or a marker whose
# outcome the rerun must resolve (conftest.py says why not all of them).
ON_POSTGRES = ("drop_after_a_create", "drop_after_an_update", "drop_after_a_note", "timeout_on_a_create")


@pytest.mark.parametrize(("fault", "ledger"), on_ledgers(FAULTS, ON_POSTGRES))
def test_the_end_state_is_the_fault_free_one(
    sandbox: Any, settings: dict[str, Any], tap: TapInput, tmp_path, fault_free, fault, ledger
):
    # Pipedrive's search index lags behind writes: a rerun (3 real seconds later at most) cannot count
    # on finding a create by search.
    sandbox.configure(faults=[fault], search_delay=3 * SPEED)
    orchestration = run_until_done(tap, settings, tmp_path, max_attempts=3)
    wait_until_answered(sandbox)
    # The fault has count 1: used up means it fired (counters["faults"] does not count latency).
    assert sandbox.sandbox.faults.pending() == [], "the fault never fired: the test tests nothing"
    attempts = [(a.start_offset, a.returncode, a.end_offset) for a in orchestration.attempts]
    assert differences(fault_free, sandbox.state()) == [], attempts
    assert set(duplicates_by_match_key(sandbox.state()).values()) == {0}, attempts
    assert orchestration.uncovered(len(tap.events)) == [], attempts
