"""A fatal error mid-run: the last state passed on is the one before the failing record, every record
before it is written, and a rerun from it ends with exactly the entities of a fault-free run.
"""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.soak_compare import differences
from benchmarks.soak_tap import TapInput, run_target_once

from .conftest import SPEED, fast_settings
from .requests_log import first_faulted, made_for, option_ids
from .singer_output import assert_no_traceback, emitted_offsets, stopped_at_line

FATAL_FAULTS = {
    # Pipedrive's gateway blocks the client: never retried.
    "html_403_on_the_3rd_create": ({"path": "/api/*", "method": "POST", "skip": 2, "html": True}, 403),
    # Retries run out on an update (max_retries 1): Pipedrive is unavailable.
    "503s_from_the_2nd_update_on": (
        {"path": "/api/*", "method": "PATCH", "skip": 1, "count": -1, "status": 503},
        503,
    ),
}


@pytest.mark.parametrize(("fault", "status"), FATAL_FAULTS.values(), ids=FATAL_FAULTS)
def test_fatal_error_passes_no_state_past_the_failing_record_and_a_rerun_completes(
    sandbox: Any,
    sandbox_factory: Any,
    settings: dict[str, Any],
    tap: TapInput,
    tmp_path,
    fault_free,
    fault,
    status,
):
    sandbox.configure(faults=[fault])
    failed, _ = run_target_once(settings, tap.text_after(0), tmp_path, "failing", timeout=120)
    assert failed.returncode == 1, failed.stderr[-3000:]
    assert_no_traceback(failed.stderr)
    assert stopped_at_line(failed.stderr) > 1
    offsets = emitted_offsets(failed.stdout)
    assert offsets, failed.stderr[-3000:]
    last = offsets[-1]
    # A state after every record, up to the one before the record whose request the fault hit.
    assert offsets == list(range(1, last + 1))
    assert made_for(first_faulted(sandbox.log(), (status,)), tap.events[last], option_ids(sandbox))

    # Every record before that state is written: nothing a fault-free run of them leaves is missing.
    prefix_server = sandbox_factory(speed=SPEED)
    prefix_dir = tmp_path / "prefix"
    prefix_dir.mkdir()
    prefix_tap = TapInput(tap.events[:last], state_every=1)
    prefix, _ = run_target_once(
        fast_settings(prefix_server, prefix_dir), prefix_tap.text_after(0), prefix_dir, "prefix", timeout=120
    )
    assert prefix.returncode == 0, prefix.stderr[-3000:]
    assert [d for d in differences(prefix_server.state(), sandbox.state()) if d.missing] == []

    # The next scheduled run starts after the last state and leaves what a fault-free run leaves.
    sandbox.configure(faults=[])
    rerun, _ = run_target_once(settings, tap.text_after(last), tmp_path, "rerun", timeout=120)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert differences(fault_free, sandbox.state()) == []


def test_a_failure_on_the_last_records_of_the_input_stops_as_cleanly(
    sandbox: Any, settings: dict[str, Any], tap: TapInput, tmp_path
):
    # No STATE after the failing record: the failure may surface only once the input has ended.
    sandbox.configure(faults=[FATAL_FAULTS["html_403_on_the_3rd_create"][0]])
    text = "".join(tap.text_after(0).splitlines(keepends=True)[:6])  # SCHEMA, R1, S1, R2, S2, R3
    failed, _ = run_target_once(settings, text, tmp_path, "failing", timeout=120)
    assert failed.returncode == 1, failed.stderr[-3000:]
    assert_no_traceback(failed.stderr)
    assert "| ERROR" in failed.stderr
    assert emitted_offsets(failed.stdout) == [1, 2]
    assert made_for(first_faulted(sandbox.log(), (403,)), tap.events[2])
