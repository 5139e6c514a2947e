"""The collector is set for the record loop and set back after it, also when the loop fails."""

from __future__ import annotations

import gc

import pytest

from target_pipedrive.run.collector import YOUNG_THRESHOLD, set_for_records


def test_the_record_loop_freezes_start_up_and_scans_the_young_less_often():
    before = gc.get_threshold()
    with set_for_records():
        assert gc.get_threshold()[0] == max(YOUNG_THRESHOLD, before[0])
        assert gc.get_threshold()[1:] == before[1:]
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_a_failing_loop_sets_the_collector_back_too():
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), set_for_records():
        raise RuntimeError("a poisoned record")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
